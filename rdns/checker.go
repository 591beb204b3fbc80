package rdns

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// Resolver is the DNS interface the Checker needs; *net.Resolver and
// *resolver.Resolver satisfy it.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DefaultTimeout bounds one FCrDNS or CheckHELO check when
// Checker.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Checker runs the connect-time client checks. The zero Checker is
// ready to use. A Checker is safe for concurrent use by multiple
// goroutines once its fields are set; it holds no state of its own
// (caching is the resolver's).
type Checker struct {
	// Resolver does the lookups. If nil, net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one check, all its lookups together (FCrDNS: the PTR
	// lookup and the forward lookups; CheckHELO: the name's lookup). If
	// zero, DefaultTimeout (10 s); if negative, only ctx's deadline
	// applies. A lookup still out then is a temperror.
	Timeout time.Duration
	// MaxNames bounds the PTR names checked by FCrDNS. If zero, 10
	// (Postfix and Sendmail check a handful; a client with more is odd).
	// More give ErrTooManyNames in FCrDNSOutcome.Err.
	MaxNames int
	// MaxAddrs bounds the addresses compared per name (FCrDNS) or HELO
	// name (CheckHELO). If zero, 32. More give ErrTooManyAddrs in the
	// outcome's Err, and only the first MaxAddrs are compared.
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
	// Trace, if set, is called with each lookup and its answer (from
	// several goroutines at once when FCrDNS checks several names: it
	// must be safe for that). If nil, nothing is traced; the package
	// never logs.
	Trace func(format string, args ...any)
}

// resolver returns c.Resolver, or net.DefaultResolver if it is nil.
func (c *Checker) resolver() Resolver {
	if c.Resolver == nil {
		return net.DefaultResolver
	}
	return c.Resolver
}

// withTimeout bounds ctx by c.Timeout.
func (c *Checker) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	switch {
	case c.Timeout < 0:
		return ctx, func() {}
	case c.Timeout == 0:
		return context.WithTimeout(ctx, DefaultTimeout)
	}
	return context.WithTimeout(ctx, c.Timeout)
}

func (c *Checker) trace(format string, args ...any) {
	if c.Trace != nil {
		c.Trace(format, args...)
	}
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
