package spf_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/spf"
)

// exampleZone is the DNS data of the examples, served by an in-process
// server: no network is used.
const exampleZone = `
example.com.       TXT "v=spf1 mx include:_spf.example.com -all exp=why.example.com"
example.com.       MX  10 mail.example.com.
mail.example.com.  A   192.0.2.10
mail.example.com.  TXT "v=spf1 a -all"
_spf.example.com.  TXT "v=spf1 ip4:198.51.100.0/24 ?all"
why.example.com.   TXT "%{i} is not a mail server of %{d}"
broken.example.com. TXT "v=spf1 a:dead.example.com -all"
`

// startExampleServer starts the DNS server of the examples.
func startExampleServer() *resolvertest.Server {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com.", Text: exampleZone})
	if err != nil {
		panic(err)
	}
	return srv
}

// Example checks three clients against example.com's policy.
func Example() {
	srv := startExampleServer()
	defer srv.Close()

	c := &spf.Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.example.org"}
	for _, ip := range []string{"192.0.2.10", "198.51.100.7", "203.0.113.5"} {
		o, err := c.Check(context.Background(), netip.MustParseAddr(ip), "mail.example.com", "<alice@example.com>")
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(o)
	}
	// Output:
	// pass (mailfrom example.com, mechanism mx, 1 lookups)
	// pass (mailfrom example.com, mechanism include:_spf.example.com, 2 lookups)
	// fail (mailfrom example.com, mechanism -all, explanation "203.0.113.5 is not a mail server of example.com", 2 lookups)
}

// ExampleChecker_Check checks the MAIL FROM of an SMTP session and
// renders the Received-SPF and Authentication-Results fields of the
// result. A MAIL FROM that is no RFC 5321 path is an error: the check
// did not run.
func ExampleChecker_Check() {
	srv := startExampleServer()
	defer srv.Close()
	c := &spf.Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.example.org"}
	ip := netip.MustParseAddr("192.0.2.10")

	o, err := c.Check(context.Background(), ip, "mail.example.com", "<alice@example.com>")
	if err != nil {
		panic(err)
	}
	fmt.Println(o.Result, o.Mechanism)
	fmt.Println(strings.ReplaceAll(o.ReceivedSPF(), "\r\n", "\n"))
	fmt.Println(o.AuthResult())

	_, err = c.Check(context.Background(), ip, "mail.example.com", "Return-Path: alice@example.com")
	fmt.Println(errors.Is(err, spf.ErrInvalidIdentity), err)
	// Output:
	// pass mx
	// Received-SPF: pass (mx.example.org: domain of alice@example.com designates
	//  192.0.2.10 as permitted sender) client-ip=192.0.2.10;
	//  envelope-from="alice@example.com"; helo=mail.example.com;
	//  receiver=mx.example.org; identity=mailfrom; mechanism=mx
	// spf=pass smtp.mailfrom=alice@example.com
	// true spf: invalid identity: ':' in the local-part at offset 11
}

// ExampleChecker_CheckHELO checks the HELO identity, which RFC 7208 §2.3
// recommends checking at once; a HELO that is no domain name is none.
func ExampleChecker_CheckHELO() {
	srv := startExampleServer()
	defer srv.Close()
	c := &spf.Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.example.org"}

	for _, tc := range []struct{ ip, helo string }{
		{"192.0.2.10", "mail.example.com"},
		{"203.0.113.5", "mail.example.com"},
		{"203.0.113.5", "[203.0.113.5]"},
	} {
		o, err := c.CheckHELO(context.Background(), netip.MustParseAddr(tc.ip), tc.helo)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s %s: %s", tc.ip, tc.helo, o.Result)
		if r := o.Reason(); r != "" {
			fmt.Printf(" (%s)", r)
		}
		fmt.Println()
	}
	// Output:
	// 192.0.2.10 mail.example.com: pass
	// 203.0.113.5 mail.example.com: fail
	// 203.0.113.5 [203.0.113.5]: none (invalid domain)
}

// ExampleOutcome_AuthResult builds one Authentication-Results field from
// the HELO and MAIL FROM checks. A DNS failure is a temperror whose
// reason is a short phrase: the resolver's address, in Err for the logs,
// stays out of the header.
func ExampleOutcome_AuthResult() {
	srv := startExampleServer()
	defer srv.Close()
	srv.Fail("dead.example.com", resolvertest.AnyType, resolvertest.ServFail)
	c := &spf.Checker{Resolver: srv.Resolver()}
	ctx := context.Background()
	ip := netip.MustParseAddr("192.0.2.10")

	helo, err := c.CheckHELO(ctx, ip, "mail.example.com")
	if err != nil {
		panic(err)
	}
	from, err := c.Check(ctx, ip, "mail.example.com", "<bounces@broken.example.com>")
	if err != nil {
		panic(err)
	}
	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{helo.AuthResult(), from.AuthResult()}}
	fmt.Print(strings.ReplaceAll(h.Field(), "\r\n", "\n"))
	fmt.Println(from.Result, errors.Is(from.Err, spf.ErrDNS), from.Reason())
	// Output:
	// Authentication-Results: mx.example.org;
	// 	spf=pass smtp.helo=mail.example.com;
	// 	spf=temperror reason="DNS server failure" smtp.mailfrom=bounces@broken.example.com
	// temperror true DNS server failure
}

// ExampleParseRecord parses a record and prints its canonical form.
func ExampleParseRecord() {
	r, err := spf.ParseRecord("v=spf1 +mx a:mail.%{d2}/24  ip4:192.0.2.1/32 ~all")
	if err != nil {
		panic(err)
	}
	fmt.Println(r)
	for _, d := range r.Directives {
		fmt.Println(strings.TrimSpace(fmt.Sprint(d.Qualifier.Result(), " ", d.Mechanism, " ", d.Domain)))
	}
	_, err = spf.ParseRecord("v=spf1 ip4:192.0.2.0/-0 -all")
	fmt.Println(errors.Is(err, spf.ErrSyntax), err)
	// Output:
	// v=spf1 mx a:mail.%{d2}/24 ip4:192.0.2.1 ~all
	// pass mx
	// pass a mail.%{d2}
	// pass ip4
	// softfail all
	// true spf: syntax error: bad prefix length "-0" in "ip4:192.0.2.0/-0"
}
