package rdns

import "testing"

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
