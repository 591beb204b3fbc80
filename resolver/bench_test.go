package resolver_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// Benchmarks run our resolver and net.Resolver (pure Go, dialling the
// same in-process server) side by side.

func BenchmarkCached(b *testing.B) {
	r := warmResolver(b, "example.com.", "dual.example.com")
	ctx := context.Background()
	b.Run("TXT", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.TXT(ctx, "example.com."); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LookupTXT", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.LookupTXT(ctx, "example.com."); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.TXT(ctx, "example.com."); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	// Many names spread over the shards, as a busy MTA's cache is.
	names := make([]string, 512)
	zone := ""
	for i := range names {
		names[i] = fmt.Sprintf("h%d.example.net.", i)
		zone += fmt.Sprintf("h%d 300 IN A 192.0.2.1\n", i)
	}
	srv2 := resolvertest.NewServer(b, resolvertest.Zone{Origin: "example.net.", Text: zone})
	r2 := srv2.Resolver()
	r2.Cache = resolver.NewCache(resolver.CacheOptions{})
	for _, n := range names {
		r2.A(ctx, n)
	}
	b.Run("ParallelManyNames", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := r2.A(ctx, names[i%len(names)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	})
}

func BenchmarkUncached(b *testing.B) {
	srv := newServer(b)
	ctx := context.Background()
	resolvers := []struct {
		name string
		r    interface {
			LookupTXT(context.Context, string) ([]string, error)
		}
	}{
		{"spamkit", srv.Resolver()},
		{"net.Resolver", netResolver(srv)},
	}
	for _, res := range resolvers {
		b.Run("TXT/"+res.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := res.r.LookupTXT(ctx, "example.com."); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, res := range resolvers {
		b.Run("TXTParallel/"+res.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := res.r.LookupTXT(ctx, "example.com."); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	b.Run("ip/spamkit", func(b *testing.B) {
		r := srv.Resolver()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.LookupNetIP(ctx, "ip", "dual.example.com."); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ip/net.Resolver", func(b *testing.B) {
		r := netResolver(srv)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.LookupNetIP(ctx, "ip", "dual.example.com."); err != nil {
				b.Fatal(err)
			}
		}
	})
}
