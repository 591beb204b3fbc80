package rdns_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// exampleZone has a confirmed mail server, a dynamic pool address whose
// name does not resolve, and an address without PTR record.
const exampleZone = `
$TTL 300
10.2.0.192.in-addr.arpa.    IN PTR mail.example.com.
mail.example.com.           IN A   192.0.2.10
45.113.51.198.in-addr.arpa. IN PTR 198-51-113-45.dyn.example.net.
www.example.net.            IN A   198.51.100.80
`

func startServer() *resolvertest.Server {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: ".", Text: exampleZone})
	if err != nil {
		panic(err)
	}
	return srv
}

func ExampleChecker_FCrDNS() {
	srv := startServer()
	defer srv.Close()

	c := &rdns.Checker{Resolver: srv.Resolver()}
	for _, ip := range []string{"192.0.2.10", "198.51.113.45", "203.0.113.9"} {
		o, err := c.FCrDNS(context.Background(), netip.MustParseAddr(ip))
		if err != nil {
			panic(err) // only for an invalid address
		}
		// String (and Err) for logs; Reason for headers and replies
		// (empty for a confirmed client: nothing to explain).
		fmt.Println(o)
		if r := o.Reason(); r != "" {
			fmt.Printf("\t%s\n", r)
		}
	}
	// Output:
	// confirmed 192.0.2.10 (mail.example.com)
	// mismatch 198.51.113.45 (PTR 198-51-113-45.dyn.example.net)
	//	no PTR name resolves to the client
	// none 203.0.113.9
	//	no PTR record
}

// ExampleFCrDNSOutcome_AuthResult renders forward-confirmed reverse DNS
// as the iprev method (RFC 8601 §3) of an Authentication-Results field,
// beside the results of the other checks.
func ExampleFCrDNSOutcome_AuthResult() {
	srv := startServer()
	defer srv.Close()

	c := &rdns.Checker{Resolver: srv.Resolver()}
	h := authres.Header{ServID: "mx.example.org"}
	for _, ip := range []string{"192.0.2.10", "203.0.113.9"} {
		o, err := c.FCrDNS(context.Background(), netip.MustParseAddr(ip))
		if err != nil {
			panic(err)
		}
		h.Results = append(h.Results, o.AuthResult())
	}
	fmt.Print(strings.ReplaceAll(h.Field(), "\r\n", "\n"))
	// Output:
	// Authentication-Results: mx.example.org;
	//	iprev=pass policy.iprev=192.0.2.10;
	//	iprev=permerror reason="no PTR record" policy.iprev=203.0.113.9
}

func ExampleChecker_Generic() {
	c := &rdns.Checker{GenericAllow: []string{"pool.example.org"}}
	ip := netip.MustParseAddr("198.51.113.45")
	for _, name := range []string{"198-51-113-45.dyn.example.net", "dhcp7.pool.example.org", "mail.example.com"} {
		g := c.Generic(name, ip) // no lookup: a pure function of name and ip
		fmt.Printf("%s: %s (%s)\n", name, g.Result, g)
	}
	// Output:
	// 198-51-113-45.dyn.example.net: generic (generic (S25R rule 1; embeds IP dashed))
	// dhcp7.pool.example.org: not-generic (allowed by pool.example.org (S25R rule 6))
	// mail.example.com: not-generic (not generic)
}

func ExampleMatchS25R() {
	r, ok := rdns.MatchS25R("cpe0012345678.example.com")
	fmt.Println(ok, r.Number, r.Describe)
	// Output:
	// true 2 five digits in a row in the first label
}

func ExampleEmbeddedIP() {
	form, ok := rdns.EmbeddedIP("45.113.51.198.rev.example.net", netip.MustParseAddr("198.51.113.45"))
	fmt.Println(form, ok)
	// Output:
	// reversed true
}

func ExampleChecker_CheckHELO() {
	srv := startServer()
	defer srv.Close()

	c := &rdns.Checker{
		Resolver:  srv.Resolver(),
		HostNames: []string{"mx.example.org"},
	}
	client := netip.MustParseAddr("192.0.2.10")
	for _, helo := range []string{"mail.example.com", "www.example.net", "[192.0.2.10]", "192.0.2.10",
		"mx.example.org", "localhost", "nowhere.example.net"} {
		o, err := c.CheckHELO(context.Background(), client, helo) // SMTP order: client IP, then HELO
		if err != nil {
			panic(err) // only for an invalid client address
		}
		fmt.Println(o.Result, helo)
	}
	// Output:
	// match mail.example.com
	// resolves www.example.net
	// match [192.0.2.10]
	// bare-ip 192.0.2.10
	// ours mx.example.org
	// invalid localhost
	// unresolvable nowhere.example.net
}
