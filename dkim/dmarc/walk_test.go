package dmarc_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// walkZone has a record at each level a tree walk can meet: an
// organizational domain and a record below it (example.com,
// mail.example.com), a public suffix domain at a TLD (gov) and at the
// second level (co.example) with psd=y, an organizational domain below
// its parent's record with psd=n (dept.bigcorp.example), and a TLD
// record without psd= (tld).
const walkZone = `
$TTL 300
_dmarc.example.com.           IN TXT "v=DMARC1; p=reject"
_dmarc.mail.example.com.      IN TXT "v=DMARC1; p=quarantine"
mail.example.com.             IN A   192.0.2.1
_dmarc.gov.                   IN TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; psd=y"
agency.gov.                   IN A   192.0.2.2
x.agency.gov.                 IN A   192.0.2.3
_dmarc.co.example.            IN TXT "v=DMARC1; p=quarantine; psd=y"
_dmarc.shop.co.example.       IN TXT "v=DMARC1; p=reject; sp=none"
_dmarc.dept.bigcorp.example.  IN TXT "v=DMARC1; p=quarantine; sp=none; psd=n"
_dmarc.bigcorp.example.       IN TXT "v=DMARC1; p=reject"
_dmarc.tld.                   IN TXT "v=DMARC1; p=reject"
_dmarc.test.example.          IN TXT "v=DMARC1; p=reject; t=y"
_dmarc.pct0.example.          IN TXT "v=DMARC1; p=quarantine; pct=0"
_dmarc.multi.example.com.     IN TXT "v=DMARC1; p=none"
_dmarc.multi.example.com.     IN TXT "v=DMARC1; p=quarantine"
`

// txtQueries returns the TXT names queried since the last reset, in
// order, without the trailing dot.
func txtQueries(srv *resolvertest.Server) []string {
	var out []string
	for _, q := range srv.Queries() {
		if q.Type == dns.TypeTXT {
			out = append(out, strings.TrimSuffix(q.Name, "."))
		}
	}
	return out
}

func dkimPass(domains ...string) []dkim.Outcome {
	var out []dkim.Outcome
	for _, d := range domains {
		out = append(out, dkim.Outcome{Result: dkim.Pass, Domain: d, Selector: "s"})
	}
	return out
}

