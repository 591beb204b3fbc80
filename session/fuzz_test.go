package session

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/internal/header"
)

// FuzzParseScores: whatever parses renders to text that parses to the
// same table.
func FuzzParseScores(f *testing.F) {
	f.Add("score SPF_FAIL 3.0\nBAYES_99 5 # c\n")
	f.Add(DefaultScores().String())
	f.Add("A -1e-3\n\n#\nB +2")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseScores(strings.NewReader(text))
		if err != nil {
			return
		}
		again, err := ParseScores(strings.NewReader(s.String()))
		if err != nil || !maps.Equal(s, again) {
			t.Fatalf("round trip of %q: %v, %v; want %v", text, again, err, s)
		}
	})
}

// FuzzWrite: however a message is cut into writes, the session finds the
// header where the module's one rule (internal/header) puts it, holds
// exactly the message, and gives the same verdict.
func FuzzWrite(f *testing.F) {
	f.Add([]byte("Subject: x\r\n\r\nbody\r\n"), uint8(1))
	f.Add([]byte("From a@b Mon\nSubject: x\n folded\nnot a field\nbody"), uint8(3))
	f.Add([]byte("\r\nbody only"), uint8(2))
	f.Add([]byte("Subject: no body"), uint8(5))
	f.Add([]byte(" leading space\nA: b\n\n"), uint8(1))
	e := &Engine{MaxHeaderBytes: 1 << 20, MaxMessageBytes: -1}
	f.Fuzz(func(t *testing.T, msg []byte, chunk uint8) {
		n := int(chunk)%16 + 1
		s := e.NewSession(context.Background())
		defer s.Close()
		s.Mail(context.Background(), "")
		for c := range slicesChunk(msg, n) {
			s.Write(c)
		}
		if _, err := s.EndOfData(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, body, _ := header.Split(msg)
		if s.hdrEnd != body {
			t.Fatalf("chunks of %d: header ends at %d, want %d (header.Split) in %q", n, s.hdrEnd, body, msg)
		}
		if !bytes.Equal(s.msg, msg) {
			t.Fatalf("chunks of %d: the session holds %q, want %q", n, s.msg, msg)
		}
	})
}

// FuzzClaims: the authserv-id test of a received Authentication-Results
// agrees with authres.Parse whenever that parses, and never panics on
// what it does not.
func FuzzClaims(f *testing.F) {
	f.Add("mx.example.org; spf=pass smtp.mailfrom=example.com", "mx.example.org")
	f.Add(" (c) \"MX.example.org\" ;;; garbage (", "mx.example.org")
	f.Add("((nested) comment) other.example; none", "other.example")
	f.Add("(unterminated", "x")
	f.Fuzz(func(t *testing.T, value, servID string) {
		got := claims(value, servID)
		if h, err := authres.Parse(value); err == nil && got != strings.EqualFold(h.ServID, servID) {
			t.Errorf("claims(%q, %q) = %v, authres.Parse says servID %q", value, servID, got, h.ServID)
		}
	})
}
