package rdns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/internal/addrlit"
	"github.com/spamkit/spamkit/internal/dnsname"
	"github.com/spamkit/spamkit/internal/dnsreason"
	"github.com/spamkit/spamkit/resolver"
)

// HELOResult is the verdict of CheckHELO. RFC 5321 §4.1.4 forbids
// refusing a message only because the HELO name does not match the
// client; these verdicts are evidence for scoring, delaying or
// rejecting the clearly forged (HELOOurs) and the malformed.
type HELOResult string

const (
	// HELOMatch: the name resolves to the client address, or the address
	// literal is the client's.
	HELOMatch HELOResult = "match"
	// HELOResolves: the name resolves, but not to the client address.
	HELOResolves HELOResult = "resolves"
	// HELOUnresolvable: the name has no A or AAAA record (NXDOMAIN or
	// NODATA).
	HELOUnresolvable HELOResult = "unresolvable"
	// HELOTempError: the lookup failed; asking later may resolve it.
	HELOTempError HELOResult = "temperror"
	// HELOInvalid: neither a fully qualified domain name nor an address
	// literal (RFC 5321 §4.1.1.1: "EHLO" SP ( Domain / address-literal )),
	// including a single-label name and an empty argument.
	HELOInvalid HELOResult = "invalid"
	// HELOBareIP: an IP address without the brackets of an address
	// literal (RFC 5321 §4.1.3 requires them).
	HELOBareIP HELOResult = "bare-ip"
	// HELOOurs: the name is one of Checker.HostNames, or the address
	// one of Checker.HostIPs, and the client address is not one of
	// Checker.HostIPs: the client claims to be us.
	HELOOurs HELOResult = "ours"
	// HELOLiteralMismatch: an address literal that is not the client's
	// address.
	HELOLiteralMismatch HELOResult = "literal-mismatch"
)

// String returns the result's token ("match", "invalid", ...).
func (r HELOResult) String() string { return string(r) }

// HELOOutcome is the outcome of CheckHELO with its evidence.
type HELOOutcome struct {
	// Result is the verdict.
	Result HELOResult
	// HELO is the argument as given.
	HELO string
	// Addr is the address of an address literal or bare IP; zero for a
	// name.
	Addr netip.Addr
	// Addrs are the name's addresses (A and AAAA), when it was looked up.
	Addrs []netip.Addr
	// Err is the cause of HELOInvalid (ErrSyntax) or HELOTempError
	// (ErrDNS), or, with HELOResolves, a name with more addresses than
	// Checker.MaxAddrs (ErrTooManyAddrs: only the first were compared);
	// nil otherwise. It may name servers and ports: keep it out of
	// headers (see Reason).
	Err error
}

