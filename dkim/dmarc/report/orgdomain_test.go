package report

import (
	"context"
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestDestinationOrgDomainTreeWalk: the external-destination check (RFC
// 9990 §4) compares organizational domains found as the evaluation
// found them: by RFC 9989's tree walk by default, by the public suffix
// list in RFC 7489 mode. shared.example publishes psd=y, which the PSL
// does not know: by the walk, a.shared.example and b.shared.example are
// separate organizations, so b must confirm that it takes a's reports;
// by the PSL both are shared.example and b is used unconfirmed.
func TestDestinationOrgDomainTreeWalk(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.", Text: `
_dmarc.shared.example.     300 IN TXT "v=DMARC1; p=none; psd=y"
_dmarc.a.shared.example.   300 IN TXT "v=DMARC1; p=reject; rua=mailto:d@b.shared.example"
_dmarc.corp.example.       300 IN TXT "v=DMARC1; p=reject"
`})
	srv.Fail("_dmarc.x.broken.example", resolvertest.TypeTXT, resolvertest.ServFail)
	rua := []string{"mailto:d@b.shared.example", "mailto:r@reports.corp.example"}
	for _, tc := range []struct {
		name     string
		mode     dmarc.Mode
		policy   string
		external bool
		err      error
	}{
		// The walk from b.shared.example stops at the psd=y record:
		// its organizational domain is b.shared.example itself.
		{"treewalk psd=y", dmarc.ModeRFC9989, "a.shared.example", true, ErrUnverified},
		{"psl psd=y", dmarc.ModeRFC7489, "a.shared.example", false, nil},
		// reports.corp.example has no record: its walk finds corp.example's.
		{"treewalk same org", dmarc.ModeRFC9989, "corp.example", false, nil},
		// Ten labels: the walk jumps to the last seven, then finds
		// corp.example's record.
		{"treewalk long name", dmarc.ModeRFC9989, "corp.example", false, nil},
		// A temporary failure with no record below it: try again later.
		{"treewalk dns failure", dmarc.ModeRFC9989, "corp.example", false, ErrDNS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Reporter{Resolver: srv.Resolver(), Mode: tc.mode}
			u := rua[0]
			switch tc.name {
			case "treewalk same org":
				u = rua[1]
			case "treewalk long name":
				u = "mailto:r@a.b.c.d.e.f.g.h.corp.example"
			case "treewalk dns failure":
				u = "mailto:r@x.broken.example"
			}
			got := r.VerifyDestinations(context.Background(), tc.policy, []string{u})
			if len(got) != 1 || got[0].External != tc.external || !errors.Is(got[0].Err, tc.err) || (tc.err == nil) != (got[0].Err == nil) {
				t.Errorf("VerifyDestinations(%s, %s) = %+v, want external %v, err %v", tc.policy, u, got, tc.external, tc.err)
			}
		})
	}

	// Through a caching resolver a second check costs no query, and one
	// check looks each _dmarc name up at most once.
	res := srv.Resolver()
	res.Cache = resolver.NewCache(resolver.CacheOptions{})
	r := &Reporter{Resolver: res}
	before := srv.Count("_dmarc.shared.example", resolvertest.TypeTXT)
	r.VerifyDestinations(context.Background(), "a.shared.example", rua[:1])
	if n := srv.Count("_dmarc.shared.example", resolvertest.TypeTXT) - before; n != 1 {
		t.Errorf("_dmarc.shared.example queried %d times in one check, want 1", n)
	}
	srv.ResetQueries()
	r.VerifyDestinations(context.Background(), "a.shared.example", rua[:1])
	if n := len(srv.Queries()); n != 0 {
		t.Errorf("warm check made %d queries, want 0", n)
	}
}

// TestDestinationsOfReportMode: Destinations uses the discovery method
// recorded with the report's policy ("psl" or "treewalk"), whatever the
// Reporter's Mode.
func TestDestinationsOfReportMode(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.", Text: `
_dmarc.shared.example.     300 IN TXT "v=DMARC1; p=none; psd=y"
_dmarc.a.shared.example.   300 IN TXT "v=DMARC1; p=reject"
`})
	for _, tc := range []struct {
		method string
		err    error
	}{{"psl", nil}, {"treewalk", ErrUnverified}} {
		r := newReporter()
		r.Resolver = srv.Resolver()
		p := testPolicy()
		p.Domain, p.DiscoveryMethod = "a.shared.example", tc.method
		ev := Evaluation{Time: day0, Policy: p, Row: testRows()[0], RUA: []string{"mailto:d@b.shared.example"}}
		if err := r.Add(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		d, err := r.Destinations(context.Background(), r.KeyAt("a.shared.example", day0))
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != 1 || !errors.Is(d[0].Err, tc.err) || (tc.err == nil) != (d[0].Err == nil) {
			t.Errorf("Destinations (%s) = %+v, want err %v", tc.method, d, tc.err)
		}
	}
}