// TestTreeWalkQueries checks every rule of the RFC 9989 tree walk
// (§4.10, §4.10.1, §4.10.2) by the names it queries, in order, for each
// shape of From domain and identifier, and the policy and
// organizational domain it settles on. Each _dmarc name is queried at
// most once per evaluation; run again through a cache, the evaluation
// makes no query at all.
func TestTreeWalkQueries(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: walkZone})
	for _, tc := range []struct {
		name       string
		from       string
		dkim       []string
		spf        string
		want       dmarc.Result
		policyDom  string
		orgDom     string // "" when the evaluation needed none
		policy     dmarc.Policy
		queries    []string
		notQueried []string
	}{
		{name: "record at From, same d=", from: "example.com", dkim: []string{"example.com"},
			want: dmarc.Pass, policyDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.example.com"}},
		{name: "relaxed subdomain d= with its own record", from: "example.com", dkim: []string{"mail.example.com"},
			want: dmarc.Pass, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.example.com", "_dmarc.com", "_dmarc.mail.example.com"}},
		{name: "unrelated d= costs nothing", from: "example.com", dkim: []string{"example.net"}, spf: "bounce.example.org",
			want: dmarc.Fail, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.example.com", "_dmarc.com"}, notQueried: []string{"_dmarc.example.net", "_dmarc.net", "_dmarc.bounce.example.org"}},
		{name: "walk up to the organizational domain", from: "a.b.c.example.com",
			want: dmarc.Fail, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.a.b.c.example.com", "_dmarc.b.c.example.com", "_dmarc.c.example.com", "_dmarc.example.com", "_dmarc.com"}},
		// §4.10.1: the policy is the organizational domain's, not that
		// of a record met below it (mail.example.com).
		{name: "record below the organizational domain is not the policy", from: "x.mail.example.com",
			want: dmarc.Fail, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.x.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com", "_dmarc.com"}},
		// §4.10 steps 3, 4: eight queries at most; a long name jumps to
		// its last seven labels.
		{name: "long name (13 labels)", from: "a.b.c.d.e.f.g.h.i.j.mail.example.com",
			want: dmarc.Fail, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com", "_dmarc.g.h.i.j.mail.example.com", "_dmarc.h.i.j.mail.example.com",
				"_dmarc.i.j.mail.example.com", "_dmarc.j.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com", "_dmarc.com"},
			notQueried: []string{"_dmarc.f.g.h.i.j.mail.example.com", "_dmarc.b.c.d.e.f.g.h.i.j.mail.example.com"}},
		{name: "eight labels", from: "b.c.d.e.f.g.example.com",
			want: dmarc.Fail, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.b.c.d.e.f.g.example.com", "_dmarc.c.d.e.f.g.example.com", "_dmarc.d.e.f.g.example.com",
				"_dmarc.e.f.g.example.com", "_dmarc.f.g.example.com", "_dmarc.g.example.com", "_dmarc.example.com", "_dmarc.com"}},
		{name: "nine labels skip the eighth", from: "a.b.c.d.e.f.g.example.com",
			want: dmarc.Fail, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.a.b.c.d.e.f.g.example.com", "_dmarc.c.d.e.f.g.example.com", "_dmarc.d.e.f.g.example.com",
				"_dmarc.e.f.g.example.com", "_dmarc.f.g.example.com", "_dmarc.g.example.com", "_dmarc.example.com", "_dmarc.com"},
			notQueried: []string{"_dmarc.b.c.d.e.f.g.example.com"}},
		// psd=y at a TLD: the walk stops there; the organizational
		// domain is the one below it, which has no record, so the PSD's
		// policy applies: sp= for an existing subdomain, np= for one that
		// does not exist.
		{name: "PSD policy at a TLD", from: "x.agency.gov", dkim: []string{"agency.gov", "other.gov"},
			want: dmarc.Pass, policyDom: "gov", orgDom: "agency.gov", policy: dmarc.PolicyQuarantine,
			queries: []string{"_dmarc.x.agency.gov", "_dmarc.agency.gov", "_dmarc.gov"}, notQueried: []string{"_dmarc.other.gov"}},
		{name: "PSD policy, other PSD member unaligned", from: "x.agency.gov", dkim: []string{"other.gov"},
			want: dmarc.Fail, policyDom: "gov", orgDom: "agency.gov", policy: dmarc.PolicyQuarantine,
			queries: []string{"_dmarc.x.agency.gov", "_dmarc.agency.gov", "_dmarc.gov"}, notQueried: []string{"_dmarc.other.gov"}},
		{name: "PSD np= for a nonexistent domain", from: "nosuch.gov",
			want: dmarc.Fail, policyDom: "gov", orgDom: "nosuch.gov", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.nosuch.gov", "_dmarc.gov"}},
		// psd=y below the TLD (a registry's second level).
		{name: "PSD at the second level", from: "www.shop.co.example", dkim: []string{"evil.co.example"},
			want: dmarc.Fail, policyDom: "shop.co.example", orgDom: "shop.co.example", policy: dmarc.PolicyNone,
			queries:    []string{"_dmarc.www.shop.co.example", "_dmarc.shop.co.example", "_dmarc.co.example"},
			notQueried: []string{"_dmarc.example", "_dmarc.evil.co.example"}},
		{name: "PSD at the second level, aligned sibling", from: "www.shop.co.example", dkim: []string{"mail.shop.co.example"},
			want: dmarc.Pass, policyDom: "shop.co.example", orgDom: "shop.co.example", policy: dmarc.PolicyNone,
			queries: []string{"_dmarc.www.shop.co.example", "_dmarc.shop.co.example", "_dmarc.co.example", "_dmarc.mail.shop.co.example"}},
		// psd=n: the walk stops; the parent's record is not consulted.
		{name: "psd=n stops the walk", from: "x.dept.bigcorp.example", dkim: []string{"bigcorp.example"},
			want: dmarc.Fail, policyDom: "dept.bigcorp.example", orgDom: "dept.bigcorp.example", policy: dmarc.PolicyNone,
			queries: []string{"_dmarc.x.dept.bigcorp.example", "_dmarc.dept.bigcorp.example"}, notQueried: []string{"_dmarc.bigcorp.example"}},
		// A TLD record without psd=y is an organizational domain: every
		// name under it aligns (why RFC 9989 has psd=y).
		{name: "TLD record without psd=", from: "foo.tld", dkim: []string{"bar.tld"},
			want: dmarc.Pass, policyDom: "tld", orgDom: "tld", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.foo.tld", "_dmarc.tld", "_dmarc.bar.tld"}},
		{name: "domain literal", from: "[192.0.2.1]", want: dmarc.None},
		// §4.10.2 rule 2 excludes the walk's start: a PSD mailing as
		// itself is its own organizational domain, under its p=.
		{name: "psd=y at the From domain", from: "co.example", dkim: []string{"co.example"},
			want: dmarc.Pass, policyDom: "co.example", policy: dmarc.PolicyQuarantine,
			queries: []string{"_dmarc.co.example"}},
		{name: "psd=y at the From domain, subdomain d=", from: "co.example", dkim: []string{"shop.co.example"},
			want: dmarc.Fail, policyDom: "co.example", orgDom: "co.example", policy: dmarc.PolicyQuarantine,
			queries: []string{"_dmarc.co.example", "_dmarc.shop.co.example"}},
		// §4.10 step 2: several records at one name are discarded, and
		// the walk goes on.
		{name: "several records on the way", from: "x.multi.example.com",
			want: dmarc.Fail, policyDom: "example.com", orgDom: "example.com", policy: dmarc.PolicyReject,
			queries: []string{"_dmarc.x.multi.example.com", "_dmarc.multi.example.com", "_dmarc.example.com", "_dmarc.com"}},
		{name: "no record anywhere", from: "a.example.org",
			want: dmarc.None, queries: []string{"_dmarc.a.example.org", "_dmarc.example.org", "_dmarc.org"}, orgDom: "a.example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := srv.Resolver()
			r.Cache = resolver.NewCache(resolver.CacheOptions{})
			e := &dmarc.Evaluator{Resolver: r}
			in := dmarc.Input{FromDomains: []string{tc.from}, DKIM: dkimPass(tc.dkim...)}
			if tc.spf != "" {
				in.SPF = dmarc.SPF{Result: "pass", Domain: tc.spf}
			}
			srv.ResetQueries()
			o, err := e.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if o.Result != tc.want || o.PolicyDomain != tc.policyDom || o.OrgDomain != tc.orgDom || o.Policy != tc.policy {
				t.Errorf("Evaluate(%s) = %s policy domain %q org %q policy %q (%v), want %s %q %q %q",
					tc.from, o.Result, o.PolicyDomain, o.OrgDomain, o.Policy, o.Details, tc.want, tc.policyDom, tc.orgDom, tc.policy)
			}
			got := txtQueries(srv)
			if !slices.Equal(got, tc.queries) {
				t.Errorf("Evaluate(%s) queried %q, want %q", tc.from, got, tc.queries)
			}
			if len(got) > dmarc.MaxWalkQueries*(1+len(tc.dkim)) {
				t.Errorf("Evaluate(%s): %d queries", tc.from, len(got))
			}
			for _, n := range tc.notQueried {
				if slices.Contains(got, n) {
					t.Errorf("Evaluate(%s) queried %s", tc.from, n)
				}
			}
			// Warm: the same evaluation costs no query.
			srv.ResetQueries()
			again, err := e.Evaluate(context.Background(), in)
			if err != nil || again.Result != o.Result || again.PolicyDomain != o.PolicyDomain {
				t.Errorf("warm Evaluate(%s) = %v, %v, want %v", tc.from, again, err, o)
			}
			if q := srv.Queries(); len(q) != 0 {
				t.Errorf("warm Evaluate(%s) made %d queries: %v", tc.from, len(q), q)
			}
		})
	}
}

// TestTreeWalkTesting: t=y applies the policy one level below (RFC 9989
// §4.7), and pct=0 without t= reads as t=y (§A.6), each recorded as a
// policy_test_mode override; RFC 7489 mode ignores t= and samples pct=0
// out.
func TestTreeWalkTesting(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: walkZone})
	for _, tc := range []struct {
		mode    dmarc.Mode
		from    string
		disp    dmarc.Disposition
		testing bool
		reason  dmarc.OverrideType
	}{
		{dmarc.ModeRFC9989, "test.example", dmarc.DispositionQuarantine, true, dmarc.OverridePolicyTestMode},
		{dmarc.ModeRFC9989, "pct0.example", dmarc.DispositionNone, true, dmarc.OverridePolicyTestMode},
		{dmarc.ModeRFC7489, "test.example", dmarc.DispositionReject, false, ""},
		{dmarc.ModeRFC7489, "pct0.example", dmarc.DispositionNone, false, dmarc.OverrideSampledOut},
	} {
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: tc.mode, Percent: func() int { return 0 }}
		o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{tc.from}})
		if err != nil || o.Result != dmarc.Fail || o.Disposition != tc.disp || o.Testing != tc.testing {
			t.Errorf("%s: Evaluate(%s) = %v testing %v, %v, want fail disposition %s testing %v", tc.mode, tc.from, o, o.Testing, err, tc.disp, tc.testing)
		}
		var got dmarc.OverrideType
		if len(o.Overrides) > 0 {
			got = o.Overrides[0].Type
		}
		if got != tc.reason {
			t.Errorf("%s: Evaluate(%s).Overrides = %v, want %q", tc.mode, tc.from, o.Overrides, tc.reason)
		}
	}
}

