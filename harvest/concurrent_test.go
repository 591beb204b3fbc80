package harvest

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// Many goroutines on shared clients, with and without a Store: no event
// is lost (the counts add up) and connection counts return to zero.
func TestConcurrentUse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store Store
	}{{"local", nil}, {"MemoryStore", &MemoryStore{}}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			c := &Checker{Config: Config{DHAUnknown: -1, MaxErrors: -1, MaxConcurrent: -1}, Store: tc.store, Now: clk.Now}
			const workers, events, clients = 8, 500, 16
			ip := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i % clients)}) }
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx := context.Background()
					for i := 0; i < events; i++ {
						a := ip(w*7 + i)
						c.Connect(ctx, a)
						c.Mail(ctx, a)
						c.Rcpt(ctx, a, Unknown, 1)
						c.Error(ctx, a)
						c.Disconnect(a)
						if i%100 == 0 {
							clk.Add(time.Millisecond)
						}
					}
				}()
			}
			wg.Wait()
			var sum Counts
			for i := 0; i < clients; i++ {
				// A Mail from each client reads its counts (and adds one).
				o, _ := c.Mail(context.Background(), ip(i))
				o.Window.Messages--
				sum.add(o.Window)
			}
			want := uint32(workers * events)
			if sum != (Counts{want, want, want, want, want}) {
				t.Errorf("counts add up to %+v, want %d of each", sum, want)
			}
			// Every connection was closed.
			for i := 0; i < clients; i++ {
				h := c.t.hash(keyOf(c.prefix(ip(i))))
				s := c.t.shard(h)
				s.mu.Lock()
				if j := s.find(keyOf(c.prefix(ip(i))), h); j < 0 || s.e[j].conns != 0 {
					t.Errorf("client %v: entry %d, connections %d, want 0", ip(i), j, s.e[max(j, 0)].conns)
				}
				s.mu.Unlock()
			}
		})
	}
}
