package rbl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestPostscreenScoring checks CheckIP against the semantics of Postfix
// postscreen (postconf(5) postscreen_dnsbl_sites, _threshold,
// _allowlist_threshold); each case's name states the rule.
func TestPostscreenScoring(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		name      string
		lists     string
		threshold int
		allow     int
		ip        string
		want      Result
		score     int
		hits      []string // List=Code*Weight
	}{
		{"EntryWithoutFilterCountsAnyListingWithWeight1", "zen.test", 0, 0, "192.0.2.2", Listed, 1,
			[]string{"zen.test=127.0.0.11*1"}},
		{"EntryMatchingSeveralAnswersAddsItsWeightOnce", "zen.test*2", 0, 0, "192.0.2.1", Listed, 2,
			[]string{"zen.test=127.0.0.2*2"}},
		{"SameZoneSeveralFiltersEachMatchingEntryAddsItsWeight",
			"zen.test=127.0.0.[2..3]*3 zen.test=127.0.0.[4..7]*2 zen.test=127.0.0.[10;11]*1 zen.test=127.0.0.[20..30]*5",
			10, 0, "192.0.2.1", Clean, 6,
			[]string{"zen.test=127.0.0.2*3", "zen.test=127.0.0.4*2", "zen.test=127.0.0.10*1"}},
		{"ScoreEqualToThresholdIsListedInclusiveLowerBound", "zen.test*3, bl.test*2", 5, 0, "192.0.2.1", Listed, 5,
			[]string{"zen.test=127.0.0.2*3", "bl.test=127.0.0.2*2"}},
		{"ScoreBelowThresholdIsClean", "zen.test*3, bl.test*2", 6, 0, "192.0.2.1", Clean, 5,
			[]string{"zen.test=127.0.0.2*3", "bl.test=127.0.0.2*2"}},
		{"HitsInTheOrderOfTheEntriesNotOfTheZones", "zen.test=127.0.0.2, bl.test*2, zen.test=127.0.0.4*3", 0, 0, "192.0.2.1", Listed, 6,
			[]string{"zen.test=127.0.0.2*1", "bl.test=127.0.0.2*2", "zen.test=127.0.0.4*3"}},
		{"FilterNotMatchingAddsNothing", "zen.test=127.0.0.[4..7]*3", 0, 0, "192.0.2.2", Clean, 0, nil},
		{"NotListedIsCleanWithScore0", "zen.test*3, bl.test", 0, 0, "192.0.2.200", Clean, 0, nil},
		{"NegativeWeightSubtractsDNSWL", "zen.test*3, wl.test=127.0.[0..255].0*-2", 0, 0, "192.0.2.1", Listed, 1,
			[]string{"zen.test=127.0.0.2*3", "wl.test=127.0.15.0*-2"}},
		{"ScoreAtOrBelowNegativeAllowlistThresholdIsAllowlisted", "zen.test, wl.test*-2", 0, -2, "192.0.2.10",
			Allowlisted, -2, []string{"wl.test=127.0.15.2*-2"}},
		{"ScoreAboveAllowlistThresholdIsNotAllowlisted", "zen.test, wl.test*-2", 0, -3, "192.0.2.10",
			Clean, -2, []string{"wl.test=127.0.15.2*-2"}},
		{"AllowlistThreshold0DisablesAllowlisting", "wl.test*-2", 0, 0, "192.0.2.10", Clean, -2,
			[]string{"wl.test=127.0.15.2*-2"}},
		{"BitmaskFilterMatchesAnyBit", "zen.test=&8*4", 0, 0, "192.0.2.2", Listed, 4,
			[]string{"zen.test=127.0.0.11*4"}},
		{"IPv6ReversedNibbles", "zen.test=127.0.0.3*2", 0, 0, "2001:db8::1", Listed, 2,
			[]string{"zen.test=127.0.0.3*2"}},
		{"IPv4MappedIPv6IsUnmapped", "zen.test", 0, 0, "::ffff:192.0.2.2", Listed, 1,
			[]string{"zen.test=127.0.0.11*1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, tc.lists), Threshold: tc.threshold, AllowlistThreshold: tc.allow}
			o, err := c.CheckIP(context.Background(), netip.MustParseAddr(tc.ip))
			if err != nil {
				t.Fatalf("CheckIP(%s) error %v", tc.ip, err)
			}
			if o.Result != tc.want || o.Score != tc.score {
				t.Errorf("CheckIP(%s) = %s score %d, want %s score %d (%s)", tc.ip, o.Result, o.Score, tc.want, tc.score, o)
			}
			var hits []string
			for _, h := range o.Hits {
				hits = append(hits, h.String())
			}
			if !slices.Equal(hits, tc.hits) {
				t.Errorf("CheckIP(%s) hits = %q, want %q", tc.ip, hits, tc.hits)
			}
			if len(o.ListErrors) > 0 || o.Err != nil {
				t.Errorf("CheckIP(%s) errors = %v, Err %v, want none", tc.ip, o.ListErrors, o.Err)
			}
		})
	}
}

