package spf_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/spf"
)

// Example checks two clients against example.com's policy, served by an
// in-process DNS server.
func Example() {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com.", Text: `
example.com.       TXT "v=spf1 mx include:_spf.example.com -all exp=why.example.com"
example.com.       MX  10 mail.example.com.
mail.example.com.  A   192.0.2.10
_spf.example.com.  TXT "v=spf1 ip4:198.51.100.0/24 ?all"
why.example.com.   TXT "%{i} is not a mail server of %{d}"
`})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	c := &spf.Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.example.org"}
	for _, ip := range []string{"192.0.2.10", "198.51.100.7", "203.0.113.5"} {
		o, err := c.Check(context.Background(), netip.MustParseAddr(ip), "mail.example.com", "alice@example.com")
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %s via %q", ip, o.Result, o.Mechanism)
		if o.Explanation != "" {
			fmt.Printf(": %s", o.Explanation)
		}
		fmt.Println()
	}
	o, err := c.Check(context.Background(), netip.MustParseAddr("192.0.2.10"), "mail.example.com", "alice@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.ReplaceAll(o.ReceivedSPF(), "\r\n", "\n"))
	// Output:
	// 192.0.2.10: pass via "mx"
	// 198.51.100.7: pass via "include:_spf.example.com"
	// 203.0.113.5: fail via "-all": 203.0.113.5 is not a mail server of example.com
	// Received-SPF: pass (mx.example.org: domain of alice@example.com designates
	//  192.0.2.10 as permitted sender) client-ip=192.0.2.10;
	//  envelope-from="alice@example.com"; helo=mail.example.com;
	//  receiver=mx.example.org; identity=mailfrom; mechanism=mx
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
	// Output:
	// v=spf1 mx a:mail.%{d2}/24 ip4:192.0.2.1 ~all
	// pass mx
	// pass a mail.%{d2}
	// pass ip4
	// softfail all
}
