package rdns

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/spamkit/spamkit/internal/dnsname"
	"github.com/spamkit/spamkit/resolver"
)

// Resolver is the DNS interface the Checker needs; *net.Resolver and
// *resolver.Resolver satisfy it.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Checker runs the connect-time client checks. The zero Checker is
// ready to use. A Checker is safe for concurrent use by
// multiple goroutines once its fields are set.
type Checker struct {
	// Resolver does the lookups. If nil, net.DefaultResolver.
	Resolver Resolver
	// MaxNames bounds the PTR names checked by FCrDNS. If zero, 10
	// (Postfix and Sendmail check a handful; a client with more is odd).
	// More give ErrTooManyNames in FCrDNSResult.Err.
	MaxNames int
	// MaxAddrs bounds the addresses compared per name (FCrDNS) or HELO
	// name (CheckHELO). If zero, 32. More give ErrTooManyAddrs in the
	// result's Err, and only the first MaxAddrs are compared.
	MaxAddrs int
	// HostNames are our own host names: a HELO naming one of them is
	// HELOOurs. Compared without case and trailing dot.
	HostNames []string
	// HostIPs are our own addresses: a HELO literal or bare IP naming one
	// is HELOOurs.
	HostIPs []netip.Addr
	// GenericAllow exempts reverse names from the S25R rules: an entry
	// "example.com" exempts example.com and every name below it.
	GenericAllow []string
}

// resolver returns c.Resolver, or net.DefaultResolver if it is nil.
func (c *Checker) resolver() Resolver {
	if c.Resolver == nil {
		return net.DefaultResolver
	}
	return c.Resolver
}

func (c *Checker) maxNames() int {
	if c.MaxNames <= 0 {
		return 10
	}
	return c.MaxNames
}

func (c *Checker) maxAddrs() int {
	if c.MaxAddrs <= 0 {
		return 32
	}
	return c.MaxAddrs
}

// FCrDNSVerdict is the result of forward-confirmed reverse DNS.
type FCrDNSVerdict string

const (
	// FCrDNSNone: the address has no PTR record (NXDOMAIN or NODATA).
	FCrDNSNone FCrDNSVerdict = "none"
	// FCrDNSMismatch: it has PTR names, but none resolves back to it.
	FCrDNSMismatch FCrDNSVerdict = "mismatch"
	// FCrDNSConfirmed: a PTR name resolves back to the address.
	FCrDNSConfirmed FCrDNSVerdict = "confirmed"
	// FCrDNSTempError: a lookup failed (SERVFAIL, timeout) and no name
	// was confirmed; asking later may give another answer.
	FCrDNSTempError FCrDNSVerdict = "temperror"
)

func (v FCrDNSVerdict) String() string { return string(v) }

// FCrDNSResult is the outcome of FCrDNS with its evidence.
type FCrDNSResult struct {
	Verdict FCrDNSVerdict
	IP      netip.Addr
	// Names are the PTR names, without the trailing dot, in the order the
	// server gave them.
	Names []string
	// Confirmed is the first name whose addresses include IP; empty
	// unless Verdict is FCrDNSConfirmed.
	Confirmed string
	// Err is the reason for FCrDNSTempError, or a limit that cut the
	// check short (ErrTooManyNames); nil otherwise.
	Err error
}

// String renders the result, e.g.
// `confirmed 192.0.2.10 (mail.example.com)`.
func (r FCrDNSResult) String() string {
	s := fmt.Sprintf("%s %s", r.Verdict, r.IP)
	switch {
	case r.Confirmed != "":
		s += " (" + r.Confirmed + ")"
	case len(r.Names) > 0:
		s += " (PTR " + strings.Join(r.Names, ", ") + ")"
	}
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

// FCrDNS checks ip's forward-confirmed reverse DNS: its PTR names
// (RFC 1035 §3.5) and, for each, whether its A (IPv4) or AAAA (IPv6)
// records include ip, as in the iprev method of RFC 8601 §3.
func (c *Checker) FCrDNS(ctx context.Context, ip netip.Addr) FCrDNSResult {
	if !ip.IsValid() {
		return FCrDNSResult{Verdict: FCrDNSTempError, Err: ErrInvalidIP}
	}
	ip = ip.Unmap()
	r := FCrDNSResult{IP: ip}
	ptrs, err := c.resolver().LookupAddr(ctx, ip.String())
	// *net.Resolver returns the valid names with an error when some
	// PTR records hold malformed names: the valid ones are checked
	// (a malformed name cannot confirm), lest one bad record turn a
	// confirmable client into a temperror.
	if err != nil && !resolver.IsNotFound(err) && len(ptrs) == 0 {
		r.Verdict, r.Err = FCrDNSTempError, fmt.Errorf("%w: %w", ErrDNS, err)
		return r
	}
	if len(ptrs) == 0 {
		r.Verdict = FCrDNSNone
		return r
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
	// several; the first name in PTR order that confirms wins.
	fwd := make([]forward, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		if !dnsname.HostName(name) {
			fwd[i].skip = true
			continue
		}
		if len(names) == 1 {
			fwd[i].addrs, fwd[i].err = c.resolver().LookupNetIP(ctx, network, name+".")
			continue
		}
		wg.Go(func() { fwd[i].addrs, fwd[i].err = c.resolver().LookupNetIP(ctx, network, name+".") })
	}
	wg.Wait()
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
				r.Verdict, r.Confirmed = FCrDNSConfirmed, name
				return r
			}
		}
	}
	switch {
	case tempErr != nil:
		r.Verdict, r.Err = FCrDNSTempError, tempErr
	default:
		r.Verdict, r.Err = FCrDNSMismatch, limitErr
	}
	return r
}

// forward is what the forward lookup of one PTR name found.
type forward struct {
	addrs []netip.Addr
	err   error
	skip  bool // not a valid host name: not looked up
}
