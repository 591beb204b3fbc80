package main

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/testenv"
)

// TestBoltStoreRestart: with -store bolt:PATH a first attempt seen
// before a restart lets the retry after it pass.
func TestBoltStoreRestart(t *testing.T) {
	srv := dns(t)
	clk, log := newClock(), &logs{}
	path := filepath.Join(t.TempDir(), "greylist.db")
	m := rcpt{ip: "192.0.2.30", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	args := []string{"-spf=false", "-x-greylist-header=false", "-store", "bolt:" + path}

	cfg, err := parseConfig(append([]string{"-receiver", "mx.example.org"}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h, closeStore, err := build(cfg, hooks{Now: clk.Now, Resolver: srv.Resolver()}, log.logf)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, h, clk, log, []step{{0, m, greylisted}})
	closeStore()

	h = newHandler(t, clk, srv, log, args...)
	runSteps(t, h, clk, log, []step{{10 * time.Minute, m, "DUNNO"}})
}

// TestRedisStore: two policyd instances (two MX hosts) share a Redis
// store: the retry after the delay passes at the other one.
func TestRedisStore(t *testing.T) {
	rs := testenv.Redis(t)
	srv := dns(t)
	clk, log := newClock(), &logs{}
	args := []string{"-spf=false", "-x-greylist-header=false", "-store", "redis://" + rs.Addr + "/0?max_retries=-1&dial_timeout=500ms", "-store-prefix", "mx:"}
	mx1 := newHandler(t, clk, srv, log, args...)
	mx2 := newHandler(t, clk, srv, log, args...)
	m := rcpt{ip: "192.0.2.30", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	runSteps(t, mx1, clk, log, []step{{0, m, greylisted + "300 seconds"}})
	runSteps(t, mx2, clk, log, []step{{time.Minute, m, greylisted + "240 seconds"}, {5 * time.Minute, m, "DUNNO"}})

	// Redis gone: deferred with 451 4.3.0 (not lost, not accepted).
	rs.Stop()
	m.to = "carol@example.org"
	runSteps(t, mx1, clk, log, []step{{0, m, "451 4.3.0 "}})
}
