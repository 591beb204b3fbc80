package resolver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/spamkit/spamkit/internal/guard"
)

// Defaults used when the corresponding Resolver field is zero and the
// resolv.conf file does not say otherwise.
const (
	DefaultTimeout   = 2 * time.Second
	DefaultAttempts  = 2
	DefaultUDPSize   = 1232 // DNS flag day 2020 recommendation
	DefaultMaxCNAMEs = 8
	// DefaultLookupTimeout bounds one lookup when LookupTimeout is zero.
	DefaultLookupTimeout = 10 * time.Second
)

// Resolver is a DNS stub resolver for mail checks. It sends recursive
// queries to the configured nameservers and reports what net.Resolver
// cannot: NXDOMAIN apart from NODATA apart from SERVFAIL, REFUSED and
// timeouts (see the Err* sentinels), TTLs, and the AD bit.
//
// The zero value is ready to use and reads its nameservers from
// /etc/resolv.conf on first use. Fields must not be changed after the
// first lookup. A Resolver is safe for concurrent use by multiple
// goroutines; it must not be copied after first use.
type Resolver struct {
	// Servers lists the nameservers as "host:port" (a bare address gets
	// port 53). If empty, the nameservers of ConfigFile are used.
	Servers []string
	// ConfigFile is the resolv.conf(5) file read when Servers is empty,
	// and for the timeout and attempts options when those fields are
	// zero. Only the nameserver lines and the timeout, attempts and
	// rotate options are read. If empty, "/etc/resolv.conf".
	ConfigFile string
	// Timeout bounds one attempt at one server. If zero, the resolv.conf
	// "timeout" option if the file has one, else DefaultTimeout (not
	// resolv.conf(5)'s 5 seconds).
	Timeout time.Duration
	// LookupTimeout bounds one lookup: all its queries, over every
	// server, attempt and CNAME hop, on top of the context's deadline.
	// Without it a lookup whose servers answer slowly or not at all
	// lasts up to Timeout × Attempts × servers for each of the
	// MaxCNAMEs + 1 names of a CNAME chain (36 s with one server at the
	// defaults, 108 s with three). A lookup that reaches it fails with
	// ErrLookupTimeout. If zero, DefaultLookupTimeout (10 s).
	LookupTimeout time.Duration
	// Attempts is the number of rounds over all servers before giving
	// up. If zero, the resolv.conf "attempts" option if the file has
	// one, else DefaultAttempts.
	Attempts int
	// Rotate starts each query at the next server in turn instead of
	// always at the first. The nameservers of ConfigFile are rotated
	// also when it says "options rotate".
	Rotate bool
	// UDPSize is the EDNS0 payload size advertised (RFC 6891). If zero,
	// DefaultUDPSize; if negative, queries carry no EDNS0 OPT record.
	UDPSize int
	// TCPOnly sends every query over TCP.
	TCPOnly bool
	// MaxCNAMEs is the longest CNAME chain followed. If zero,
	// DefaultMaxCNAMEs.
	MaxCNAMEs int
	// Cache, if not nil, keeps answers, positive and negative, for their
	// TTL. A Cache may be shared by resolvers that use the same upstream
	// nameservers.
	Cache *Cache
	// Trace, if not nil, receives a line for every query, reply and
	// retry. It must be safe for concurrent use. It may run on a
	// goroutine of the resolver's (a query shared by concurrent
	// callers); a panic there is raised again on each waiting caller's
	// goroutine (internal/guard), as if Trace had run there.
	Trace func(format string, args ...any)

	once    sync.Once
	conf    *config
	confErr error
	next    atomic.Uint32
	flight  flight
}

// answer is what one lookup found, shared by the cache and concurrent
// callers; it is never modified after it is made.
type answer struct {
	name      string // queried name, FQDN
	canonical string // after CNAMEs
	qtype     uint16
	records   any    // []string, []netip.Addr or []MX
	ttl       uint32 // seconds, positive answers
	authentic bool
	server    string
	// Negative answers: err is ErrNXDomain or ErrNoData, and lookupErr
	// the *Error every lookup answered by this answer returns (made once,
	// so that a cached negative answer costs no allocation).
	err       error
	lookupErr *Error
	negTTL    uint32 // from the SOA in the authority section (RFC 2308 §5)
	hasSOA    bool
}

