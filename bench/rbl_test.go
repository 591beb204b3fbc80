package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/mjl-/adns"
	moxdns "github.com/mjl-/mox/dns"
	"github.com/mjl-/mox/dnsbl"
	"mvdan.cc/xurls/v2"

	"github.com/spamkit/spamkit/internal/rbltest"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// The peer for DNS lists is mox's dnsbl.Lookup, called once per zone,
// one zone after another, as mox's smtpserver (analyze.go: "We don't
// check in parallel") and webadmin do, through mox's own resolver stack
// (dns.StrictResolver over github.com/mjl-/adns) dialling the same
// in-process server.

func rblServer(b *testing.B, n int) *resolvertest.Server {
	return resolvertest.NewServer(b, resolvertest.Zone{Origin: "bl.test.", Text: rbltest.Zone(n)})
}

func moxResolver(srv *resolvertest.Server) moxdns.Resolver {
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr)
	}
	return moxdns.StrictResolver{Resolver: &adns.Resolver{PreferGo: true, Dial: dial}, Log: slog.New(slog.DiscardHandler)}
}

func moxZones(b *testing.B, n int) []moxdns.Domain {
	var zones []moxdns.Domain
	for i := range n {
		d, err := moxdns.ParseDomain(rbltest.ZoneName(i))
		if err != nil {
			b.Fatal(err)
		}
		zones = append(zones, d)
	}
	return zones
}

// moxCheck asks every zone in turn, as mox does for a client not listed
// (mox stops at the first listing; a clean address is asked everywhere).
func moxCheck(ctx context.Context, r moxdns.Resolver, zones []moxdns.Domain, ip net.IP, log *slog.Logger) (listed int, err error) {
	for _, z := range zones {
		st, _, lerr := dnsbl.Lookup(ctx, log, r, z, ip)
		switch {
		case lerr != nil:
			err = lerr
		case st == dnsbl.StatusFail:
			listed++
		}
	}
	return listed, err
}

// BenchmarkRBLColdLatency: every query answered after 20 ms, nothing
// cached (a new resolver per check), a clean address asked of 1 and of
// 10 lists. Ours asks the zones concurrently under one deadline; mox
// one after another.
func BenchmarkRBLColdLatency(b *testing.B) {
	ctx := context.Background()
	ip := netip.MustParseAddr(rbltest.CleanIP)
	log := slog.New(slog.DiscardHandler)
	for _, n := range []int{1, 10} {
		srv := rblServer(b, 10)
		srv.SetLatency(20 * time.Millisecond)
		lists, err := rbl.ParseLists(rbltest.Lists(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("spamkit/lists=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := &rbl.Checker{Resolver: srv.Resolver(), Lists: lists}
				if o, err := c.CheckIP(ctx, ip); err != nil || o.Result != rbl.Clean {
					b.Fatalf("CheckIP = %s, %v, want clean", o, err)
				}
			}
		})
		zones := moxZones(b, n)
		b.Run(fmt.Sprintf("mox/lists=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if listed, err := moxCheck(ctx, moxResolver(srv), zones, ip.AsSlice(), log); listed != 0 || err != nil {
					b.Fatalf("mox: listed %d, %v, want 0", listed, err)
				}
			}
		})
	}
}

// moxOverOurs gives mox's dnsbl our cached resolver, so the warm
// comparison measures the lists code, not the resolvers. Only the two
// methods dnsbl.Lookup calls are implemented.
type moxOverOurs struct {
	moxdns.Resolver // nil: other methods are not used
	r               *resolver.Resolver
}

func moxErr(err error) error {
	if err == nil {
		return nil
	}
	return &net.DNSError{Err: err.Error(), IsNotFound: resolver.IsNotFound(err), IsTemporary: resolver.IsTemporary(err)}
}

func (m moxOverOurs) LookupIP(ctx context.Context, network, host string) ([]net.IP, adns.Result, error) {
	addrs, err := m.r.LookupNetIP(ctx, network, host)
	ips := make([]net.IP, len(addrs))
	for i, a := range addrs {
		ips[i] = a.AsSlice()
	}
	return ips, adns.Result{}, moxErr(err)
}

func (m moxOverOurs) LookupTXT(ctx context.Context, name string) ([]string, adns.Result, error) {
	txt, err := m.r.LookupTXT(ctx, name)
	return txt, adns.Result{}, moxErr(err)
}

// BenchmarkRBLWarm: 10 lists, every answer in the (same) cache; a listed
// address (A and TXT reason from each list; mox also fetches the TXT of
// every listing) and a clean one.
func BenchmarkRBLWarm(b *testing.B) {
	srv := rblServer(b, 10)
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	lists, err := rbl.ParseLists(rbltest.Lists(10))
	if err != nil {
		b.Fatal(err)
	}
	for i := range lists {
		lists[i].Reason = true
	}
	c := &rbl.Checker{Resolver: r, Lists: lists, Threshold: 10}
	zones := moxZones(b, 10)
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		ip     string
		listed int
	}{{"listed", rbltest.ListedIP, 10}, {"clean", rbltest.CleanIP, 0}} {
		ip := netip.MustParseAddr(tc.ip)
		b.Run("spamkit/"+tc.name, func(b *testing.B) {
			if o, err := c.CheckIP(ctx, ip); err != nil || len(o.Hits) != tc.listed {
				b.Fatalf("CheckIP = %s, %v, want %d hits", o, err, tc.listed)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.CheckIP(ctx, ip)
			}
		})
		b.Run("mox/"+tc.name, func(b *testing.B) {
			m := moxOverOurs{r: r}
			if listed, err := moxCheck(ctx, m, zones, ip.AsSlice(), log); err != nil || listed != tc.listed {
				b.Fatalf("mox: listed %d, %v, want %d", listed, err, tc.listed)
			}
			b.ReportAllocs()
			for b.Loop() {
				moxCheck(ctx, m, zones, ip.AsSlice(), log)
			}
		})
	}
}

// BenchmarkURLExtraction: the URLs of a 1 MB newsletter-like HTML body.
// Ours also undoes obfuscations (hxxp, [.]), takes "www." names, drops
// duplicates and returns hosts; xurls.Relaxed finds URL-looking strings
// (also scheme-less ones such as "offers@shop.example.com" parts).
func BenchmarkURLExtraction(b *testing.B) {
	body := rbltest.HTML(1 << 20)
	x := &rbl.Extractor{MaxURLs: 1 << 20}
	b.Run("spamkit", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			x.Links(body)
		}
	})
	b.Run("xurls-relaxed", func(b *testing.B) {
		re := xurls.Relaxed()
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			re.FindAllString(string(body), -1)
		}
	})
	b.Run("xurls-strict", func(b *testing.B) {
		re := xurls.Strict()
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			re.FindAllString(string(body), -1)
		}
	})
}
