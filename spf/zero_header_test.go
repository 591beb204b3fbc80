package spf

import (
	"strings"
	"testing"
)

// TestZeroOutcomeHeaders checks that the zero Outcome (a check that was
// not run) renders well-formed headers with the result none, as
// AuthResult already did: ReceivedSPF wrote "Received-SPF:  (" with no
// result, a field RFC 7208 §9.1 does not allow.
func TestZeroOutcomeHeaders(t *testing.T) {
	var o Outcome
	if got := o.ReceivedSPF(); !strings.HasPrefix(got, "Received-SPF: none (") {
		t.Errorf("Outcome{}.ReceivedSPF() = %q, want it to start with %q", got, "Received-SPF: none (")
	}
	if got, want := o.AuthResult().String(), "spf=none"; got != want {
		t.Errorf("Outcome{}.AuthResult() = %q, want %q", got, want)
	}
}
