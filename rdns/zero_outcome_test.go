package rdns

import (
	"strings"
	"testing"
)

// TestZeroFCrDNSOutcome checks that the zero FCrDNSOutcome (no check
// run) is not rendered as a DNS error nor as a permerror ("no PTR
// data"), which it is not, but as a temperror with the reason "no
// result": RFC 8601 §2.7.3 registers no "none" for iprev, and a check
// not run may give an answer when run.
func TestZeroFCrDNSOutcome(t *testing.T) {
	var o FCrDNSOutcome
	if got := o.Reason(); got != "no result" {
		t.Errorf("FCrDNSOutcome{}.Reason() = %q, want %q", got, "no result")
	}
	if r := o.AuthResult(); r.Value != "temperror" || r.Reason != o.Reason() {
		t.Errorf("FCrDNSOutcome{}.AuthResult() = %q reason %q, want temperror reason %q", r.Value, r.Reason, o.Reason())
	}
	var h HELOOutcome
	if got := h.Reason(); got != "no result" {
		t.Errorf("HELOOutcome{}.Reason() = %q, want %q", got, "no result")
	}
}

// TestAuthResultReasonIsReason checks the module's rule for every
// result kind: reason= is exactly Reason().
func TestAuthResultReasonIsReason(t *testing.T) {
	for _, o := range []FCrDNSOutcome{
		{},
		{Result: FCrDNSConfirmed},
		{Result: FCrDNSNone},
		{Result: FCrDNSMismatch},
		{Result: FCrDNSMismatch, Err: ErrTooManyNames},
		{Result: FCrDNSTempError, Err: ErrDNS},
	} {
		if got := o.AuthResult().Reason; got != o.Reason() {
			t.Errorf("%s: AuthResult().Reason = %q, want Reason() %q", o.Result, got, o.Reason())
		}
	}
}

// TestPassNeedsNoReason checks the module's rule that Reason() is empty
// when the result needs no explanation: a confirmed client (iprev=pass,
// in every Authentication-Results field) and a HELO that matches it carry
// no reason, and AuthResult renders no reason=.
func TestPassNeedsNoReason(t *testing.T) {
	o := FCrDNSOutcome{Result: FCrDNSConfirmed, Confirmed: "mail.example.com"}
	if got := o.Reason(); got != "" {
		t.Errorf("confirmed: Reason() = %q, want empty", got)
	}
	if got := o.AuthResult().String(); strings.Contains(got, "reason=") {
		t.Errorf("confirmed: AuthResult() = %s, want no reason=", got)
	}
	if got := (HELOOutcome{Result: HELOMatch}).Reason(); got != "" {
		t.Errorf("HELO match: Reason() = %q, want empty", got)
	}
}
