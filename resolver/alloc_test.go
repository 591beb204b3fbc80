package resolver_test

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/resolver"
)

// TestCachedLookupAllocs pins the allocation promise of the cache hit
// path: none for the typed methods, one (the returned copy) for the
// net.Resolver-style ones; none for a cached NXDOMAIN or NODATA either.
func TestCachedLookupAllocs(t *testing.T) {
	r := warmResolver(t, "example.com.", "dual.example.com")
	ctx := context.Background()
	tests := []struct {
		name string
		f    func()
		max  float64
	}{
		{"TXT", func() { r.TXT(ctx, "example.com.") }, 0},
		{"A without trailing dot", func() { r.A(ctx, "dual.example.com") }, 0},
		{"LookupTXT", func() { r.LookupTXT(ctx, "example.com.") }, 1},
		{"LookupNetIP ip4", func() { r.LookupNetIP(ctx, "ip4", "dual.example.com") }, 1},
		// Both families: the joined slice, and no goroutine.
		{"IP ip", func() { r.IP(ctx, "ip", "dual.example.com") }, 1},
		{"TXT NXDOMAIN", func() { r.TXT(ctx, "nonexistent.example.com.") }, 0},
		{"A NXDOMAIN", func() { r.A(ctx, "nonexistent.example.com.") }, 0},
	}
	if _, err := r.IP(ctx, "ip", "dual.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.TXT(ctx, "nonexistent.example.com."); !resolver.IsNXDomain(err) {
		t.Fatalf("TXT(nonexistent.example.com) error = %v, want NXDOMAIN", err)
	}
	if _, err := r.A(ctx, "nonexistent.example.com."); !resolver.IsNotFound(err) {
		t.Fatalf("A(nonexistent.example.com) error = %v, want not found", err)
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(1000, tt.f); got > tt.max {
			t.Errorf("%s cache hit: %v allocs, want at most %v", tt.name, got, tt.max)
		}
	}
}
