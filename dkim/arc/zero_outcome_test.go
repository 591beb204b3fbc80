package arc_test

import (
	"testing"

	"github.com/spamkit/spamkit/dkim/arc"
)

// TestZeroOutcomeAuthResult checks that the zero Outcome renders a
// registered RFC 8617 token (none), not an empty one.
func TestZeroOutcomeAuthResult(t *testing.T) {
	var o arc.Outcome
	if r := o.AuthResult(); r.Value != "none" || r.Reason != "" {
		t.Errorf("Outcome{}.AuthResult() = %q reason %q, want none", r.Value, r.Reason)
	}
}