// TestZoneQueriedOnce checks that a zone named by several entries is
// asked once per item.
func TestZoneQueriedOnce(t *testing.T) {
	srv := newServer(t)
	c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test=127.0.0.2*3 zen.test=127.0.0.4*2 zen.test=127.0.0.10 bl.test")}
	if _, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if got := srv.Count("1.2.0.192.zen.test.", dns.TypeA); got != 1 {
		t.Errorf("queries for 1.2.0.192.zen.test A = %d, want 1", got)
	}
	if got := srv.Count("1.2.0.192.bl.test.", dns.TypeA); got != 1 {
		t.Errorf("queries for 1.2.0.192.bl.test A = %d, want 1", got)
	}
}

// TestListErrors checks that error codes, answers outside 127.0.0.0/8,
// SERVFAIL and timeouts are list errors, never listings, and that one
// failing list leaves the others' hits.
func TestListErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lists  string
		ip     string
		fail   resolvertest.Failure
		want   Result
		score  int
		errIs  error
		reason string
	}{
		{"SpamhausErrorCode127.255.255.254IsNotAListing", "zen.test*5", "192.0.2.3", 0, Unknown, 0, ErrListRefused, "list refused the query"},
		{"AnswerOutside127/8IsNotAListing", "zen.test*5", "192.0.2.4", 0, Unknown, 0, ErrBadReply, "invalid list answer"},
		{"ServFailIsUnknown", "zen.test*5", "192.0.2.1", resolvertest.ServFail, Unknown, 0, ErrDNS, "DNS server failure"},
		{"TimeoutIsUnknown", "zen.test*5", "192.0.2.1", resolvertest.Drop, Unknown, 0, ErrDNS, "DNS timeout"},
		{"TimeoutOfOneListKeepsTheOthersHits", "zen.test*5, bl.test*2", "192.0.2.1", resolvertest.Drop, Listed, 2, ErrDNS, "listed by bl.test"},
		{"FailedAllowlistCannotRaiseScoreSoVerdictStaysClean", "zen.test*5, wl.test*-2", "192.0.2.200", resolvertest.ServFail, Clean, 0, ErrDNS, "not listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			lists := mustLists(t, tc.lists)
			if tc.fail != resolvertest.Healthy {
				// The first list fails; for the allowlist case the second.
				failed := lists[0].Zone
				if strings.Contains(tc.name, "Allowlist") {
					failed = lists[1].Zone
				}
				q := netip.MustParseAddr(tc.ip).As4()
				name := netip.AddrFrom4([4]byte{q[3], q[2], q[1], q[0]}).String() + "." + failed + "."
				srv.Fail(name, dns.TypeA, tc.fail)
			}
			c := &Checker{Resolver: srv.Resolver(), Lists: lists, Timeout: 300 * time.Millisecond}
			o, err := c.CheckIP(context.Background(), netip.MustParseAddr(tc.ip))
			if err != nil {
				t.Fatal(err)
			}
			if o.Result != tc.want || o.Score != tc.score {
				t.Errorf("CheckIP(%s) = %s score %d, want %s score %d (%s)", tc.ip, o.Result, o.Score, tc.want, tc.score, o)
			}
			if len(o.ListErrors) != 1 || !errors.Is(&o.ListErrors[0], tc.errIs) || !errors.Is(o.Err, tc.errIs) {
				t.Errorf("CheckIP(%s) errors = %v, Err %v, want one %v", tc.ip, o.ListErrors, o.Err, tc.errIs)
			}
			// The reason goes into headers: a stable phrase, without the
			// resolver's address and port that Err carries.
			if r := o.Reason(); r != tc.reason || strings.Contains(r, "127.") || strings.Contains(r, ":") {
				t.Errorf("CheckIP(%s).Reason() = %q, want %q", tc.ip, r, tc.reason)
			}
		})
	}
}

