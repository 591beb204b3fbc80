package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/examples/policyd/policy"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// clock is a fake clock for greylisting and SPF.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// dns starts the in-process DNS server with testdata/policyd.zone.
func dns(t testing.TB) *resolvertest.Server {
	t.Helper()
	zone, err := os.ReadFile("testdata/policyd.zone")
	if err != nil {
		t.Fatal(err)
	}
	return resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: string(zone)})
}

// logs collects log lines.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newHandler builds policyd's handler from command-line args, with the
// fake clock and the test DNS server.
func newHandler(t testing.TB, clk *clock, srv *resolvertest.Server, log *logs, args ...string) *handler {
	t.Helper()
	cfg, err := parseConfig(append([]string{"-receiver", "mx.example.org"}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h, closeStore, err := build(cfg, hooks{Now: clk.Now, Resolver: srv.Resolver()}, log.logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	return h
}

// rcpt is a policy request at RCPT time, as Postfix sends it.
type rcpt struct {
	ip, helo, from, to, instance string
	state                        string // "" for RCPT
	sasl                         string // sasl_username
}

func (r rcpt) request() policy.Request {
	state := r.state
	if state == "" {
		state = "RCPT"
	}
	return policy.NewRequest(
		policy.Attr{Name: "request", Value: "smtpd_access_policy"},
		policy.Attr{Name: "protocol_state", Value: state},
		policy.Attr{Name: "protocol_name", Value: "ESMTP"},
		policy.Attr{Name: "client_address", Value: r.ip},
		policy.Attr{Name: "client_name", Value: "unknown"},
		policy.Attr{Name: "helo_name", Value: r.helo},
		policy.Attr{Name: "sender", Value: r.from},
		policy.Attr{Name: "recipient", Value: r.to},
		policy.Attr{Name: "instance", Value: r.instance},
		policy.Attr{Name: "sasl_username", Value: r.sasl},
	)
}

func ask(h *handler, r rcpt) string {
	return h.ServePolicy(context.Background(), r.request())
}
