package rdns

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/internal/dnsname"
	"github.com/spamkit/spamkit/resolver"
)

// HELOVerdict is the result of CheckHELO. RFC 5321 §4.1.4 forbids
// refusing a message only because the HELO name does not match the
// client; these verdicts are evidence for scoring, delaying or
// rejecting the clearly forged (HELOOurs) and the malformed.
type HELOVerdict string

const (
	// HELOMatch: the name resolves to the client address, or the address
	// literal is the client's.
	HELOMatch HELOVerdict = "match"
	// HELOResolves: the name resolves, but not to the client address.
	HELOResolves HELOVerdict = "resolves"
	// HELOUnresolvable: the name has no A or AAAA record (NXDOMAIN or
	// NODATA).
	HELOUnresolvable HELOVerdict = "unresolvable"
	// HELOTempError: the lookup failed; asking later may resolve it.
	HELOTempError HELOVerdict = "temperror"
	// HELOInvalid: neither a fully qualified domain name nor an address
	// literal (RFC 5321 §4.1.1.1: "EHLO" SP ( Domain / address-literal )),
	// including a single-label name and an empty argument.
	HELOInvalid HELOVerdict = "invalid"
	// HELOBareIP: an IP address without the brackets of an address
	// literal (RFC 5321 §4.1.3 requires them).
	HELOBareIP HELOVerdict = "bare-ip"
	// HELOOurs: the name is one of Checker.HostNames, or the address
	// one of Checker.HostIPs, and the client address is not one of
	// Checker.HostIPs: the client claims to be us.
	HELOOurs HELOVerdict = "ours"
	// HELOLiteralMismatch: an address literal that is not the client's
	// address.
	HELOLiteralMismatch HELOVerdict = "literal-mismatch"
)

func (v HELOVerdict) String() string { return string(v) }

// HELOResult is the outcome of CheckHELO with its evidence.
type HELOResult struct {
	Verdict HELOVerdict
	// HELO is the argument as given.
	HELO string
	// Addr is the address of an address literal or bare IP; zero for a
	// name.
	Addr netip.Addr
	// Addrs are the name's addresses (A and AAAA), when it was looked up.
	Addrs []netip.Addr
	// Err is the cause of HELOInvalid (ErrSyntax) or HELOTempError
	// (ErrDNS), or, with HELOMatch or HELOResolves, a name with more
	// addresses than Checker.MaxAddrs (ErrTooManyAddrs: only the first
	// were compared); nil otherwise.
	Err error
}

// String renders the result, e.g. `match mail.example.com`.
func (r HELOResult) String() string {
	s := fmt.Sprintf("%s %q", r.Verdict, r.HELO)
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

// CheckHELO checks the HELO/EHLO argument helo of a client at client:
// its syntax (RFC 5321 §4.1.1.1, §4.1.3), whether it names us, and
// whether it resolves to the client.
func (c *Checker) CheckHELO(ctx context.Context, helo string, client netip.Addr) HELOResult {
	r := HELOResult{HELO: helo}
	client = client.Unmap()
	arg := strings.TrimSpace(helo)
	// Address literal, RFC 5321 §4.1.3: "[" IPv4 "]" or "[IPv6:" IPv6 "]".
	if inner, ok := strings.CutPrefix(arg, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		// The tag is an ABNF literal, matched without case (RFC 5234
		// §2.3): "IPv6:", "ipv6:" and "IPV6:" are the same tag.
		v6, isV6 := inner, len(inner) >= 5 && strings.EqualFold(inner[:5], "IPv6:")
		if isV6 {
			v6 = inner[5:]
		}
		a, err := netip.ParseAddr(v6)
		if !ok || err != nil || a.Zone() != "" || isV6 != a.Is6() {
			r.Verdict, r.Err = HELOInvalid, fmt.Errorf("%w: bad address literal %q", ErrSyntax, helo)
			return r
		}
		r.Addr = a.Unmap()
		switch {
		case c.ourIP(r.Addr) && r.Addr != client:
			r.Verdict = HELOOurs
		case r.Addr == client:
			r.Verdict = HELOMatch
		default:
			r.Verdict = HELOLiteralMismatch
		}
		return r
	}
	// A bare address, with or without a trailing dot ("192.0.2.1." is
	// no domain name: RFC 1123 §2.1, a host name never has the form of
	// a dotted-decimal address), is not looked up in the DNS.
	if a, err := netip.ParseAddr(strings.TrimSuffix(arg, ".")); err == nil {
		r.Addr = a.Unmap()
		r.Verdict = HELOBareIP
		if c.ourIP(r.Addr) && r.Addr != client {
			r.Verdict = HELOOurs
		}
		return r
	}
	name := strings.TrimSuffix(arg, ".")
	// RFC 5321 §2.3.5: a domain name in HELO is fully qualified; a
	// single label is not.
	if !dnsname.HostName(name) {
		r.Verdict, r.Err = HELOInvalid, fmt.Errorf("%w: %q is not a fully qualified domain name", ErrSyntax, helo)
		return r
	}
	for _, h := range c.HostNames {
		if strings.EqualFold(strings.TrimSuffix(h, "."), name) {
			// Our name from one of our addresses (a cluster peer, a
			// content filter reinjecting) is no forgery, as for
			// address literals: it matches.
			r.Verdict = HELOOurs
			if c.ourIP(client) {
				r.Verdict = HELOMatch
			}
			return r
		}
	}
	addrs, err := c.resolver().LookupNetIP(ctx, "ip", name+".")
	switch {
	case resolver.IsNotFound(err):
		r.Verdict = HELOUnresolvable
		return r
	case err != nil:
		r.Verdict, r.Err = HELOTempError, fmt.Errorf("%w: %w", ErrDNS, err)
		return r
	}
	if len(addrs) > c.maxAddrs() {
		r.Err = fmt.Errorf("%w: %s has %d, limit %d", ErrTooManyAddrs, name, len(addrs), c.maxAddrs())
		addrs = addrs[:c.maxAddrs()]
	}
	r.Addrs = addrs
	r.Verdict = HELOResolves
	for _, a := range addrs {
		if a.Unmap() == client {
			r.Verdict = HELOMatch
			break
		}
	}
	return r
}

func (c *Checker) ourIP(a netip.Addr) bool {
	for _, h := range c.HostIPs {
		if h.Unmap() == a {
			return true
		}
	}
	return false
}