func TestListErrorCodes(t *testing.T) {
	srv := newServer(t)
	l := mustLists(t, "zen.test*3")
	l[0].ErrorCodes, _ = ParseFilter("127.0.1.255")
	c := &Checker{Resolver: srv.Resolver(), Lists: l}
	o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.5"))
	if o.Result != Unknown || len(o.ListErrors) != 1 || !errors.Is(&o.ListErrors[0], ErrListRefused) {
		t.Errorf("CheckIP(192.0.2.5) with ErrorCodes 127.0.1.255 = %s, want unknown with ErrListRefused", o)
	}
	l[0].ErrorCodes = Filter{}
	if o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.5")); o.Result != Listed {
		t.Errorf("CheckIP(192.0.2.5) without ErrorCodes = %s, want listed", o)
	}
}

func TestReasonAndName(t *testing.T) {
	srv := newServer(t)
	l := mustLists(t, "zen.test*3 bl.test")
	l[0].Reason, l[0].Name = true, "zen"
	c := &Checker{Resolver: srv.Resolver(), Lists: l}
	o, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	want := `listed 192.0.2.1 score 4 (zen=127.0.0.2*3 ("https://zen.test/query/ip/192.0.2.1"), bl.test=127.0.0.2*1)`
	if got := o.String(); got != want {
		t.Errorf("CheckIP(192.0.2.1) = %s, want %s", got, want)
	}
	if n := srv.Count("1.2.0.192.bl.test.", dns.TypeTXT); n != 0 {
		t.Errorf("TXT queries to bl.test = %d, want 0 (Reason not set)", n)
	}
	if o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.200")); o.Result != Clean {
		t.Errorf("CheckIP(192.0.2.200) = %s, want clean", o)
	}
	if n := srv.Count("200.2.0.192.zen.test.", dns.TypeTXT); n != 0 {
		t.Errorf("TXT queries for an unlisted IP = %d, want 0", n)
	}
}

