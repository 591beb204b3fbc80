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

// TestAuthResultReasonIsReason checks the module's rule for every
// result kind: reason= is exactly Reason().
func TestAuthResultReasonIsReason(t *testing.T) {
	for _, o := range []dkim.Outcome{
		{},
		{Result: dkim.Pass},
		{Result: dkim.Fail, Err: dkim.ErrBodyHash},
		{Result: dkim.Neutral, Err: dkim.ErrBadSignature},
		{Result: dkim.Policy, Err: dkim.ErrWeakKey},
		{Result: dkim.TempError, Err: dkim.ErrKeyUnavailable},
		{Result: dkim.PermError, Err: dkim.ErrNoKey},
		dkim.HeaderTooLarge(dkim.ErrHeaderTooLarge),
	} {
		if got := o.AuthResult().Reason; got != o.Reason() {
			t.Errorf("%s: AuthResult().Reason = %q, want Reason() %q", o.Result, got, o.Reason())
		}
	}
}
