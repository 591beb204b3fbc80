package resolver_test

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// newServer serves the test zones of testdata/.
func newServer(t testing.TB) *resolvertest.Server {
	t.Helper()
	return resolvertest.NewServer(t,
		resolvertest.ZoneFile(t, "example.com.", "testdata/example.com.zone"),
		resolvertest.ZoneFile(t, "example.org.", "testdata/example.org.zone"),
		resolvertest.ZoneFile(t, "2.0.192.in-addr.arpa.", "testdata/reverse.zone"),
		resolvertest.ZoneFile(t, "8.b.d.0.1.0.0.2.ip6.arpa.", "testdata/reverse6.zone"),
	)
}

// warmResolver returns a resolver with a cache, pointed at newServer's
// server, with the given names' records already cached.
func warmResolver(tb testing.TB, txt, a string) *resolver.Resolver {
	tb.Helper()
	r := newServer(tb).Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	ctx := context.Background()
	if _, err := r.TXT(ctx, txt); err != nil {
		tb.Fatal(err)
	}
	if _, err := r.A(ctx, a); err != nil {
		tb.Fatal(err)
	}
	return r
}
