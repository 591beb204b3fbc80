package dmarc_test

import (
	"context"
	"fmt"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// ExampleEvaluator_Evaluate evaluates a message whose only DKIM pass is
// from a third party, against an in-process DNS server, and renders the
// outcome for Authentication-Results.
func ExampleEvaluator_Evaluate() {
	// The root zone: the tree walk (RFC 9989 §4.10) asks _dmarc.com too.
	srv, _ := resolvertest.Start(resolvertest.Zone{Origin: ".",
		Text: `_dmarc.example.com. IN TXT "v=DMARC1; p=reject; adkim=r"`})
	defer srv.Close()

	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	o, err := e.Evaluate(context.Background(), dmarc.Input{
		FromDomains: []string{"example.com"},
		SPF:         dmarc.SPF{Result: "pass", Domain: "mailer.example.net"},
		DKIM:        []dkim.Outcome{{Result: dkim.Pass, Domain: "mailer.example.net"}},
	})
	if err != nil {
		panic(err) // only for an Input it cannot use
	}
	fmt.Println(o)
	for _, d := range o.Details {
		fmt.Println(d)
	}
	fmt.Println(o.AuthResult())
	// Output:
	// fail from=example.com policy=reject disposition=reject
	// dkim pass d=mailer.example.net not aligned (adkim=r)
	// spf pass mailer.example.net not aligned (aspf=r)
	// no aligned identifier passed
	// dmarc=fail reason="no aligned identifier passed" header.from=example.com policy.dmarc=reject
}

// ExampleOutcome_AuthResult shows a DNS failure: the outcome's Err names
// the server, for logs, while the header carries a short reason.
func ExampleOutcome_AuthResult() {
	srv, _ := resolvertest.Start(resolvertest.Zone{Origin: "example.com.",
		Text: `_dmarc IN TXT "v=DMARC1; p=reject"`})
	defer srv.Close()
	srv.Fail("_dmarc.example.com.", resolvertest.AnyType, resolvertest.ServFail)

	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	o, _ := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}})
	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{o.AuthResult()}}
	fmt.Println(h)
	// Output:
	// mx.example.org; dmarc=temperror reason="DNS server failure" header.from=example.com
}

// ExampleParse reads a record written for RFC 7489 by RFC 9989's rules:
// the removed tags and the unknown one are warnings, not errors.
func ExampleParse() {
	r, err := dmarc.Parse("v=DMARC1; rua=mailto:dmarc@example.com; p=quarantine; pct=0; ri=3600; psd=n; extra=1")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Policy, r.PSD, r.Testing)
	for _, w := range r.Warnings {
		fmt.Println(w)
	}
	// Output:
	// quarantine n true
	// p=: not right after v= (RFC 7489 §6.4 wants it second; RFC 9989 allows any order)
	// pct=: removed by RFC 9989 (only pct=0, read as t=y, has a meaning there)
	// ri=: removed by RFC 9989, ignored
	// extra=: unknown tag, ignored
}

// ExampleEvaluator_trustedSealers accepts a message a mailing list
// changed, on the word of the list's ARC seal: the author's DKIM
// signature broke, so DMARC fails, but the list (a trusted sealer) saw
// it pass.
func ExampleEvaluator_trustedSealers() {
	srv, _ := resolvertest.Start(resolvertest.Zone{Origin: ".",
		Text: `_dmarc.example.com. IN TXT "v=DMARC1; p=reject"`})
	defer srv.Close()

	// What arc.Verifier.Verify found: a passing chain of one set sealed
	// by lists.example.org, whose ARC-Authentication-Results say
	// dmarc=pass for example.com.
	chain := arc.Outcome{Result: arc.Pass, Instances: 1, OldestPass: 1, Sets: []arc.SetResult{{
		Instance: 1, Domain: "lists.example.org", Selector: "arc", CV: arc.None,
		Results: authres.Header{ServID: "lists.example.org", Results: []authres.Result{
			{Method: "dmarc", Value: "pass", Props: []authres.Prop{{Type: "header", Property: "from", Value: "example.com"}}},
		}},
	}}}
	e := &dmarc.Evaluator{Resolver: srv.Resolver(), TrustedSealers: []string{"lists.example.org"}}
	o, _ := e.Evaluate(context.Background(), dmarc.Input{
		FromDomains: []string{"example.com"},
		DKIM:        []dkim.Outcome{{Result: dkim.Fail, Domain: "example.com", Selector: "s1"}},
		SPF:         dmarc.SPF{Result: "pass", Domain: "lists.example.org"},
		ARC:         &chain,
	})
	fmt.Println(o)
	fmt.Println(o.Overrides[0].Type, o.Overrides[0].Comment)
	// Output:
	// fail from=example.com policy=reject disposition=none
	// local_policy arc=pass as[1].d=lists.example.org as[1].s=arc
}

// ExampleEvaluator_OrganizationalDomain finds organizational domains by
// the tree walk (RFC 9989 §4.10.2), where a psd=y record the public
// suffix list does not know makes each subdomain its own organization.
func ExampleEvaluator_OrganizationalDomain() {
	srv, _ := resolvertest.Start(resolvertest.Zone{Origin: ".", Text: `
_dmarc.shared.example. IN TXT "v=DMARC1; p=none; psd=y"
_dmarc.corp.example.   IN TXT "v=DMARC1; p=reject"`})
	defer srv.Close()

	walk := &dmarc.Evaluator{Resolver: srv.Resolver()}
	psl := &dmarc.Evaluator{Mode: dmarc.ModeRFC7489}
	for _, d := range []string{"mail.b.shared.example", "reports.corp.example"} {
		w, err := walk.OrganizationalDomain(context.Background(), d)
		if err != nil {
			panic(err) // ErrDNS: try again later
		}
		p, _ := psl.OrganizationalDomain(context.Background(), d)
		fmt.Printf("%s: treewalk %s, psl %s\n", d, w, p)
	}
	// Output:
	// mail.b.shared.example: treewalk b.shared.example, psl shared.example
	// reports.corp.example: treewalk corp.example, psl corp.example
}
