package rdns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/internal/dnsname"
	"github.com/spamkit/spamkit/internal/dnsreason"
	"github.com/spamkit/spamkit/internal/guard"
	"github.com/spamkit/spamkit/resolver"
)

// FCrDNSResult is the verdict of forward-confirmed reverse DNS.
type FCrDNSResult string

const (
	// FCrDNSNone: the address has no PTR record (NXDOMAIN or NODATA).
	FCrDNSNone FCrDNSResult = "none"
	// FCrDNSMismatch: it has PTR names, but none resolves back to it
	// (or, with ErrTooManyNames or ErrTooManyAddrs in Err, none of those
	// checked).
	FCrDNSMismatch FCrDNSResult = "mismatch"
	// FCrDNSConfirmed: a PTR name resolves back to the address.
	FCrDNSConfirmed FCrDNSResult = "confirmed"
	// FCrDNSTempError: a lookup failed (SERVFAIL, timeout) and no name
	// was confirmed; asking later may give another answer.
	FCrDNSTempError FCrDNSResult = "temperror"
)

// String returns the result's token ("confirmed", "none", ...).
func (r FCrDNSResult) String() string { return string(r) }

// FCrDNSOutcome is the outcome of FCrDNS with its evidence.
type FCrDNSOutcome struct {
	// Result is the verdict.
	Result FCrDNSResult
	// IP is the client address checked (unmapped).
	IP netip.Addr
	// Names are the PTR names, without the trailing dot, in the order the
	// server gave them.
	Names []string
	// Confirmed is the first name whose addresses include IP; empty
	// unless Result is FCrDNSConfirmed.
	Confirmed string
	// Err is the cause of FCrDNSTempError (wrapping ErrDNS), or, with
	// FCrDNSMismatch, a limit that cut the check short (ErrTooManyNames,
	// ErrTooManyAddrs); nil otherwise. It may name servers and ports:
	// keep it out of headers (see Reason).
	Err error
}

