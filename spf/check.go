package spf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Defaults of the Checker fields.
const (
	DefaultMaxDNSLookups     = 10 // RFC 7208 §4.6.4
	DefaultMaxVoidLookups    = 2  // RFC 7208 §4.6.4
	DefaultMaxMXNames        = 10 // RFC 7208 §4.6.4
	DefaultMaxPTRNames       = 10 // RFC 7208 §4.6.4
	DefaultMaxMacroExpansion = 8192
	DefaultTimeout           = 20 * time.Second // RFC 7208 §4.6.4: at least 20 s
	DefaultPrefetchAfter     = 200 * time.Microsecond
	maxCachedRecords         = 4096
	// maxCachedRecordLen and maxCachedBytes bound the parsed-record
	// cache by text: a record of 64 kB, which the domain's owner can vary
	// at will, parses to nearly 1 MB of directives.
	maxCachedRecordLen = 4096    // RFC 7208 §3.4 advises records that fit in 512 octets
	maxCachedBytes     = 1 << 20 // of record text
)

// Checker evaluates SPF policies (RFC 7208 check_host()).
//
// The zero value is ready to use with net.DefaultResolver and the
// limits of RFC 7208. Fields must not be changed after the first check.
// A Checker is safe for concurrent use by multiple goroutines; it keeps
// a bounded cache of parsed records, keyed by their text.
type Checker struct {
	// Resolver answers the DNS queries. If nil, net.DefaultResolver.
	// A *resolver.Resolver with a Cache gives the fastest checks.
	Resolver Resolver
	// MaxDNSLookups bounds the DNS-querying terms (include, a, mx, ptr,
	// exists, redirect) of one check; one more is a permerror with
	// ErrTooManyLookups. If zero or negative, 10 (RFC 7208 §4.6.4).
	MaxDNSLookups int
	// MaxVoidLookups bounds the lookups of those terms that find no
	// records (NXDOMAIN or NODATA); one more is a permerror with
	// ErrTooManyVoidLookups. If zero, 2 (RFC 7208 §4.6.4). If negative,
	// no limit.
	MaxVoidLookups int
	// MaxMXNames bounds the MX records an mx mechanism looks up
	// addresses for; more is a permerror with ErrTooManyMXNames. If
	// zero or negative, 10 (RFC 7208 §4.6.4).
	MaxMXNames int
	// MaxPTRNames bounds the names of a PTR answer that ptr and %{p}
	// validate; the others are ignored, as RFC 7208 §4.6.4 requires (it
	// is not an error). If zero or negative, 10.
	MaxPTRNames int
	// MaxMacroExpansion bounds the length in octets of one macro
	// expansion, that of a macro-string without macros included (a
	// domain-spec, an exp= text); a longer one is a permerror with
	// ErrMacroTooLong (an explanation that long is dropped, as if exp=
	// were absent). If zero or negative, 8192.
	MaxMacroExpansion int
	// Timeout bounds one check, on top of the context's deadline; running
	// out gives temperror. If zero, 20 s (RFC 7208 §4.6.4); if negative,
	// only the context bounds the check.
	Timeout time.Duration
	// DefaultExplanation is the explanation of a fail whose record has no
	// usable exp= (§6.2). It is an explain-string: macros are expanded
	// (§7), e.g. "%{i} is not a mail server of %{d}". If empty, such a
	// fail has no explanation.
	DefaultExplanation string
	// ReceiverHost is the receiving host's name, for %{r} (§7.2) and the
	// receiver= of Received-SPF (§9.1). If empty, "unknown".
	ReceiverHost string
	// NoPrefetch turns off parallel prefetch: lookups are then made one
	// after another, in the order of evaluation. Results are the same
	// either way.
	NoPrefetch bool
	// PrefetchAfter is how long the lookup of a record must have taken
	// for the lookups of its terms to be prefetched: a record answered
	// from a warm cache does not pay for goroutines. If zero, 200 µs; if
	// negative, always prefetch.
	PrefetchAfter time.Duration
	// Now returns the current time, for %{t} (§7.2). If nil, time.Now.
	Now func() time.Time
	// Trace, if not nil, receives a line for each step of the
	// evaluation. It must be safe for concurrent use.
	Trace func(format string, args ...any)
	// RecordQueries makes every Outcome list the DNS lookups of its
	// check in Outcome.Queries (for operators' diagnostics, as pyspf's
	// verbose mode). It costs an allocation or two per check.
	RecordQueries bool

	mu          sync.RWMutex
	records     map[string]parsed
	cachedBytes int // text of records
}

