package harvest_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/spamkit/spamkit/harvest"
)

type backend struct{ seen chan harvest.GreetOutcome }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	// The session finds the pause's outcome on its connection.
	if gc, ok := c.Conn().(*harvest.GreetConn); ok {
		b.seen <- gc.Outcome
	}
	return session{}, nil
}

type session struct{}

func (session) Reset()                               {}
func (session) Logout() error                        { return nil }
func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }

// A github.com/emersion/go-smtp server behind a GreetListener: a polite
// go-smtp client gets through, an early talker is dropped before the
// server sees it.
func TestGoSMTPServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan harvest.GreetOutcome, 4)
	srv := smtp.NewServer(backend{seen})
	srv.Domain = "mx.example"
	gl := &harvest.GreetListener{Listener: l, Pause: harvest.GreetPause{Wait: 300 * time.Millisecond}, Drop: true}
	go srv.Serve(gl)
	t.Cleanup(func() { srv.Close() })

	c, err := smtp.Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello("client.example"); err != nil {
		t.Fatalf("EHLO after the pause: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Errorf("QUIT: %v", err)
	}
	select {
	case o := <-seen:
		if o.Result != harvest.GreetPass {
			t.Errorf("polite go-smtp client: %v, want pass", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server never opened a session")
	}

	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(raw, "EHLO bot.example\r\nMAIL FROM:<a@b.example>\r\n")
	line, _ := bufio.NewReader(raw).ReadString('\n')
	if line != "521 5.5.1 Protocol error\r\n" {
		t.Errorf("early talker got %q, want the 521", line)
	}
	select {
	case o := <-seen:
		t.Errorf("the server opened a session for the early talker: %v", o)
	case <-time.After(100 * time.Millisecond):
	}
}

// harvestBackend is a go-smtp backend that asks a harvest.Checker at
// each command, through a harvest.Session per connection.
type harvestBackend struct {
	hc        *harvest.Checker
	mailboxes map[string]bool
}

func smtpError(o harvest.Outcome) error {
	r := o.Reply()
	var e smtp.EnhancedCode
	for i, p := range strings.SplitN(r.Enhanced, ".", 3) {
		for _, d := range p {
			e[i] = e[i]*10 + int(d-'0')
		}
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: e, Message: r.Text}
}

func (b harvestBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ap, err := netip.ParseAddrPort(c.Conn().RemoteAddr().String())
	if err != nil {
		return nil, err
	}
	hs := b.hc.NewSession(ap.Addr())
	o, err := hs.Connect(context.Background())
	if err != nil || o.Result != harvest.Allow {
		hs.Close()
		return nil, smtpError(o)
	}
	return &harvestSession{b: b, hs: hs}, nil
}

type harvestSession struct {
	b  harvestBackend
	hs *harvest.Session
}

func (s *harvestSession) Reset()        { s.hs.Reset() }
func (s *harvestSession) Logout() error { s.hs.Close(); return nil }
func (s *harvestSession) Mail(string, *smtp.MailOptions) error {
	if o, _ := s.hs.Mail(context.Background()); o.Result != harvest.Allow {
		return smtpError(o)
	}
	return nil
}
func (s *harvestSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	local, _, _ := strings.Cut(to, "@")
	st := harvest.Unknown
	if s.b.mailboxes[local] {
		st = harvest.Known
	}
	// Ask before answering: a harvester gets the same reply either way.
	if o, _ := s.hs.Rcpt(context.Background(), st); o.Result != harvest.Allow {
		return smtpError(o)
	}
	if st == harvest.Unknown {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "User unknown"}
	}
	return nil
}
func (s *harvestSession) Data(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }

// A dictionary attack on a go-smtp server that asks a harvest.Checker:
// the prober learns which of its first names are unknown, then gets the
// same 421 for every name, existing or not, and for a new connection.
func TestGoSMTPDictionaryAttack(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	hc := &harvest.Checker{Now: func() time.Time { return now }}
	srv := smtp.NewServer(harvestBackend{hc, map[string]bool{"alice": true, "bob": true}})
	srv.Domain = "mx.example"
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	c, err := smtp.Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("probe@bot.example", nil); err != nil {
		t.Fatal(err)
	}
	codes := map[string][]int{}
	for i := 0; i < 40; i++ {
		name := "user" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if i == 5 || i == 30 {
			name = "alice"
		}
		code := 250
		var se *smtp.SMTPError
		if err := c.Rcpt(name+"@example.org", nil); errors.As(err, &se) {
			code = se.Code
		} else if err != nil {
			t.Fatalf("RCPT %d: %v", i, err)
		}
		codes[name] = append(codes[name], code)
		if i < harvest.DefaultDHAUnknown && name != "alice" && code != 550 {
			t.Errorf("RCPT %d (%s): %d, want 550 before the verdict", i, name, code)
		}
		if i >= harvest.DefaultDHAUnknown && code != 421 {
			t.Errorf("RCPT %d (%s): %d, want 421 after the verdict", i, name, code)
		}
	}
	if got := codes["alice"]; len(got) != 2 || got[0] != 250 || got[1] != 421 {
		t.Errorf("alice: %v, want 250 before the verdict and 421 after", got)
	}
	c2, err := smtp.Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var se *smtp.SMTPError
	if err := c2.Hello("bot.example"); !errors.As(err, &se) || se.Code != 421 {
		t.Errorf("a new connection's EHLO: %v, want 421", err)
	}
}
