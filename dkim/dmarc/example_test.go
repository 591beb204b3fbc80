package dmarc_test

import (
	"context"
	"fmt"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// ExampleEvaluator_Evaluate evaluates a message whose only DKIM pass is
// from a third party, against an in-process DNS server.
func ExampleEvaluator_Evaluate() {
	srv, _ := resolvertest.Start(resolvertest.Zone{Origin: "example.com.",
		Text: `_dmarc IN TXT "v=DMARC1; p=reject; adkim=r"`})
	defer srv.Close()

	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	ev := e.Evaluate(context.Background(), dmarc.Input{
		FromDomains: []string{"example.com"},
		SPF:         dmarc.SPF{Result: "pass", Domain: "mailer.example.net"},
		DKIM:        []dkim.Verification{{Result: dkim.Pass, Domain: "mailer.example.net"}},
	})
	fmt.Println(ev.Result, ev.Policy, ev.Disposition)
	for _, r := range ev.Reasons {
		fmt.Println(r)
	}
	fmt.Println(ev.AuthResult())
	// Output:
	// fail reject reject
	// dkim pass d=mailer.example.net not aligned (adkim=r)
	// spf pass mailer.example.net not aligned (aspf=r)
	// no aligned identifier passed
	// dmarc=fail header.from=example.com policy.dmarc=reject
}