type parsed struct {
	rec *Record
	err error
}

func (c *Checker) resolver() Resolver {
	if c.Resolver == nil {
		return net.DefaultResolver
	}
	return c.Resolver
}

// orDefault returns v, or def if v is zero or negative (a limit below 1
// would fail every check, and slicing to it would panic).
func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func (c *Checker) maxExpansion() int { return orDefault(c.MaxMacroExpansion, DefaultMaxMacroExpansion) }

// parse returns the parsed record for txt, from the cache if it was
// parsed before. Records longer than maxCachedRecordLen are not cached,
// and the cache starts afresh when it would hold more than
// maxCachedRecords records or maxCachedBytes of their text.
func (c *Checker) parse(txt string) (*Record, error) {
	if len(txt) > maxCachedRecordLen {
		return ParseRecord(txt)
	}
	c.mu.RLock()
	p, ok := c.records[txt]
	c.mu.RUnlock()
	if ok {
		return p.rec, p.err
	}
	rec, err := ParseRecord(txt)
	c.mu.Lock()
	if c.records == nil || len(c.records) >= maxCachedRecords || c.cachedBytes+len(txt) > maxCachedBytes {
		c.records, c.cachedBytes = make(map[string]parsed), 0
	}
	if _, ok := c.records[txt]; !ok {
		c.records[txt] = parsed{rec, err}
		c.cachedBytes += len(txt)
	}
	c.mu.Unlock()
	return rec, err
}

// Check checks the MAIL FROM identity (RFC 7208 §2.4): the policy of
// the domain of mailFrom for the client ip. mailFrom is the argument of
// MAIL FROM as the client gave it, with or without its angle brackets:
// an RFC 5321 reverse-path (§4.1.2), quoted local-parts and SMTPUTF8
// (RFC 6531) included, with the leniencies the package doc lists under
// "MAIL FROM".
// For the null reverse-path ("" or "<>") it checks "postmaster@" + helo
// with the HELO name's policy and reports IdentityHELO (§2.4). helo is
// the HELO/EHLO name, for %{h}.
//
// The error is non-nil only when the check could not run: an invalid ip
// (ErrInvalidIP) or a mailFrom that is no reverse-path, such as
// "Return-Path: a@example.com" (ErrInvalidIdentity, saying what is
// wrong). The Outcome then has result none, the error in Err, and
// neither Sender nor Domain, so that its headers do not repeat what was
// refused. Everything that happened while the check ran, DNS failures
// and limits included, is in the Outcome.
func (c *Checker) Check(ctx context.Context, ip netip.Addr, helo, mailFrom string) (Outcome, error) {
	if !ip.IsValid() {
		return c.cannotRun(ip, helo, IdentityMailFrom, ErrInvalidIP)
	}
	m, err := parseReversePath(mailFrom)
	if err != nil {
		return c.cannotRun(ip, helo, IdentityMailFrom, err)
	}
	if m.domain == "" {
		return c.CheckHELO(ctx, ip, helo) // §2.4
	}
	o := c.checkHost(ctx, ip, helo, m.domain, m.local+"@"+m.domain, "")
	o.Identity = IdentityMailFrom
	return o, nil
}

// CheckHELO checks the HELO identity (RFC 7208 §2.3): the policy of the
// HELO name for ip, with sender "postmaster@" + helo. A HELO that is not
// a domain name (an address literal, a single label, any text) gives
// none with ErrInvalidDomain in Err (§2.3, §4.3), not an error. The
// error is non-nil only for an invalid ip (ErrInvalidIP).
func (c *Checker) CheckHELO(ctx context.Context, ip netip.Addr, helo string) (Outcome, error) {
	if !ip.IsValid() {
		return c.cannotRun(ip, helo, IdentityHELO, ErrInvalidIP)
	}
	o := c.checkHost(ctx, ip, helo, helo, "postmaster@"+helo, "")
	o.Identity = IdentityHELO
	return o, nil
}

