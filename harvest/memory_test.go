package harvest

import (
	"errors"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// maxBytesPerClient is the memory bound per tracked client the eviction
// test holds the table to (the goal is 200; the bound leaves room for
// the map's growth steps).
const maxBytesPerClient = 256

// TestEvictionMemory: a million distinct clients (200 000 under the race
// detector) through a Checker bounded to 100 000 keep it at that many,
// with the memory measured per client under maxBytesPerClient; the
// coldest are the ones forgotten.
func TestEvictionMemory(t *testing.T) {
	n, maxClients := 1_000_000, 100_000
	if raceEnabled || testing.Short() {
		n = 200_000
	}
	clk := newClock()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := &Checker{Config: Config{MaxClients: maxClients}, Now: clk.Now}
	ip := func(i int) netip.Addr {
		return netip.AddrFrom4([4]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
	}
	for i := 1; i <= n; i++ {
		if i%1000 == 0 {
			clk.Add(time.Millisecond)
		}
		mustRcpt(t, c, ip(i), Known, 1)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := c.Clients()
	if held > maxClients || held < maxClients*9/10 {
		t.Errorf("after %d clients: %d held, want at most %d (and near it)", n, held, maxClients)
	}
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(held)
	t.Logf("%d clients seen, %d held: %.0f bytes per client (heap %d -> %d)", n, held, per, before.HeapAlloc, after.HeapAlloc)
	if per > maxBytesPerClient {
		t.Errorf("%.0f bytes per client, want at most %d", per, maxBytesPerClient)
	}
	// The most recent client is remembered, the first forgotten.
	if o := mustRcpt(t, c, ip(n), Known, 1); o.Window.Recipients != 2 {
		t.Errorf("last client: %d recipients counted, want 2", o.Window.Recipients)
	}
	if o := mustRcpt(t, c, ip(1), Known, 1); o.Window.Recipients != 1 {
		t.Errorf("first client: %d recipients counted, want 1 (forgotten)", o.Window.Recipients)
	}
	runtime.KeepAlive(c)
}

// TestEvictionKeepsBlocks: a blocked client outlives a flood of new
// clients that recycles every other entry.
func TestEvictionKeepsBlocks(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{MaxClients: 256, DHAUnknown: 2}, Now: clk.Now}
	bad := netip.MustParseAddr("203.0.113.66")
	mustRcpt(t, c, bad, Unknown, 1)
	if o := mustRcpt(t, c, bad, Unknown, 2); !errors.Is(o.Err, ErrHarvest) {
		t.Fatalf("verdict: %v", o)
	}
	for i := 0; i < 20_000; i++ {
		mustRcpt(t, c, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Known, 1)
	}
	if c.Clients() > 256 {
		t.Errorf("%d clients held, want at most 256", c.Clients())
	}
	if o := mustRcpt(t, c, bad, Known, 1); !errors.Is(o.Err, ErrBlocked) {
		t.Errorf("blocked client after the flood: %v, want still blocked", o)
	}
}

// TestEvictionKeepsHot: a client active during a flood of new ones is
// not the one forgotten; the flood's own clients are.
func TestEvictionKeepsHot(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{MaxClients: 256}, Now: clk.Now}
	hot := netip.MustParseAddr("192.0.2.200")
	for i := 1; i <= 20_000; i++ {
		mustRcpt(t, c, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Known, 1)
		if i%10 == 0 {
			if o := mustRcpt(t, c, hot, Known, 1); o.Window.Recipients != uint32(i/10) {
				t.Fatalf("after %d new clients: the hot client counts %d recipients, want %d (forgotten)", i, o.Window.Recipients, i/10)
			}
		}
	}
}

// TestAllocs: record+check allocates nothing once a client is known,
// token buckets included, whether the event is allowed or delayed.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	clk := newClock()
	c := &Checker{Config: Config{
		RecipientRate:  Rate{1000, time.Second},
		MessageRate:    Rate{10, time.Minute},
		ConnectionRate: Rate{5, time.Second},
	}, Now: clk.Now}
	for _, tc := range []struct {
		name string
		ip   netip.Addr
		f    func(ip netip.Addr) Outcome
	}{
		{"Rcpt", netip.MustParseAddr("192.0.2.1"), func(ip netip.Addr) Outcome { o, _ := c.Rcpt(t.Context(), ip, Known, 1); return o }},
		{"Mail", netip.MustParseAddr("192.0.2.2"), func(ip netip.Addr) Outcome { o, _ := c.Mail(t.Context(), ip); return o }},
		{"Connect+Disconnect", netip.MustParseAddr("192.0.2.3"), func(ip netip.Addr) Outcome {
			o, _ := c.Connect(t.Context(), ip)
			c.Disconnect(ip)
			return o
		}},
		{"Unknown Rcpt", netip.MustParseAddr("192.0.2.4"), func(ip netip.Addr) Outcome { o, _ := c.Rcpt(t.Context(), ip, Unknown, 1); return o }},
	} {
		tc.f(tc.ip)
		seen := map[Result]bool{}
		if a := testing.AllocsPerRun(2000, func() { seen[tc.f(tc.ip).Result] = true }); a > 0 {
			t.Errorf("%s: %v allocations per event, want 0", tc.name, a)
		}
		// The runs went through the buckets: allowed, then delayed
		// (the clock stands still), or for the prober blocked.
		if tc.name != "Unknown Rcpt" && (!seen[Allow] || !seen[Delay]) {
			t.Errorf("%s: results %v, want both allow and delay", tc.name, seen)
		}
		if tc.name == "Unknown Rcpt" && !seen[Reject] {
			t.Errorf("%s: results %v, want the harvest reject", tc.name, seen)
		}
	}
	// A new client costs at most one allocation (index and slab
	// growth, amortised).
	i := 0
	if a := testing.AllocsPerRun(10000, func() {
		i++
		c.Rcpt(t.Context(), netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Known, 1)
	}); a > 1 {
		t.Errorf("new clients: %v allocations per event, want at most 1", a)
	}
}
