package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// clock is a manual clock for cache tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func cachedResolver(srv *resolvertest.Server, opts resolver.CacheOptions) *resolver.Resolver {
	r := srv.Resolver()
	r.Cache = resolver.NewCache(opts)
	return r
}

func TestCachePositiveTTL(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	clk := newClock()
	r := cachedResolver(srv, resolver.CacheOptions{Now: clk.Now})
	ctx := context.Background()

	steps := []struct {
		advance     time.Duration
		wantQueries int
		wantTTL     time.Duration
	}{
		{0, 1, 300 * time.Second},                      // miss
		{0, 1, 300 * time.Second},                      // hit
		{100 * time.Second, 1, 200 * time.Second},      // hit, TTL counts down
		{199*time.Second + 500*time.Millisecond, 1, 0}, // hit, under a second left
		{time.Second, 2, 300 * time.Second},            // expired: asked again
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		res, err := r.TXT(ctx, "example.com")
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := srv.Count("example.com", dns.TypeTXT); n != s.wantQueries {
			t.Errorf("step %d: server saw %d queries, want %d", i, n, s.wantQueries)
		}
		if res.TTL != s.wantTTL {
			t.Errorf("step %d: TTL = %v, want %v", i, res.TTL, s.wantTTL)
		}
	}
}

func TestCacheNegative(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	clk := newClock()
	r := cachedResolver(srv, resolver.CacheOptions{Now: clk.Now})
	ctx := context.Background()
	// The example.com SOA has TTL 300 and MINIMUM 60: negative answers
	// live min(300, 60) = 60 s (RFC 2308 §5).
	for _, tt := range []struct {
		name    string
		wantErr error
	}{
		{"nonexistent.example.com", resolver.ErrNXDomain},
		{"mx1.example.com", resolver.ErrNoData},
	} {
		for i, advance := range []time.Duration{0, 59 * time.Second, time.Second} {
			clk.Advance(advance)
			_, err := r.TXT(ctx, tt.name)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s step %d: error = %v, want %v", tt.name, i, err, tt.wantErr)
			}
			want := 1
			if i == 2 {
				want = 2
			}
			if n := srv.Count(tt.name, dns.TypeTXT); n != want {
				t.Errorf("%s step %d: server saw %d queries, want %d", tt.name, i, n, want)
			}
		}
	}
}

func TestCacheDoesNotKeepFailures(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Fail("example.com", dns.TypeTXT, resolvertest.ServFail)
	r := cachedResolver(srv, resolver.CacheOptions{})
	for range 3 {
		if _, err := r.TXT(context.Background(), "example.com"); !errors.Is(err, resolver.ErrServFail) {
			t.Fatalf("error = %v, want ErrServFail", err)
		}
	}
	if n := srv.Count("example.com", dns.TypeTXT); n != 3 {
		t.Errorf("server saw %d queries, want 3 (SERVFAIL not cached)", n)
	}
	srv.Fail("example.com", dns.TypeTXT, resolvertest.Healthy)
	if _, err := r.TXT(context.Background(), "example.com"); err != nil {
		t.Errorf("after recovery: error = %v, want nil", err)
	}
}

func TestCacheClamps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    resolver.CacheOptions
		lookup  string
		wantErr error
		wantTTL time.Duration // how long the entry is served from cache
	}{
		{"MaxTTL caps a positive TTL", resolver.CacheOptions{MaxTTL: 30 * time.Second}, "example.com", nil, 30 * time.Second},
		{"MinTTL raises a positive TTL", resolver.CacheOptions{MinTTL: 60 * time.Second}, "short.example.com", nil, 60 * time.Second},
		{"no clamp", resolver.CacheOptions{}, "short.example.com", nil, 5 * time.Second},
		{"MaxNegativeTTL caps a negative TTL", resolver.CacheOptions{MaxNegativeTTL: 10 * time.Second}, "nonexistent.example.com", resolver.ErrNXDomain, 10 * time.Second},
		{"MinTTL raises a negative TTL", resolver.CacheOptions{MinTTL: 120 * time.Second}, "nonexistent.example.com", resolver.ErrNXDomain, 120 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			clk := newClock()
			tt.opts.Now = clk.Now
			r := cachedResolver(srv, tt.opts)
			ctx := context.Background()
			lookup := func() {
				t.Helper()
				var err error
				if tt.lookup == "example.com" {
					_, err = r.TXT(ctx, tt.lookup)
				} else {
					_, err = r.A(ctx, tt.lookup)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("lookup %s: %v, want %v", tt.lookup, err, tt.wantErr)
				}
			}
			lookup()
			clk.Advance(tt.wantTTL - time.Second)
			lookup()
			if n := srv.Count(tt.lookup, resolvertest.AnyType); n != 1 {
				t.Errorf("%v after first lookup: server saw %d queries, want 1 (still cached)", tt.wantTTL-time.Second, n)
			}
			clk.Advance(time.Second)
			lookup()
			if n := srv.Count(tt.lookup, resolvertest.AnyType); n != 2 {
				t.Errorf("%v after first lookup: server saw %d queries, want 2 (expired)", tt.wantTTL, n)
			}
		})
	}
}

