package rbl

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/rbltest"
)

// TestExtractURLFlood: links to one host that differ only in the query
// string filled the URL budget (MaxURLs, 1,000 distinct URLs) before the
// spam link, which was then neither among the URLs nor among the Hosts
// given to CheckDomains. URLs are deduplicated by host before the
// budget: the first URL of every host is kept.
func TestExtractURLFlood(t *testing.T) {
	body := rbltest.LinkFlood(1000, "http://spam.example/win")
	links := (&Extractor{}).Links(body)
	if got, want := links.Hosts(), []string{"ok.example", "spam.example"}; !slices.Equal(got, want) {
		t.Errorf("Links(1,000 links to ok.example, then spam.example).Hosts() = %q, want %q (%d bytes of body)", got, want, len(body))
	}
	if n := len(links.URLs); n > 1001 || links.URLs[n-1].Text != "http://spam.example/win" {
		t.Errorf("Links(flood) = %d URLs ending %q, want at most 1001 ending with the spam link", n, links.URLs[n-1].Text)
	}
}

// TestCheckLinks: CheckLinks counts the limits Extractor reached. Hosts
// lost to MaxHosts make the result Unknown unless a checked domain is
// Listed (CheckDomains on links.Hosts() alone calls such a body clean);
// the URL limits lose no host and only go into Err.
func TestCheckLinks(t *testing.T) {
	srv := newServer(t)
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain}}}
	ctx := context.Background()
	flood := rbltest.LinkFlood(1000, "http://claim-prize.example.net/win")
	for _, tc := range []struct {
		name   string
		x      Extractor
		body   string
		result Result
		reason string
		err    []error
	}{
		{"Flood", Extractor{}, string(flood), Listed, "listed by dbl.test", nil},
		{"HostLimit", Extractor{MaxHosts: 2}, "http://a.example.com/ http://b.example.org/ http://claim-prize.example.net/",
			Unknown, "too many links", []error{ErrTooManyHosts}},
		{"HostLimitListed", Extractor{MaxHosts: 2}, "http://claim-prize.example.net/ http://a.example.com/ http://b.example.org/",
			Listed, "listed by dbl.test", []error{ErrTooManyHosts}},
		{"URLLimit", Extractor{MaxURLs: 1}, "http://a.example.com/1 http://a.example.com/2 http://a.example.com/3 http://b.example.org/",
			Clean, "not listed", []error{ErrTooManyURLs}},
		{"URLTooLong", Extractor{MaxURLLen: 4}, "http://a.example.com/123456", Clean, "not listed", []error{ErrURLTooLong}},
		{"NoLimit", Extractor{}, "http://a.example.com/ http://b.example.org/", Clean, "not listed", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			links := tc.x.Links([]byte(tc.body))
			hosts := links.Hosts() // for the messages: the body may be long
			d, err := c.CheckLinks(ctx, links)
			if err != nil || d.Result != tc.result || d.Reason() != tc.reason {
				t.Errorf("CheckLinks(links to %q) = %s (%q), %v, want %s (%q)", hosts, d, d.Reason(), err, tc.result, tc.reason)
			}
			for _, e := range tc.err {
				if !errors.Is(d.Err, e) {
					t.Errorf("CheckLinks(links to %q).Err = %v, want it to wrap %v", hosts, d.Err, e)
				}
			}
			if tc.err == nil && d.Err != nil {
				t.Errorf("CheckLinks(links to %q).Err = %v, want nil", hosts, d.Err)
			}
			if errors.Is(d.Err, ErrTooManyHosts) != strings.Contains(d.String(), "link hosts past the limit not checked") {
				t.Errorf("CheckLinks(links to %q).String() = %q, want the host limit shown iff Err wraps ErrTooManyHosts (%v)", hosts, d, d.Err)
			}
		})
	}
	ipOnly := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test")}
	if _, err := ipOnly.CheckLinks(ctx, Links{}); !errors.Is(err, ErrNoLists) {
		t.Errorf("CheckLinks with only IP lists = %v, want ErrNoLists", err)
	}
}

// allocBytes returns the bytes f allocates (runtime.MemStats.TotalAlloc,
// so other goroutines' allocations count too: bounds are generous).
func allocBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReceivedUnfoldLinear: a Received field folded over n continuation
// lines is unfolded once, into one buffer: the bytes allocated stay
// within a constant times the header's length for n from 1,000 to
// 100,000, and the address on the last line is found.
func TestReceivedUnfoldLinear(t *testing.T) {
	want := netip.MustParseAddr("192.0.2.7")
	for _, n := range []int{1000, 10000, 100000} {
		header := rbltest.FoldedReceived(n)
		var r Relays
		got := allocBytes(func() { r = (&ReceivedParser{}).Relays(header) })
		if bound := uint64(4*len(header) + 64<<10); got > bound {
			t.Errorf("Relays(Received folded over %d lines, %d bytes) allocated %d bytes, want at most %d", n, len(header), got, bound)
		}
		if r.Err != nil || !slices.Equal(r.IPs, []netip.Addr{want}) {
			t.Errorf("Relays(Received folded over %d lines) = %s, want %s", n, r, want)
		}
	}
}

