package rdns

import (
	"context"
	"net/netip"
	"testing"

	"github.com/spamkit/spamkit/internal/guard/guardtest"
)

// panicResolver answers PTR queries with two names, so that their
// forward lookups run in goroutines of the check's own, and panics in
// those.
type panicResolver struct{}

func (panicResolver) LookupAddr(context.Context, string) ([]string, error) {
	return []string{"a.example.", "b.example."}, nil
}

func (panicResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	panic("rdns test resolver")
}

// TestFCrDNSResolverPanic checks that a panic of the Resolver in a
// forward lookup goroutine is raised again on the caller's goroutine,
// where its recover sees it, instead of ending the process.
func TestFCrDNSResolverPanic(t *testing.T) {
	c := &Checker{Resolver: panicResolver{}}
	guardtest.Repanics(t, "rdns test resolver", func() {
		o, err := c.FCrDNS(t.Context(), netip.MustParseAddr("192.0.2.1"))
		t.Errorf("FCrDNS returned (%v, %v), want a panic", o, err)
	})
}
