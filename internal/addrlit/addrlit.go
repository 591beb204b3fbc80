// Package addrlit parses the address literals of RFC 5321 §4.1.3, as a
// MAIL FROM domain (package spf) and a HELO argument (package rdns) may
// hold them. Their grammar differs from what net/netip accepts: an Snum
// of the IPv4-address-literal is 1*3DIGIT up to 255, leading zeros
// allowed ("[001.002.003.004]" is valid), and netip refuses leading
// zeros; netip accepts an IPv6 zone ("%eth0"), which the literal has no
// syntax for.
package addrlit

import (
	"net/netip"
	"strings"
)

// IPv4 parses an IPv4-address-literal without its brackets (RFC 5321
// §4.1.3): four Snum, each 1*3DIGIT not above 255, joined by dots.
func IPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	for i := range b {
		part := s
		if i < 3 {
			dot := strings.IndexByte(s, '.')
			if dot < 0 {
				return netip.Addr{}, false
			}
			part, s = s[:dot], s[dot+1:]
		}
		if len(part) < 1 || len(part) > 3 {
			return netip.Addr{}, false
		}
		n := 0
		for _, c := range []byte(part) {
			if c < '0' || c > '9' {
				return netip.Addr{}, false
			}
			n = n*10 + int(c-'0')
		}
		if n > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), true
}

// IPv6 parses the IPv6-addr of an IPv6-address-literal, after its
// "IPv6:" tag (RFC 5321 §4.1.3): IPv6-full, IPv6-comp, or either with
// an IPv4-address-literal of Snums as its last 32 bits. No zone.
func IPv6(s string) (netip.Addr, bool) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i:], '.') >= 0 {
		v4, ok := IPv4(s[i+1:])
		if !ok {
			return netip.Addr{}, false
		}
		s = s[:i+1] + v4.String()
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}
