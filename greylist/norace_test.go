//go:build !race

package greylist_test

import (
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
)

// TestCheckAllocs: a check of a known triplet in the MemoryStore, and of
// an allowlisted client, allocates nothing (keys are built in pooled
// buffers and hashed, never turned into strings).
func TestCheckAllocs(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, AllowClients: mustClients(t, "10.0.0.0/8")}
	addr := ip("192.0.2.1")
	c.Check(ctx, addr, "mx.example.com", "a@example.com", "b@example.net", "")
	clk.Add(10 * time.Minute)
	c.Check(ctx, addr, "mx.example.com", "a@example.com", "b@example.net", "")
	for _, tc := range []struct {
		name string
		addr string
	}{{"known triplet", "192.0.2.1"}, {"allowlisted", "10.1.2.3"}} {
		n := testing.AllocsPerRun(100, func() {
			o, err := c.Check(ctx, ip(tc.addr), "mx.example.com", "a@example.com", "b@example.net", "")
			if err != nil || (o.Result != greylist.Pass && o.Result != greylist.Allowlisted) {
				t.Fatal(o, err)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per Check, want 0", tc.name, n)
		}
	}
}
