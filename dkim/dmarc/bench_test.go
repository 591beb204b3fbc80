package dmarc_test

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func BenchmarkParse(b *testing.B) {
	for _, rec := range []string{
		"v=DMARC1; p=reject",
		"v=DMARC1; p=quarantine; sp=reject; np=reject; adkim=s; aspf=r; pct=25; rua=mailto:a@example.com,mailto:b@example.org; ri=3600",
	} {
		b.Run(recName(rec), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dmarc.Parse(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func recName(s string) string {
	if len(s) < 30 {
		return "short"
	}
	return "full"
}

// evaluator serves the test zone through a cached resolver, so that the
// benchmarks measure DMARC, not DNS round trips.
func evaluator(b *testing.B, mode dmarc.Mode) *dmarc.Evaluator {
	srv := resolvertest.NewServer(b, resolvertest.Zone{Origin: ".", Text: zone})
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	return &dmarc.Evaluator{Resolver: r, Percent: func() int { return 0 }, Mode: mode}
}

// BenchmarkEvaluate evaluates, with a warm cache, in each mode: an
// aligned pass at the From domain, a relaxed pass by a subdomain's
// signature (RFC 9989: two tree walks; RFC 7489: the public suffix
// list), and an unaligned fail at a subdomain (RFC 9989: the walk to the
// organizational domain; RFC 7489: two lookups). ModeRFC7489 is today's
// path, the goal ModeRFC9989 is measured against.
func BenchmarkEvaluate(b *testing.B) {
	for _, mode := range []dmarc.Mode{dmarc.ModeRFC9989, dmarc.ModeRFC7489} {
		e := evaluator(b, mode)
		for _, tc := range []struct {
			name string
			in   dmarc.Input
			want dmarc.Result
		}{
			{"pass", dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("example.com")}, dmarc.Pass},
			{"relaxed-pass", dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("mail.example.com")}, dmarc.Pass},
			{"subdomain-fail", dmarc.Input{FromDomains: []string{"mail.example.com"}, DKIM: []dkim.Outcome{{Result: dkim.Pass, Domain: "example.net"}},
				SPF: dmarc.SPF{Result: "pass", Domain: "example.net"}}, dmarc.Fail},
		} {
			b.Run(tc.name+"/"+mode.String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if ev, err := e.Evaluate(context.Background(), tc.in); err != nil || ev.Result != tc.want {
						b.Fatal(ev.Result, ev.Err)
					}
				}
			})
		}
	}
}

// BenchmarkEvaluateParallel evaluates from all CPUs with one Evaluator.
func BenchmarkEvaluateParallel(b *testing.B) {
	e := evaluator(b, dmarc.ModeRFC9989)
	in := dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("example.com")}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ev, err := e.Evaluate(context.Background(), in); err != nil || ev.Result != dmarc.Pass {
				b.Error(ev.Result, ev.Err)
				return
			}
		}
	})
}
