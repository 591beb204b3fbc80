package resolver_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

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

// ExampleCacheOptions shows the cache's bounds: an answer with more
// records than MaxRecords is returned whole and not cached, and the
// bytes the entries hold are accounted against MaxBytes.
func ExampleCacheOptions() {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com."})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	many := make([]netip.Addr, 300)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
	}
	if err := srv.AddA("many.example.com", time.Hour, many...); err != nil {
		panic(err)
	}
	if err := srv.AddA("one.example.com", time.Hour, netip.MustParseAddr("192.0.2.1")); err != nil {
		panic(err)
	}

	cache := resolver.NewCache(resolver.CacheOptions{MaxRecords: 100, MaxBytes: 1 << 20})
	r := &resolver.Resolver{Servers: []string{srv.Addr}, Cache: cache}
	ctx := context.Background()

	res, err := r.A(ctx, "many.example.com")
	fmt.Println(len(res.Records), err)
	res, err = r.A(ctx, "one.example.com")
	fmt.Println(res.Records, err)

	st := cache.Stats()
	fmt.Println(st.Entries, st.Oversized, st.Bytes > 0 && st.Bytes <= 1<<20)
	// Output:
	// 300 <nil>
	// [192.0.2.1] <nil>
	// 1 1 true
}