func TestLimits(t *testing.T) {
	srv := newServer(t)
	ip := netip.MustParseAddr("192.0.2.1")
	t.Run("MaxZones", func(t *testing.T) {
		// The zones past MaxZones are not asked: each is a ListError, and
		// the result is Unknown when they could have reached the
		// threshold, whatever the zones asked said.
		srv.ResetQueries()
		c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "wl.test=127.0.0.99 zen.test=127.0.0.99 bl.test*3"), MaxZones: 2, Threshold: 3}
		o, err := c.CheckIP(context.Background(), ip)
		if err != nil || o.Result != Unknown || len(o.ListErrors) != 1 || o.ListErrors[0].List != "bl.test" ||
			!errors.Is(o.Err, ErrTooManyZones) || o.Reason() != "too many lists" {
			t.Errorf("CheckIP with 3 zones, MaxZones 2 = %s (%v), %v, want unknown, bl.test not asked (ErrTooManyZones)", o, o.Err, err)
		}
		if n := srv.Count("1.2.0.192.bl.test.", dns.TypeA); n != 0 {
			t.Errorf("CheckIP with MaxZones 2 asked bl.test %d times, want 0", n)
		}
		// An unasked allowlist cannot change a listing.
		c.Lists = mustLists(t, "bl.test*3 zen.test wl.test*-5")
		if o, err := c.CheckIP(context.Background(), ip); err != nil || o.Result != Listed || !errors.Is(o.Err, ErrTooManyZones) {
			t.Errorf("CheckIP with wl.test past MaxZones = %s (%v), %v, want listed with ErrTooManyZones in Err", o, o.Err, err)
		}
		c.MaxZones = 3
		if o, err := c.CheckIP(context.Background(), ip); err != nil || o.Result != Clean || o.Score != -1 || o.Err != nil {
			t.Errorf("CheckIP with 3 zones, MaxZones 3 = %s, %v, want clean score -1 (3 + 1 - 5) without errors", o, err)
		}
	})
	t.Run("MaxAnswers", func(t *testing.T) {
		c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test"), MaxAnswers: 2}
		o, _ := c.CheckIP(context.Background(), ip)
		if len(o.ListErrors) != 1 || !errors.Is(&o.ListErrors[0], ErrTooManyAnswers) {
			t.Errorf("CheckIP with 3 answers, MaxAnswers 2 = %s, want ErrTooManyAnswers", o)
		}
		c.MaxAnswers = 3
		if o, _ := c.CheckIP(context.Background(), ip); o.Result != Listed {
			t.Errorf("CheckIP with 3 answers, MaxAnswers 3 = %s, want listed", o)
		}
	})
	t.Run("InvalidIP", func(t *testing.T) {
		c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test")}
		if _, err := c.CheckIP(context.Background(), netip.Addr{}); !errors.Is(err, ErrInvalidIP) {
			t.Errorf("CheckIP(zero Addr) = %v, want ErrInvalidIP", err)
		}
	})
	t.Run("NoLists", func(t *testing.T) {
		c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test")}
		if _, err := c.CheckAddress(context.Background(), "a@example.net"); !errors.Is(err, ErrNoLists) {
			t.Errorf("CheckAddress with only IP lists = %v, want ErrNoLists", err)
		}
	})
}

// TestNetResolver checks the Checker through *net.Resolver (the
// interface path, without the typed fast path).
func TestNetResolver(t *testing.T) {
	srv := newServer(t)
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr)
	}}
	l := mustLists(t, "zen.test=127.0.0.[2..3]*3 zen.test=127.0.0.4*2 bl.test")
	l[0].Reason = true
	c := &Checker{Resolver: r, Lists: l}
	o, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Result != Listed || o.Score != 6 || o.Hits[0].Reason == "" {
		t.Errorf("CheckIP(192.0.2.1) via net.Resolver = %s, want listed score 6 with a reason", o)
	}
	if o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.200")); o.Result != Clean || len(o.ListErrors) != 0 {
		t.Errorf("CheckIP(192.0.2.200) via net.Resolver = %s, want clean without errors", o)
	}
	if o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1")); len(c.Lists) != 3 || o.Score != 6 {
		t.Errorf("second CheckIP = %s", o)
	}
	if err := SelfTest(context.Background(), r, List{Zone: "zen.test"}); err != nil {
		t.Errorf("SelfTest(zen.test) via net.Resolver = %v, want nil", err)
	}
}

func TestSelfTest(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		list List
		ok   bool
	}{
		{List{Zone: "zen.test"}, true},
		{List{Zone: "bl.test"}, false}, // lists 127.0.0.1
		{List{Zone: "wl.test"}, false}, // lacks 127.0.0.2
		{List{Zone: "dbl.test", Kind: KindDomain}, true},
		{List{Zone: "multi.test", Kind: KindDomain}, false},
		{List{Zone: "hbl.test", Kind: KindHash}, false},
	} {
		t.Run(tc.list.Zone, func(t *testing.T) {
			err := SelfTest(context.Background(), srv.Resolver(), tc.list)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrSelfTest)) {
				t.Errorf("SelfTest(%s) = %v, want ok %v", tc.list.Zone, err, tc.ok)
			}
		})
	}
}

