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

// TestAuthResultReasonIsReason checks the module's rule for every
// result kind: reason= is exactly Reason().
func TestAuthResultReasonIsReason(t *testing.T) {
	for _, o := range []arc.Outcome{
		{},
		{Result: arc.None},
		{Result: arc.Pass, OldestPass: 2, Instances: 2},
		{Result: arc.Fail, Err: arc.ErrStructure},
		{Result: arc.Fail, Err: arc.ErrSeal, FailedInstance: 2},
	} {
		if got := o.AuthResult().Reason; got != o.Reason() {
			t.Errorf("%s: AuthResult().Reason = %q, want Reason() %q", o.Result, got, o.Reason())
		}
	}
}
