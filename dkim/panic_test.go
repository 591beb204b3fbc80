package dkim_test

import (
	"bufio"
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
// recover sees it, instead of ending the process; a second Close raises
// it again rather than returning unfinished outcomes.
func TestVerifyResolverPanic(t *testing.T) {
	msg := sign(t, signer(t, "sel", dkimtest.Key(t, "ed25519")), testMessage)
	v := &dkim.Verifier{Resolver: panicResolver{}, Now: fixedNow(signTime)}
	t.Run("Verify", func(t *testing.T) {
		guardtest.Repanics(t, "dkim test resolver", func() {
			outs, err := v.Verify(t.Context(), strings.NewReader(msg))
			t.Errorf("Verify returned (%v, %v), want a panic", outs, err)
		})
	})
	t.Run("Close", func(t *testing.T) {
		br := bufio.NewReader(strings.NewReader(msg))
		h, _, err := dkim.ReadHeader(br, 0)
		if err != nil {
			t.Fatal(err)
		}
		s, err := v.Begin(t.Context(), h, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := br.WriteTo(s); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			guardtest.Repanics(t, "dkim test resolver", func() {
				outs := s.Close()
				t.Errorf("Close returned %v, want a panic", outs)
			})
		}
	})
}
