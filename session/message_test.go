package session

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/mime"
)

// TestMessage: Message returns the message exactly as written (any
// chunking, a mbox From_ line and LF line ends kept), during and after
// the transaction; not over MaxMessageBytes, and not after Reset.
func TestMessage(t *testing.T) {
	t.Parallel()
	e := &Engine{MIME: &mime.Scanner{}, MaxMessageBytes: 4096}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	if m, ok := s.Message(); ok || m != nil {
		t.Errorf("Message before Mail = %q, %v, want nil, false", m, ok)
	}
	msg := []byte("From alice@example.com Thu Nov 26 11:59:00 2026\nFrom: alice@example.com\r\nSubject: hi\n\nline one\r\nline two\n")
	for _, n := range []int{1, 3, 7, len(msg)} {
		s.Mail(ctx, "alice@example.com")
		for chunk := range slicesChunk(msg, n) {
			s.Write(chunk)
		}
		if m, ok := s.Message(); !ok || !bytes.Equal(m, msg) {
			t.Errorf("chunks of %d: Message before EndOfData = %q, %v, want the message as written", n, m, ok)
		}
		if _, err := s.EndOfData(ctx); err != nil {
			t.Fatal(err)
		}
		if m, ok := s.Message(); !ok || !bytes.Equal(m, msg) {
			t.Errorf("chunks of %d: Message after EndOfData = %q, %v, want the message as written", n, m, ok)
		}
	}
	s.Reset()
	if m, ok := s.Message(); ok || m != nil {
		t.Errorf("Message after Reset = %q, %v, want nil, false", m, ok)
	}
	s.Mail(ctx, "alice@example.com")
	s.Write(message("alice@example.com", "big", strings.Repeat("x", 5000)))
	if m, ok := s.Message(); ok || m != nil {
		t.Errorf("Message over MaxMessageBytes = %d bytes, %v, want nil, false", len(m), ok)
	}
}

// TestStrippedMessage: the whole stripped message (header included, as
// mime.Strip made it) for an SMTP server's spool: the header as received,
// the body StrippedBody returns.
func TestStrippedMessage(t *testing.T) {
	t.Parallel()
	e := &Engine{MIME: &mime.Scanner{}, MIMEPolicy: mime.Policy{Reject: []mime.Kind{}, Strip: []mime.Kind{mime.KindExecutable, mime.KindDangerousExtension}}}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Mail(ctx, "billing@example.com")
	if _, err := s.StrippedMessage(); err == nil {
		t.Error("StrippedMessage before EndOfData: no error")
	}
	in := malware()
	s.Write(in)
	if _, err := s.EndOfData(ctx); err != nil {
		t.Fatal(err)
	}
	whole, err := s.StrippedMessage()
	if err != nil {
		t.Fatal(err)
	}
	body, err := s.StrippedBody()
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := header.Split(whole)
	if !bytes.Equal(whole[b:], body) {
		t.Errorf("StrippedMessage's body differs from StrippedBody")
	}
	_, inBody, _ := header.Split(in)
	if !bytes.HasPrefix(whole, in[:inBody]) || bytes.Contains(whole, []byte("invoice.zip\"\r\nContent-Transfer-Encoding: base64")) {
		t.Errorf("StrippedMessage: want the received header and no zip:\n%s", whole)
	}
}
