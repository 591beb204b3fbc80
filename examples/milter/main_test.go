package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
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
	srv, err := NewServer(&Config{AuthservID: "mx.example.test", RDNS: SwitchOff, SPF: SwitchOff, DKIM: SwitchOff, DMARC: SwitchOff, ARC: SwitchOff}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
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
