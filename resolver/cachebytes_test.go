package resolver_test

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// Sizes of the hostile zone's answers.
const (
	hostileA      = 4000 // A records at each name under a.hostile.example: a 64 KiB TCP answer
	hostileOK     = resolver.DefaultCacheMaxRecords
	hostileTXT    = 240 // TXT records at each name under t.hostile.example
	hostileTXTLen = 250 // octets in each
)

// hostileServer serves a zone as an attacker publishes it to fill a
// resolver's cache: every name under a.hostile.example has 4,000 A
// records (all that one TCP message carries, RFC 1035 §4.2.2), every
// name under ok.hostile.example DefaultCacheMaxRecords A records, and
// every name under t.hostile.example 240 TXT records of 250 octets
// (62 KiB: about the largest answer one TCP message carries). Wildcards
// (RFC 4592) give the attacker as many names as it likes.
func hostileServer(tb testing.TB) *resolvertest.Server {
	tb.Helper()
	srv := resolvertest.NewServer(tb, resolvertest.Zone{Origin: "hostile.example."})
	addrs := make([]netip.Addr, hostileA)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
	}
	if err := srv.AddA("*.a.hostile.example", time.Hour, addrs...); err != nil {
		tb.Fatal(err)
	}
	if err := srv.AddA("*.ok.hostile.example", time.Hour, addrs[:hostileOK]...); err != nil {
		tb.Fatal(err)
	}
	for i := range hostileTXT {
		txt := fmt.Sprintf("%03d", i) + strings.Repeat("x", hostileTXTLen-3)
		if err := srv.AddTXT("*.t.hostile.example", time.Hour, txt); err != nil {
			tb.Fatal(err)
		}
	}
	return srv
}

// hostileResolver returns a resolver with a cache pointed at a
// hostileServer, with a timeout for the largest answers on a loaded
// machine with the race detector.
func hostileResolver(srv *resolvertest.Server, opts resolver.CacheOptions) *resolver.Resolver {
	r := cachedResolver(srv, opts)
	r.Timeout = 20 * time.Second
	r.LookupTimeout = time.Minute
	return r
}

// TestCacheMaxBytes fills a cache bounded to 256 KiB with answers of
// 62 KiB and checks that the bytes it accounts, which must include the
// records, stay under the bound, that the bound evicts, and that the
// least recently used entries go first.
func TestCacheMaxBytes(t *testing.T) {
	t.Parallel()
	srv := hostileServer(t)
	const maxBytes = 256 << 10
	r := hostileResolver(srv, resolver.CacheOptions{MaxBytes: maxBytes})
	ctx := context.Background()
	name := func(i int) string { return fmt.Sprintf("n%d.t.hostile.example", i) }
	const n = 20
	for i := range n {
		res, err := r.TXT(ctx, name(i))
		if err != nil || len(res.Records) != hostileTXT {
			t.Fatalf("TXT(%s) = %d records, %v, want %d", name(i), len(res.Records), err, hostileTXT)
		}
		if st := r.Cache.Stats(); st.Bytes > maxBytes {
			t.Fatalf("after %d answers: Stats().Bytes = %d, want at most MaxBytes %d", i+1, st.Bytes, maxBytes)
		}
	}
	st := r.Cache.Stats()
	if min := st.Entries * hostileTXT * hostileTXTLen; st.Bytes < min {
		t.Errorf("Stats() = %+v: %d bytes for %d entries of %d records of %d octets, want at least %d", st, st.Bytes, st.Entries, hostileTXT, hostileTXTLen, min)
	}
	if st.Entries == 0 || st.Entries > maxBytes/(hostileTXT*hostileTXTLen) {
		t.Errorf("Stats().Entries = %d, want 1 to %d", st.Entries, maxBytes/(hostileTXT*hostileTXTLen))
	}
	if want := uint64(n - st.Entries); st.Evictions != want {
		t.Errorf("Stats().Evictions = %d, want %d", st.Evictions, want)
	}
	srv.ResetQueries()
	r.TXT(ctx, name(n-1))
	if q := srv.Count("", resolvertest.AnyType); q != 0 {
		t.Errorf("TXT(%s), the last answer: %d queries, want 0 (cached)", name(n-1), q)
	}
	r.TXT(ctx, name(0))
	if q := srv.Count(name(0), resolvertest.TypeTXT); q == 0 {
		t.Errorf("TXT(%s), the first answer: no query, want it evicted", name(0))
	}
}

