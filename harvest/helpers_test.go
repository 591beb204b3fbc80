package harvest

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// clock is an injected time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustRcpt(t *testing.T, c *Checker, ip netip.Addr, st RcptStatus, n int) Outcome {
	t.Helper()
	o, err := c.Rcpt(context.Background(), ip, st, n)
	if err != nil {
		t.Fatalf("Rcpt(%v, %v, %d) error %v", ip, st, n, err)
	}
	return o
}

func mustConnect(t *testing.T, c *Checker, ip netip.Addr) Outcome {
	t.Helper()
	o, err := c.Connect(context.Background(), ip)
	if err != nil {
		t.Fatalf("Connect(%v) error %v", ip, err)
	}
	return o
}
