package arc_test

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/spamkit/spamkit/dkim"
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
// recover sees it, instead of ending the process; a second Close raises
// it again rather than returning an unfinished outcome.
func TestVerifyResolverPanic(t *testing.T) {
	msg := seal(t, sealers(t)[1], dkimtest.Read(t, "messages/plain.eml"), arc.None)
	v := &arc.Verifier{Resolver: panicResolver{}}
	t.Run("Verify", func(t *testing.T) {
		guardtest.Repanics(t, "arc test resolver", func() {
			o, err := v.Verify(t.Context(), bytes.NewReader(msg))
			t.Errorf("Verify returned (%v, %v), want a panic", o, err)
		})
	})
	t.Run("Close", func(t *testing.T) {
		br := bufio.NewReader(bytes.NewReader(msg))
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
			guardtest.Repanics(t, "arc test resolver", func() {
				o := s.Close()
				t.Errorf("Close returned %v, want a panic", o)
			})
		}
	})
}
