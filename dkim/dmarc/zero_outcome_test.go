package dmarc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc"
)

// TestZeroOutcomeAuthResult checks that the zero Outcome renders a
// registered RFC 8601 token (none), not an empty one.
func TestZeroOutcomeAuthResult(t *testing.T) {
	var o dmarc.Outcome
	if r := o.AuthResult(); r.Value != "none" || r.Reason != "" {
		t.Errorf("Outcome{}.AuthResult() = %q reason %q, want none", r.Value, r.Reason)
	}
}

// TestUnusableInputOutcome checks that an Input Evaluate cannot use
// gives, beside the error, an Outcome that renders a registered token
// with a reason, so a caller that renders it anyway writes a valid
// header.
func TestUnusableInputOutcome(t *testing.T) {
	var e dmarc.Evaluator
	o, err := e.Evaluate(context.Background(), dmarc.Input{SPF: dmarc.SPF{Result: "bogus"}})
	if !errors.Is(err, dmarc.ErrSPFResult) || o.Result != dmarc.PermError || !errors.Is(o.Err, dmarc.ErrSPFResult) {
		t.Fatalf("Evaluate(SPF bogus) = %s (%v), %v, want permerror ErrSPFResult", o.Result, o.Err, err)
	}
	if got := o.AuthResult(); got.Value != "permerror" || got.Reason != "invalid SPF result" {
		t.Errorf("AuthResult() = %q reason %q, want permerror reason %q", got.Value, got.Reason, "invalid SPF result")
	}
}

// TestAuthResultReasonIsReason checks the module's rule for every
// result kind: reason= is exactly Reason().
func TestAuthResultReasonIsReason(t *testing.T) {
	for _, o := range []dmarc.Outcome{
		{},
		{Result: dmarc.Pass},
		{Result: dmarc.Fail},
		{Result: dmarc.None, Err: dmarc.ErrNoRecord},
		{Result: dmarc.TempError, Err: dmarc.ErrDNS},
		{Result: dmarc.PermError, Err: dmarc.ErrSyntax},
	} {
		if got := o.AuthResult().Reason; got != o.Reason() {
			t.Errorf("%s: AuthResult().Reason = %q, want Reason() %q", o.Result, got, o.Reason())
		}
	}
}
