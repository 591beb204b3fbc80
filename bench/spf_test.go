package bench

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	blitiri "blitiri.com.ar/go/spf"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/spf"
)

// spfZone holds realistic policies: a google.com-like include tree, an
// mx-heavy record and a macro record.
const spfZone = `
google.test.               TXT "v=spf1 include:_spf.google.test ~all"
_spf.google.test.          TXT "v=spf1 include:_netblocks.google.test include:_netblocks2.google.test include:_netblocks3.google.test ~all"
_netblocks.google.test.    TXT "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all"
_netblocks2.google.test.   TXT "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all"
_netblocks3.google.test.   TXT "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all"
mxheavy.test.              TXT "v=spf1 mx mx:backup.mxheavy.test a:relay.mxheavy.test -all"
mxheavy.test.              MX 10 mx1.mxheavy.test.
mxheavy.test.              MX 20 mx2.mxheavy.test.
mxheavy.test.              MX 30 mx3.mxheavy.test.
mxheavy.test.              MX 40 mx4.mxheavy.test.
backup.mxheavy.test.       MX 10 mx5.mxheavy.test.
backup.mxheavy.test.       MX 20 mx6.mxheavy.test.
mx1.mxheavy.test.          A 198.51.100.1
mx2.mxheavy.test.          A 198.51.100.2
mx3.mxheavy.test.          A 198.51.100.3
mx4.mxheavy.test.          A 198.51.100.4
mx5.mxheavy.test.          A 198.51.100.5
mx6.mxheavy.test.          A 198.51.100.6
relay.mxheavy.test.        A 203.0.113.7
macro.test.                TXT "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} include:%{d2}._inc.macro.test -all"
macro.test._inc.macro.test. TXT "v=spf1 ip4:192.0.2.0/24 -all"
wide.test.                 TXT "v=spf1 include:w1.wide.test include:w2.wide.test mx include:w3.wide.test include:w4.wide.test -all"
wide.test.                 MX 10 mx.wide.test.
mx.wide.test.              A 198.51.100.99
w1.wide.test.              TXT "v=spf1 ip4:203.0.113.1 a:h1.wide.test -all"
w2.wide.test.              TXT "v=spf1 ip4:203.0.113.2 a:h2.wide.test -all"
w3.wide.test.              TXT "v=spf1 ip4:203.0.113.3 -all"
w4.wide.test.              TXT "v=spf1 a:h4.wide.test -all"
h1.wide.test.              A 203.0.113.11
h2.wide.test.              A 203.0.113.12
h4.wide.test.              A 192.0.2.44
`

type spfCase struct {
	name, ip, sender string
	want             string
}

var spfCases = []spfCase{
	{"google", "172.253.112.5", "user@google.test", "pass"},
	{"mxheavy", "203.0.113.7", "user@mxheavy.test", "pass"},
	{"macro", "192.0.2.9", "jo@macro.test", "pass"},
}

// netIPAddrResolver lets blitiri's DNSResolver (LookupIPAddr) use our
// resolver, with errors as *net.DNSError, which is what blitiri
// classifies (IsNotFound, IsTemporary).
type netIPAddrResolver struct{ r *resolver.Resolver }

func netErr(name string, err error) error {
	if err == nil {
		return nil
	}
	return &net.DNSError{Err: err.Error(), Name: name, IsNotFound: resolver.IsNotFound(err),
		IsTemporary: resolver.IsTemporary(err)}
}

func (r netIPAddrResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	txt, err := r.r.LookupTXT(ctx, name)
	return txt, netErr(name, err)
}

func (r netIPAddrResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	mx, err := r.r.LookupMX(ctx, name)
	return mx, netErr(name, err)
}

func (r netIPAddrResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	names, err := r.r.LookupAddr(ctx, addr)
	return names, netErr(addr, err)
}

func (r netIPAddrResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	addrs, err := r.r.LookupNetIP(ctx, "ip", host)
	out := make([]net.IPAddr, len(addrs))
	for i, a := range addrs {
		out[i] = net.IPAddr{IP: a.AsSlice()}
	}
	return out, netErr(host, err)
}

func spfServer(b *testing.B) *resolvertest.Server {
	return resolvertest.NewServer(b, resolvertest.Zone{Origin: "test.", Text: spfZone})
}

// BenchmarkSPFWarm: checks against a warm cache, ours then blitiri's,
// both on the same cached resolver.
func BenchmarkSPFWarm(b *testing.B) {
	srv := spfServer(b)
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	ctx := context.Background()
	c := &spf.Checker{Resolver: r}
	for _, tc := range spfCases {
		ip := netip.MustParseAddr(tc.ip)
		b.Run("spamkit/"+tc.name, func(b *testing.B) {
			if o, err := c.Check(ctx, ip, "helo.test", tc.sender); err != nil || string(o.Result) != tc.want {
				b.Fatalf("Check = %s, want %s", o, tc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Check(ctx, ip, "helo.test", tc.sender)
			}
		})
		b.Run("blitiri/"+tc.name, func(b *testing.B) {
			opts := []blitiri.Option{blitiri.WithResolver(netIPAddrResolver{r}), blitiri.WithContext(ctx)}
			if res, err := blitiri.CheckHostWithSender(ip.AsSlice(), "helo.test", tc.sender, opts...); string(res) != tc.want {
				b.Fatalf("CheckHostWithSender = %s %v, want %s", res, err, tc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				blitiri.CheckHostWithSender(ip.AsSlice(), "helo.test", tc.sender, opts...)
			}
		})
	}
}

// BenchmarkSPFWarmParallel: ours shared by all goroutines.
func BenchmarkSPFWarmParallel(b *testing.B) {
	srv := spfServer(b)
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	c := &spf.Checker{Resolver: r}
	ip := netip.MustParseAddr("172.253.112.5")
	c.Check(context.Background(), ip, "helo.test", "user@google.test")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Check(context.Background(), ip, "helo.test", "user@google.test")
		}
	})
}

// BenchmarkSPFColdLatency: every query answered after 20 ms, no cache
// (a new resolver per check); wall time per check, include-heavy
// records. Ours with prefetch, ours without, blitiri.
func BenchmarkSPFColdLatency(b *testing.B) {
	srv := spfServer(b)
	srv.SetLatency(20 * time.Millisecond)
	ctx := context.Background()
	for _, tc := range []spfCase{
		{"google", "172.253.112.5", "user@google.test", "pass"},
		{"wide", "192.0.2.44", "user@wide.test", "pass"},
	} {
		ip := netip.MustParseAddr(tc.ip)
		for _, mode := range []struct {
			name       string
			noPrefetch bool
		}{{"spamkit", false}, {"spamkit-noprefetch", true}} {
			b.Run(fmt.Sprintf("%s/%s", mode.name, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					c := &spf.Checker{Resolver: srv.Resolver(), NoPrefetch: mode.noPrefetch}
					if o, err := c.Check(ctx, ip, "helo.test", tc.sender); err != nil || string(o.Result) != tc.want {
						b.Fatalf("Check = %s, want %s", o, tc.want)
					}
				}
			})
		}
		b.Run("blitiri/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				opts := []blitiri.Option{blitiri.WithResolver(netIPAddrResolver{srv.Resolver()}), blitiri.WithContext(ctx)}
				if res, err := blitiri.CheckHostWithSender(ip.AsSlice(), "helo.test", tc.sender, opts...); string(res) != tc.want {
					b.Fatalf("CheckHostWithSender = %s %v, want %s", res, err, tc.want)
				}
			}
		})
	}
}