// TestReceivedHeaderRule: Relays reads the header by the module's one
// rule (internal/header): a leading mbox From_ line is skipped, and the
// header ends at the empty line or at the first line that is neither a
// field nor a continuation, which starts the body, so a Received field
// after such a line is body text, not a trace field; a malformed line the
// rule skips (a folded line before any field) does not end the header.
func TestReceivedHeaderRule(t *testing.T) {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for _, tc := range []struct {
		name, header string
		want         []netip.Addr
	}{
		{"EmptyLine", "Received: from a (a [192.0.2.1]) by b\r\n\r\nReceived: from c (c [192.0.2.2]) by d\r\n", []netip.Addr{a}},
		{"BodyLine", "Received: from a (a [192.0.2.1]) by b\r\nno colon here\r\nReceived: from c (c [192.0.2.2]) by d\r\n", []netip.Addr{a}},
		// A folded line before any field is skipped as malformed and the
		// header goes on (internal/header), as dkim and mime read it.
		{"LeadingContinuation", " Received: from c (c [192.0.2.2]) by d\r\nReceived: from a (a [192.0.2.1]) by b\r\n", []netip.Addr{a}},
		{"FromLine", "From sender@example.net Sun Nov  1 12:00:00 2026\nReceived: from a (a [192.0.2.1]) by b\nReceived: from c\n\t(c [192.0.2.2]) by d\n", []netip.Addr{a, b}},
		{"SpaceBeforeColon", "Received : from a (a [192.0.2.1]) by b\r\nX: y\r\n", []netip.Addr{a}},
		{"NoEnd", "Received: from a (a [192.0.2.1]) by b", []netip.Addr{a}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := (&ReceivedParser{}).Relays([]byte(tc.header))
			if r.Err != nil || !slices.Equal(r.IPs, tc.want) {
				t.Errorf("Relays(%q) = %s, want %v", tc.header, r, tc.want)
			}
		})
	}
}

// TestCheckDomainsDoneContext: CheckDomains reads the hosts under ctx:
// with ctx already done, 10,000 hosts are not all parsed (each costs
// IDNA and public-suffix work, so a long list ran on past any deadline
// before the first lookup), nothing is asked, and the result is Unknown
// with the context's error, never Clean.
func TestCheckDomainsDoneContext(t *testing.T) {
	srv := newServer(t)
	queries := 0
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain}},
		Trace: func(string, ...any) { queries++ }}
	hosts := make([]string, 10000)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("h%d.example%d.com", i, i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var d DomainsOutcome
	var err error
	allocs := testing.AllocsPerRun(1, func() { d, err = c.CheckDomains(ctx, hosts) })
	if allocs > 1000 {
		t.Errorf("CheckDomains(done ctx, 10,000 hosts): %v allocations, want at most 1000 (the hosts not read)", allocs)
	}
	if err != nil || d.Result != Unknown || !errors.Is(d.Err, context.Canceled) || len(d.Domains) != 0 || d.Unchecked != len(hosts) {
		t.Errorf("CheckDomains(done ctx, 10,000 hosts) = %s, %d checked, %d unchecked, Err wraps context.Canceled %v, %v; want unknown, none checked, 10000 unchecked, context.Canceled",
			d.Result, len(d.Domains), d.Unchecked, errors.Is(d.Err, context.Canceled), err)
	}
	if queries != 0 {
		t.Errorf("CheckDomains(done ctx): %d queries, want none", queries)
	}
	if d, err := c.CheckLinks(ctx, (&Extractor{}).Links([]byte("http://a.example.com/"))); err != nil || d.Result != Unknown {
		t.Errorf("CheckLinks(done ctx) = %s, %v, want unknown", d, err)
	}
}

// TestLinksBytesLinear: the bytes Links allocates are linear in the
// body (at most 8 per byte, for candidates that are no URL) plus what
// the limits keep, for bodies of 1,000 to 100,000 URL candidates of
// every kind: valid and broken IPv6 literals, non-ASCII hosts, distinct
// hosts and URLs past the limits.
func TestLinksBytesLinear(t *testing.T) {
	x := Extractor{MaxHosts: 50, MaxURLs: 50, MaxURLLen: 100}
	kept := uint64((x.MaxHosts+x.MaxURLs)*(x.MaxURLLen+300)) * 4 // URLs, their maps and growth
	for _, tc := range []struct {
		name string
		body func(n int) string
	}{
		{"IPv6Broken", func(n int) string { return strings.Repeat("http://[1] ", n) }},
		{"IPv6", func(n int) string { return strings.Repeat("http://[2001:db8::1] ", n) }},
		{"NonASCII", func(n int) string { return strings.Repeat("http://"+strings.Repeat("é", 40)+" ", n) }},
		{"OneHost", func(n int) string {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, "http://ok.example/?%d ", i)
			}
			return b.String()
		}},
		{"DistinctHosts", func(n int) string {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, "http://h%d.example/ ", i)
			}
			return b.String()
		}},
	} {
		for _, n := range []int{1000, 10000, 100000} {
			body := []byte(tc.body(n))
			got := allocBytes(func() { x.Links(body) })
			if bound := 8*uint64(len(body)) + kept + 64<<10; got > bound {
				t.Errorf("Links(%s, %d candidates, %d bytes) allocated %d bytes, want at most %d", tc.name, n, len(body), got, bound)
			}
		}
	}
}