// TestCacheMaxRecords checks that an answer with more records than
// MaxRecords is returned whole, never cut, and not cached: a DNSBL, SPF
// or DKIM caller sees every record the server sent or asks again.
func TestCacheMaxRecords(t *testing.T) {
	t.Parallel()
	srv := hostileServer(t)
	ctx := context.Background()
	tests := []struct {
		opts      resolver.CacheOptions
		name      string
		records   int
		wantCache bool
	}{
		{resolver.CacheOptions{}, "x.a.hostile.example", hostileA, false},
		{resolver.CacheOptions{}, "x.ok.hostile.example", hostileOK, true},
		{resolver.CacheOptions{MaxRecords: hostileA}, "x.a.hostile.example", hostileA, true},
		{resolver.CacheOptions{MaxRecords: 10}, "x.ok.hostile.example", hostileOK, false},
	}
	for _, tt := range tests {
		r := hostileResolver(srv, tt.opts)
		srv.ResetQueries()
		for i := range 2 {
			res, err := r.A(ctx, tt.name)
			if err != nil || len(res.Records) != tt.records {
				t.Errorf("MaxRecords %d: A(%s) #%d = %d records, %v, want all %d", tt.opts.MaxRecords, tt.name, i+1, len(res.Records), err, tt.records)
			}
		}
		st := r.Cache.Stats()
		// A lookup is one UDP query, truncated, and one over TCP.
		wantQueries, wantOversized, wantEntries := 4, uint64(2), 0
		if tt.wantCache {
			wantQueries, wantOversized, wantEntries = 2, 0, 1
		}
		if q := srv.Count(tt.name, resolvertest.TypeA); q != wantQueries {
			t.Errorf("MaxRecords %d: A(%s) twice: %d queries, want %d", tt.opts.MaxRecords, tt.name, q, wantQueries)
		}
		if st.Oversized != wantOversized || st.Entries != wantEntries {
			t.Errorf("MaxRecords %d: A(%s) twice: Stats() = %+v, want %d oversized, %d entries", tt.opts.MaxRecords, tt.name, st, wantOversized, wantEntries)
		}
	}
}

// heapInUse returns the bytes of live heap objects after a full
// collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestCacheHeap measures what a hostile zone makes a cache hold, with
// runtime.ReadMemStats before and after filling it (not in parallel, so
// that other tests' garbage does not count): 4,000-record answers hold
// nothing, being over DefaultCacheMaxRecords, and 62 KiB answers hold no
// more than MaxBytes, the accounted bytes being no less than the heap
// they hold. Before the bounds, each 4,000-record entry held 112 KiB of
// heap (resolver/doc.go gives the figures).
func TestCacheHeap(t *testing.T) {
	srv := hostileServer(t)
	ctx := context.Background()
	const maxBytes = 4 << 20
	for _, tt := range []struct {
		zone string
		n    int
		opts resolver.CacheOptions
	}{
		{"a", 50, resolver.CacheOptions{}},
		{"t", 200, resolver.CacheOptions{MaxBytes: maxBytes}},
	} {
		r := hostileResolver(srv, tt.opts)
		srv.ResetQueries()
		before := heapInUse()
		for i := range tt.n {
			name := fmt.Sprintf("n%d.%s.hostile.example", i, tt.zone)
			var err error
			if tt.zone == "a" {
				_, err = r.A(ctx, name)
			} else {
				_, err = r.TXT(ctx, name)
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		srv.ResetQueries()
		grown := int64(heapInUse()) - int64(before)
		st := r.Cache.Stats()
		t.Logf("%d hostile answers under %s.hostile.example: heap %+.2f MiB, %d entries, %.2f MiB accounted, %d evicted, %d oversized",
			tt.n, tt.zone, float64(grown)/(1<<20), st.Entries, float64(st.Bytes)/(1<<20), st.Evictions, st.Oversized)
		bound := int64(resolver.DefaultCacheMaxBytes)
		if tt.opts.MaxBytes != 0 {
			bound = int64(tt.opts.MaxBytes)
		}
		if st.Bytes > int(bound) {
			t.Errorf("%s: Stats().Bytes = %d, want at most %d", tt.zone, st.Bytes, bound)
		}
		// The accounting may overestimate, never underestimate by more
		// than the measurement's noise (256 KiB).
		if grown > int64(st.Bytes)+256<<10 {
			t.Errorf("%s: heap grew by %d bytes, more than the %d accounted", tt.zone, grown, st.Bytes)
		}
		if tt.zone == "t" && st.Evictions == 0 {
			t.Errorf("%s: no eviction, want MaxBytes to have been reached", tt.zone)
		}
		runtime.KeepAlive(r)
	}
}

// BenchmarkHeapHostileZone fills a cache with the default options with
// the answers of hostileServer and reports the heap it holds after a
// full collection (heap-MiB), the bytes it accounts (accounted-MiB) and
// its entries; resolver/doc.go quotes the figures of
//
//	go test -run '^$' -bench HeapHostileZone -benchtime 1x ./resolver/
func BenchmarkHeapHostileZone(b *testing.B) {
	srv := hostileServer(b)
	ctx := context.Background()
	for _, bb := range []struct {
		zone string
		n    int
	}{
		{"a", 300},   // 4,000 A records: over MaxRecords
		{"ok", 2000}, // 256 A records
		{"t", 1000},  // 240 TXT records of 250 octets: MaxBytes reached
	} {
		b.Run(fmt.Sprintf("%s/%d", bb.zone, bb.n), func(b *testing.B) {
			var grown int64
			var st resolver.CacheStats
			for i := 0; b.Loop(); i++ {
				r := hostileResolver(srv, resolver.CacheOptions{})
				srv.ResetQueries()
				before := heapInUse()
				for j := range bb.n {
					name := fmt.Sprintf("i%dn%d.%s.hostile.example", i, j, bb.zone)
					var err error
					if bb.zone == "t" {
						_, err = r.TXT(ctx, name)
					} else {
						_, err = r.A(ctx, name)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				srv.ResetQueries()
				grown = int64(heapInUse()) - int64(before)
				st = r.Cache.Stats()
				runtime.KeepAlive(r)
			}
			b.ReportMetric(float64(grown)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(st.Bytes)/(1<<20), "accounted-MiB")
			b.ReportMetric(float64(st.Entries), "entries")
			b.ReportMetric(float64(st.Oversized), "oversized")
		})
	}
}
