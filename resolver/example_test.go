package resolver_test

import (
	"context"
	"fmt"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func Example() {
	// An in-process DNS server stands in for the network here; in
	// production use &resolver.Resolver{} (nameservers from
	// /etc/resolv.conf) or set Servers.
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com.", Text: `
@    3600 IN TXT "v=spf1 mx -all"
@    3600 IN MX  10 mail
mail 3600 IN A   192.0.2.25
`})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	r := &resolver.Resolver{
		Servers: []string{srv.Addr},
		Cache:   resolver.NewCache(resolver.CacheOptions{}),
	}
	ctx := context.Background()

	txt, err := r.TXT(ctx, "example.com")
	fmt.Println(txt.Records, txt.TTL, err)

	mx, _ := r.MX(ctx, "example.com")
	fmt.Println(mx.Records)

	_, err = r.A(ctx, "nope.example.com")
	fmt.Println(resolver.IsNXDomain(err), resolver.IsNotFound(err), resolver.IsTemporary(err))

	_, err = r.TXT(ctx, "mail.example.com")
	fmt.Println(resolver.IsNXDomain(err), resolver.IsNotFound(err))
	// Output:
	// [v=spf1 mx -all] 1h0m0s <nil>
	// [10 mail.example.com.]
	// true true false
	// false true
}
