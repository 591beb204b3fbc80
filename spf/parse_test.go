package spf

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" for a syntax error
	}{
		{"v=spf1", "v=spf1"},
		{"V=SPF1 -ALL", "v=spf1 -all"},
		{"v=spf1  +a   ~mx:example.com/24//64 ?ptr  ", "v=spf1 a ~mx:example.com/24//64 ?ptr"},
		{"v=spf1 ip4:192.0.2.1/32 ip6:2001:DB8::/32 -all", "v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 -all"},
		{"v=spf1 a/32//128 mx/0 a//0", "v=spf1 a mx/0 a//0"},
		{"v=spf1 exp=e.%{d} redirect=_spf.example.com foo=bar%{i}", "v=spf1 redirect=_spf.example.com exp=e.%{d} foo=bar%{i}"},
		{"v=spf1 include:%{ir}.%{v}._spf.%{d2} exists:%{l1r-}.x.example", "v=spf1 include:%{ir}.%{v}._spf.%{d2} exists:%{l1r-}.x.example"},
		{"v=spf1 a:example.com.", "v=spf1 a:example.com."},
		{"v=spf10", ""},
		{"v=spf1 -all:foo", ""},
		{"v=spf1 frob", ""},
		{"v=spf1 include", ""},
		{"v=spf1 include:", ""},
		{"v=spf1 a:museum", ""},            // §7.1 domain-end needs "." toplabel
		{"v=spf1 a:example.123", ""},       // numeric top label
		{"v=spf1 ip4:192.0.2.1/33", ""},    // prefix too long
		{"v=spf1 ip4:192.0.2.01", ""},      // leading zero
		{"v=spf1 ip6:192.0.2.1", ""},       // not IPv6
		{"v=spf1 ip4:2001:db8::1", ""},     // not IPv4
		{"v=spf1 a/024", ""},               // leading zero in prefix length
		{"v=spf1 a:%{x}.example.com", ""},  // unknown macro letter
		{"v=spf1 a:%{c}.example.com", ""},  // c only in exp text
		{"v=spf1 a:%{d0}.example.com", ""}, // zero digits
		{"v=spf1 a:%{d}%.example.com", ""}, // bad escape
		{"v=spf1 redirect=a.example redirect=b.example", ""},
		{"v=spf1 exp=a.example exp=b.example", ""},
		{"v=spf1 a:ex\x01ample.com", ""},
		{"v=spf1 9foo=bar", ""}, // not a modifier name: unknown mechanism
		// §5.6: a prefix length is digits only, without leading zeros,
		// at most 32 or 128; anything else is a syntax error (§4.6).
		{"v=spf1 ip4:192.0.2.0/-0", ""},
		{"v=spf1 ip4:192.0.2.0/+24", ""},
		{"v=spf1 ip4:192.0.2.0/-1", ""},
		{"v=spf1 ip4:192.0.2.0/ 24", ""},
		{"v=spf1 ip4:192.0.2.0/0x18", ""},
		{"v=spf1 ip4:192.0.2.0/", ""},
		{"v=spf1 ip4:192.0.2.0/024", ""},
		{"v=spf1 ip4:192.0.2.0/00", ""},
		{"v=spf1 ip4:192.0.2.0/1000", ""},
		{"v=spf1 ip4:192.0.2.0/24//64", ""}, // no dual-cidr on ip4
		{"v=spf1 ip6:2001:db8::/-0", ""},
		{"v=spf1 ip6:2001:db8::/+32", ""},
		{"v=spf1 ip6:2001:db8::/-64", ""},
		{"v=spf1 ip6:2001:db8::/129", ""},
		{"v=spf1 ip6:2001:db8::/032", ""},
		{"v=spf1 a/-0", ""},
		{"v=spf1 a/+24", ""},
		{"v=spf1 mx//+64", ""},
		{"v=spf1 mx//-0", ""},
		{"v=spf1 a/24//-64", ""},
		{"v=spf1 a:example.com/+24//64", ""},
		{"v=spf1 a/33", ""},
		{"v=spf1 a//129", ""},
		{"v=spf1 a//064", ""},
		{"v=spf1 a/24/", ""},
		{"v=spf1 a///64", ""},
		{"v=spf1 a/24//64//64", ""},
		{"v=spf1 ip4:192.0.2.0/0 ip6:::/0 a/0//0", "v=spf1 ip4:192.0.2.0/0 ip6:::/0 a/0//0"},
		{"v=spf1 ip4:192.0.2.7/24 a:example.com/24//64 mx//128", "v=spf1 ip4:192.0.2.7/24 a:example.com/24//64 mx"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRecord(tc.in)
			if tc.want == "" {
				if err == nil || !errors.Is(err, ErrSyntax) {
					t.Errorf("ParseRecord(%q) = %v, %v, want ErrSyntax", tc.in, r, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRecord(%q) error %v", tc.in, err)
			}
			if got := r.String(); got != tc.want {
				t.Errorf("ParseRecord(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
			r2, err := ParseRecord(r.String())
			if err != nil || !reflect.DeepEqual(r, r2) {
				t.Errorf("ParseRecord(%q) does not round-trip: %v, %v", r.String(), r2, err)
			}
		})
	}
}

// TestMacroExamples checks the examples of RFC 7208 §7.4.
func TestMacroExamples(t *testing.T) {
	c := &Checker{Resolver: nilResolver{}}
	s4 := &state{c: c, ip: netip.MustParseAddr("192.0.2.3"), sender: "strong-bad@email.example.com",
		local: "strong-bad", senderDomain: "email.example.com", helo: "mx.example.org"}
	s6 := *s4
	s6.ip = netip.MustParseAddr("2001:db8::cb01")
	for _, tc := range []struct {
		s        *state
		in, want string
	}{
		{s4, "%{s}", "strong-bad@email.example.com"},
		{s4, "%{o}", "email.example.com"},
		{s4, "%{d}", "email.example.com"},
		{s4, "%{d4}", "email.example.com"},
		{s4, "%{d3}", "email.example.com"},
		{s4, "%{d2}", "example.com"},
		{s4, "%{d1}", "com"},
		{s4, "%{dr}", "com.example.email"},
		{s4, "%{d2r}", "example.email"},
		{s4, "%{l}", "strong-bad"},
		{s4, "%{l-}", "strong.bad"},
		{s4, "%{lr}", "strong-bad"},
		{s4, "%{lr-}", "bad.strong"},
		{s4, "%{l1r-}", "strong"},
		{s4, "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
		{s4, "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
		{s4, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
		{s4, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
		{s4, "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
		{&s6, "%{ir}.%{v}._spf.%{d2}", "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"},
		{s4, "%{S}", "strong-bad%40email.example.com"},
		{s4, "a%%b%_c%-d", "a%b c%20d"},
		{s4, "%{h}", "mx.example.org"},
		{s4, "%{c} %{r}", "192.0.2.3 unknown"},
	} {
		ms, err := parseMacroString(tc.in, true)
		if err != nil {
			t.Errorf("parseMacroString(%q) error %v", tc.in, err)
			continue
		}
		got, err := tc.s.expand(context.Background(), &ms, "email.example.com")
		if got != tc.want || err != nil {
			t.Errorf("expand(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestExpandLimitLiteral checks that a macro-string without macros is
// bounded by MaxMacroExpansion like any other (it was returned whole).
func TestExpandLimitLiteral(t *testing.T) {
	s := &state{c: &Checker{Resolver: nilResolver{}, MaxMacroExpansion: 1024}, ip: netip.MustParseAddr("192.0.2.3")}
	for _, tc := range []struct {
		in  string
		err error
	}{
		{strings.Repeat("0", 1024), nil},
		{strings.Repeat("0", 1025), ErrMacroTooLong},
		{strings.Repeat("%%", 1024), nil},
		{strings.Repeat("%%", 1025), ErrMacroTooLong},
	} {
		ms, err := parseMacroString(tc.in, true)
		if err != nil {
			t.Fatalf("parseMacroString(%d octets) error %v", len(tc.in), err)
		}
		got, err := s.expand(context.Background(), &ms, "example.com")
		if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) || len(got) > 1024 {
			t.Errorf("expand(%.10q... of %d octets) = %d octets, %v, want %v", tc.in, len(tc.in), len(got), err, tc.err)
		}
	}
}

func TestTruncateDomain(t *testing.T) {
	long := ""
	for range 30 {
		long += "abcdefghi."
	}
	long += "example.com"
	got := truncateDomain(long)
	if len(got) > 253 || got[len(got)-len("example.com"):] != "example.com" || got[0] == '.' {
		t.Errorf("truncateDomain(%d octets) = %q (%d), want at most 253 octets ending in example.com", len(long), got, len(got))
	}
	if got := truncateDomain("a.example.com"); got != "a.example.com" {
		t.Errorf("truncateDomain(a.example.com) = %q, want unchanged", got)
	}
}