// String renders the outcome for logs, e.g.
// `confirmed 192.0.2.10 (mail.example.com)`.
func (o FCrDNSOutcome) String() string {
	s := fmt.Sprintf("%s %s", o.Result, o.IP)
	switch {
	case o.Confirmed != "":
		s += " (" + o.Confirmed + ")"
	case len(o.Names) > 0:
		s += " (PTR " + strings.Join(o.Names, ", ") + ")"
	}
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// Reason returns a short, stable phrase for the outcome, fit for a
// header's reason= or an SMTP reply: "no PTR record", "no PTR name
// resolves to the client", "too many PTR names", "too many addresses",
// "DNS timeout", "DNS error"; empty for a confirmed client, whose result
// needs no explanation (so iprev=pass carries no reason=). It never
// holds an error chain, an address, a port or a name from the DNS.
func (o FCrDNSOutcome) Reason() string {
	switch o.Result {
	case FCrDNSConfirmed:
		return ""
	case FCrDNSNone:
		return "no PTR record"
	case FCrDNSMismatch:
		switch {
		case errors.Is(o.Err, ErrTooManyNames):
			return "too many PTR names"
		case errors.Is(o.Err, ErrTooManyAddrs):
			return "too many addresses"
		}
		return "no PTR name resolves to the client"
	}
	if errors.Is(o.Err, ErrInvalidIP) {
		return "invalid client address"
	}
	if o.Result == "" {
		return "no result" // the zero value: no check ran
	}
	return dnsreason.Phrase(o.Err)
}

// AuthResult renders the outcome as the "iprev" method of an
// Authentication-Results field (RFC 8601 §3), with the client address
// as policy.iprev (RFC 8601 §2.7.3) and Reason as reason=. The results
// are those of RFC 8601 §2.7.3:
//
//   - pass: a PTR name resolves back to the client (FCrDNSConfirmed);
//   - fail: the reverse and forward lookups gave answers that do not
//     agree, or the forward lookups found no address (FCrDNSMismatch);
//   - temperror: a lookup failed in a way that may pass
//     (FCrDNSTempError);
//   - permerror: no PTR data is published for the address (FCrDNSNone).
//     A mismatch among the names checked when a limit (MaxNames,
//     MaxAddrs) kept the others from being checked is permerror too:
//     the evaluation could not be completed, and asking again would not
//     complete it.
//
// The zero FCrDNSOutcome (no check ran) is a temperror with the reason
// "no result": §2.7.3 registers no "none" for iprev, and running the
// check may give an answer.
func (o FCrDNSOutcome) AuthResult() authres.Result {
	value := "permerror"
	switch {
	case o.Result == "":
		value = "temperror"
	case o.Result == FCrDNSConfirmed:
		value = "pass"
	case o.Result == FCrDNSTempError:
		value = "temperror"
	case o.Result == FCrDNSMismatch && o.Err == nil:
		value = "fail"
	}
	r := authres.Result{Method: "iprev", Value: value, Reason: o.Reason()}
	if o.IP.IsValid() {
		r.Props = []authres.Prop{{Type: "policy", Property: "iprev", Value: o.IP.String()}}
	}
	return r
}

// FCrDNS checks ip's forward-confirmed reverse DNS: its PTR names
// (RFC 1035 §3.5) and, for each, whether its A (IPv4) or AAAA (IPv6)
// records include ip, as in the iprev method of RFC 8601 §3. The lookups
// are bounded by Checker.Timeout; the forward lookups of several names
// run concurrently.
//
// Everything the check found, DNS failures and limits included, is in
// the outcome. The error is non-nil only when the check cannot run: ip
// is not valid (ErrInvalidIP); the outcome is then FCrDNSTempError with
// the same Err.
func (c *Checker) FCrDNS(ctx context.Context, ip netip.Addr) (FCrDNSOutcome, error) {
	if !ip.IsValid() {
		return FCrDNSOutcome{Result: FCrDNSTempError, Err: ErrInvalidIP}, ErrInvalidIP
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	ip = ip.Unmap()
	r := FCrDNSOutcome{IP: ip}
	ptrs, err := c.resolver().LookupAddr(ctx, ip.String())
	c.trace("rdns: PTR %s: %q %v", ip, ptrs, err)
	// *net.Resolver returns the valid names with an error when some
	// PTR records hold malformed names: the valid ones are checked
	// (a malformed name cannot confirm), lest one bad record turn a
	// confirmable client into a temperror.
	if err != nil && !resolver.IsNotFound(err) && len(ptrs) == 0 {
		r.Result, r.Err = FCrDNSTempError, fmt.Errorf("%w: %w", ErrDNS, err)
		return r, nil
	}
	if len(ptrs) == 0 {
		r.Result = FCrDNSNone
		return r, nil
	}
	for _, p := range ptrs {
		r.Names = append(r.Names, strings.TrimSuffix(p, "."))
	}
	network := "ip4"
	if ip.Is6() {
		network = "ip6"
	}
	var tempErr, limitErr error
	names := r.Names
	if len(names) > c.maxNames() {
		limitErr = fmt.Errorf("%w: %d, limit %d", ErrTooManyNames, len(names), c.maxNames())
		names = names[:c.maxNames()]
	}
	// The names' addresses, looked up concurrently when there are
	// several; the first name in PTR order that confirms wins. A panic
	// in a lookup goroutine is raised again here (package guard).
	fwd := make([]forward, len(names))
	var wg sync.WaitGroup
	var g guard.Catcher
	for i, name := range names {
		if !dnsname.HostName(name) {
			fwd[i].skip = true
			continue
		}
		lookup := func() {
			fwd[i].addrs, fwd[i].err = c.resolver().LookupNetIP(ctx, network, name+".")
			c.trace("rdns: %s %s: %v %v", network, name, fwd[i].addrs, fwd[i].err)
		}
		if len(names) == 1 {
			lookup()
			continue
		}
		wg.Go(func() { g.Run(lookup) })
	}
	wg.Wait()
	g.Repanic()
	for i, name := range names {
		addrs, err := fwd[i].addrs, fwd[i].err
		if fwd[i].skip {
			continue
		}
		if err != nil {
			if !resolver.IsNotFound(err) && tempErr == nil {
				tempErr = fmt.Errorf("%w: %s: %w", ErrDNS, name, err)
			}
			continue
		}
		if len(addrs) > c.maxAddrs() {
			limitErr = fmt.Errorf("%w: %s has %d, limit %d", ErrTooManyAddrs, name, len(addrs), c.maxAddrs())
			addrs = addrs[:c.maxAddrs()]
		}
		for _, a := range addrs {
			if a.Unmap() == ip {
				r.Result, r.Confirmed = FCrDNSConfirmed, name
				return r, nil
			}
		}
	}
	switch {
	case tempErr != nil:
		r.Result, r.Err = FCrDNSTempError, tempErr
	default:
		r.Result, r.Err = FCrDNSMismatch, limitErr
	}
	return r, nil
}

// forward is what the forward lookup of one PTR name found.
type forward struct {
	addrs []netip.Addr
	err   error
	skip  bool // not a valid host name: not looked up
}