// TestTreeWalkDNSFailure: a temporary failure before any record is a
// temperror (RFC 9989 §5.3.6); one above the nearest record ends the
// walk there, so a failing TLD does not fail all mail (doc.go).
func TestTreeWalkDNSFailure(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: walkZone})
	srv.Fail("_dmarc.com.", dns.TypeTXT, resolvertest.ServFail)
	srv.Fail("_dmarc.b.example.org.", dns.TypeTXT, resolvertest.ServFail)
	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}, DKIM: dkimPass("mail.example.com")})
	if err != nil || o.Result != dmarc.Pass || o.OrgDomain != "example.com" || !slices.ContainsFunc(o.Details, func(d string) bool { return strings.Contains(d, "_dmarc.com") }) {
		t.Errorf("Evaluate(SERVFAIL at _dmarc.com) = %v org %q (%q), %v, want pass, org example.com, the failure in Details", o, o.OrgDomain, o.Details, err)
	}
	o, err = e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"a.b.example.org"}})
	if err != nil || o.Result != dmarc.TempError || !errors.Is(o.Err, dmarc.ErrDNS) || o.Reason() != "DNS server failure" {
		t.Errorf("Evaluate(SERVFAIL before a record) = %v (%q), %v, want temperror", o, o.Reason(), err)
	}
}

