package session

import (
	"bytes"
	"context"
	"maps"
	"slices"
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
// agrees with authres.Parse whenever that parses (as DNS names: case and
// a trailing dot ignored), and never panics on what it does not.
func FuzzClaims(f *testing.F) {
	f.Add("mx.example.org; spf=pass smtp.mailfrom=example.com", "mx.example.org")
	f.Add(" (c) \"MX.example.org\" ;;; garbage (", "mx.example.org")
	f.Add("((nested) comment) other.example; none", "other.example")
	f.Add("(unterminated", "x")
	f.Fuzz(func(t *testing.T, value, servID string) {
		got := claims(value, servID)
		if h, err := authres.Parse(value); err == nil && got != sameServID(h.ServID, servID) {
			t.Errorf("claims(%q, %q) = %v, authres.Parse says servID %q", value, servID, got, h.ServID)
		}
	})
}

// FuzzHeaderPastMax: a session cut at a small MaxHeaderBytes lists the
// same fields to remove as one that read the header whole (the fields
// past the cut are read as they stream), and refuses the message when
// the header was over the cap.
func FuzzHeaderPastMax(f *testing.F) {
	f.Add([]byte("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nAuthentication-Results: mx.test; dkim=pass\r\nX-Spam-Flag: NO\r\n\r\nbody\r\n"), uint8(7), uint8(20))
	f.Add([]byte("From x\nX-Spam-A: 1\n folded\nAuthentication-Results: (c)\n mx.test; spf=pass\nnot a field\nX-Spam-B: 2\n"), uint8(1), uint8(10))
	f.Add([]byte("A: "+strings.Repeat("b", 80)+"\n X-Spam-C: folded\nx-spam-d: 1\r\n"), uint8(3), uint8(1))
	whole := &Engine{AuthServID: "mx.test", MaxHeaderBytes: 1 << 20, MaxMessageBytes: -1}
	f.Fuzz(func(t *testing.T, msg []byte, chunk, max uint8) {
		if len(msg) > 900 {
			return // every field then fits the 1 KiB kept past the cut
		}
		cut := &Engine{AuthServID: "mx.test", MaxHeaderBytes: int(max)%64 + 1, MaxMessageBytes: -1}
		n := int(chunk)%16 + 1
		run := func(e *Engine) (Verdict, *Session) {
			s := e.NewSession(context.Background())
			t.Cleanup(s.Close)
			s.Mail(context.Background(), "")
			for c := range slicesChunk(msg, n) {
				s.Write(c)
			}
			v, err := s.EndOfData(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return v, s
		}
		vw, _ := run(whole)
		vc, sc := run(cut)
		if !slices.Equal(vw.Remove, vc.Remove) {
			t.Fatalf("MaxHeaderBytes %d, chunks of %d: Remove = %v, want %v (whole header) in %q", cut.MaxHeaderBytes, n, vc.Remove, vw.Remove, msg)
		}
		if sc.hdrTooBig != (vc.Action == Reject && vc.Reply.Code == 552) {
			t.Fatalf("header too big %v, verdict %s", sc.hdrTooBig, vc)
		}
	})
}
