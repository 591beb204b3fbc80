package batv

import (
	"strings"
	"testing"
)

// RFC 5321 §4.5.1: "postmaster" may be used in RCPT without a domain and
// MUST be accepted; a bounce to it is exempt, and a check on it must run.
func TestCheckUnqualifiedPostmaster(t *testing.T) {
	c := newChecker(day0)
	for _, tc := range []struct {
		from, rcpt string
		want       Result
	}{
		{"", "<Postmaster>", Exempt},
		{"<>", "postmaster", Exempt},
		{"jane@example.org", "<Postmaster>", NotBounce},
	} {
		o, err := c.Check(tc.from, tc.rcpt)
		if err != nil || o.Result != tc.want || o.Refuse() {
			t.Errorf("Check(%q, %q) = %v, %v, want %s", tc.from, tc.rcpt, o, err, tc.want)
		}
	}
}

// Sign takes "<>" as the null path, so it must take a path in angle
// brackets too: tagging inside them, not around them.
func TestSignAnglePath(t *testing.T) {
	c := newChecker(day0)
	got, err := c.Sign("<jane@example.org>")
	if err != nil {
		t.Fatalf("Sign(<jane@example.org>) error %v", err)
	}
	if !strings.HasPrefix(got, "<prvs=") || !strings.HasSuffix(got, "=jane@example.org>") {
		t.Fatalf("Sign(<jane@example.org>) = %q, want <prvs=...=jane@example.org>", got)
	}
	o, err := c.Check("<>", got)
	if err != nil || o.Result != Valid || o.Address != "jane@example.org" {
		t.Errorf("Check(<>, %q) = %v, %v, want valid jane@example.org", got, o, err)
	}
}
