package harvest_test

import (
	"bufio"
	"io"
	"net"
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