func TestCacheEviction(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: `
a 300 IN A 192.0.2.1
b 300 IN A 192.0.2.2
c 300 IN A 192.0.2.3
d 300 IN A 192.0.2.4
e 300 IN A 192.0.2.5
`})
	cache := resolver.NewCache(resolver.CacheOptions{MaxEntries: 3})
	r := srv.Resolver()
	r.Cache = cache
	ctx := context.Background()
	lookup := func(name string) {
		t.Helper()
		if _, err := r.A(ctx, name+".example.com"); err != nil {
			t.Fatal(err)
		}
	}
	lookup("a")
	lookup("b")
	lookup("c")
	lookup("a") // a is now the most recently used; b the least
	lookup("d") // evicts b
	lookup("e") // evicts c
	if got := cache.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	st := cache.Stats()
	if st.Evictions != 2 || st.Entries != 3 {
		t.Errorf("Stats = %+v, want 2 evictions, 3 entries", st)
	}
	srv.ResetQueries()
	for _, name := range []string{"a", "d", "e"} {
		lookup(name)
	}
	if n := srv.Count("", resolvertest.AnyType); n != 0 {
		t.Errorf("a, d, e: server saw %d queries, want 0 (cached)", n)
	}
	lookup("b")
	if n := srv.Count("b.example.com", dns.TypeA); n != 1 {
		t.Errorf("b: server saw %d queries, want 1 (evicted)", n)
	}
}

func TestCacheBoundUnderLoad(t *testing.T) {
	t.Parallel()
	var text string
	for i := range 3000 {
		text += fmt.Sprintf("h%d 300 IN A 192.0.2.%d\n", i, i%250+1)
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: text})
	cache := resolver.NewCache(resolver.CacheOptions{MaxEntries: 1024})
	r := srv.Resolver()
	r.Cache = cache
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < 3000; i += 4 {
				if _, err := r.A(context.Background(), fmt.Sprintf("h%d.example.com", i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := cache.Len(); got > 1024 {
		t.Errorf("Len = %d, want at most MaxEntries 1024", got)
	}
	if st := cache.Stats(); st.Evictions < 3000-1024 {
		t.Errorf("Evictions = %d, want at least %d", st.Evictions, 3000-1024)
	}
}

func TestCachePurge(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	r := cachedResolver(srv, resolver.CacheOptions{})
	ctx := context.Background()
	r.TXT(ctx, "example.com")
	r.Cache.Purge()
	if r.Cache.Len() != 0 {
		t.Errorf("Len after Purge = %d, want 0", r.Cache.Len())
	}
	r.TXT(ctx, "example.com")
	if n := srv.Count("example.com", dns.TypeTXT); n != 2 {
		t.Errorf("server saw %d queries, want 2", n)
	}
}

// TestCacheCaseInsensitive checks that names differing only in case
// share one entry (RFC 4343).
func TestCacheCaseInsensitive(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	r := cachedResolver(srv, resolver.CacheOptions{})
	ctx := context.Background()
	for _, name := range []string{"example.com", "EXAMPLE.com.", "Example.Com"} {
		if _, err := r.TXT(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Count("example.com", dns.TypeTXT); n != 1 {
		t.Errorf("server saw %d queries, want 1 (names differing in case share an entry)", n)
	}
}

func TestCached(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	clk := newClock()
	ctx := context.Background()
	if r := srv.Resolver(); r.Cached("example.com", dns.TypeTXT) {
		t.Errorf("Cached() without a Cache = true, want false")
	}
	r := cachedResolver(srv, resolver.CacheOptions{Now: clk.Now})
	if r.Cached("example.com", dns.TypeTXT) {
		t.Errorf("Cached(example.com, TXT) before a lookup = true, want false")
	}
	if _, err := r.TXT(ctx, "example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.TXT(ctx, "nonexistent.example.com"); !errors.Is(err, resolver.ErrNXDomain) {
		t.Fatalf("TXT(nonexistent.example.com) error = %v, want NXDOMAIN", err)
	}
	for _, tt := range []struct {
		name  string
		qtype uint16
		want  bool
	}{
		{"example.com", dns.TypeTXT, true},
		{"EXAMPLE.com.", dns.TypeTXT, true},            // case and final dot do not matter
		{"nonexistent.example.com", dns.TypeTXT, true}, // negative entries count
		{"example.com", dns.TypeA, false},
		{"other.example.com", dns.TypeTXT, false},
	} {
		if got := r.Cached(tt.name, tt.qtype); got != tt.want {
			t.Errorf("Cached(%q, %s) = %v, want %v", tt.name, dns.TypeToString[tt.qtype], got, tt.want)
		}
	}
	stats := r.Cache.Stats()
	clk.Advance(301 * time.Second)
	if r.Cached("example.com", dns.TypeTXT) {
		t.Errorf("Cached(example.com, TXT) after the TTL = true, want false")
	}
	if got := r.Cache.Stats(); got != stats {
		t.Errorf("Cached changed the cache statistics: %+v, then %+v", stats, got)
	}
}