// TestMaxLookups trips Evaluator.MaxLookups: identifiers under the From
// domain's organizational domain, each an organizational domain of its
// own (psd=n), cost a lookup each; past the limit the rest count as not
// aligned and the message fails (never passes, never escapes its
// policy) with ErrTooManyLookups.
func TestMaxLookups(t *testing.T) {
	var b strings.Builder
	b.WriteString(walkZone)
	var ids []string
	for i := range 12 {
		fmt.Fprintf(&b, "_dmarc.s%d.example.com. IN TXT \"v=DMARC1; p=none; psd=n\"\n", i)
		ids = append(ids, fmt.Sprintf("s%d.example.com", i))
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: b.String()})
	for _, tc := range []struct {
		max, queries int
		err          error
	}{
		{0, 14, nil}, // the default, 32: example.com, com, and the 12
		{10, 10, dmarc.ErrTooManyLookups},
		{3, 9, dmarc.ErrTooManyLookups}, // never below policy discovery: one walk and a skipped organizational domain
	} {
		srv.ResetQueries()
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), MaxLookups: tc.max}
		o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}, DKIM: dkimPass(ids...)})
		if err != nil || o.Result != dmarc.Fail || o.Disposition != dmarc.DispositionReject || !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) {
			t.Errorf("MaxLookups %d: Evaluate = %v, %v, want fail, reject, %v", tc.max, o, err, tc.err)
		}
		if tc.err != nil && o.Reason() != "too many DNS lookups" {
			t.Errorf("MaxLookups %d: Reason = %q", tc.max, o.Reason())
		}
		if got := len(txtQueries(srv)); got != tc.queries {
			t.Errorf("MaxLookups %d: %d queries, want %d", tc.max, got, tc.queries)
		}
	}
}

