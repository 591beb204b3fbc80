package spf

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

// TestAddressLiteralSnum checks the IPv4 address literals of RFC 5321
// §4.1.3, whose Snum is 1*3DIGIT up to 255, leading zeros allowed:
// "jo@[001.002.003.004]" is a valid reverse-path (the domain is then no
// domain for SPF, none, §4.3), and was refused with ErrInvalidIdentity
// because netip.ParseAddr rejects leading zeros; likewise the IPv4 part
// of an IPv6v4 literal.
func TestAddressLiteralSnum(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("192.0.2.1")
	for _, from := range []string{
		"jo@[001.002.003.004]",
		"jo@[192.000.002.001]",
		"jo@[0.0.0.0]",
		"jo@[255.255.255.255]",
		"jo@[IPv6:::ffff:001.2.3.4]",
		"jo@[IPv6:2001:db8::192.000.2.1]",
	} {
		o, err := c.Check(context.Background(), ip, "h.test", from)
		if err != nil {
			t.Errorf("Check(%q) = error %v, want none (a valid RFC 5321 path)", from, err)
			continue
		}
		if o.Result != None || !errors.Is(o.Err, ErrInvalidDomain) {
			t.Errorf("Check(%q) = %s, %v; want none, ErrInvalidDomain", from, o.Result, o.Err)
		}
	}
	for _, from := range []string{
		"jo@[256.1.1.1]",
		"jo@[1.2.3.0004]",
		"jo@[1.2.3]",
		"jo@[1.2.3.4.5]",
		"jo@[1..3.4]",
		"jo@[+1.2.3.4]",
		"jo@[1.2.3.4 ]",
		"jo@[IPv6:::ffff:1.2.3.256]",
		"jo@[IPv6:::ffff:1.2.3.0004]",
		"jo@[IPv6:1.2.3.4]",
	} {
		if _, err := c.Check(context.Background(), ip, "h.test", from); !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("Check(%q) = error %v, want ErrInvalidIdentity", from, err)
		}
	}
}
