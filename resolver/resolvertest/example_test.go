package resolvertest_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func Example() {
	// In a test: srv := resolvertest.NewServer(t, zones...), closed by
	// t.Cleanup.
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com.", Text: `
@    300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
mail 300 IN A   192.0.2.25
`})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.Fail("broken.example.com", resolvertest.AnyType, resolvertest.ServFail)

	r := srv.Resolver()
	ctx := context.Background()
	txt, _ := r.LookupTXT(ctx, "example.com")
	fmt.Println(txt)
	_, err = r.LookupTXT(ctx, "broken.example.com")
	fmt.Println(resolver.IsTemporary(err))
	_, err = r.LookupTXT(ctx, "mail.example.com")
	fmt.Println(resolver.IsNotFound(err))
	fmt.Println(srv.Count("example.com", resolvertest.TypeTXT), len(srv.Queries()))
	// Output:
	// [v=spf1 ip4:192.0.2.0/24 -all]
	// true
	// true
	// 1 3
}

// ExampleServer_AddTXT publishes records as Go values: TXT data with
// quotes, backslashes and semicolons needs no master-file escaping, and a
// string over 255 octets is cut into character-strings, which readers
// join again.
func ExampleServer_AddTXT() {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com."})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	key := "v=DKIM1; k=rsa; n=\"a \\ note\"; p=" + fmt.Sprintf("%0300d", 7)
	if err := srv.AddTXT("sel._domainkey.example.com", time.Hour, key); err != nil {
		panic(err)
	}
	if err := srv.AddA("mail.example.com", time.Hour, netip.MustParseAddr("192.0.2.25")); err != nil {
		panic(err)
	}
	if err := srv.AddMX("example.com", time.Hour, 10, "mail.example.com"); err != nil {
		panic(err)
	}

	r := srv.Resolver()
	ctx := context.Background()
	txt, _ := r.LookupTXT(ctx, "sel._domainkey.example.com")
	fmt.Println(len(txt), txt[0] == key)
	mx, _ := r.LookupMX(ctx, "example.com")
	ips, _ := r.LookupNetIP(ctx, "ip4", mx[0].Host)
	fmt.Println(mx[0].Host, ips)
	// Output:
	// 1 true
	// mail.example.com. [192.0.2.25]
}

// ExampleServer_FailExcept makes a domain whose addresses resolve and
// whose every other lookup fails, as a broken DNS provider does.
func ExampleServer_FailExcept() {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com.", Text: `
@ IN A   192.0.2.1
@ IN TXT "v=spf1 a -all"
`})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.FailExcept("example.com", resolvertest.ServFail, resolvertest.TypeA, resolvertest.TypeAAAA)

	r := srv.Resolver()
	ctx := context.Background()
	ips, err := r.LookupNetIP(ctx, "ip4", "example.com")
	fmt.Println(ips, err)
	_, err = r.LookupTXT(ctx, "example.com")
	fmt.Println(resolver.IsTemporary(err))
	for _, q := range srv.Queries() {
		fmt.Println(q)
	}
	// Output:
	// [192.0.2.1] <nil>
	// true
	// udp example.com. A
	// udp example.com. TXT
}