func (a *answer) error() error {
	if a.err == nil {
		return nil
	}
	if a.lookupErr != nil {
		return a.lookupErr
	}
	return &Error{Name: a.name, Type: dns.TypeToString[a.qtype], Server: a.server, Err: a.err}
}

// canonicalKey folds the ASCII letters of name to lower case and strips
// one trailing dot, keeping every other octet as it is: only A to Z
// compare without regard to case (RFC 4343 §3), and a label may hold any
// octet (RFC 2181 §11), valid UTF-8 or not, so that no two names share a
// key. It does not allocate when the name is already in that form.
func canonicalKey(name string) string {
	return lowerASCII(strings.TrimSuffix(name, "."))
}

// validName reports whether key (canonicalKey form) is a valid domain
// name: labels of 1 to 63 octets, at most 253 octets in all (RFC 1035
// §2.3.4). Any octet is allowed in a label (RFC 2181 §11).
func validName(key string) bool {
	if len(key) > 253 {
		return false
	}
	if key == "" {
		return true // the root
	}
	for label := range strings.SplitSeq(key, ".") {
		if len(label) == 0 || len(label) > 63 {
			return false
		}
	}
	return true
}

func fqdn(key string) string { return key + "." }

// lookup returns the answer for host and qtype, from the cache or the
// network. Negative answers come back as an answer and a non-nil error.
func (r *Resolver) lookup(ctx context.Context, host string, qtype uint16) (*answer, time.Duration, error) {
	key := cacheKey{name: canonicalKey(host), qtype: qtype}
	if ctx.Err() != nil {
		return nil, 0, &Error{Name: fqdn(key.name), Type: dns.TypeToString[qtype], Err: ctxError(ctx)}
	}
	if r.Cache != nil {
		if a, ttl, ok := r.Cache.get(key); ok {
			return a, ttl, a.error()
		}
	}
	if host == "" || !validName(key.name) {
		return nil, 0, &Error{Name: host, Type: dns.TypeToString[qtype], Err: ErrInvalidName}
	}
	a, err := r.flight.do(ctx, key, func(ctx context.Context) (*answer, error) {
		// The shared query runs detached from its callers (see flight);
		// LookupTimeout bounds it, so also the wait of every caller.
		ctx, cancel := context.WithTimeoutCause(ctx, cmp.Or(r.LookupTimeout, DefaultLookupTimeout), errLookupBound)
		defer cancel()
		a, err := r.resolve(ctx, fqdn(key.name), qtype)
		if err == nil && r.Cache != nil {
			r.Cache.put(key, a)
		}
		return a, err
	})
	if err != nil {
		if _, ok := err.(*Error); !ok {
			// The caller's context ended while it waited.
			err = &Error{Name: fqdn(key.name), Type: dns.TypeToString[qtype], Err: ctxError(ctx)}
		}
		return nil, 0, err
	}
	ttl := a.ttl
	if a.err != nil {
		ttl = a.negTTL
	}
	return a, time.Duration(ttl) * time.Second, a.error()
}

