package batv

import (
	"errors"
	"strings"
	"testing"
	"time"
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

// TestValidDaysExpire: whatever ValidDays is accepted, a tag whose
// expiry day has passed is Expired the next days (DDD is a day modulo
// 1000: with ValidDays 998 or 999 every DDD fell inside the accepted
// span, tags never expired; with 997 they were refused for one day).
func TestValidDaysExpire(t *testing.T) {
	for _, days := range []int{1, 7, 498, 499, 997, 998, 999} {
		c := newChecker(day0)
		c.ValidDays = days
		s, err := c.Sign("alice@example.com")
		if days > MaxValidDays {
			if !errors.Is(err, ErrConfig) {
				t.Errorf("ValidDays %d: Sign = %q, %v, want ErrConfig", days, s, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ValidDays %d: Sign error %v", days, err)
		}
		// Refused from the day after expiry for at least ValidDays.
		for _, after := range []int{days + 2, 2*days + 1} {
			c.Now = at(day0.AddDate(0, 0, after))
			if o, _ := c.Verify(s); o.Result != Expired {
				t.Errorf("ValidDays %d: Verify %d days later = %v, want expired", days, after, o)
			}
		}
	}
}

// TestKeyNotAfterCoversTag: Sign uses a key only for tags that expire
// by its NotAfter; a tag is valid through the end of its DDD, so a key
// retiring during that day must not sign it (its bounces would be
// refused as ErrKeyExpired while the tag is still valid).
func TestKeyNotAfterCoversTag(t *testing.T) {
	expiryDay := time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC) // day0 + 7
	c := &Checker{Keys: []Key{
		{Number: 1, Secret: []byte("old"), NotAfter: expiryDay.Add(11 * time.Hour)},
		{Number: 2, Secret: []byte("new"), NotBefore: day0.Add(-time.Hour), NotAfter: expiryDay.AddDate(1, 0, 0)},
	}, Now: at(day0)}
	c.Keys[0].NotBefore = day0.Add(-time.Minute) // the latest NotBefore: preferred when usable
	s, err := c.Sign("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c.Now = at(expiryDay.Add(15 * time.Hour)) // still the tag's expiry day
	if o, _ := c.Verify(s); o.Result != Valid {
		t.Errorf("Verify(%q) on its expiry day = %v, want valid", s, o)
	}
}
