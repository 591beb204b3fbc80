package dmarc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc"
)

// panicResolver panics in every lookup.
type panicResolver struct{}

func (panicResolver) LookupTXT(context.Context, string) ([]string, error) {
	panic(errPanicResolver)
}

var errPanicResolver = errors.New("dmarc test resolver")

// TestResolverPanicReachesCaller pins down that a panic of the Resolver
// reaches the caller's goroutine, where its recover sees it: an
// Evaluator makes its lookups on that goroutine, and a goroutine added
// for them must raise its panic again there (package guard), or this
// test binary dies. (A regression test: it passed before the guard, as
// the package starts no goroutine.)
func TestResolverPanicReachesCaller(t *testing.T) {
	e := &dmarc.Evaluator{Resolver: panicResolver{}}
	r := func() (r any) {
		defer func() { r = recover() }()
		o, err := e.Evaluate(t.Context(), dmarc.Input{FromDomains: []string{"example.com"}})
		t.Errorf("Evaluate returned (%v, %v), want a panic", o, err)
		return nil
	}()
	// errors.Is sees through a *guard.Panic too.
	if err, _ := r.(error); !errors.Is(err, errPanicResolver) {
		t.Errorf("recovered %v on the caller's goroutine, want the resolver's panic", r)
	}
}