// resolve queries name (FQDN, ASCII letters lower case) and follows CNAMEs, within a
// reply and, when a reply ends at a CNAME whose target it does not
// cover, with new queries. name is raw octets; the queries and the
// records of the replies are in miekg/dns's presentation form, and what
// is kept in the answer is raw again.
func (r *Resolver) resolve(ctx context.Context, name string, qtype uint16) (*answer, error) {
	c, err := r.config()
	if err != nil {
		return nil, &Error{Name: name, Type: dns.TypeToString[qtype], Err: err}
	}
	a := &answer{name: name, qtype: qtype, ttl: math.MaxUint32, authentic: true}
	cur := escapeName(name)
	seen := []string{cur}
	for {
		m, server, err := r.exchange(ctx, cur, qtype)
		if err != nil {
			return nil, &Error{Name: name, Type: dns.TypeToString[qtype], Server: server, Err: err}
		}
		a.server = server
		a.authentic = a.authentic && m.AuthenticatedData
		for {
			if recs, ttl, ok := collect(m.Answer, cur, qtype); ok {
				a.records, a.canonical, a.ttl = recs, unescape(cur), min(a.ttl, ttl)
				return a, nil
			}
			target, ttl, ok := findCNAME(m.Answer, cur)
			if !ok {
				break
			}
			target = lowerASCII(target)
			if len(seen) > c.maxCNAMEs || slices.Contains(seen, target) {
				return nil, &Error{Name: name, Type: dns.TypeToString[qtype], Server: server,
					Err: fmt.Errorf("%w: %s", ErrCNAMEChain, unescape(strings.Join(append(seen, target), " -> ")))}
			}
			seen = append(seen, target)
			cur, a.ttl = target, min(a.ttl, ttl)
		}
		// No records of qtype at cur in this reply.
		soa := findSOA(m.Ns)
		if m.Rcode == dns.RcodeSuccess && soa == nil && !equalFoldASCII(cur, m.Question[0].Name) {
			// The reply ended at a CNAME whose target it does not
			// speak for (an authoritative server outside its zone):
			// ask for the target.
			continue
		}
		a.canonical = unescape(cur)
		a.err = ErrNoData
		if m.Rcode == dns.RcodeNameError {
			a.err = ErrNXDomain
		}
		a.lookupErr = &Error{Name: a.name, Type: dns.TypeToString[a.qtype], Server: a.server, Err: a.err}
		if soa != nil {
			a.hasSOA = true
			a.negTTL = min(soa.Hdr.Ttl, soa.Minttl)
		}
		if a.ttl == math.MaxUint32 {
			a.ttl = a.negTTL
		}
		return a, nil
	}
}

func findCNAME(rrs []dns.RR, owner string) (string, uint32, bool) {
	for _, rr := range rrs {
		if c, ok := rr.(*dns.CNAME); ok && c.Hdr.Class == dns.ClassINET && equalFoldASCII(c.Hdr.Name, owner) {
			return c.Target, c.Hdr.Ttl, true
		}
	}
	return "", 0, false
}

func findSOA(rrs []dns.RR) *dns.SOA {
	for _, rr := range rrs {
		if s, ok := rr.(*dns.SOA); ok {
			return s
		}
	}
	return nil
}

// collect gathers the records of qtype owned by owner, converted to the
// Go type of the answer, and their smallest TTL. The slice is allocated
// at its final length, so that a cached answer holds no spare capacity.
func collect(rrs []dns.RR, owner string, qtype uint16) (any, uint32, bool) {
	ttl := uint32(math.MaxUint32)
	match := func(rr dns.RR) bool {
		h := rr.Header()
		return h.Rrtype == qtype && h.Class == dns.ClassINET && equalFoldASCII(h.Name, owner)
	}
	n := 0
	for _, rr := range rrs {
		if match(rr) {
			n++
			ttl = min(ttl, rr.Header().Ttl)
		}
	}
	if n == 0 {
		return nil, 0, false
	}
	switch qtype {
	case dns.TypeTXT:
		out := make([]string, 0, n)
		for _, rr := range rrs {
			if match(rr) {
				// RFC 7208 §3.3, RFC 6376 §3.6.2.2: the strings of one
				// record are concatenated without separator.
				out = append(out, unescape(strings.Join(rr.(*dns.TXT).Txt, "")))
			}
		}
		return out, ttl, true
	case dns.TypeA, dns.TypeAAAA:
		out := make([]netip.Addr, 0, n)
		for _, rr := range rrs {
			if match(rr) {
				var ip net.IP
				if a, ok := rr.(*dns.A); ok {
					ip = a.A.To4()
				} else {
					ip = rr.(*dns.AAAA).AAAA.To16()
				}
				if addr, ok := netip.AddrFromSlice(ip); ok {
					out = append(out, addr)
				}
			}
		}
		return out, ttl, len(out) > 0
	case dns.TypeMX:
		out := make([]MX, 0, n)
		for _, rr := range rrs {
			if match(rr) {
				mx := rr.(*dns.MX)
				out = append(out, MX{Host: unescape(mx.Mx), Pref: mx.Preference})
			}
		}
		slices.SortStableFunc(out, func(a, b MX) int { return cmp.Compare(a.Pref, b.Pref) })
		return out, ttl, true
	case dns.TypePTR:
		out := make([]string, 0, n)
		for _, rr := range rrs {
			if match(rr) {
				out = append(out, unescape(rr.(*dns.PTR).Ptr))
			}
		}
		return out, ttl, true
	}
	return nil, 0, false
}

