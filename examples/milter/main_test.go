package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/d--j/go-milter"
)

// TestRunCheckConfig runs "milter -config FILE -n": it prints the
// settings that differ from the defaults and exits 0; a bad file exits
// 1 naming the line.
func TestRunCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.conf")
	if err := os.WriteFile(good, []byte("# c\nrdns = no\nlisten = 127.0.0.1:9999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if code := run([]string{"-config", good, "-n"}, &out, &errs); code != 0 {
		t.Fatalf("run -n = %d, stderr %q", code, errs.String())
	}
	if want := "listen = inet:127.0.0.1:9999\nrdns = no\n"; out.String() != want {
		t.Errorf("run -n printed %q, want %q", out.String(), want)
	}
	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("rdns = no\nrdns = yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errs.Reset()
	if code := run([]string{"-config", bad, "-n"}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "line 2: rdns") {
		t.Errorf("run -n on a bad file = %d, stderr %q; want 1 naming line 2", code, errs.String())
	}
	if code := run([]string{"-config", filepath.Join(dir, "missing.conf")}, &out, &errs); code != 1 {
		t.Errorf("run with a missing file = %d, want 1", code)
	}
}

// TestShutdownWaits checks the graceful shutdown: a session in
// progress ends its message after Shutdown began, and Shutdown returns
// once it has closed; new connections are refused meanwhile.
func TestShutdownWaits(t *testing.T) {
	srv := newTestServer(t, localConfig())
	ln := listenLoopback(t)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	client := milter.NewClient("tcp", ln.Addr().String(), milter.WithAction(milter.AllClientSupportedActionMasks))
	s, err := client.Session(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Helo("client.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mail("<a@example.com>", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rcpt("<b@example.test>", ""); err != nil {
		t.Fatal(err)
	}

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with a session in progress", err)
	case <-time.After(300 * time.Millisecond):
	}
	// The session in progress finishes its message.
	if _, err := s.DataStart(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeaderField("Subject", " hi", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeaderEnd(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BodyChunk([]byte("hello\r\n")); err != nil {
		t.Fatal(err)
	}
	mods, act, err := s.End()
	if err != nil || act.Type != milter.ActionAccept {
		t.Fatalf("End during shutdown = %v, %v; want accept", act, err)
	}
	found := false
	for _, m := range mods {
		found = found || strings.EqualFold(m.HeaderName, "Authentication-Results")
	}
	if !found {
		t.Errorf("the message ended during shutdown got no Authentication-Results: %+v", mods)
	}
	s.Close()
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Shutdown did not return after the last session closed")
	}
	if err := <-served; err != nil && !errors.Is(err, milter.ErrServerClosed) {
		t.Errorf("Serve = %v, want nil or ErrServerClosed", err)
	}
}

// localConfig is a milter configuration with no DNS checks: nothing
// leaves the machine.
func localConfig() *Config {
	return &Config{AuthservID: "mx.example.test", RDNS: SwitchOff, SPF: SwitchOff, DKIM: SwitchOff, DMARC: SwitchOff, ARC: SwitchOff}
}

// newTestServer is NewServer(cfg) failing tb on an error.
func newTestServer(tb testing.TB, cfg *Config) *Server {
	tb.Helper()
	srv, err := NewServer(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// listenLoopback listens on a free loopback port.
func listenLoopback(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

// serve serves srv on a loopback port until the test ends (then shuts
// it down) and returns a client for it, with every action and opts.
func serve(tb testing.TB, srv *Server, opts ...milter.Option) *milter.Client {
	tb.Helper()
	ln := listenLoopback(tb)
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return milter.NewClient("tcp", ln.Addr().String(), append([]milter.Option{milter.WithAction(milter.AllClientSupportedActionMasks)}, opts...)...)
}

// startTestServer serves a milter of localConfig and returns a client
// for it.
func startTestServer(t *testing.T) *milter.Client {
	t.Helper()
	return serve(t, newTestServer(t, localConfig()))
}

// TestLocalSubmission: a connection with no client address (Postfix's
// non_smtpd_milters, a unix socket) is not checked as a client, and its
// message still gets its verdict.
func TestLocalSubmission(t *testing.T) {
	client := startTestServer(t)
	s, err := client.Session(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, step := range []func() (*milter.Action, error){
		func() (*milter.Action, error) { return s.Conn("localhost", milter.FamilyUnknown, 0, "") },
		func() (*milter.Action, error) { return s.Helo("localhost") },
		func() (*milter.Action, error) { return s.Mail("<root@example.test>", "") },
		func() (*milter.Action, error) { return s.Rcpt("<b@example.test>", "") },
		func() (*milter.Action, error) { return s.DataStart() },
		func() (*milter.Action, error) { return s.HeaderField("Subject", " cron", nil) },
		func() (*milter.Action, error) { return s.HeaderEnd() },
		func() (*milter.Action, error) { return s.BodyChunk([]byte("output\r\n")) },
	} {
		if act, err := step(); err != nil || act.StopProcessing() {
			t.Fatalf("step = %v, %v", act, err)
		}
	}
	mods, act, err := s.End()
	if err != nil || act.Type != milter.ActionAccept {
		t.Fatalf("End = %v, %v; want accept", act, err)
	}
	if len(mods) == 0 {
		t.Errorf("no fields added to a local submission")
	}
}

// TestAuthenticatedAccepted: mail of a client logged in with SASL
// ({auth_authen}) is this site's users' submission: accepted at MAIL,
// unchecked.
func TestAuthenticatedAccepted(t *testing.T) {
	client := startTestServer(t)
	macros := milter.NewMacroBag()
	s, err := client.Session(macros)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Helo("client.test"); err != nil {
		t.Fatal(err)
	}
	macros.Set(milter.MacroAuthAuthen, "alice")
	act, err := s.Mail("<alice@example.test>", "")
	if err != nil || act.Type != milter.ActionAccept {
		t.Errorf("Mail of an authenticated client = %v, %v; want accept", act, err)
	}
}

func TestSetGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	setGCPercent(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("without GOGC: GC percent %d, want %d", got, gcPercent)
	}
	setGCPercent(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC=100 in the environment: GC percent %d, want it left at 100", got)
	}
}
