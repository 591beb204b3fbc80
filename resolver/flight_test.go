package resolver_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestSingleflight checks that concurrent identical lookups make one
// upstream query.
func TestSingleflight(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Delay("example.com", dns.TypeTXT, 100*time.Millisecond)
	for _, cached := range []bool{false, true} {
		srv.ResetQueries()
		r := srv.Resolver()
		if cached {
			r = cachedResolver(srv, resolver.CacheOptions{})
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 50 {
			wg.Go(func() {
				<-start
				txt, err := r.LookupTXT(context.Background(), "example.com")
				if err != nil || len(txt) != 2 {
					t.Errorf("LookupTXT = %q, %v", txt, err)
				}
			})
		}
		close(start)
		wg.Wait()
		// Goroutines that start after the first query finished ask
		// again when there is no cache; the 100 ms delay makes that rare
		// but possible, so bound rather than pin the count without cache.
		n := srv.Count("example.com", dns.TypeTXT)
		if cached && n != 1 || n > 3 {
			t.Errorf("cached %t: 50 concurrent lookups made %d queries, want 1", cached, n)
		}
	}
}

// TestSingleflightCancel checks that a caller that gives up does not
// cancel the query for the others, and that the query is abandoned when
// every caller has gone.
func TestSingleflightCancel(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Delay("example.com", dns.TypeTXT, 200*time.Millisecond)
	r := srv.Resolver()

	impatient, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var impatientErr, patientErr error
	wg.Go(func() { _, impatientErr = r.LookupTXT(impatient, "example.com") })
	for srv.Count("example.com", dns.TypeTXT) == 0 {
		time.Sleep(time.Millisecond)
	}
	wg.Go(func() { _, patientErr = r.LookupTXT(context.Background(), "example.com") })
	time.Sleep(20 * time.Millisecond)
	cancel()
	wg.Wait()
	if !errors.Is(impatientErr, context.Canceled) {
		t.Errorf("cancelled caller: error = %v, want context.Canceled", impatientErr)
	}
	if patientErr != nil {
		t.Errorf("other caller: error = %v, want nil", patientErr)
	}
	if n := srv.Count("example.com", dns.TypeTXT); n != 1 {
		t.Errorf("server saw %d queries, want 1", n)
	}
}

// TestSingleflightDistinctKeys checks that different names or types are
// not collapsed.
func TestSingleflightDistinctKeys(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.SetLatency(50 * time.Millisecond)
	r := srv.Resolver()
	var wg sync.WaitGroup
	wg.Go(func() { r.LookupTXT(context.Background(), "example.com") })
	wg.Go(func() { r.LookupMX(context.Background(), "example.com") })
	wg.Go(func() { r.LookupTXT(context.Background(), "mx1.example.com") })
	wg.Wait()
	if n := srv.Count("", resolvertest.AnyType); n != 3 {
		t.Errorf("server saw %d queries, want 3", n)
	}
}
