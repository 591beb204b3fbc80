package greylist_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/greylist/boltstore"
	"github.com/spamkit/spamkit/greylist/redisstore"
	"github.com/spamkit/spamkit/internal/testenv"
)

// benchIP returns the i-th client: one per /24, so that every i is a
// triplet of its own.
func benchIP(i uint64) netip.Addr {
	i = i%(1<<22) + 1<<22 // 64.0.0.0/8 onwards
	return netip.AddrFrom4([4]byte{byte(i >> 16), byte(i >> 8), byte(i), 1})
}

const benchKnown = 4096 // known triplets cycled through

// warm records benchKnown triplets and lets them pass, so that checks
// of them are known passes.
func warm(b *testing.B, c *greylist.Checker, clk *clock) {
	b.Helper()
	for i := range uint64(benchKnown) {
		if _, err := c.Check(context.Background(), benchIP(i), "", "sender@example.com", "rcpt@example.net", ""); err != nil {
			b.Fatal(err)
		}
	}
	clk.Add(10 * time.Minute)
	for i := range uint64(benchKnown) {
		if o, err := c.Check(context.Background(), benchIP(i), "", "sender@example.com", "rcpt@example.net", ""); err != nil || o.Result != greylist.Pass {
			b.Fatal(o, err)
		}
	}
}

// reportCPU reports checks per second of the process's CPU time since
// start: on a machine shared with other work, what one core would do,
// where ns/op counts the time the benchmark waited for a core too.
func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime(b) - start; used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "checks/cpu-s")
	}
}

// BenchmarkCheck is the in-memory Checker on one goroutine: known
// triplets (a pass, the common case of a busy server), first sights
// (every check inserts), and an SPF-keyed known triplet (two store
// operations).
func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	b.Run("known", func(b *testing.B) {
		clk := newClock()
		c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: -1}
		warm(b, c, clk)
		b.ReportAllocs()
		var i uint64
		start := cpuTime(b)
		for b.Loop() {
			c.Check(ctx, benchIP(i%benchKnown), "mx.example.com", "sender@example.com", "rcpt@example.net", "")
			i++
		}
		reportCPU(b, start)
	})
	b.Run("new", func(b *testing.B) {
		clk := newClock()
		c := &greylist.Checker{Now: clk.Now}
		b.ReportAllocs()
		var i uint64
		start := cpuTime(b)
		for b.Loop() {
			c.Check(ctx, benchIP(i), "mx.example.com", "prvs=1234abcdef=bounce-4711@example.com", "rcpt@example.net", "")
			i++
		}
		reportCPU(b, start)
	})
	b.Run("spf-known", func(b *testing.B) {
		clk := newClock()
		c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: -1}
		c.Check(ctx, benchIP(0), "", "sender@example.com", "rcpt@example.net", "example.com")
		clk.Add(10 * time.Minute)
		b.ReportAllocs()
		var i uint64
		start := cpuTime(b)
		for b.Loop() {
			c.Check(ctx, benchIP(i%benchKnown), "", "sender@example.com", "rcpt@example.net", "example.com")
			i++
		}
		reportCPU(b, start)
	})
}

