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

// inlinePanicResolver publishes a record whose a term is prefetched
// and blocks until its context ends, and whose ptr term, looked up on
// the caller's goroutine, panics.
type inlinePanicResolver struct{ ended chan struct{} }

func (r inlinePanicResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	if name == "example.com." {
		return []string{"v=spf1 ptr a:slow.example.com -all"}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (r inlinePanicResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	<-ctx.Done()
	close(r.ended)
	return nil, ctx.Err()
}

func (inlinePanicResolver) LookupMX(context.Context, string) ([]*net.MX, error) {
	return nil, nil
}

func (inlinePanicResolver) LookupAddr(context.Context, string) ([]string, error) {
	panic("spf inline resolver")
}

// TestInlinePanicStopsPrefetch checks that a panic on the caller's
// goroutine (a lookup that was not prefetched) still cancels and waits
// for the prefetched lookups, so that none outlives the check, even
// with no Timeout and a context that never ends.
func TestInlinePanicStopsPrefetch(t *testing.T) {
	r := inlinePanicResolver{ended: make(chan struct{})}
	c := &Checker{Resolver: r, PrefetchAfter: -1, Timeout: -1}
	func() {
		defer func() {
			if p := recover(); p != "spf inline resolver" {
				t.Errorf("recovered %v, want the resolver's own panic", p)
			}
		}()
		o, err := c.Check(context.Background(), netip.MustParseAddr("192.0.2.1"), "mail.example.com", "user@example.com")
		t.Errorf("Check returned (%v, %v), want a panic", o, err)
	}()
	select {
	case <-r.ended:
	default:
		t.Error("a prefetched lookup still runs after Check panicked")
	}
}
