package addrlit

import (
	"net/netip"
	"testing"
)

func TestIPv4(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // "" for invalid
	}{
		{"192.0.2.1", "192.0.2.1"},
		{"001.002.003.004", "1.2.3.4"},
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"256.1.1.1", ""},
		{"1.2.3.0004", ""},
		{"1.2.3", ""},
		{"1.2.3.4.5", ""},
		{"1..3.4", ""},
		{"+1.2.3.4", ""},
		{"1.2.3.4 ", ""},
		{"", ""},
		{"1.2.3.", ""},
	} {
		a, ok := IPv4(tt.in)
		if got := map[bool]string{true: a.String(), false: ""}[ok]; got != tt.want {
			t.Errorf("IPv4(%q) = %q, %v; want %q", tt.in, a, ok, tt.want)
		}
	}
}

func TestIPv6(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
	}{
		{"2001:db8::1", "2001:db8::1"},
		{"::ffff:001.2.3.4", "::ffff:1.2.3.4"},
		{"2001:db8::192.000.2.1", "2001:db8::c000:201"},
		{"::ffff:1.2.3.256", ""},
		{"::ffff:1.2.3.0004", ""},
		{"1.2.3.4", ""},
		{"fe80::1%eth0", ""},
		{"", ""},
	} {
		a, ok := IPv6(tt.in)
		if got := map[bool]string{true: a.String(), false: ""}[ok]; got != tt.want {
			t.Errorf("IPv6(%q) = %q, %v; want %q", tt.in, a, ok, tt.want)
		}
	}
}

// FuzzIPv4 checks IPv4 against netip for inputs without leading zeros,
// where the two grammars agree, and that every address it returns
// prints back as four Snums it parses again.
func FuzzIPv4(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "001.002.003.004", "256.1.1.1", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := IPv4(s)
		if ok {
			if b, ok2 := IPv4(a.String()); !ok2 || b != a {
				t.Fatalf("IPv4(%q) = %v, which does not parse back", s, a)
			}
		}
		if n, err := netip.ParseAddr(s); err == nil && n.Is4() && (!ok || n != a) {
			t.Fatalf("IPv4(%q) = %v, %v; netip has %v", s, a, ok, n)
		}
	})
}