// TestSelfTestIPv6 checks an IPv6 list (NoIPv4) against its RFC 5782
// §5 test entries, ::FFFF:7F00:2 listed and ::FFFF:7F00:1 not, in
// nibble form.
func TestSelfTestIPv6(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: `
$ORIGIN v6.test.
2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 A 127.0.0.2
$ORIGIN bad6.test.
1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 A 127.0.0.2
2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 A 127.0.0.2
`})
	for _, tc := range []struct {
		list List
		ok   bool
	}{
		{List{Zone: "v6.test", NoIPv4: true}, true},
		{List{Zone: "bad6.test", NoIPv4: true}, false}, // lists ::FFFF:7F00:1
		{List{Zone: "v6.test"}, false},                 // no 127.0.0.2: not an IPv4 list
	} {
		t.Run(tc.list.String(), func(t *testing.T) {
			err := SelfTest(context.Background(), srv.Resolver(), tc.list)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrSelfTest)) {
				t.Errorf("SelfTest(%s, NoIPv4 %v) = %v, want ok %v", tc.list.Zone, tc.list.NoIPv4, err, tc.ok)
			}
		})
	}
}

// TestSlowListDegradesToUnknown: a list that answers after the
// Checker's deadline (resolvertest Delay) is a timeout for that list
// only; the others' hits count, and the verdict is Unknown because the
// slow list could have reached the threshold.
func TestSlowListDegradesToUnknown(t *testing.T) {
	srv := newServer(t)
	srv.Delay("1.2.0.192.zen.test.", dns.TypeA, 2*time.Second)
	c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test*5 bl.test*2"), Threshold: 5, Timeout: 200 * time.Millisecond}
	o, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Result != Unknown || o.Score != 2 || len(o.Hits) != 1 || o.Hits[0].List != "bl.test" {
		t.Errorf("CheckIP(192.0.2.1) with zen.test slow = %s, want unknown with bl.test's hit, score 2", o)
	}
	if len(o.ListErrors) != 1 || o.ListErrors[0].List != "zen.test" || !errors.Is(&o.ListErrors[0], ErrDNS) || !errors.Is(&o.ListErrors[0], resolver.ErrTimeout) {
		t.Errorf("CheckIP(192.0.2.1) errors = %v, want one zen.test timeout (ErrDNS, resolver.ErrTimeout)", o.ListErrors)
	}
	// With the threshold at 2, bl.test alone lists the address: the slow
	// list no longer matters.
	c.Threshold = 2
	if o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1")); o.Result != Listed {
		t.Errorf("CheckIP(192.0.2.1) with threshold 2 = %s, want listed", o)
	}
}

// TestZonesQueriedConcurrently: five lists each answering after 300 ms
// all answer within a 1.2 s deadline, which asking them one after
// another (1.5 s) would exceed.
func TestZonesQueriedConcurrently(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(300 * time.Millisecond)
	c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test bl.test wl.test dbl.test multi.test"),
		Timeout: 1200 * time.Millisecond}
	o, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.ListErrors) != 0 || o.Score != 4 {
		t.Errorf("CheckIP(192.0.2.1) on 5 slow lists = %s, want 4 hits and no errors", o)
	}
	for _, z := range []string{"zen", "bl", "wl", "dbl", "multi"} {
		if n := srv.Count("1.2.0.192."+z+".test.", dns.TypeA); n != 1 {
			t.Errorf("queries to %s.test = %d, want 1", z, n)
		}
	}
}

