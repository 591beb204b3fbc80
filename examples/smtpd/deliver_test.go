package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func newSpool(t *testing.T, memMax int, msg string) *spool {
	t.Helper()
	sp := &spool{dir: t.TempDir(), memMax: memMax}
	t.Cleanup(func() { sp.Close() })
	// In pieces, as go-smtp's reader hands them out.
	for len(msg) > 0 {
		n := min(len(msg), 7)
		if _, err := sp.Write([]byte(msg[:n])); err != nil {
			t.Fatal(err)
		}
		msg = msg[n:]
	}
	return sp
}

// A spool over its memory bound moves to a file (unlinked at once) and
// reads back the same octets, as often as asked.
func TestSpool(t *testing.T) {
	msg := strings.Repeat("Subject: x\r\n\r\nline\r\n", 20)
	for _, memMax := range []int{1 << 20, 10, 0} {
		sp := newSpool(t, memMax, msg)
		if (sp.f != nil) != (memMax < len(msg)) {
			t.Errorf("memMax %d: in a file = %v, want %v", memMax, sp.f != nil, memMax < len(msg))
		}
		if sp.f != nil {
			if entries, _ := os.ReadDir(sp.dir); len(entries) != 0 {
				t.Errorf("memMax %d: spool file left in its directory: %v", memMax, entries)
			}
		}
		for range 2 {
			got, err := io.ReadAll(sp.Reader())
			if err != nil || string(got) != msg {
				t.Errorf("memMax %d: read back %q, %v; want the message", memMax, got, err)
			}
		}
		if sp.Size() != int64(len(msg)) {
			t.Errorf("memMax %d: Size = %d, want %d", memMax, sp.Size(), len(msg))
		}
	}
}

func TestCRLFToLF(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\r\nb\r\n", "a\nb\n"},
		{"a\rb\r\n\r", "a\rb\n\r"},
		{"\r\r\n", "\r\n"},
		{"no line end", "no line end"},
	} {
		for split := 0; split <= len(tc.in); split++ {
			var out bytes.Buffer
			w := &crlfToLF{w: &out}
			w.Write([]byte(tc.in[:split]))
			w.Write([]byte(tc.in[split:]))
			got := out.String()
			if w.cr {
				got += "\r" // a final CR waits for what follows
			}
			if got != tc.want {
				t.Errorf("crlfToLF(%q split at %d) = %q, want %q", tc.in, split, got, tc.want)
			}
		}
	}
}

func maildirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Every recipient's copy goes to its Maildir's new/ with the header on
// top and LF line ends; tmp/ is left empty.
func TestMaildirDeliver(t *testing.T) {
	root := t.TempDir()
	m := &maildirs{root: root, hostname: "mx/x:y", now: time.Now}
	d := &delivery{
		From:   "alice@good.test",
		Rcpts:  []string{"bob@example.org", "carol@example.org", "bob@example.org"},
		Boxes:  []string{"bob@example.org", "carol@example.org", "bob@example.org"},
		Header: []byte("X-Added: yes\r\n"),
		Body:   newSpool(t, 1<<20, "Subject: hi\r\n\r\nbody\r\n"),
	}
	if err := m.deliver(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	for _, box := range []string{"bob@example.org", "carol@example.org"} {
		news := maildirFiles(t, filepath.Join(root, box, "new"))
		if len(news) != 1 {
			t.Fatalf("%s/new: %v, want one message", box, news)
		}
		if !strings.Contains(news[0], `.mx\057x\072y,S=`) {
			t.Errorf("file name %q: want the host name escaped and the size", news[0])
		}
		b, _ := os.ReadFile(filepath.Join(root, box, "new", news[0]))
		if want := "X-Added: yes\nSubject: hi\n\nbody\n"; string(b) != want {
			t.Errorf("%s: %q, want %q", box, b, want)
		}
		if tmp := maildirFiles(t, filepath.Join(root, box, "tmp")); len(tmp) != 0 {
			t.Errorf("%s/tmp: %v left", box, tmp)
		}
	}
}

// A Maildir that cannot be written delivers to no one: the copies
// already written are removed from tmp/, none reaches new/.
func TestMaildirDeliverAllOrNothing(t *testing.T) {
	root := t.TempDir()
	// carol's Maildir is a file: her copy cannot be written.
	if err := os.WriteFile(filepath.Join(root, "carol@example.org"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m := &maildirs{root: root, hostname: "mx", now: time.Now}
	d := &delivery{
		Boxes: []string{"bob@example.org", "carol@example.org"},
		Body:  newSpool(t, 1<<20, "Subject: hi\r\n\r\nbody\r\n"),
	}
	err := m.deliver(context.Background(), d)
	var de *deliveryError
	if !errors.As(err, &de) || de.Reply.Code != 451 {
		t.Fatalf("deliver = %v, want a 451 deliveryError", err)
	}
	if strings.Contains(de.Reply.Message, root) {
		t.Errorf("reply %q names a path", de.Reply.Message)
	}
	for _, sub := range []string{"new", "tmp"} {
		if f := maildirFiles(t, filepath.Join(root, "bob@example.org", sub)); len(f) != 0 {
			t.Errorf("bob's %s: %v, want nothing", sub, f)
		}
	}
}

func TestParseRelay(t *testing.T) {
	for _, tc := range []struct {
		in, network, addr string
		lmtp, ok          bool
	}{
		{"lmtp:127.0.0.1:24", "tcp", "127.0.0.1:24", true, true},
		{"lmtp:/run/dovecot/lmtp", "unix", "/run/dovecot/lmtp", true, true},
		{"smtp:[::1]:25", "tcp", "[::1]:25", false, true},
		{"smtp:/run/x", "", "", false, false},
		{"lmtp:", "", "", false, false},
		{"http:x:1", "", "", false, false},
		{"smtp:nohostport", "", "", false, false},
	} {
		r, err := parseRelay(tc.in, "mx")
		if (err == nil) != tc.ok {
			t.Errorf("parseRelay(%q) = %v, want ok %v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && (r.network != tc.network || r.addr != tc.addr || r.lmtp != tc.lmtp || r.String() != tc.in) {
			t.Errorf("parseRelay(%q) = %+v", tc.in, r)
		}
	}
}

// lmtpServer is an in-test LMTP server (go-smtp in LMTP mode), or SMTP
// server, that keeps the messages it takes and refuses the recipients
// of refuse (after the data) and of refuseRcpt (at RCPT).
type lmtpServer struct {
	addr       string
	refuse     map[string]*smtp.SMTPError
	refuseRcpt map[string]*smtp.SMTPError
	mu         sync.Mutex
	msgs       []lmtpMsg
}

type lmtpMsg struct {
	from  string
	rcpts []string
	data  string
}

func newLMTPServer(t *testing.T, refuse map[string]*smtp.SMTPError) *lmtpServer {
	return newNextHop(t, true, refuse, nil)
}

func newNextHop(t *testing.T, lmtp bool, refuse, refuseRcpt map[string]*smtp.SMTPError) *lmtpServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveNextHop(t, l, lmtp, refuse, refuseRcpt)
}

func serveNextHop(t *testing.T, l net.Listener, lmtp bool, refuse, refuseRcpt map[string]*smtp.SMTPError) *lmtpServer {
	t.Helper()
	ls := &lmtpServer{addr: l.Addr().String(), refuse: refuse, refuseRcpt: refuseRcpt}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &lmtpSession{s: ls}, nil }))
	srv.LMTP = lmtp
	srv.Domain = "lmtp.test"
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ls
}

func (s *lmtpServer) messages() []lmtpMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]lmtpMsg(nil), s.msgs...)
}

type lmtpSession struct {
	s     *lmtpServer
	from  string
	rcpts []string
}

func (x *lmtpSession) Reset()        { x.from, x.rcpts = "", nil }
func (x *lmtpSession) Logout() error { return nil }
func (x *lmtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *lmtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := x.s.refuseRcpt[to]; e != nil {
		return e
	}
	x.rcpts = append(x.rcpts, to)
	return nil
}
func (x *lmtpSession) Data(r io.Reader) error {
	return x.LMTPData(r, nil)
}
func (x *lmtpSession) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var took []string
	for _, rc := range x.rcpts {
		e := x.s.refuse[rc]
		if e == nil {
			took = append(took, rc)
		}
		if status != nil {
			if e == nil {
				status.SetStatus(rc, nil)
			} else {
				status.SetStatus(rc, e)
			}
		}
	}
	if len(took) > 0 {
		x.s.mu.Lock()
		x.s.msgs = append(x.s.msgs, lmtpMsg{x.from, took, string(b)})
		x.s.mu.Unlock()
	}
	return nil
}

