package resolvertest_test

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
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
	fmt.Println(srv.Count("example.com", dns.TypeTXT), len(srv.Queries()))
	// Output:
	// [v=spf1 ip4:192.0.2.0/24 -all]
	// true
	// true
	// 1 3
}
