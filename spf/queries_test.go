package spf

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestRecordQueries checks the lookups an Outcome lists with
// Checker.RecordQueries: every query the evaluation made, in order, with
// its record count and error, the same with and without prefetch; and
// none without the option.
func TestRecordQueries(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: `
$TTL 300
@ SOA ns.test. host.test. 1 3600 600 86400 60
q.test.        TXT "v=spf1 include:inc.test mx a:gone.test ptr -all"
inc.test.      TXT "v=spf1 ip4:203.0.113.0/24 -all"
q.test.        MX  10 mx1.q.test.
q.test.        MX  20 mx2.q.test.
mx1.q.test.    A   198.51.100.1
mx2.q.test.    A   198.51.100.2
host.q.test.   A   192.0.2.7
`}, resolvertest.Zone{Origin: "2.0.192.in-addr.arpa.", Text: `
$TTL 300
@ SOA ns.test. host.test. 1 3600 600 86400 60
7 PTR host.q.test.
`})
	want := []string{
		"TXT q.test: 1 record",
		"TXT inc.test: 1 record",
		"MX q.test: 2 records",
		"A mx1.q.test.: 1 record",
		"A mx2.q.test.: 1 record",
		"A gone.test: not found",
		"PTR 192.0.2.7: 1 record",
		"A host.q.test.: 1 record",
	}
	ip := netip.MustParseAddr("192.0.2.7")
	for _, noPrefetch := range []bool{true, false} {
		c := &Checker{Resolver: srv.Resolver(), RecordQueries: true, NoPrefetch: noPrefetch, PrefetchAfter: -1}
		o := must(t)(c.Check(context.Background(), ip, "h.test", "x@q.test"))
		if o.Result != Pass || o.Mechanism != "ptr" {
			t.Fatalf("Check(NoPrefetch %v) = %s, want pass by ptr", noPrefetch, o)
		}
		var got []string
		for _, q := range o.Queries {
			s := q.String()
			if q.Err != nil && strings.Contains(s, "NXDOMAIN") {
				s = q.Type + " " + q.Name + ": not found"
			}
			got = append(got, s)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("Check(NoPrefetch %v).Queries =\n%s\nwant\n%s", noPrefetch, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if o.Lookups != 4 || o.VoidLookups != 1 {
			t.Errorf("Check(NoPrefetch %v) lookups %d void %d, want 4 and 1", noPrefetch, o.Lookups, o.VoidLookups)
		}
	}
	o := must(t)((&Checker{Resolver: srv.Resolver()}).Check(context.Background(), ip, "h.test", "x@q.test"))
	if o.Queries != nil {
		t.Errorf("Check without RecordQueries listed %d queries, want none", len(o.Queries))
	}
}
