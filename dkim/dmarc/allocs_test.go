package dmarc_test

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestWarmAllocs holds the warm tree walk to the cost of the RFC 7489
// path it replaces (the goal of issue 13: no slower with a warm cache):
// through a caching resolver, an aligned pass and an unaligned fail at
// a subdomain allocate no more in ModeRFC9989 than in ModeRFC7489.
// BenchmarkEvaluate has the timings.
func TestWarmAllocs(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	for _, in := range []dmarc.Input{
		{FromDomains: []string{"example.com"}, DKIM: pass("example.com")},
		{FromDomains: []string{"mail.example.com"}, DKIM: pass("example.net"), SPF: dmarc.SPF{Result: "pass", Domain: "example.net"}},
	} {
		allocs := map[dmarc.Mode]float64{}
		for _, mode := range []dmarc.Mode{dmarc.ModeRFC9989, dmarc.ModeRFC7489} {
			e := &dmarc.Evaluator{Resolver: r, Mode: mode, Percent: func() int { return 0 }}
			if _, err := e.Evaluate(context.Background(), in); err != nil { // warm the cache
				t.Fatal(err)
			}
			allocs[mode] = testing.AllocsPerRun(50, func() {
				if _, err := e.Evaluate(context.Background(), in); err != nil {
					t.Fatal(err)
				}
			})
		}
		if allocs[dmarc.ModeRFC9989] > allocs[dmarc.ModeRFC7489] {
			t.Errorf("From %s: warm ModeRFC9989 allocates %.0f times, ModeRFC7489 %.0f", in.FromDomains[0], allocs[dmarc.ModeRFC9989], allocs[dmarc.ModeRFC7489])
		}
		if q := srv.Count("", resolvertest.AnyType); q > 6 {
			t.Errorf("%d queries in all: the cache was not used", q)
		}
	}
}
