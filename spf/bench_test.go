package spf

import (
	"context"
	"net/netip"
	"testing"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

var benchRecords = map[string]string{
	"simple": "v=spf1 mx -all",
	"google": "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip6:2001:4860:4000::/36 ~all",
	"macro":  "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} include:%{d2}._inc.example.com redirect=_spf.%{d2} exp=exp.%{d}",
}

func BenchmarkParseRecord(b *testing.B) {
	for name, rec := range benchRecords {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseRecord(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkExpand(b *testing.B) {
	s := &state{c: &Checker{}, ip: netip.MustParseAddr("2001:db8::cb01"), sender: "strong-bad@email.example.com",
		local: "strong-bad", senderDomain: "email.example.com", helo: "mx.example.org"}
	ms, err := parseDomainSpec("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.expand(context.Background(), &ms, "email.example.com")
	}
}

// warmChecker returns a checker on a cached resolver over checks.zone,
// its cache filled.
func warmChecker(tb testing.TB) *Checker {
	srv := resolvertest.NewServer(tb, resolvertest.ZoneFile(tb, ".", "testdata/checks.zone"))
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	return &Checker{Resolver: r, NoPrefetch: true}
}

var warmCases = []struct{ name, ip, from string }{
	{"include", "192.0.2.1", "a@include.test"},
	{"mx", "192.0.2.21", "a@mx.test"},
	{"exists-macro", "192.0.2.1", "a@exists.test"},
}

func BenchmarkCheckWarm(b *testing.B) {
	c := warmChecker(b)
	for _, tc := range warmCases {
		ip := netip.MustParseAddr(tc.ip)
		b.Run(tc.name, func(b *testing.B) {
			c.Check(context.Background(), ip, "h.test", tc.from)
			b.ReportAllocs()
			for b.Loop() {
				c.Check(context.Background(), ip, "h.test", tc.from)
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		ip := netip.MustParseAddr("192.0.2.21")
		c.Check(context.Background(), ip, "h.test", "a@mx.test")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Check(context.Background(), ip, "h.test", "a@mx.test")
			}
		})
	})
}

// TestWarmAllocs holds the warm-cache promise: a check answered from
// the cache allocates a handful of objects (the timeout context and the
// evaluation state), not per term.
func TestWarmAllocs(t *testing.T) {
	c := warmChecker(t)
	for _, tc := range warmCases[:2] {
		ip := netip.MustParseAddr(tc.ip)
		if o, err := c.Check(context.Background(), ip, "h.test", tc.from); o.Result != Pass || err != nil {
			t.Fatalf("Check(%s, %s) = %s, want pass", ip, tc.from, o)
		}
		got := testing.AllocsPerRun(50, func() { c.Check(context.Background(), ip, "h.test", tc.from) })
		if got > 8 {
			t.Errorf("Check(%s, %s) warm: %v allocs, want at most 8", ip, tc.from, got)
		}
	}
}
