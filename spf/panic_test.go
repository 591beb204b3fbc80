package spf

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/spamkit/spamkit/internal/guard/guardtest"
)

// panicResolver publishes one record at example.com, whose a and mx
// terms are prefetched in goroutines of the check's own, and panics in
// every other lookup.
type panicResolver struct{}

func (panicResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	if name == "example.com." {
		return []string{"v=spf1 a:a.example.com mx:mx.example.com -all"}, nil
	}
	panic("spf test resolver")
}

func (panicResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	panic("spf test resolver")
}

func (panicResolver) LookupMX(context.Context, string) ([]*net.MX, error) {
	panic("spf test resolver")
}

func (panicResolver) LookupAddr(context.Context, string) ([]string, error) {
	panic("spf test resolver")
}

// TestPrefetchResolverPanic checks that a panic of the Resolver in a
// prefetch goroutine is raised again on the caller's goroutine, where
// its recover sees it, instead of ending the process or leaving the
// walk with an empty answer.
func TestPrefetchResolverPanic(t *testing.T) {
	c := &Checker{Resolver: panicResolver{}, PrefetchAfter: -1}
	guardtest.Repanics(t, "spf test resolver", func() {
		o, err := c.Check(t.Context(), netip.MustParseAddr("192.0.2.1"), "mail.example.com", "user@example.com")
		t.Errorf("Check returned (%v, %v), want a panic", o, err)
	})
}
