package main

import (
	"context"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// logs collects smtpd's log.
type logs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// dns starts the in-process DNS server with testdata/smtpd.zone.
func dns(t testing.TB) *resolvertest.Server {
	t.Helper()
	zone, err := os.ReadFile("testdata/smtpd.zone")
	if err != nil {
		t.Fatal(err)
	}
	return resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: string(zone)})
}

// instance is an smtpd run by a test.
type instance struct {
	dns     *resolvertest.Server
	addr    string
	maildir string
	log     *logs
	cancel  context.CancelFunc
	done    chan error
}

// startSMTPD runs smtpd as main does, on a loopback port, with the test
// zone, the test mailboxes and a Maildir in a temp dir, no greeting
// pause; args come after those defaults and so override them (-relay
// replaces -maildir).
func startSMTPD(t testing.TB, args ...string) *instance {
	t.Helper()
	return startSMTPDWith(t, setup{}, args...)
}

// setup changes what startSMTPDWith runs smtpd with.
type setup struct {
	tune func(*resolver.Resolver) // the test resolver's settings
	now  func() time.Time         // smtpd's clock (hooks.Now)
}

// startSMTPDWith is startSMTPD with the changes of su.
func startSMTPDWith(t testing.TB, su setup, args ...string) *instance {
	t.Helper()
	srv := dns(t)
	res := srv.Resolver()
	res.Cache = resolver.NewCache(resolver.CacheOptions{})
	if su.tune != nil {
		su.tune(res)
	}
	in := &instance{dns: srv, maildir: filepath.Join(t.TempDir(), "mail"), log: &logs{}, done: make(chan error, 1)}
	base := []string{
		"-listen", "127.0.0.1:0", "-hostname", "mx.example.org",
		"-domains", "example.org", "-mailboxes", "testdata/mailboxes",
		"-greet-wait", "0", "-read-timeout", "30s", "-connect-timeout", "5s",
		"-check-timeout", "10s", "-shutdown-grace", "5s", "-stutter", "0",
	}
	if !slices.Contains(args, "-relay") {
		base = append(base, "-maildir", in.maildir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	addrc := make(chan net.Addr, 1)
	go func() {
		in.done <- run(ctx, append(base, args...), in.log, hooks{Resolver: res, Now: su.now, Ready: func(a net.Addr) { addrc <- a }})
	}()
	select {
	case a := <-addrc:
		in.addr = a.String()
	case err := <-in.done:
		cancel()
		t.Fatalf("run = %v before listening; log:\n%s", err, in.log)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-in.done:
			if err != nil {
				t.Errorf("run = %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("smtpd did not stop; log:\n%s", in.log)
		}
		if t.Failed() {
			t.Logf("smtpd log:\n%s", in.log)
		}
	})
	return in
}

// messages returns the messages in a mailbox's Maildir new/ (or a
// Maildir++ folder, "bob@example.org/.Quarantine"), in name order.
func (in *instance) messages(t *testing.T, box string) []string {
	t.Helper()
	dir := filepath.Join(in.maildir, box, "new")
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var msgs []string
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(b))
	}
	return msgs
}

// swaks runs swaks against in with args and returns its transcript.
// It skips the test when swaks is missing (fails it under
// SPAMKIT_INTEGRATION=1).
func swaks(t *testing.T, addr string, args ...string) string {
	t.Helper()
	bin := testenv.Program(t, "swaks")
	host, port, _ := net.SplitHostPort(addr)
	all := append([]string{"--server", host, "--port", port, "--timeout", "30", "--helo", "client.good.test", "--hide-informational"}, args...)
	out, _ := exec.Command(bin, all...).CombinedOutput() // the exit code follows the replies, read from the transcript
	return string(out)
}

// dialSMTP opens a net/smtp client, from local (an address of the
// loopback network) if set.
func dialSMTP(t *testing.T, addr, local string) (*smtp.Client, error) {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := smtp.NewClient(conn, "mx.example.org")
	if err != nil {
		conn.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// code returns the reply code and text of a net/smtp error; 250 and ""
// for nil.
func code(err error) (int, string) {
	if err == nil {
		return 250, ""
	}
	if te, ok := err.(*textproto.Error); ok {
		return te.Code, te.Msg
	}
	return 0, err.Error()
}

// clock is a settable clock for hooks.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