// String renders the outcome for logs, e.g. `match "mail.example.com"`.
func (o HELOOutcome) String() string {
	s := fmt.Sprintf("%s %q", o.Result, o.HELO)
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// Reason returns a short, stable phrase for the outcome, fit for a
// header or an SMTP reply ("HELO name does not resolve", "HELO claims to
// be us", "DNS timeout"...); empty for a HELO that matches the client,
// which needs no explanation. It never holds an error chain, an address,
// a port or the HELO argument (which the client chose).
func (o HELOOutcome) Reason() string {
	switch o.Result {
	case HELOMatch:
		return ""
	case HELOResolves:
		if errors.Is(o.Err, ErrTooManyAddrs) {
			return "too many addresses"
		}
		return "HELO name resolves to other addresses"
	case HELOUnresolvable:
		return "HELO name does not resolve"
	case HELOInvalid:
		return "invalid HELO syntax"
	case HELOBareIP:
		return "HELO address without brackets"
	case HELOOurs:
		return "HELO claims to be us"
	case HELOLiteralMismatch:
		return "HELO address is not the client's"
	}
	if errors.Is(o.Err, ErrInvalidIP) {
		return "invalid client address"
	}
	if o.Result == "" {
		return "no result" // the zero value: no check ran
	}
	return dnsreason.Phrase(o.Err)
}

// CheckHELO checks the HELO/EHLO argument helo of the client at ip (in
// SMTP order, as spf.Checker.CheckHELO): its syntax (RFC 5321 §4.1.1.1,
// §4.1.3), whether it names us, and whether it resolves to the client.
// The lookup is bounded by Checker.Timeout.
//
// A malformed argument is the verdict HELOInvalid, not an error. The
// error is non-nil only when the check cannot run: ip is not valid
// (ErrInvalidIP); the outcome is then HELOTempError with the same Err.
func (c *Checker) CheckHELO(ctx context.Context, ip netip.Addr, helo string) (HELOOutcome, error) {
	r := HELOOutcome{HELO: helo}
	if !ip.IsValid() {
		r.Result, r.Err = HELOTempError, ErrInvalidIP
		return r, ErrInvalidIP
	}
	client := ip.Unmap()
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
		// Snums may have leading zeros (addrlit): netip refuses them.
		var a netip.Addr
		valid := false
		if isV6 {
			a, valid = addrlit.IPv6(v6)
		} else {
			a, valid = addrlit.IPv4(v6)
		}
		if !ok || !valid {
			r.Result, r.Err = HELOInvalid, fmt.Errorf("%w: bad address literal %q", ErrSyntax, helo)
			return r, nil
		}
		r.Addr = a.Unmap()
		switch {
		case c.ourIP(r.Addr) && r.Addr != client:
			r.Result = HELOOurs
		case r.Addr == client:
			r.Result = HELOMatch
		default:
			r.Result = HELOLiteralMismatch
		}
		return r, nil
	}
	// A bare address, with or without a trailing dot ("192.0.2.1." is
	// no domain name: RFC 1123 §2.1, a host name never has the form of
	// a dotted-decimal address), is not looked up in the DNS.
	if a, err := netip.ParseAddr(strings.TrimSuffix(arg, ".")); err == nil {
		r.Addr = a.Unmap()
		r.Result = HELOBareIP
		if c.ourIP(r.Addr) && r.Addr != client {
			r.Result = HELOOurs
		}
		return r, nil
	}
	name := strings.TrimSuffix(arg, ".")
	// RFC 5321 §2.3.5: a domain name in HELO is fully qualified; a
	// single label is not.
	if !dnsname.HostName(name) {
		r.Result, r.Err = HELOInvalid, fmt.Errorf("%w: %q is not a fully qualified domain name", ErrSyntax, helo)
		return r, nil
	}
	for _, h := range c.HostNames {
		if strings.EqualFold(strings.TrimSuffix(h, "."), name) {
			// Our name from one of our addresses (a cluster peer, a
			// content filter reinjecting) is no forgery, as for
			// address literals: it matches.
			r.Result = HELOOurs
			if c.ourIP(client) {
				r.Result = HELOMatch
			}
			return r, nil
		}
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	addrs, err := c.resolver().LookupNetIP(ctx, "ip", name+".")
	c.trace("rdns: ip %s: %v %v", name, addrs, err)
	switch {
	case resolver.IsNotFound(err):
		r.Result = HELOUnresolvable
		return r, nil
	case err != nil:
		r.Result, r.Err = HELOTempError, fmt.Errorf("%w: %w", ErrDNS, err)
		return r, nil
	}
	var limitErr error
	if len(addrs) > c.maxAddrs() {
		limitErr = fmt.Errorf("%w: %s has %d, limit %d", ErrTooManyAddrs, name, len(addrs), c.maxAddrs())
		addrs = addrs[:c.maxAddrs()]
	}
	r.Addrs = addrs
	for _, a := range addrs {
		if a.Unmap() == client {
			// A match among the addresses compared is a match, whatever
			// the others.
			r.Result = HELOMatch
			return r, nil
		}
	}
	r.Result, r.Err = HELOResolves, limitErr
	return r, nil
}

func (c *Checker) ourIP(a netip.Addr) bool {
	for _, h := range c.HostIPs {
		if h.Unmap() == a {
			return true
		}
	}
	return false
}