// The relay over LMTP: a message for all; a refusal of one recipient
// after the data answered 451 (the client retries); all refused alike
// answered with the next hop's class and code, not its text.
func TestRelayLMTP(t *testing.T) {
	overQuota := &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2}, Message: "Mailbox full at internal-host-7"}
	ls := newLMTPServer(t, map[string]*smtp.SMTPError{"full@example.org": overQuota})
	r, err := parseRelay("lmtp:"+ls.addr, "mx.example.org")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d := &delivery{From: "alice@good.test", Rcpts: []string{"bob@example.org", "carol@example.org"},
		Header: []byte("X-Added: yes\r\n"), Body: newSpool(t, 1<<20, "Subject: hi\r\n\r\n.dot\r\nbody\r\n")}
	if err := r.deliver(ctx, d); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	msgs := ls.messages()
	if len(msgs) != 1 || msgs[0].from != "alice@good.test" || len(msgs[0].rcpts) != 2 {
		t.Fatalf("next hop got %+v", msgs)
	}
	if want := "X-Added: yes\r\nSubject: hi\r\n\r\n.dot\r\nbody\r\n"; msgs[0].data != want {
		t.Errorf("next hop got %q, want %q", msgs[0].data, want)
	}

	for _, tc := range []struct {
		rcpts []string
		code  int
		enh   smtp.EnhancedCode
	}{
		{[]string{"bob@example.org", "full@example.org"}, 451, smtp.EnhancedCode{4, 3, 0}},
		{[]string{"full@example.org"}, 552, smtp.EnhancedCode{5, 2, 2}},
	} {
		d.Rcpts = tc.rcpts
		err := r.deliver(ctx, d)
		var de *deliveryError
		if !errors.As(err, &de) || de.Reply.Code != tc.code || de.Reply.EnhancedCode != tc.enh {
			t.Errorf("deliver to %v = %v, want %d %v", tc.rcpts, err, tc.code, tc.enh)
			continue
		}
		if strings.Contains(de.Reply.Message, "internal-host") {
			t.Errorf("reply %q passes on the next hop's text", de.Reply.Message)
		}
	}
}

// A next hop that is down is a 451 4.4.1; the cause stays in the log.
func TestRelayDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r, _ := parseRelay("smtp:"+addr, "mx")
	d := &delivery{Rcpts: []string{"bob@example.org"}, Body: newSpool(t, 1<<20, "Subject: x\r\n\r\n")}
	err = r.deliver(context.Background(), d)
	var de *deliveryError
	if !errors.As(err, &de) || de.Reply != hopDown {
		t.Fatalf("deliver = %v, want hopDown", err)
	}
}

// The relay over SMTP: a recipient the next hop refuses at RCPT stops
// the whole message before its data (no one gets it, the client
// retries); with every recipient accepted the message goes through.
func TestRelaySMTP(t *testing.T) {
	unknown := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
	hop := newNextHop(t, false, nil, map[string]*smtp.SMTPError{"gone@example.org": unknown})
	r, err := parseRelay("smtp:"+hop.addr, "mx.example.org")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d := &delivery{From: "", Rcpts: []string{"bob@example.org", "gone@example.org"}, Body: newSpool(t, 1<<20, "Subject: x\r\n\r\nbody\r\n")}
	err = r.deliver(ctx, d)
	var de *deliveryError
	if !errors.As(err, &de) || de.Reply != hopMixed {
		t.Errorf("one of two refused: %v, want hopMixed", err)
	}
	d.Rcpts = []string{"gone@example.org"}
	if err := r.deliver(ctx, d); !errors.As(err, &de) || de.Reply.Code != 550 || de.Reply.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) {
		t.Errorf("all refused: %v, want 550 5.1.1", err)
	}
	if n := len(hop.messages()); n != 0 {
		t.Fatalf("the next hop got %d messages after refusals, want none", n)
	}
	d.Rcpts = []string{"bob@example.org"}
	if err := r.deliver(ctx, d); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if m := hop.messages(); len(m) != 1 || m[0].from != "" || m[0].data != "Subject: x\r\n\r\nbody\r\n" {
		t.Errorf("next hop got %+v", m)
	}
}

// LMTP over a Unix socket, as Dovecot's lmtp listens.
func TestRelayLMTPUnix(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "lmtp")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no Unix sockets here: %v", err)
	}
	hop := serveNextHop(t, l, true, nil, nil)
	r, err := parseRelay("lmtp:"+sock, "mx.example.org")
	if err != nil {
		t.Fatal(err)
	}
	d := &delivery{From: "alice@good.test", Rcpts: []string{"bob@example.org"}, Body: newSpool(t, 1<<20, "Subject: x\r\n\r\nbody\r\n")}
	if err := r.deliver(context.Background(), d); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if m := hop.messages(); len(m) != 1 {
		t.Errorf("next hop got %d messages, want 1", len(m))
	}
}
