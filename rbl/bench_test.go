package rbl

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/rbltest"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// warmChecker returns a Checker on n lists of rbltest.Zone through a
// cached resolver, with the answers for rbltest.ListedIP and
// rbltest.CleanIP (A and TXT) in the cache.
func warmChecker(tb testing.TB, n int, reason bool) *Checker {
	tb.Helper()
	srv := resolvertest.NewServer(tb, resolvertest.Zone{Origin: "bl.test.", Text: rbltest.Zone(n)})
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	lists := mustLists(tb, rbltest.Lists(n))
	for i := range lists {
		lists[i].Reason = reason
	}
	c := &Checker{Resolver: r, Lists: lists, Threshold: n}
	for _, ip := range []string{rbltest.ListedIP, rbltest.CleanIP} {
		if _, err := c.CheckIP(context.Background(), netip.MustParseAddr(ip)); err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

var warmBenchCases = []struct {
	name   string
	ip     string
	reason bool
	want   Result
}{
	{"listed", rbltest.ListedIP, false, Listed},
	{"listed-reason", rbltest.ListedIP, true, Listed},
	{"clean", rbltest.CleanIP, false, Clean},
}

// BenchmarkCheckIPWarm: CheckIP on 10 lists whose answers are all in
// the resolver's cache (the synchronous fast path). One op is one
// CheckIP, i.e. 10 list lookups; lookups/s is reported.
func BenchmarkCheckIPWarm(b *testing.B) {
	for _, tc := range warmBenchCases {
		b.Run(tc.name, func(b *testing.B) {
			c := warmChecker(b, 10, tc.reason)
			ip := netip.MustParseAddr(tc.ip)
			ctx := context.Background()
			if o, _ := c.CheckIP(ctx, ip); o.Result != tc.want {
				b.Fatalf("CheckIP(%s) = %s, want %s", ip, o, tc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.CheckIP(ctx, ip)
			}
			b.ReportMetric(float64(b.N*len(c.Lists))/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

// BenchmarkCheckIPWarmParallel: one Checker shared by all goroutines.
func BenchmarkCheckIPWarmParallel(b *testing.B) {
	c := warmChecker(b, 10, true)
	ip := netip.MustParseAddr(rbltest.ListedIP)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.CheckIP(context.Background(), ip)
		}
	})
	b.ReportMetric(float64(b.N*len(c.Lists))/b.Elapsed().Seconds(), "lookups/s")
}

// TestCheckIPWarmAllocs pins the allocations of CheckIP on a warm cache:
// one string holding the item and the query names, and one slice for
// the hits (none for a clean address).
func TestCheckIPWarmAllocs(t *testing.T) {
	for _, tc := range warmBenchCases {
		t.Run(tc.name, func(t *testing.T) {
			c := warmChecker(t, 10, tc.reason)
			ip := netip.MustParseAddr(tc.ip)
			want := 2.0
			if tc.want == Clean {
				want = 1
			}
			got := testing.AllocsPerRun(100, func() { c.CheckIP(context.Background(), ip) })
			if got > want {
				t.Errorf("CheckIP(%s) on a warm cache: %v allocs, want at most %v", ip, got, want)
			}
		})
	}
}

// TestWarmFastPathAgrees checks that the inline path (every answer
// cached) and the concurrent path (cold resolver) give the same outcome.
func TestWarmFastPathAgrees(t *testing.T) {
	warm := warmChecker(t, 10, true)
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "bl.test.", Text: rbltest.Zone(10)})
	cold := &Checker{Resolver: srv.Resolver(), Lists: warm.Lists, Threshold: warm.Threshold}
	for _, ip := range []string{rbltest.ListedIP, rbltest.CleanIP, "2001:db8::1"} {
		a := netip.MustParseAddr(ip)
		w, werr := warm.CheckIP(context.Background(), a)
		c, cerr := cold.CheckIP(context.Background(), a)
		if w.String() != c.String() || werr != cerr || !slices.Equal(w.Hits, c.Hits) {
			t.Errorf("CheckIP(%s) warm = %s, %v; cold = %s, %v", ip, w, werr, c, cerr)
		}
	}
}

// TestWarmFastPathFetchesMissingReason: A answers cached, TXT not: the
// reasons are fetched (concurrently) and reported.
func TestWarmFastPathFetchesMissingReason(t *testing.T) {
	c := warmChecker(t, 3, false)
	c.Lists = slices.Clone(c.Lists)
	for i := range c.Lists {
		c.Lists[i].Reason = true
	}
	o, err := c.CheckIP(context.Background(), netip.MustParseAddr(rbltest.ListedIP))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range o.Hits {
		if want := "listed by " + h.List + ": https://" + h.List + "/lookup?ip=192.0.2.1"; h.Reason != want {
			t.Errorf("CheckIP(%s) hit %s reason = %q, want %q", rbltest.ListedIP, h.List, h.Reason, want)
		}
	}
	if len(o.Hits) != 3 {
		t.Errorf("CheckIP(%s) = %s, want 3 hits", rbltest.ListedIP, o)
	}
}

// BenchmarkURLs: URL extraction from a 1 MB newsletter-like HTML body.
func BenchmarkURLs(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"10KB", 10 << 10}, {"1MB", 1 << 20}} {
		b.Run(size.name, func(b *testing.B) {
			body := rbltest.HTML(size.n)
			x := &Extractor{MaxURLs: 1 << 20}
			links := x.Links(body)
			if links.Err != nil || len(links.URLs) == 0 {
				b.Fatalf("Links = %d URLs, %v", len(links.URLs), links.Err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				x.Links(body)
			}
		})
	}
}

// BenchmarkReceivedIPs: the relay addresses of a six-hop header block.
func BenchmarkReceivedIPs(b *testing.B) {
	header := []byte(rbltest.Received)
	p := &ReceivedParser{}
	b.SetBytes(int64(len(header)))
	b.ReportAllocs()
	for b.Loop() {
		p.Relays(header)
	}
}

// TestReceivedSample checks the header block the benchmark parses.
func TestReceivedSample(t *testing.T) {
	got := (&ReceivedParser{}).Relays([]byte(rbltest.Received))
	want := []netip.Addr{netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("198.51.100.23"),
		netip.MustParseAddr("2001:db8:5::25"), netip.MustParseAddr("192.0.2.45")}
	if got.Err != nil || !slices.Equal(got.IPs, want) {
		t.Errorf("Relays(rbltest.Received) = %s, want %v", got, want)
	}
}

// BenchmarkCheckIPLatency: every query answered after 20 ms, nothing
// cached (a new resolver per check), a clean address asked of 1 and of
// 10 lists: the zones are asked concurrently, so 10 lists should take
// about as long as one.
func BenchmarkCheckIPLatency(b *testing.B) {
	srv := resolvertest.NewServer(b, resolvertest.Zone{Origin: "bl.test.", Text: rbltest.Zone(10)})
	srv.SetLatency(20 * time.Millisecond)
	ip := netip.MustParseAddr(rbltest.CleanIP)
	for _, n := range []int{1, 10} {
		lists := mustLists(b, rbltest.Lists(n))
		b.Run(fmt.Sprintf("lists=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := &Checker{Resolver: srv.Resolver(), Lists: lists}
				if o, err := c.CheckIP(context.Background(), ip); err != nil || o.Result != Clean {
					b.Fatalf("CheckIP(%s) = %s, %v, want clean", ip, o, err)
				}
			}
		})
	}
}

// perByte reports the time per byte of input, which stays flat when the
// cost is linear.
func perByte(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/B")
}

// BenchmarkReceivedFolded: one Received field folded over n
// continuation lines (header unfolding): ns/B stays flat from 1,000 to
// 100,000 lines.
func BenchmarkReceivedFolded(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			header := rbltest.FoldedReceived(n)
			p := &ReceivedParser{}
			if r := p.Relays(header); len(r.IPs) != 1 {
				b.Fatalf("Relays(folded) = %s, want one address", r)
			}
			b.SetBytes(int64(len(header)))
			b.ReportAllocs()
			for b.Loop() {
				p.Relays(header)
			}
			perByte(b, len(header))
		})
	}
}