func lookupTyped[T any](ctx context.Context, r *Resolver, name string, qtype uint16) (Result[T], error) {
	a, ttl, err := r.lookup(ctx, name, qtype)
	if err != nil {
		if a != nil {
			// NXDOMAIN or NODATA: the TTL is how long it is cached.
			return Result[T]{Name: a.name, Canonical: a.canonical, TTL: ttl, Authentic: a.authentic}, err
		}
		return Result[T]{Name: fqdn(canonicalKey(name))}, err
	}
	recs, _ := a.records.([]T)
	return Result[T]{Name: a.name, Canonical: a.canonical, Records: recs, TTL: ttl, Authentic: a.authentic}, nil
}

// TXT returns the TXT records at name, the strings of each record
// concatenated (RFC 7208 §3.3), records kept apart.
func (r *Resolver) TXT(ctx context.Context, name string) (Result[string], error) {
	return lookupTyped[string](ctx, r, name, dns.TypeTXT)
}

// A returns the IPv4 addresses of name.
func (r *Resolver) A(ctx context.Context, name string) (Result[netip.Addr], error) {
	return lookupTyped[netip.Addr](ctx, r, name, dns.TypeA)
}

// AAAA returns the IPv6 addresses of name.
func (r *Resolver) AAAA(ctx context.Context, name string) (Result[netip.Addr], error) {
	return lookupTyped[netip.Addr](ctx, r, name, dns.TypeAAAA)
}

// MX returns the MX records of name sorted by preference. A null MX
// (RFC 7505: one record, preference 0, host ".") is returned as is.
func (r *Resolver) MX(ctx context.Context, name string) (Result[MX], error) {
	return lookupTyped[MX](ctx, r, name, dns.TypeMX)
}

// PTR returns the names that addr's reverse name (in-addr.arpa or
// ip6.arpa) points to, fully qualified.
func (r *Resolver) PTR(ctx context.Context, addr netip.Addr) (Result[string], error) {
	rev, err := dns.ReverseAddr(addr.Unmap().String())
	if err != nil {
		return Result[string]{}, &Error{Name: addr.String(), Type: "PTR", Err: fmt.Errorf("%w: %w", ErrInvalidName, err)}
	}
	return lookupTyped[string](ctx, r, rev, dns.TypePTR)
}

