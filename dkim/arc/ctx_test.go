package arc_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/testenv"
)

// failResolver answers every lookup with an error at once.
type failResolver struct{}

func (failResolver) LookupTXT(context.Context, string) ([]string, error) {
	return nil, errors.New("no DNS here")
}

// TestVerifyReleasesContext: a chain verification derives one context
// from the caller's for its key lookups and cancels it; none stays
// registered with the caller's context, whatever the Timeout.
func TestVerifyReleasesContext(t *testing.T) {
	msg := seal(t, sealers(t)[1], dkimtest.Read(t, "messages/plain.eml"), arc.None)
	for _, v := range []*arc.Verifier{{Resolver: failResolver{}}, {Resolver: failResolver{}, Timeout: -1}} {
		parent := testenv.NewCountingContext()
		if _, err := v.Verify(parent, bytes.NewReader(msg)); err != nil {
			t.Fatal(err)
		}
		if n := parent.Live(); n != 0 {
			t.Errorf("Timeout %v: %d contexts still registered with the caller's after Verify, want 0", v.Timeout, n)
		}
	}
}