// TestAddressFamilies: a list marked NoIPv6 (NoIPv4) is not asked about
// IPv6 (IPv4) addresses; with no list left, ErrNoLists.
func TestAddressFamilies(t *testing.T) {
	srv := newServer(t)
	lists := mustLists(t, "zen.test=127.0.0.3*2 bl.test")
	lists[1].NoIPv6 = true
	c := &Checker{Resolver: srv.Resolver(), Lists: lists}
	v6 := netip.MustParseAddr("2001:db8::1")
	if o, err := c.CheckIP(context.Background(), v6); err != nil || o.Result != Listed || o.Score != 2 {
		t.Errorf("CheckIP(%s) = %s, %v, want listed score 2", v6, o, err)
	}
	for _, q := range srv.Queries() {
		if strings.HasSuffix(q.Name, ".bl.test.") {
			t.Errorf("CheckIP(%s) asked %s of the IPv4-only bl.test", v6, q)
		}
	}
	v4only := &Checker{Resolver: srv.Resolver(), Lists: lists[1:]}
	if _, err := v4only.CheckIP(context.Background(), v6); !errors.Is(err, ErrNoLists) {
		t.Errorf("CheckIP(%s) with only an IPv4 list = %v, want ErrNoLists", v6, err)
	}
	lists[0].NoIPv4 = true
	if o, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1")); err != nil || o.Score != 1 || len(o.Hits) != 1 || o.Hits[0].List != "bl.test" {
		t.Errorf("CheckIP(192.0.2.1) with zen.test IPv6-only = %s, %v, want bl.test's hit only", o, err)
	}
}

// TestAddressFamilyPerEntry: entries of one zone differ by family; only
// those for the address's family count.
func TestAddressFamilyPerEntry(t *testing.T) {
	srv := newServer(t)
	lists := mustLists(t, "zen.test=127.0.0.[2..3]*2 zen.test=127.0.0.[2..3]*5")
	lists[1].NoIPv6 = true
	c := &Checker{Resolver: srv.Resolver(), Lists: lists}
	if o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("2001:db8::1")); o.Score != 2 {
		t.Errorf("CheckIP(2001:db8::1) = %s, want score 2 (the IPv4-only entry not counted)", o)
	}
	if o, _ := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1")); o.Score != 7 {
		t.Errorf("CheckIP(192.0.2.1) = %s, want score 7", o)
	}
}

// TestZeroResolver: a Checker without Resolver uses net.DefaultResolver
// (asked here under a cancelled context, so without network) instead of
// panicking in a lookup goroutine.
func TestZeroResolver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &Checker{Lists: []List{{Zone: "zen.test", Reason: true}}}
	o, err := c.CheckIP(ctx, netip.MustParseAddr("192.0.2.1"))
	if err != nil || o.Result != Unknown || len(o.ListErrors) != 1 || !errors.Is(&o.ListErrors[0], ErrDNS) {
		t.Errorf("CheckIP with no Resolver, cancelled = %s, %v, want unknown with a DNS error", o, err)
	}
}

// TestFailedListNeverPasses: a blocklist that could not answer keeps an
// allowlisted score from becoming Allowlisted (an allowlisted client
// skips the other tests, so that would be a pass the lists did not
// give); it is Unknown if the blocklist could have raised the score to
// the threshold, Clean if even then it stays below.
func TestFailedListNeverPasses(t *testing.T) {
	srv := newServer(t)
	srv.Fail("10.2.0.192.zen.test.", dns.TypeA, resolvertest.ServFail)
	ip := netip.MustParseAddr("192.0.2.10") // on wl.test only
	for _, tc := range []struct {
		threshold int
		want      Result
	}{
		{1, Unknown}, // -2 + 3 reaches 1
		{3, Clean},   // -2 + 3 stays below 3, above -1
	} {
		c := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test*3 wl.test*-2"), Threshold: tc.threshold, AllowlistThreshold: -1}
		o, err := c.CheckIP(context.Background(), ip)
		if err != nil || o.Result != tc.want || o.Score != -2 {
			t.Errorf("CheckIP(%s) with zen.test failing, threshold %d = %s, %v, want %s score -2", ip, tc.threshold, o, err, tc.want)
		}
	}
}

