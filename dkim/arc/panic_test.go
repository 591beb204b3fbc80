package arc_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/guard/guardtest"
)

// panicResolver panics in every lookup; a chain verification fetches
// its keys in goroutines of its own.
type panicResolver struct{}

func (panicResolver) LookupTXT(context.Context, string) ([]string, error) {
	panic("arc test resolver")
}

// TestVerifyResolverPanic checks that a panic of the Resolver in a key
// lookup goroutine is raised again on the caller's goroutine, where its
// recover sees it, instead of ending the process: by Verify, and by
// every Close of a stream rather than returning an unfinished outcome.
func TestVerifyResolverPanic(t *testing.T) {
	msg := seal(t, sealers(t)[1], dkimtest.Read(t, "messages/plain.eml"), arc.None)
	v := &arc.Verifier{Resolver: panicResolver{}}
	guardtest.Repanics(t, "arc test resolver", func() {
		o, err := v.Verify(t.Context(), bytes.NewReader(msg))
		t.Errorf("Verify returned (%v, %v), want a panic", o, err)
	})
	guardtest.CloseRepanics(t, "arc test resolver", msg, v.Begin, func(s *arc.VerifyStream) any { return s.Close() })
}
