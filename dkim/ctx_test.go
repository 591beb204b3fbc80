package dkim_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/testenv"
)

// failResolver answers every lookup with an error at once.
type failResolver struct{}

func (failResolver) LookupTXT(context.Context, string) ([]string, error) {
	return nil, errors.New("no DNS here")
}

// TestVerifyReleasesContext: a verification derives one context from
// the caller's for its key lookups and cancels it; none stays registered
// with the caller's context (a connection's, which may live for many
// messages), whatever the Timeout.
func TestVerifyReleasesContext(t *testing.T) {
	msg := sign(t, signer(t, "sel", dkimtest.Key(t, "ed25519")), testMessage)
	for _, timeout := range []int64{0, -1} {
		parent := testenv.NewCountingContext()
		v := &dkim.Verifier{Resolver: failResolver{}, Now: fixedNow(signTime), Timeout: 0}
		if timeout < 0 {
			v.Timeout = -1
		}
		if _, err := v.Verify(parent, strings.NewReader(msg)); err != nil {
			t.Fatal(err)
		}
		if n := parent.Live(); n != 0 {
			t.Errorf("Timeout %d: %d contexts still registered with the caller's after Verify, want 0", v.Timeout, n)
		}
	}
}