// TestTreeWalkRFCExamplePSD is RFC 9989 Appendix B.4.3: bank.example
// publishes psd=y, giant.bank.example a record of its own. The From
// domain giant.bank.example is its own organizational domain (the one
// below psd=y) and policy domain; the MAIL FROM domain
// mail.giant.bank.example has the same and aligns; the signing domain
// mail.mega.bank.example has mega.bank.example and does not (found here
// without its walk: it is outside giant.bank.example).
func TestTreeWalkRFCExamplePSD(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.bank.example.        IN TXT "v=DMARC1; p=reject; psd=y"
_dmarc.giant.bank.example.  IN TXT "v=DMARC1; p=quarantine"
`})
	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"giant.bank.example"},
		DKIM: dkimPass("mail.mega.bank.example"), SPF: dmarc.SPF{Result: "pass", Domain: "mail.giant.bank.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Result != dmarc.Pass || o.PolicyDomain != "giant.bank.example" || o.OrgDomain != "giant.bank.example" || o.Policy != dmarc.PolicyQuarantine ||
		!o.SPFResult.Aligned || o.DKIMResults[0].Aligned || o.DKIMAligned {
		t.Errorf("Evaluate = %v policy domain %s org %s, SPF %+v DKIM %+v (%q), want pass by SPF alone at giant.bank.example",
			o, o.PolicyDomain, o.OrgDomain, o.SPFResult, o.DKIMResults, o.Details)
	}
	want := []string{"_dmarc.giant.bank.example", "_dmarc.bank.example", "_dmarc.mail.giant.bank.example"}
	if got := txtQueries(srv); !slices.Equal(got, want) {
		t.Errorf("queries = %q, want %q", got, want)
	}
}

// TestTreeWalkSkippedOrganizationalDomain: a From domain of nine labels
// jumps to its last seven (RFC 9989 §4.10 step 3), and a psd=y record
// there makes the organizational domain the name of eight labels below
// it (§4.10.2 rule 2), which the walk skipped. Its record is the policy
// (§4.10.1: the From domain's, then the organizational domain's, then
// the public suffix domain's), so it is looked up: the PSD's p=none
// must not stand in for the organization's p=reject.
func TestTreeWalkSkippedOrganizationalDomain(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.c.d.e.f.g.h.i. IN TXT "v=DMARC1; p=none; psd=y"
_dmarc.b.c.d.e.f.g.h.i. IN TXT "v=DMARC1; p=reject"
`})
	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"a.b.c.d.e.f.g.h.i"}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Result != dmarc.Fail || o.OrgDomain != "b.c.d.e.f.g.h.i" || o.PolicyDomain != "b.c.d.e.f.g.h.i" || o.Policy != dmarc.PolicyReject {
		t.Errorf("Evaluate = %v policy domain %q org %q policy %q (%q), want fail under b.c.d.e.f.g.h.i's p=reject",
			o, o.PolicyDomain, o.OrgDomain, o.Policy, o.Details)
	}
	want := []string{"_dmarc.a.b.c.d.e.f.g.h.i", "_dmarc.c.d.e.f.g.h.i", "_dmarc.b.c.d.e.f.g.h.i"}
	if got := txtQueries(srv); !slices.Equal(got, want) {
		t.Errorf("queries = %q, want %q", got, want)
	}
	// Without a record there, the PSD's policy applies (sp= or p=).
	srv2 := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.c.d.e.f.g.h.i. IN TXT "v=DMARC1; p=none; sp=quarantine; psd=y"
`})
	o, err = (&dmarc.Evaluator{Resolver: srv2.Resolver()}).Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"a.b.c.d.e.f.g.h.i"}})
	if err != nil || o.Result != dmarc.Fail || o.PolicyDomain != "c.d.e.f.g.h.i" || o.Policy != dmarc.PolicyQuarantine {
		t.Errorf("Evaluate(no record at the organizational domain) = %v policy domain %q policy %q, %v, want the PSD's sp=quarantine", o, o.PolicyDomain, o.Policy, err)
	}
}
