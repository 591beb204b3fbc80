package session

import (
	"context"
	"slices"
	"testing"
)

// TestRemoveTrailingDot: an authserv-id is a DNS name (RFC 8601 §2.5), so
// "mx.example.org." in a received Authentication-Results claims
// "mx.example.org" (and the other way round), case-insensitively: such a
// forged field is removed, one of another host stays.
func TestRemoveTrailingDot(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ servID, value string }{
		{"mx.example.org", "mx.example.org.; dkim=pass header.d=bank.example"},
		{"mx.example.org", "MX.Example.ORG.; spf=pass smtp.mailfrom=bank.example"},
		{"mx.example.org", "(c) \"mx.example.org.\" ;;; garbage ("},
		{"mx.example.org.", "mx.example.org; dmarc=pass header.from=bank.example"},
	} {
		e := &Engine{AuthServID: tc.servID}
		ctx := context.Background()
		s := e.NewSession(ctx)
		s.Mail(ctx, "alice@example.com")
		s.Write([]byte("Authentication-Results: other.example.; none\r\n" +
			"Authentication-Results: " + tc.value + "\r\n" +
			"From: alice@example.com\r\n\r\nhi\r\n"))
		v, err := s.EndOfData(ctx)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want := []FieldRef{{"Authentication-Results", 2}}; !slices.Equal(v.Remove, want) {
			t.Errorf("AuthServID %q, field %q: Remove = %v, want %v", tc.servID, tc.value, v.Remove, want)
		}
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"mx.example.org.", "mx.example.org", true},
		{"MX.EXAMPLE.ORG", "mx.example.org.", true},
		{"mx.example.org..", "mx.example.org", false},
		{"mx.example.or", "mx.example.org.", false},
	} {
		if got := claims(tc.a+"; none", tc.b); got != tc.want {
			t.Errorf("claims(%q, %q) = %v, want %v", tc.a+"; none", tc.b, got, tc.want)
		}
	}
}
