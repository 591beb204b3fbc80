package dkim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/guard/guardtest"
)

// panicResolver panics in every lookup; a verification fetches its keys
// in goroutines of its own.
type panicResolver struct{}

func (panicResolver) LookupTXT(context.Context, string) ([]string, error) {
	panic("dkim test resolver")
}

// TestVerifyResolverPanic checks that a panic of the Resolver in a key
// lookup goroutine is raised again on the caller's goroutine, where its
// recover sees it, instead of ending the process: by Verify, and by
// every Close of a stream rather than returning unfinished outcomes.
func TestVerifyResolverPanic(t *testing.T) {
	msg := sign(t, signer(t, "sel", dkimtest.Key(t, "ed25519")), testMessage)
	v := &dkim.Verifier{Resolver: panicResolver{}, Now: fixedNow(signTime)}
	guardtest.Repanics(t, "dkim test resolver", func() {
		outs, err := v.Verify(t.Context(), strings.NewReader(msg))
		t.Errorf("Verify returned (%v, %v), want a panic", outs, err)
	})
	guardtest.CloseRepanics(t, "dkim test resolver", []byte(msg), v.Begin, func(s *dkim.VerifyStream) any { return s.Close() })
}
