package spf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/resolver"
)

// Resolver is the DNS interface the checker needs. *net.Resolver
// satisfies it, and so does *resolver.Resolver, whose richer methods
// (TXT, A, AAAA, MX, PTR) the checker uses when present: they share
// cached answers instead of copying them.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// richResolver is the part of *resolver.Resolver used when available.
type richResolver interface {
	TXT(ctx context.Context, name string) (resolver.Result[string], error)
	A(ctx context.Context, name string) (resolver.Result[netip.Addr], error)
	AAAA(ctx context.Context, name string) (resolver.Result[netip.Addr], error)
	MX(ctx context.Context, name string) (resolver.Result[resolver.MX], error)
	PTR(ctx context.Context, addr netip.Addr) (resolver.Result[string], error)
}

// qtype is the kind of a lookup.
type qtype uint8

const (
	qTXT qtype = iota
	qA
	qAAAA
	qMX
)

func (q qtype) String() string {
	return [...]string{"TXT", "A", "AAAA", "MX"}[q]
}

// answer is what one lookup gave.
type answer struct {
	txt   []string
	addrs []netip.Addr
	mx    []resolver.MX
	err   error
}

// lookupErr classifies a resolver error: notFound for NXDOMAIN, NODATA
// and names that cannot exist (RFC 7208 §4.3, §4.6.4 void lookups),
// otherwise a temporary error wrapping ErrDNS (§5: temperror).
func lookupErr(err error) (notFound bool, temp error) {
	if err == nil {
		return false, nil
	}
	if resolver.IsNotFound(err) || errors.Is(err, resolver.ErrInvalidName) {
		return true, nil
	}
	return false, fmt.Errorf("%w: %w", ErrDNS, err)
}

// fqdn returns name with a trailing dot, so that net.Resolver does not
// apply its search list.
func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// query does one lookup, through the prefetched answer if there is one.
func (s *state) query(ctx context.Context, q qtype, name string) answer {
	a, ok := answer{}, false
	if s.pf != nil {
		a, ok = s.pf.wait(ctx, q, name)
	}
	if !ok {
		a = s.c.do(ctx, q, name)
	}
	if s.c.RecordQueries {
		s.queries = append(s.queries, Query{Type: q.String(), Name: name, Answers: a.count(), Err: a.err})
	}
	return a
}

// count returns the number of records of a.
func (a answer) count() int { return len(a.txt) + len(a.addrs) + len(a.mx) }

// do performs one lookup on the resolver.
func (c *Checker) do(ctx context.Context, q qtype, name string) answer {
	if !validName(name) {
		return answer{err: &resolver.Error{Name: name, Type: q.String(), Err: resolver.ErrInvalidName}}
	}
	if rr, ok := c.Resolver.(richResolver); ok {
		switch q {
		case qTXT:
			r, err := rr.TXT(ctx, name)
			return answer{txt: r.Records, err: err}
		case qA:
			r, err := rr.A(ctx, name)
			return answer{addrs: r.Records, err: err}
		case qAAAA:
			r, err := rr.AAAA(ctx, name)
			return answer{addrs: r.Records, err: err}
		case qMX:
			r, err := rr.MX(ctx, name)
			return answer{mx: r.Records, err: err}
		}
	}
	res := c.resolver()
	switch q {
	case qTXT:
		txt, err := res.LookupTXT(ctx, fqdn(name))
		return answer{txt: txt, err: err}
	case qA, qAAAA:
		network := "ip4"
		if q == qAAAA {
			network = "ip6"
		}
		addrs, err := res.LookupNetIP(ctx, network, fqdn(name))
		for i := range addrs {
			addrs[i] = addrs[i].Unmap()
		}
		return answer{addrs: addrs, err: err}
	case qMX:
		mxs, err := res.LookupMX(ctx, fqdn(name))
		out := make([]resolver.MX, len(mxs))
		for i, mx := range mxs {
			out[i] = resolver.MX{Host: mx.Host, Pref: mx.Pref}
		}
		return answer{mx: out, err: err}
	}
	panic("spf: unknown query type")
}

// ptr looks up the names of ip.
func (c *Checker) ptr(ctx context.Context, ip netip.Addr) ([]string, error) {
	if rr, ok := c.Resolver.(richResolver); ok {
		r, err := rr.PTR(ctx, ip)
		return r.Records, err
	}
	return c.resolver().LookupAddr(ctx, ip.String())
}

// addrQuery is the address query for the client's family: A for IPv4,
// AAAA for IPv6 (RFC 7208 §5.3).
func (s *state) addrQuery() qtype {
	if s.ip.Is4() {
		return qA
	}
	return qAAAA
}

// validName reports whether name (with or without its trailing dot) is
// a valid DNS name: labels of 1 to 63 octets, 253 octets in all
// (RFC 1035 §2.3.4; RFC 7208 §4.3).
func validName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '.' {
			if n := i - start; n == 0 || n > 63 {
				return false
			}
			start = i + 1
		}
	}
	return true
}

// validDomain reports whether domain may be checked: a valid name of at
// least two labels whose last is a valid top label (RFC 7208 §4.3,
// §7.1 toplabel), which rules out address literals such as [192.0.2.1],
// and of printable ASCII only (§4.3: internationalized names as
// A-labels), which rules out HELO text such as "a b" or raw UTF-8.
func validDomain(domain string) bool {
	d := strings.TrimSuffix(domain, ".")
	dot := strings.LastIndexByte(d, '.')
	if !validName(d) || dot <= 0 || !isTopLabel(d[dot+1:]) {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < 0x21 || d[i] > 0x7e {
			return false
		}
	}
	return true
}
