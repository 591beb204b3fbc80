package dmarc_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestIDNAFinalDot: a domain whose IDNA mapping ends in a dot (U+3002 at
// the end, U+00AD after the final dot) is the domain without it, as
// FromDomains, OrganizationalDomain and alignment promise ("no trailing
// dot"); they removed the dot before the mapping made it, so the author
// domain strict.example。 failed strict alignment with d=strict.example
// and named a second author domain beside strict.example. A domain IDNA
// maps to nothing is no domain (as in package spf), not kept raw.
func TestIDNAFinalDot(t *testing.T) {
	for _, tc := range []struct{ from, want string }{
		{"a@strict.example\u3002", "strict.example"},
		{"a@strict.example.\u00ad", "strict.example"},
		{"a@Strict.Example\uff0e", "strict.example"},
		{"a@strict.example, b@strict.example\u3002", "strict.example"},
		{"a@\u00ad", ""},
		{"a@\u00ad\u3002", ""},
	} {
		h := dkim.Header{{Name: "From", Raw: "From: " + tc.from + "\r\n"}}
		if got := strings.Join(dmarc.FromDomains(h), ","); got != tc.want {
			t.Errorf("FromDomains(From: %+q) = %+q, want %q", tc.from, got, tc.want)
		}
	}

	e7489 := &dmarc.Evaluator{Mode: dmarc.ModeRFC7489}
	for _, d := range []string{"a.strict.example\u3002", "a.strict.example.\u00ad"} {
		if got, err := e7489.OrganizationalDomain(context.Background(), d); got != "strict.example" || err != nil {
			t.Errorf("OrganizationalDomain(%+q) = %q, %v, want strict.example", d, got, err)
		}
	}

	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	for _, mode := range []dmarc.Mode{dmarc.ModeRFC9989, dmarc.ModeRFC7489} {
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: mode}
		for _, in := range []dmarc.Input{
			{FromDomains: []string{"strict.example\u3002"}, DKIM: pass("strict.example")},
			{FromDomains: []string{"strict.example"}, DKIM: pass("strict.example\u3002")},
			{FromDomains: []string{"strict.example"}, SPF: dmarc.SPF{Result: "pass", Domain: "strict.example.\u00ad"}},
		} {
			o, err := e.Evaluate(context.Background(), in)
			if err != nil || o.Result != dmarc.Pass || o.Domain != "strict.example" {
				t.Errorf("%s: Evaluate(From %+q, DKIM %+v, SPF %+v) = %s (domain %q), %v, want pass for strict.example",
					mode, in.FromDomains, in.DKIM, in.SPF, o.Result, o.Domain, err)
			}
		}
	}
}

// TestEmptyLabelFromRFC7489: a From domain with an empty label
// (".example.com", "a..example.com", or one IDNA makes so: U+00AD alone
// between dots) names its organization as much in ModeRFC7489 as in
// ModeRFC9989, whose tree walk finds example.com's record; the public
// suffix list refuses such a name, so ModeRFC7489 took the domain for
// its own organizational domain, found no record at the invalid
// _dmarc name and gave none: a malformed From escaped the policy
// (FromDomains keeps such domains so that it does not).
func TestEmptyLabelFromRFC7489(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	for _, mode := range []dmarc.Mode{dmarc.ModeRFC9989, dmarc.ModeRFC7489} {
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: mode}
		for _, from := range []string{".example.com", "\u00ad.example.com", "a..example.com", "a.\u00ad.example.com"} {
			o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{from}})
			if err != nil || o.Result != dmarc.Fail || o.PolicyDomain != "example.com" || o.Disposition != dmarc.DispositionQuarantine {
				t.Errorf("%s: Evaluate(From %+q) = %s, policy domain %q, disposition %s, %v; want fail by example.com's sp=quarantine",
					mode, from, o.Result, o.PolicyDomain, o.Disposition, err)
			}
		}
	}
}
