package rbl

import (
	"context"
	"net/netip"
	"runtime"
	"testing"

	"github.com/spamkit/spamkit/internal/guard"
	"github.com/spamkit/spamkit/internal/guard/guardtest"
)

// panicResolver panics in every lookup; the zones of a check are asked
// in goroutines of the check's own.
type panicResolver struct{}

func (panicResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	panic("rbl test resolver")
}

func (panicResolver) LookupTXT(context.Context, string) ([]string, error) {
	panic("rbl test resolver")
}

// TestResolverPanic checks that a panic of the Resolver in a zone's
// lookup goroutine (and, for CheckDomains, in a domain's goroutine) is
// raised again on the caller's goroutine, where its recover sees it,
// instead of ending the process.
func TestResolverPanic(t *testing.T) {
	c := &Checker{Resolver: panicResolver{}, Lists: []List{{Zone: "zen.test"}, {Zone: "bl.test"}, {Zone: "dbl.test", Kind: KindDomain}}}
	t.Run("CheckIP", func(t *testing.T) {
		guardtest.Repanics(t, "rbl test resolver", func() {
			o, err := c.CheckIP(t.Context(), netip.MustParseAddr("192.0.2.1"))
			t.Errorf("CheckIP returned (%v, %v), want a panic", o, err)
		})
	})
	t.Run("CheckDomains", func(t *testing.T) {
		guardtest.Repanics(t, "rbl test resolver", func() {
			d, err := c.CheckDomains(t.Context(), []string{"a.example.com", "b.example.org"})
			t.Errorf("CheckDomains returned (%v, %v), want a panic", d, err)
		})
	})
}

// goexitResolver ends its goroutine with runtime.Goexit (what
// testing.T.FailNow does off the test's goroutine): no panic to
// recover, and no answer.
type goexitResolver struct{}

func (goexitResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	runtime.Goexit()
	return nil, nil
}

func (goexitResolver) LookupTXT(context.Context, string) ([]string, error) {
	runtime.Goexit()
	return nil, nil
}

// TestResolverGoexit: a zone whose lookup goroutine ended without an
// answer must not read as "not listed" (a silent pass); it is raised on
// the caller's goroutine as a *guard.Panic wrapping guard.ErrGoexit.
func TestResolverGoexit(t *testing.T) {
	c := &Checker{Resolver: goexitResolver{}, Lists: []List{{Zone: "zen.test"}, {Zone: "bl.test"}}}
	guardtest.Repanics(t, guard.ErrGoexit, func() {
		o, err := c.CheckIP(t.Context(), netip.MustParseAddr("192.0.2.1"))
		t.Errorf("CheckIP returned (%v, %v), want the goroutine's end raised", o, err)
	})
}