// IP returns the addresses of host for network "ip4" (A), "ip6" (AAAA)
// or "ip" (both, queried concurrently, IPv4 first). An IP literal is
// returned as is. For "ip", an error is returned only when neither query
// found addresses: a temporary failure of either wins over NODATA, and
// NXDOMAIN is returned only when both said so.
func (r *Resolver) IP(ctx context.Context, network, host string) (Result[netip.Addr], error) {
	if maybeIP(host) {
		if addr, err := netip.ParseAddr(host); err == nil {
			return Result[netip.Addr]{Name: host, Canonical: host, Records: []netip.Addr{addr}}, nil
		}
	}
	switch network {
	case "ip4":
		return r.A(ctx, host)
	case "ip6":
		return r.AAAA(ctx, host)
	case "ip":
	default:
		return Result[netip.Addr]{}, &Error{Name: host, Type: network, Err: fmt.Errorf("resolver: unknown network %q", network)}
	}
	var six, four Result[netip.Addr]
	var sixErr, fourErr error
	if r.Cached(host, dns.TypeAAAA) {
		// The usual warm case: no goroutine for a cache hit.
		six, sixErr = r.AAAA(ctx, host)
		four, fourErr = r.A(ctx, host)
	} else {
		six, sixErr, four, fourErr = r.bothFamilies(ctx, host)
	}
	switch {
	case fourErr == nil && sixErr == nil:
		four.Records = append(slices.Clip(four.Records), six.Records...)
		four.TTL = min(four.TTL, six.TTL)
		four.Authentic = four.Authentic && six.Authentic
		return four, nil
	case fourErr == nil:
		return four, nil
	case sixErr == nil:
		return six, nil
	case !IsNotFound(fourErr):
		return four, fourErr
	case !IsNotFound(sixErr):
		return six, sixErr
	case IsNXDomain(fourErr) && IsNXDomain(sixErr):
		return four, fourErr
	case IsNXDomain(fourErr):
		return six, sixErr
	default:
		return four, fourErr
	}
}

// Cached reports whether the cache holds an unexpired answer, positive or
// negative, for name and qtype (a DNS type number such as dns.TypeA), so
// that a lookup of it now would not go to the network. It counts neither
// a hit nor a miss. Callers use it to skip starting a goroutine for a
// lookup that will be answered at once. It is false without a Cache.
func (r *Resolver) Cached(name string, qtype uint16) bool {
	return r.Cache != nil && r.Cache.fresh(cacheKey{name: canonicalKey(name), qtype: qtype})
}

// bothFamilies looks up AAAA and A concurrently. (Its own function, so
// that the goroutine's captured results do not move IP's to the heap.)
func (r *Resolver) bothFamilies(ctx context.Context, host string) (six Result[netip.Addr], sixErr error, four Result[netip.Addr], fourErr error) {
	done := make(chan struct{})
	var g guard.Catcher // a panic of Trace, raised again here
	go func() {
		defer close(done)
		g.Run(func() { six, sixErr = r.AAAA(ctx, host) })
	}()
	four, fourErr = r.A(ctx, host)
	<-done
	g.Repanic()
	return six, sixErr, four, fourErr
}

// maybeIP reports whether host may be an IP literal, so that the
// common case of a name does not pay for a failed parse's error.
func maybeIP(host string) bool {
	if strings.IndexByte(host, ':') >= 0 {
		return true
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return host != ""
}

// IsNXDomain reports whether err says the name does not exist. Unlike
// IsNotFound it is false for NODATA; net.Resolver's errors do not make
// the difference, so it is false for them.
func IsNXDomain(err error) bool { return errors.Is(err, ErrNXDomain) }

// LookupTXT is like net.Resolver.LookupTXT: the TXT records at name,
// each record's strings concatenated.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	res, err := r.TXT(ctx, name)
	return slices.Clone(res.Records), err
}

// LookupMX is like net.Resolver.LookupMX: the MX records sorted by
// preference.
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	res, err := r.MX(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]*net.MX, len(res.Records))
	for i, mx := range res.Records {
		out[i] = &net.MX{Host: mx.Host, Pref: mx.Pref}
	}
	return out, nil
}

// LookupNetIP is like net.Resolver.LookupNetIP: network is "ip", "ip4"
// or "ip6".
func (r *Resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	res, err := r.IP(ctx, network, host)
	if err != nil {
		return nil, err
	}
	return slices.Clone(res.Records), nil
}

// LookupAddr is like net.Resolver.LookupAddr: the names of the address
// addr, fully qualified.
func (r *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, &Error{Name: addr, Type: "PTR", Err: fmt.Errorf("%w: %w", ErrInvalidName, err)}
	}
	res, err := r.PTR(ctx, ip)
	return slices.Clone(res.Records), err
}