// BenchmarkReceivedFields: n Received fields, each with its own public
// address, all read (MaxFields n): the addresses are deduplicated in
// linear time, so ns/field stays flat.
func BenchmarkReceivedFields(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("fields=%d", n), func(b *testing.B) {
			var h strings.Builder
			for i := range n {
				fmt.Fprintf(&h, "Received: from h%d (h%d [203.0.%d.%d]) by mx\r\n", i, i, i>>8&255, i&255)
			}
			h.WriteString("\r\n")
			header := []byte(h.String())
			p := &ReceivedParser{MaxFields: n}
			if r := p.Relays(header); len(r.IPs) != n || r.Err != nil {
				b.Fatalf("Relays(%d fields) = %d addresses, %v", n, len(r.IPs), r.Err)
			}
			b.ReportAllocs()
			for b.Loop() {
				p.Relays(header)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/field")
		})
	}
}

// BenchmarkLinksFlood: n links to one host differing in the query
// string, then a spam link (the URL budget evasion), with the default
// limits: the body is read to the end at a flat ns/B, and the spam host
// is found.
func BenchmarkLinksFlood(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("links=%d", n), func(b *testing.B) {
			body := rbltest.LinkFlood(n, "http://spam.example/")
			x := &Extractor{}
			if h := x.Links(body).Hosts(); len(h) != 2 {
				b.Fatalf("Links(flood).Hosts() = %q, want ok.example and spam.example", h)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				x.Links(body)
			}
			perByte(b, len(body))
		})
	}
}

// BenchmarkLinksHosts: n links to n distinct hosts, all kept (MaxHosts
// n), and Hosts: ns/host stays flat (Hosts was quadratic).
func BenchmarkLinksHosts(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			var s strings.Builder
			for i := range n {
				fmt.Fprintf(&s, "http://h%d.example/ ", i)
			}
			body := []byte(s.String())
			x := &Extractor{MaxHosts: n}
			if h := x.Links(body).Hosts(); len(h) != n {
				b.Fatalf("Links(%d hosts).Hosts() = %d hosts", n, len(h))
			}
			b.ReportAllocs()
			for b.Loop() {
				x.Links(body).Hosts()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/host")
		})
	}
}