// CheckHost is check_host() of RFC 7208 §4: the policy of domain for the
// client ip, with sender (the <sender>, local-part@domain as the macros
// see it, quotes removed; a missing local-part means "postmaster",
// §4.3) and helo for macros. A domain that is not a valid multi-label
// domain name gives none (§4.3). The error is non-nil only when the
// check could not run: an invalid ip (ErrInvalidIP), a sender that is
// not UTF-8 or has control characters (ErrInvalidIdentity). Identity is
// left to the caller (Check and CheckHELO set it).
func (c *Checker) CheckHost(ctx context.Context, ip netip.Addr, helo, domain, sender string) (Outcome, error) {
	if !ip.IsValid() {
		return c.cannotRun(ip, helo, "", ErrInvalidIP)
	}
	if err := validSender(sender); err != nil {
		return c.cannotRun(ip, helo, "", err)
	}
	return c.checkHost(ctx, ip, helo, domain, sender, ""), nil
}

// cannotRun returns the outcome and error of a check that could not
// run: none, with err in Err. Only the facts known to be usable are kept,
// so that ReceivedSPF and AuthResult do not echo what was refused.
func (c *Checker) cannotRun(ip netip.Addr, helo string, id Identity, err error) (Outcome, error) {
	o := Outcome{Result: None, Identity: id, HELO: helo, Receiver: c.ReceiverHost, Err: err}
	if ip.IsValid() {
		o.IP = ip.Unmap()
	}
	if c.Trace != nil { // no boxing of the arguments otherwise
		c.Trace("spf: %s", o)
	}
	return o, err
}

// checkHost is CheckHost for SPF (scope "") or a Sender ID scope, for a
// valid ip.
func (c *Checker) checkHost(ctx context.Context, ip netip.Addr, helo, domain, sender string, scope Scope) Outcome {
	o := Outcome{IP: ip.Unmap(), Domain: domain, Sender: sender, HELO: helo, Receiver: c.ReceiverHost}
	s := state{c: c, ip: o.IP, helo: helo, senderDomain: domain, scope: scope}
	s.local, s.sender = "postmaster", sender
	if i := strings.LastIndexByte(sender, '@'); i >= 0 {
		s.senderDomain = sender[i+1:]
		if i > 0 {
			s.local = sender[:i]
		} else {
			s.sender = "postmaster" + sender // §4.3
		}
	} else {
		s.sender = "postmaster@" + sender
		s.senderDomain = sender
	}
	o.Sender, o.noLocal = s.sender, s.sender != sender
	// §4.3: a malformed domain, or one that is not multi-label, gives
	// none before any lookup.
	if !validDomain(domain) {
		o.Result, o.Err = None, fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
		return o
	}
	if t := c.Timeout; t >= 0 {
		if t == 0 {
			t = DefaultTimeout
		}
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > t {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, t)
			defer cancel()
		}
	}
	s.ctx = ctx
	// A panic of the walk's own (a lookup made on this goroutine, Trace)
	// still cancels and waits for the prefetched lookups; it goes on
	// unchanged, not replaced by one of theirs.
	walked := false
	defer func() {
		if !walked {
			s.pf.halt()
		}
	}()
	res, d, exp, err := s.checkHost(ctx, domain, true)
	walked = true
	s.pf.stop()
	o.Result, o.Err, o.Explanation = res, err, exp
	o.Lookups, o.VoidLookups, o.Queries = s.lookups, s.voids, s.queries
	switch {
	case d != nil:
		o.Mechanism = d.text
	case res == Neutral && err == nil:
		o.Mechanism = "default"
	}
	if c.Trace != nil { // no boxing of the arguments otherwise
		c.Trace("spf: %s", o)
	}
	return o
}

// state is one evaluation of check_host, with its counters.
type state struct {
	c                           *Checker
	ip                          netip.Addr
	sender, local, senderDomain string
	helo                        string
	lookups, voids              int
	pf                          *prefetcher     // nil until needed
	ctx                         context.Context // of the check, for the prefetcher
	scope                       Scope           // Sender ID scope; "" for SPF
	ptrDone                     bool
	ptrNames                    []string // validated names of ip
	ptrVoid                     bool
	queries                     []Query // with Checker.RecordQueries
}

