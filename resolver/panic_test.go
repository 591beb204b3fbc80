package resolver_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spamkit/spamkit/internal/guard/guardtest"
)

// TestTracePanic: the Trace hook runs in goroutines the resolver starts
// (a query shared by its concurrent callers; the AAAA half of IP), so
// its panic would end the process out of any caller's reach. It is
// raised again on each caller's goroutine, and a caller waiting on the
// shared query does not hang.
func TestTracePanic(t *testing.T) {
	t.Parallel()
	const boom = "trace boom"
	srv := newServer(t)
	srv.Delay("example.com", dns.TypeTXT, 50*time.Millisecond)
	r := srv.Resolver()
	r.Trace = func(string, ...any) { panic(boom) }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			guardtest.Repanics(t, boom, func() { _, _ = r.LookupTXT(ctx, "example.com") })
		})
	}
	wg.Wait()
	guardtest.Repanics(t, boom, func() { _, _ = r.LookupNetIP(ctx, "ip", "www.example.com") })
	if ctx.Err() != nil {
		t.Fatal("a caller waited until the deadline")
	}
}