// BenchmarkStores runs Checker.Check through each store side by side,
// from many goroutines (RunParallel; SetParallelism(32): 32 per
// GOMAXPROCS, as many concurrent SMTP sessions), for known triplets
// (mostly reads) and first sights (every check writes: for bbolt, a
// durable write, several per fsync).
func BenchmarkStores(b *testing.B) {
	noServer := func() (time.Duration, int64) { return 0, 0 }
	stores := []struct {
		name string
		// open returns the store and a function returning the CPU time
		// its server has used so far and the script runs it has
		// answered (zero for an in-process store).
		open func(b *testing.B) (greylist.Store, func() (time.Duration, int64))
	}{
		{"memory", func(b *testing.B) (greylist.Store, func() (time.Duration, int64)) {
			return new(greylist.MemoryStore), noServer
		}},
		{"bolt-sync", func(b *testing.B) (greylist.Store, func() (time.Duration, int64)) {
			return openBolt(b, boltstore.Sync), noServer
		}},
		{"bolt-nosync", func(b *testing.B) (greylist.Store, func() (time.Duration, int64)) {
			return openBolt(b, boltstore.NoSync), noServer
		}},
		{"redis", func(b *testing.B) (greylist.Store, func() (time.Duration, int64)) { return openRedis(b, 0) }},
		{"redis-nopipeline", func(b *testing.B) (greylist.Store, func() (time.Duration, int64)) { return openRedis(b, -1) }},
		{"redis-1pipeline", func(b *testing.B) (greylist.Store, func() (time.Duration, int64)) { return openRedis(b, 1) }},
	}
	for _, st := range stores {
		for _, load := range []string{"known", "new"} {
			b.Run(st.name+"/"+load, func(b *testing.B) {
				clk := newClock()
				store, serverCPU := st.open(b)
				c := &greylist.Checker{Now: clk.Now, Store: store, AutoAllowAfter: -1}
				if load == "known" {
					warm(b, c, clk)
				}
				var next atomic.Uint64
				next.Store(1 << 20)
				b.ReportAllocs()
				b.SetParallelism(32)
				b.ResetTimer()
				srvStart, runsStart := serverCPU()
				start := cpuTime(b)
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					for pb.Next() {
						i := next.Add(1)
						if load == "known" {
							i %= benchKnown
						}
						if _, err := c.Check(ctx, benchIP(i), "", "sender@example.com", "rcpt@example.net", ""); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
				reportCPU(b, start)
				srvEnd, runsEnd := serverCPU()
				if srv := srvEnd - srvStart; srv > 0 {
					// The server's CPU per check, and checks per CPU
					// second of client and server together: what the
					// pair would do on one core.
					b.ReportMetric(float64(srv.Microseconds())/float64(b.N), "server-cpu-µs/check")
					b.ReportMetric(float64(b.N)/(cpuTime(b)-start+srv).Seconds(), "checks/total-cpu-s")
					b.ReportMetric(float64(b.N)/float64(runsEnd-runsStart), "checks/script-run")
				}
			})
		}
	}
}

// openRedis starts a redis-server and returns a store on it with
// Options.Pipelines set to pipelines, and a function returning the
// server's CPU time so far (INFO cpu, user and system) and its script
// runs (INFO commandstats).
func openRedis(b *testing.B, pipelines int) (*redisstore.Store, func() (time.Duration, int64)) {
	b.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.Redis(b).Addr, PoolSize: 64})
	b.Cleanup(func() { rdb.Close() })
	s, err := redisstore.New(rdb, &redisstore.Options{Pipelines: pipelines})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, func() (time.Duration, int64) { return redisCPU(b, rdb), redisScriptRuns(b, rdb) }
}

// redisInfo returns the fields of rdb's server's INFO section.
func redisInfo(b *testing.B, rdb *redis.Client, section string) map[string]string {
	info, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	m := map[string]string{}
	for line := range strings.Lines(info) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m
}

// redisScriptRuns returns the script runs (EVALSHA and EVAL calls) rdb's
// server has answered.
func redisScriptRuns(b *testing.B, rdb *redis.Client) int64 {
	var n int64
	for k, v := range redisInfo(b, rdb, "commandstats") {
		if k == "cmdstat_evalsha" || k == "cmdstat_eval" {
			calls, _, _ := strings.Cut(strings.TrimPrefix(v, "calls="), ",")
			c, err := strconv.ParseInt(calls, 10, 64)
			if err != nil {
				b.Fatalf("INFO commandstats: %s:%s", k, v)
			}
			n += c
		}
	}
	return n
}

// redisCPU returns the CPU time the server of rdb has used.
func redisCPU(b *testing.B, rdb *redis.Client) time.Duration {
	var total float64
	for k, v := range redisInfo(b, rdb, "cpu") {
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("INFO cpu: %s:%s", k, v)
			}
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}

func openBolt(b *testing.B, d boltstore.Durability) *boltstore.Store {
	b.Helper()
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "grey.db"), &boltstore.Options{Durability: d})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkBoltConcurrency is bolt's durable (Sync) first sights, every
// check a write, by the number of checks in flight: a commit costs two
// fdatasyncs whatever it holds, so throughput is about the checks in
// flight divided by the commit's latency. One in flight is an fsync per
// check.
func BenchmarkBoltConcurrency(b *testing.B) {
	for _, inFlight := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("inflight=%d", inFlight), func(b *testing.B) {
			clk := newClock()
			c := &greylist.Checker{Now: clk.Now, Store: openBolt(b, boltstore.Sync), AutoAllowAfter: -1}
			var next atomic.Uint64
			b.ReportAllocs()
			var wg sync.WaitGroup
			work := make(chan struct{}, inFlight)
			for range inFlight {
				wg.Go(func() {
					for range work {
						if _, err := c.Check(context.Background(), benchIP(next.Add(1)), "", "sender@example.com", "rcpt@example.net", ""); err != nil {
							b.Error(err)
						}
					}
				})
			}
			for b.Loop() {
				work <- struct{}{}
			}
			close(work)
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
		})
	}
}