func (s *state) now() time.Time {
	if s.c.Now != nil {
		return s.c.Now()
	}
	return time.Now()
}

// resultOf maps the error of a term to its result: DNS failures are
// temperror (§2.6.6), everything else permerror (§2.6.7).
func resultOf(err error) Result {
	if errors.Is(err, ErrDNS) {
		return TempError
	}
	return PermError
}

// countLookup counts a DNS-querying term (§4.6.4).
func (s *state) countLookup() error {
	s.lookups++
	if max := orDefault(s.c.MaxDNSLookups, DefaultMaxDNSLookups); s.lookups > max {
		return fmt.Errorf("%w: more than %d", ErrTooManyLookups, max)
	}
	return nil
}

// countVoid counts a lookup that found nothing (§4.6.4).
func (s *state) countVoid() error {
	s.voids++
	if max := orDefault(s.c.MaxVoidLookups, DefaultMaxVoidLookups); s.c.MaxVoidLookups >= 0 && s.voids > max {
		return fmt.Errorf("%w: more than %d", ErrTooManyVoidLookups, max)
	}
	return nil
}

// record fetches and selects the SPF record of domain (§4.4, §4.5).
// It returns (nil, nil) when there is none.
func (s *state) record(ctx context.Context, domain string) (*Record, error) {
	var start time.Time
	if !s.c.NoPrefetch && s.c.PrefetchAfter >= 0 {
		start = time.Now()
	}
	a := s.query(ctx, qTXT, domain)
	if notFound, err := lookupErr(a.err); notFound {
		return nil, nil
	} else if err != nil {
		return nil, err // §4.4: temperror
	}
	var txt string
	n := 0
	if s.scope != "" {
		txt, n = selectSenderID(a.txt, s.scope) // RFC 4406 §3.4
	} else {
		for _, t := range a.txt {
			if isSPF1(t) {
				txt = t
				n++
			}
		}
	}
	switch {
	case n == 0:
		return nil, nil // §4.5: none
	case n > 1:
		return nil, fmt.Errorf("%w at %s", ErrMultipleRecords, domain) // §4.5
	}
	rec, err := s.c.parse(txt)
	if err != nil {
		return nil, fmt.Errorf("%w at %s", err, domain)
	}
	if !s.c.NoPrefetch && (s.c.PrefetchAfter < 0 || time.Since(start) >= s.prefetchAfter()) {
		if s.pf == nil {
			// Made on first need: a check answered from a warm cache
			// never pays for it.
			s.pf = newPrefetcher(s.ctx, s)
		}
		s.pf.record(rec, domain)
	}
	return rec, nil
}

func (s *state) prefetchAfter() time.Duration {
	if s.c.PrefetchAfter == 0 {
		return DefaultPrefetchAfter
	}
	return s.c.PrefetchAfter
}

// checkHost evaluates domain's policy (§4). explain asks for the
// explanation of a fail (§6.2), which includes do not need.
func (s *state) checkHost(ctx context.Context, domain string, explain bool) (Result, *Directive, string, error) {
	if !validDomain(domain) {
		return None, nil, "", fmt.Errorf("%w: %q", ErrInvalidDomain, domain) // §4.3
	}
	if s.c.Trace != nil { // no boxing of the arguments otherwise
		s.c.Trace("spf: check_host(%s, %s)", s.ip, domain)
	}
	rec, err := s.record(ctx, domain)
	if err != nil {
		return resultOf(err), nil, "", err
	}
	if rec == nil {
		return None, nil, "", nil
	}
	// §4.6.2: the first directive that matches gives the result.
	for i := range rec.Directives {
		d := &rec.Directives[i]
		match, err := s.match(ctx, d, domain)
		if err != nil {
			if s.c.Trace != nil { // no boxing of the arguments otherwise
				s.c.Trace("spf: %s at %s: %v", d.text, domain, err)
			}
			return resultOf(err), d, "", err
		}
		if !match {
			continue
		}
		res := d.Qualifier.Result()
		if s.c.Trace != nil { // no boxing of the arguments otherwise
			s.c.Trace("spf: %s at %s matched: %s", d.text, domain, res)
		}
		var exp string
		if res == Fail && explain {
			exp = s.explanation(ctx, rec, domain)
		}
		return res, d, exp, nil
	}
	// §6.1: redirect= applies when no mechanism matched.
	if rec.Redirect != "" {
		if err := s.countLookup(); err != nil {
			return PermError, nil, "", err
		}
		target, err := s.target(ctx, &rec.redirect, domain)
		if err != nil {
			return PermError, nil, "", err
		}
		res, d, exp, err := s.checkHost(ctx, target, explain)
		if res == None {
			// §6.1: "if no SPF record is found, or if the <target-name>
			// is malformed, the result is a "permerror"".
			return PermError, nil, "", fmt.Errorf("%w: %s", ErrRedirectNoRecord, target)
		}
		return res, d, exp, err
	}
	return Neutral, nil, "", nil // §4.7
}