// TestTrace: the Trace hook sees each query and its answer, also from
// the concurrent lookups of several zones.
func TestTrace(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	var lines []string
	l := mustLists(t, "zen.test bl.test")
	l[0].Reason = true
	c := &Checker{Resolver: srv.Resolver(), Lists: l, Trace: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}}
	if _, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	want := []string{
		"rbl: 1.2.0.192.bl.test. A: [127.0.0.2] <nil>",
		"rbl: 1.2.0.192.zen.test. A: [127.0.0.2 127.0.0.4 127.0.0.10] <nil>",
		`rbl: 1.2.0.192.zen.test. TXT: ["https://zen.test/query/ip/192.0.2.1"] <nil>`,
	}
	if !slices.Equal(lines, want) {
		t.Errorf("Trace lines = %q, want %q", lines, want)
	}
}

// TestNetResolverFailures: through *net.Resolver (what a zero Checker
// uses), SERVFAIL and a server that never answers are list errors that
// make the item Unknown, never Clean.
func TestNetResolverFailures(t *testing.T) {
	srv := newServer(t)
	srv.Fail("200.2.0.192.zen.test.", dns.TypeA, resolvertest.ServFail)
	srv.Fail("201.2.0.192.zen.test.", dns.TypeA, resolvertest.Drop)
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr)
	}}
	c := &Checker{Resolver: r, Lists: mustLists(t, "zen.test"), Timeout: 300 * time.Millisecond}
	for _, tc := range []struct{ ip, reason string }{{"192.0.2.200", "DNS server failure"}, {"192.0.2.201", "DNS timeout"}} {
		o, err := c.CheckIP(context.Background(), netip.MustParseAddr(tc.ip))
		if err != nil || o.Result != Unknown || !errors.Is(o.Err, ErrDNS) || o.Reason() != tc.reason {
			t.Errorf("CheckIP(%s) via net.Resolver on a failing list = %s (%q), %v, want unknown, %q", tc.ip, o, o.Reason(), err, tc.reason)
		}
	}
}

// deadlineResolver records the deadline of the contexts it is asked
// with, and lists nothing.
type deadlineResolver struct {
	mu        sync.Mutex
	deadlines []time.Duration // until the deadline; -1 for none
}

func (d *deadlineResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dl, ok := ctx.Deadline(); ok {
		d.deadlines = append(d.deadlines, time.Until(dl))
	} else {
		d.deadlines = append(d.deadlines, -1)
	}
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

func (d *deadlineResolver) LookupTXT(context.Context, string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

// TestTimeoutDefault: a zero Timeout bounds a check by DefaultTimeout
// (10 s), CheckIP's and CheckDomains' alike; a negative one leaves ctx's
// deadline alone.
func TestTimeoutDefault(t *testing.T) {
	for _, tc := range []struct {
		timeout  time.Duration
		min, max time.Duration // -1: no deadline
	}{
		{0, DefaultTimeout - time.Second, DefaultTimeout},
		{3 * time.Second, 2 * time.Second, 3 * time.Second},
		{-1, -1, -1},
	} {
		r := &deadlineResolver{}
		c := &Checker{Resolver: r, Lists: []List{{Zone: "zen.test"}, {Zone: "dbl.test", Kind: KindDomain}}, Timeout: tc.timeout}
		if o, err := c.CheckIP(context.Background(), netip.MustParseAddr("192.0.2.1")); err != nil || o.Result != Clean {
			t.Fatalf("CheckIP = %s, %v, want clean", o, err)
		}
		if d, err := c.CheckDomains(context.Background(), []string{"a.example.com", "b.example.org"}); err != nil || d.Result != Clean {
			t.Fatalf("CheckDomains = %s, %v, want clean", d, err)
		}
		if len(r.deadlines) != 3 {
			t.Fatalf("Timeout %v: %d lookups, want 3", tc.timeout, len(r.deadlines))
		}
		for _, d := range r.deadlines {
			if tc.min < 0 && d != -1 || tc.min >= 0 && (d < tc.min || d > tc.max) {
				t.Errorf("Timeout %v: lookup deadline in %v, want between %v and %v", tc.timeout, d, tc.min, tc.max)
			}
		}
	}
}
