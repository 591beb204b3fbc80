package main

import (
	"bufio"
	"context"
	"flag"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/examples/policyd/policy"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestRun runs policyd as main does, from a config file and flags, on a
// loopback port: a greylisting request, a malformed one and a valid one
// again on one connection, then a graceful shutdown on ctx's end.
func TestRun(t *testing.T) {
	srv := dns(t)
	clk := newClock()
	dir := t.TempDir()
	conf := filepath.Join(dir, "policyd.conf")
	recipients := filepath.Join(dir, "whitelist_recipients")
	if err := os.WriteFile(recipients, []byte("# postgrey format\npostmaster@\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(`# policyd test configuration
store = bolt:`+filepath.Join(dir, "greylist.db")+`
delay = 1m
allow-recipients = `+recipients+`
greylist-text = "Greylisted, come back later"
receiver = mx.example.org
listen = 192.0.2.1:1
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan net.Addr, 1)
	var log logs
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-config", conf, "-listen", "127.0.0.1:0"}, &log, hooks{Now: clk.Now, Resolver: srv.Resolver(), Ready: func(a net.Addr) { addrc <- a }})
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run = %v before listening; log:\n%s", err, log.String())
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	req := "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.30\nhelo_name=x\nsender=alice@sender.test\ninstance=1\n"
	for _, tc := range []struct {
		name, send, want string
	}{
		{"greylisted", req + "recipient=bob@example.org\n\n", "action=DEFER_IF_PERMIT Greylisted, come back later\n"},
		{"allowlisted recipient", req + "recipient=postmaster@example.org\n\n", "action=PREPEND Received-SPF: pass "},
		{"malformed", "request=smtpd_access_policy\nthis is no attribute\n\n", "action=DUNNO\n"},
		{"greylisted again, same connection", req + "recipient=carol@example.org\n\n", "action=DEFER_IF_PERMIT Greylisted, come back later\n"},
	} {
		if _, err := io.WriteString(c, tc.send); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: %v; log:\n%s", tc.name, err, log.String())
		}
		if empty, _ := r.ReadString('\n'); empty != "\n" {
			t.Errorf("%s: answer not ended by an empty line: %q", tc.name, empty)
		}
		if !strings.HasPrefix(line, tc.want) {
			t.Errorf("%s: answer %q, want %q", tc.name, line, tc.want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v after ctx's end, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after ctx's end")
	}
	// The idle connection was closed by the shutdown.
	if _, err := r.ReadString('\n'); err != io.EOF {
		t.Errorf("connection after shutdown: %v, want io.EOF", err)
	}
	for _, want := range []string{
		"listening on 127.0.0.1:",
		`action=greylist reason="greylisted (first attempt, retry in 1m0s)" client_name="" client_address=192.0.2.30 sender="alice@sender.test" recipient="bob@example.org"`,
		"malformed request: policy: malformed attribute line (line 2 of the request); answered DUNNO",
		"shutting down",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	// The greylist store is the bolt file of the config file.
	if _, err := os.Stat(filepath.Join(dir, "greylist.db")); err != nil {
		t.Errorf("bolt store: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad_clients")
	if err := os.WriteFile(bad, []byte("/unclosed(/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"argument", []string{"extra"}, `unexpected arguments ["extra"]`},
		{"bad store", []string{"-store", "ftp://x"}, `-store "ftp://x": want memory, bolt:PATH or redis://HOST:PORT/DB`},
		{"bad dnsbl", []string{"-dnsbl", "bl.test=300.0.0.1"}, "-dnsbl:"},
		{"missing list", []string{"-allow-clients", filepath.Join(dir, "none")}, "-allow-clients: open "},
		{"missing config", []string{"-config", filepath.Join(dir, "none.conf")}, "none.conf: no such file"},
		{"bad listen", []string{"-listen", "127.0.0.1:http-nope"}, "listen tcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A done ctx: a run that starts stops at once.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := run(ctx, append([]string{"-listen", "127.0.0.1:0"}, tc.args...), io.Discard, hooks{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%q) = %v, want an error with %q", tc.args, err, tc.want)
			}
		})
	}
	if err := run(context.Background(), []string{"-h"}, io.Discard, hooks{}); err != nil {
		t.Errorf("run(-h) = %v, want nil", err)
	}
	// A list line policyd cannot read is logged and skipped, as postgrey
	// does; the good lines count.
	if err := os.WriteFile(bad, []byte("/unclosed(/\n192.0.2.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var log logs
	if err := run(ctx, []string{"-listen", "127.0.0.1:0", "-allow-clients", bad}, &log, hooks{}); err != nil {
		t.Errorf("run with a bad list line = %v, want nil", err)
	}
	if want := bad + ": line 1: "; !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, log.String())
	}
	cfg, err := parseConfig([]string{"-allow-clients", bad}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h, closeStore, err := build(cfg, hooks{}, log.logf)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if o, err := h.greylist.Check(context.Background(), netip.MustParseAddr("192.0.2.9"), "", "a@example.com", "b@example.org", ""); err != nil || o.Result != greylist.Allowlisted {
		t.Errorf("client of the list's good line: %v, %v; want allowlisted", o, err)
	}
}

func TestApplyFile(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		skip       map[string]bool
		want       map[string]string // flag values after
		err        string
	}{
		{"settings", "# comment\n\n delay = 10s \ngreylist-text = \"  spaced  \"\nspf=false\n", nil,
			map[string]string{"delay": "10s", "greylist-text": "  spaced  ", "spf": "false"}, ""},
		{"command line wins", "delay = 10s\n", map[string]bool{"delay": true}, map[string]string{"delay": "5m0s"}, ""},
		{"unknown", "nope = 1\n", nil, nil, `line 1: unknown setting "nope"`},
		{"no =", "delay\n", nil, nil, `line 1: no '=' in "delay"`},
		{"bad value", "\ndelay = soon\n", nil, nil, "line 2: delay: parse error"},
		{"nested config", "config = /etc/x\n", nil, nil, "line 1: a config file cannot name another"},
		{"line too long", "greylist-text = " + strings.Repeat("x", maxConfigLine) + "\n", nil, nil, "a line is longer than 65536 octets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &config{}
			fs := c.flagSet()
			err := applyFile(fs, strings.NewReader(tc.file), tc.skip)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("applyFile = %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if got := fs.Lookup(name).Value.(flag.Getter).String(); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// TestRequestTimeout: DNS that never answers, with a -dns-timeout
// longer than -timeout, does not let the request run out of time: the
// DNS checks get the request's time less a reserve, SPF ends in a
// temperror, and the client is greylisted as any other. (A client that
// controls its domain's DNS could otherwise drop SPF queries and have
// every request answered DUNNO, never greylisted.) The request timeout
// is 1 s: the test resolver gives up on a dropped query by itself after
// about that long, so a longer one would pass without the reserve.
func TestRequestTimeout(t *testing.T) {
	srv := dns(t)
	srv.Fail("sender.test", resolvertest.TypeTXT, resolvertest.Drop)
	clk := newClock()
	var log logs
	addr := startPolicyd(t, srv, clk, &log, "-timeout", "1s", "-dns-timeout", "1m")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.30\nhelo_name=x\nsender=alice@sender.test\nrecipient=bob@example.org\n\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if want := "action=DEFER_IF_PERMIT Greylisted, please try again in "; err != nil || !strings.HasPrefix(line, want) {
		t.Errorf("answer %q, %v; want %q...\nlog:\n%s", line, err, want, log.String())
	}
	if strings.Contains(log.String(), "timed out") {
		t.Errorf("the request timed out:\n%s", log.String())
	}
}

// hangingStore is a greylist store that answers only when ctx is done.
type hangingStore struct{}

func (hangingStore) Record(ctx context.Context, _ greylist.Request) (greylist.Response, error) {
	<-ctx.Done()
	return greylist.Response{}, ctx.Err()
}

// TestStoreTimeout: a store that hangs past the request timeout is a
// store failure, deferred with 451 4.3.0 (without -fail-open), not a
// request timeout answered DUNNO, which let the mail through ungreylisted
// whatever -fail-open said.
func TestStoreTimeout(t *testing.T) {
	srv := dns(t)
	clk, log := newClock(), &logs{}
	h := newHandler(t, clk, srv, log, "-spf=false")
	h.greylist.Store = hangingStore{}
	ps := &policy.Server{Handler: h, RequestTimeout: 2 * time.Second, Logf: log.logf}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ps.Serve(l)
	t.Cleanup(func() { _ = ps.Shutdown(context.Background()) })
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.31\nhelo_name=x\nsender=alice@sender.test\nrecipient=bob@example.org\n\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if want := "action=451 4.3.0 "; err != nil || !strings.HasPrefix(line, want) {
		t.Errorf("answer %q, %v; want %q...\nlog:\n%s", line, err, want, log.String())
	}
}

// TestSampleConfig parses testdata/policyd.conf, the documentation's
// sample, with a flag that overrides one of its settings.
func TestSampleConfig(t *testing.T) {
	cfg, err := parseConfig([]string{"-config", "testdata/policyd.conf", "-delay", "1m"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Listen: "127.0.0.1:10023", ConfigFile: "testdata/policyd.conf", Store: "bolt:/var/lib/policyd/greylist.db",
		Delay: time.Minute, RetryWindow: 48 * time.Hour, AutoAllowAfter: 5,
		AllowClients:    "/etc/postgrey/whitelist_clients,/etc/postgrey/whitelist_clients.local",
		AllowRecipients: "/etc/postgrey/whitelist_recipients", GreylistText: "Greylisted, please try again later",
		SPFReject: true, ReceiverHost: "mx.example.org",
		DNSBL:          "zen.spamhaus.org*3 list.dnswl.org=127.0.[0..255].[1..3]*-2",
		DNSBLThreshold: 3, DNSBLAllowlistThreshold: -1,
	}
	got := config{
		Listen: cfg.Listen, ConfigFile: cfg.ConfigFile, Store: cfg.Store, Delay: cfg.Delay, RetryWindow: cfg.RetryWindow,
		AutoAllowAfter: cfg.AutoAllowAfter, AllowClients: cfg.AllowClients, AllowRecipients: cfg.AllowRecipients,
		GreylistText: cfg.GreylistText, SPFReject: cfg.SPFReject, ReceiverHost: cfg.ReceiverHost,
		DNSBL: cfg.DNSBL, DNSBLThreshold: cfg.DNSBLThreshold, DNSBLAllowlistThreshold: cfg.DNSBLAllowlistThreshold,
	}
	if got != want {
		t.Errorf("parsed sample = %+v, want %+v", got, want)
	}
}