// target expands a domain-spec to a name to query (§7.3, §4.8).
func (s *state) target(ctx context.Context, ms *macroString, domain string) (string, error) {
	t, err := s.expand(ctx, ms, domain)
	if err != nil {
		return "", err
	}
	return truncateDomain(t), nil
}

// match reports whether directive d of domain's record matches (§5).
func (s *state) match(ctx context.Context, d *Directive, domain string) (bool, error) {
	switch d.Mechanism {
	case MechanismAll: // §5.1
		return true, nil
	case MechanismIP4: // §5.6
		return s.ip.Is4() && d.Prefix.Contains(s.ip), nil
	case MechanismIP6: // §5.6
		return s.ip.Is6() && d.Prefix.Contains(s.ip), nil
	}
	if err := s.countLookup(); err != nil {
		return false, err
	}
	target := domain
	if d.Domain != "" {
		var err error
		if target, err = s.target(ctx, &d.spec, domain); err != nil {
			return false, err
		}
	}
	switch d.Mechanism {
	case MechanismInclude: // §5.2
		res, _, _, err := s.checkHost(ctx, target, false)
		switch res {
		case Pass:
			return true, nil
		case Fail, SoftFail, Neutral:
			return false, nil
		case TempError:
			return false, err
		case None:
			return false, fmt.Errorf("%w: %s", ErrIncludeNoRecord, target)
		}
		return false, err // permerror
	case MechanismA: // §5.3
		return s.matchAddrs(ctx, target, d, true)
	case MechanismMX: // §5.4
		a := s.query(ctx, qMX, target)
		if notFound, err := lookupErr(a.err); notFound {
			return false, s.countVoid()
		} else if err != nil {
			return false, err
		}
		if max := orDefault(s.c.MaxMXNames, DefaultMaxMXNames); len(a.mx) > max {
			return false, fmt.Errorf("%w: %s has %d, more than %d", ErrTooManyMXNames, target, len(a.mx), max)
		}
		for _, mx := range a.mx {
			if mx.Host == "." || mx.Host == "" {
				continue // null MX (RFC 7505)
			}
			ok, err := s.matchAddrs(ctx, mx.Host, d, false)
			if ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case MechanismPTR: // §5.5
		names, void := s.validatedNames(ctx)
		if void {
			if err := s.countVoid(); err != nil {
				return false, err
			}
		}
		for _, n := range names {
			if isSubdomain(n, target) {
				return true, nil
			}
		}
		return false, nil
	case MechanismExists: // §5.7: always an A query
		a := s.query(ctx, qA, target)
		if notFound, err := lookupErr(a.err); notFound {
			return false, s.countVoid()
		} else if err != nil {
			return false, err
		}
		return len(a.addrs) > 0, nil
	}
	return false, fmt.Errorf("%w: mechanism %q", ErrSyntax, d.Mechanism)
}

// matchAddrs looks up the addresses of name in the client's family and
// reports whether one is in the client's network of d's prefix lengths
// (§5.3, §5.4). primary says whether the lookup is the term's own (a
// void one counts, §4.6.4) or that of an MX host.
func (s *state) matchAddrs(ctx context.Context, name string, d *Directive, primary bool) (bool, error) {
	a := s.query(ctx, s.addrQuery(), name)
	if notFound, err := lookupErr(a.err); notFound {
		if primary {
			return false, s.countVoid()
		}
		return false, nil
	} else if err != nil {
		return false, err
	}
	bits := d.CIDR4
	if s.ip.Is6() {
		bits = d.CIDR6
	}
	for _, addr := range a.addrs {
		addr = addr.Unmap()
		if addr.Is4() != s.ip.Is4() {
			continue
		}
		if p, err := addr.Prefix(bits); err == nil && p.Contains(s.ip) {
			return true, nil
		}
	}
	return false, nil
}

// validatedNames returns the names of the client address that resolve
// back to it (§5.5), at most MaxPTRNames of the PTR answer being tried
// (§4.6.4), and whether the PTR lookup found nothing. The names are
// without trailing dot. A DNS error gives no names (§5.5: "If a DNS
// error occurs while doing the PTR RR lookup, then this mechanism fails
// to match").
func (s *state) validatedNames(ctx context.Context) ([]string, bool) {
	if s.ptrDone {
		return s.ptrNames, s.ptrVoid
	}
	s.ptrDone = true
	names, err := s.c.ptr(ctx, s.ip)
	if s.c.RecordQueries {
		s.queries = append(s.queries, Query{Type: "PTR", Name: s.ip.String(), Answers: len(names), Err: err})
	}
	if notFound, _ := lookupErr(err); notFound {
		s.ptrVoid = true
		return nil, true
	} else if err != nil {
		return nil, false
	}
	if max := orDefault(s.c.MaxPTRNames, DefaultMaxPTRNames); len(names) > max {
		names = names[:max] // §4.6.4: the others MUST be ignored
	}
	for _, n := range names {
		a := s.query(ctx, s.addrQuery(), n)
		if a.err != nil {
			continue
		}
		for _, addr := range a.addrs {
			if addr.Unmap() == s.ip {
				s.ptrNames = append(s.ptrNames, strings.TrimSuffix(n, "."))
				break
			}
		}
	}
	return s.ptrNames, false
}

// validatedName is %{p} (§7.3): a validated name of the client equal to
// domain, else one under domain, else any, else "unknown".
func (s *state) validatedName(ctx context.Context, domain string) string {
	names, _ := s.validatedNames(ctx)
	for _, n := range names {
		if strings.EqualFold(n, strings.TrimSuffix(domain, ".")) {
			return n
		}
	}
	for _, n := range names {
		if isSubdomain(n, domain) {
			return n
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return "unknown"
}

// isSubdomain reports whether name is domain or under it,
// case-insensitively, trailing dots ignored.
func isSubdomain(name, domain string) bool {
	name, domain = strings.TrimSuffix(name, "."), strings.TrimSuffix(domain, ".")
	if len(name) < len(domain) {
		return false
	}
	if !strings.EqualFold(name[len(name)-len(domain):], domain) {
		return false
	}
	return len(name) == len(domain) || name[len(name)-len(domain)-1] == '.'
}

// explanation computes the explanation of a fail of rec (§6.2): the
// expanded TXT record exp= points to, or the default explanation. Its
// lookup does not count toward the limits (§4.6.4).
func (s *state) explanation(ctx context.Context, rec *Record, domain string) string {
	if rec.Explanation != "" {
		if exp, ok := s.expExplanation(ctx, rec, domain); ok {
			return exp
		}
	}
	if s.c.DefaultExplanation == "" {
		return ""
	}
	ms, err := parseMacroString(s.c.DefaultExplanation, true)
	if err != nil {
		return s.c.DefaultExplanation
	}
	exp, err := s.expand(ctx, &ms, domain)
	if err != nil {
		return ""
	}
	return exp
}

func (s *state) expExplanation(ctx context.Context, rec *Record, domain string) (string, bool) {
	target, err := s.target(ctx, &rec.exp, domain)
	if err != nil {
		return "", false
	}
	a := s.c.do(ctx, qTXT, target)
	// §6.2: DNS errors, no record or more than one: as if no exp=.
	if a.err != nil || len(a.txt) != 1 {
		return "", false
	}
	ms, err := parseMacroString(a.txt[0], true)
	if err != nil {
		return "", false // §6.2: syntax errors in the explanation string
	}
	exp, err := s.expand(ctx, &ms, domain)
	if err != nil {
		return "", false
	}
	return exp, true
}
