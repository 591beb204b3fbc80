package harvest

import (
	"context"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func benchIPs(n int) []netip.Addr {
	ips := make([]netip.Addr, n)
	for i := range ips {
		ips[i] = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	return ips
}

// BenchmarkRcpt measures record+check of one RCPT: events per second is
// 1e9 / ns/op.
func BenchmarkRcpt(b *testing.B) {
	for _, bc := range []struct {
		name    string
		cfg     Config
		clients int
		st      RcptStatus
	}{
		{"clients=1", Config{}, 1, Known},
		{"clients=10k", Config{}, 10_000, Known},
		{"clients=10k/harvesters", Config{}, 10_000, Unknown},
		{"clients=1M/max=100k", Config{}, 1_000_000, Known},
		{"clients=10k/rates", Config{ConnectionRate: Rate{10, time.Second}, MessageRate: Rate{60, time.Minute}, RecipientRate: Rate{1 << 30, time.Hour}}, 10_000, Known},
		{"clients=10k/time.Now", Config{}, 10_000, Known},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// The engine's cost, with the time given (as a server that
			// takes one timestamp per command gives it); the
			// time.Now case adds the clock read.
			t0 := time.Now()
			c := &Checker{Config: bc.cfg, Now: func() time.Time { return t0 }}
			if strings.HasSuffix(bc.name, "time.Now") {
				c.Now = nil
			}
			ips := benchIPs(bc.clients)
			ctx := context.Background()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			i := 0
			var cpu0 int64
			for b.Loop() {
				if cpu0 == 0 {
					cpu0 = threadCPU()
				}
				c.Rcpt(ctx, ips[i], bc.st, 1)
				i++
				if i == len(ips) {
					i = 0
				}
			}
			if cpu0 > 0 {
				// CPU time of this thread per event (not inflated by
				// other processes, as ns/op is on a loaded machine) and
				// the events per second per core it gives.
				per := float64(threadCPU()-cpu0) / float64(b.N)
				b.ReportMetric(per, "cpu-ns/op")
				b.ReportMetric(1e3/per, "Mevents/s/core")
			}
		})
	}
}

// BenchmarkRcptParallel measures record+check from all cores at once, on
// distinct clients (the sharded path) and on one client (one shard's
// lock).
func BenchmarkRcptParallel(b *testing.B) {
	for _, bc := range []struct {
		name    string
		clients int
	}{{"clients=10k", 10_000}, {"clients=1", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			t0 := time.Now()
			c := &Checker{Now: func() time.Time { return t0 }}
			ips := benchIPs(bc.clients)
			var next atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(7919)) % len(ips)
				ctx := context.Background()
				for pb.Next() {
					c.Rcpt(ctx, ips[i], Known, 1)
					i++
					if i == len(ips) {
						i = 0
					}
				}
			})
		})
	}
}

// BenchmarkMemoryPerClient reports the heap held per tracked client
// (bytes/client), with no token bucket and with all three.
func BenchmarkMemoryPerClient(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"rates=off", Config{MaxClients: 100_000}},
		{"rates=3", Config{MaxClients: 100_000, ConnectionRate: Rate{10, time.Second}, MessageRate: Rate{60, time.Minute}, RecipientRate: Rate{500, time.Hour}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ips := benchIPs(100_000)
			var per float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				c := &Checker{Config: bc.cfg}
				for _, ip := range ips {
					c.Rcpt(context.Background(), ip, Known, 1)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				per = float64(after.HeapAlloc-before.HeapAlloc) / float64(c.Clients())
				runtime.KeepAlive(c)
			}
			b.ReportMetric(per, "bytes/client")
		})
	}
}
