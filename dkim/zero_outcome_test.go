package dkim_test

import (
	"testing"

	"github.com/spamkit/spamkit/dkim"
)

// TestZeroOutcomeAuthResult checks that the zero Outcome renders a
// registered RFC 8601 token (none), not an empty one ("dkim=unknown"
// once formatted), and that AuthResult's reason is Reason.
func TestZeroOutcomeAuthResult(t *testing.T) {
	var o dkim.Outcome
	r := o.AuthResult()
	if r.Value != "none" || r.Reason != o.Reason() {
		t.Errorf("Outcome{}.AuthResult() = %q reason %q, want none reason %q", r.Value, r.Reason, o.Reason())
	}
}
