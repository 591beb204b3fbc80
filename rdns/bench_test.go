package rdns

import (
	"context"
	"net/netip"
	"testing"

	"github.com/spamkit/spamkit/resolver"
)

// BenchmarkGeneric: the S25R rules and the embedded-address search on
// typical reverse names.
func BenchmarkGeneric(b *testing.B) {
	c := &Checker{GenericAllow: []string{"pool.example.org"}}
	ip := netip.MustParseAddr("198.51.113.45")
	for _, name := range []string{"mail.example.com", "198-51-113-45.dyn.example.net", "cpe0012345678.example.com",
		"dhcp7.pool.example.org"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Generic(name, ip)
			}
		})
	}
}

// warmChecker returns a Checker on rdns.zone through a cached resolver.
func warmChecker(b *testing.B) *Checker {
	srv := newServer(b)
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	return &Checker{Resolver: r, HostNames: []string{"mx.example.org"}}
}

// BenchmarkFCrDNSWarm: forward-confirmed reverse DNS with every answer
// cached.
func BenchmarkFCrDNSWarm(b *testing.B) {
	c := warmChecker(b)
	for _, tc := range []struct {
		name, ip string
		want     FCrDNSResult
	}{{"confirmed", "192.0.2.10", FCrDNSConfirmed}, {"none", "192.0.2.99", FCrDNSNone}, {"mismatch", "198.51.100.46", FCrDNSMismatch}} {
		ip := netip.MustParseAddr(tc.ip)
		b.Run(tc.name, func(b *testing.B) {
			if r, err := c.FCrDNS(context.Background(), ip); err != nil || r.Result != tc.want {
				b.Fatalf("FCrDNS(%s) = %s, %v, want %s", ip, r, err, tc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.FCrDNS(context.Background(), ip)
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		ip := netip.MustParseAddr("192.0.2.10")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.FCrDNS(context.Background(), ip)
			}
		})
	})
}

// BenchmarkCheckHELOWarm: HELO checks with every answer cached.
func BenchmarkCheckHELOWarm(b *testing.B) {
	c := warmChecker(b)
	client := netip.MustParseAddr("192.0.2.10")
	for _, helo := range []string{"mail.example.com", "[192.0.2.10]", "localhost"} {
		b.Run(helo, func(b *testing.B) {
			c.CheckHELO(context.Background(), client, helo)
			b.ReportAllocs()
			for b.Loop() {
				c.CheckHELO(context.Background(), client, helo)
			}
		})
	}
}

// TestGenericAllocs pins Generic on an IPv4 client at no allocation.
func TestGenericAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts: the race detector makes regexp's sync.Pool drop machines at random")
	}
	c := &Checker{GenericAllow: []string{"pool.example.org"}}
	ip := netip.MustParseAddr("198.51.113.45")
	for _, name := range []string{"mail.example.com", "198-51-113-45.dyn.example.net", "c633712d.example.net", "cust198051113045.example.net"} {
		if got := testing.AllocsPerRun(100, func() { c.Generic(name, ip) }); got != 0 {
			t.Errorf("Generic(%q, %s): %v allocs, want 0", name, ip, got)
		}
	}
}
