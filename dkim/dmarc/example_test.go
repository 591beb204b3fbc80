package dmarc_test

import (
	"context"
	"fmt"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
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
