package rbl

import (
	"context"

	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spamkit/spamkit/resolver"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Resolver is the DNS interface the Checker needs; *net.Resolver and
// *resolver.Resolver satisfy it. A resolver that also has the typed
// methods of *resolver.Resolver (A and TXT returning resolver.Result) is
// asked through them, which does not allocate on a cache hit.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

type typedResolver interface {
	A(ctx context.Context, name string) (resolver.Result[netip.Addr], error)
	TXT(ctx context.Context, name string) (resolver.Result[string], error)
}

// Verdict is the overall result of checking one item against the lists.
type Verdict string

const (
	// Listed: the score reached Checker.Threshold
	// (postscreen_dnsbl_threshold: an inclusive lower bound).
	Listed Verdict = "listed"
	// Allowlisted: the score is at or below a negative
	// Checker.AllowlistThreshold (postscreen_dnsbl_allowlist_threshold).
	Allowlisted Verdict = "allowlisted"
	// Clean: below the threshold, and every list that could have raised
	// the score to it answered.
	Clean Verdict = "clean"
	// Unknown: below the threshold, but lists that failed (timeout,
	// SERVFAIL, error codes) could have raised the score to it.
	Unknown Verdict = "unknown"
)

func (v Verdict) String() string { return string(v) }

// Hit is one list entry whose filter matched.
type Hit struct {
	List   string     // List.Name, or List.Zone
	Code   netip.Addr // the first answer that matched the filter
	Weight int        // the weight added to the score
	Reason string     // the TXT record, if List.Reason asked for it and there was one
}

func (h Hit) String() string {
	s := fmt.Sprintf("%s=%s*%d", h.List, h.Code, h.Weight)
	if h.Reason != "" {
		s += fmt.Sprintf(" (%q)", h.Reason)
	}
	return s
}

// ListError is a list that could not say whether the item is listed. It
// counts as unknown for that list only.
type ListError struct {
	List  string // List.Name, or List.Zone
	Query string // the name queried
	Err   error  // wraps ErrDNS, ErrListRefused, ErrBadReply or ErrTooManyAnswers
}

func (e *ListError) Error() string { return e.List + ": " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *ListError) Unwrap() error { return e.Err }

// Outcome is the result of checking one item.
type Outcome struct {
	Verdict Verdict
	// Item is the item as looked up: the IP address, the registrable
	// domain (the host if it has none), or the digest label of the first
	// hash list.
	Item string
	// Score is the sum of the weights of Hits.
	Score int
	// Hits lists the matching entries, in the order of Checker.Lists.
	Hits []Hit
	// Errors lists the zones that could not be asked, in the order of
	// Checker.Lists.
	Errors []ListError
}

// String renders the outcome on one line, e.g.
// `listed 192.0.2.1 score 3 (zen.example=127.0.0.2*3)`.
func (o Outcome) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s score %d", o.Verdict, o.Item, o.Score)
	if len(o.Hits) > 0 {
		b.WriteString(" (")
		for i, h := range o.Hits {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(h.String())
		}
		b.WriteByte(')')
	}
	for _, e := range o.Errors {
		fmt.Fprintf(&b, "; %s", e.Error())
	}
	return b.String()
}

// Checker checks items against DNS lists and scores them the way Postfix
// postscreen does (postconf(5) postscreen_dnsbl_sites,
// postscreen_dnsbl_threshold, postscreen_dnsbl_allowlist_threshold).
//
// The zones of one item are queried concurrently under one deadline. A
// Checker is safe for concurrent use by multiple goroutines once its
// fields are set; it holds no state of its own (caching is the
// resolver's).
type Checker struct {
	// Resolver does the lookups. Required.
	Resolver Resolver
	// Lists are the lists, in the order hits are reported.
	Lists []List
	// Threshold is the score at or above which the item is Listed. If
	// zero, 1 (postscreen_dnsbl_threshold).
	Threshold int
	// AllowlistThreshold, when negative, makes an item whose score is at
	// or below it Allowlisted (postscreen_dnsbl_allowlist_threshold). If
	// zero, nothing is allowlisted, as in postscreen.
	AllowlistThreshold int
	// Timeout bounds the lookups of one check (all zones together). If
	// zero, 10 s (postscreen_dnsbl_timeout); if negative, only ctx's
	// deadline applies.
	Timeout time.Duration
	// MaxZones bounds the distinct zones of one kind asked for one item.
	// If zero, 32; more give ErrTooManyZones.
	MaxZones int
	// MaxAnswers bounds the addresses taken from one answer. If zero,
	// 32; more make that list's error ErrTooManyAnswers.
	MaxAnswers int
	// Trace, if set, is called with each query and its answer.
	Trace func(format string, args ...any)
}

func (c *Checker) threshold() int {
	if c.Threshold == 0 {
		return 1
	}
	return c.Threshold
}

func (c *Checker) maxZones() int {
	if c.MaxZones <= 0 {
		return 32
	}
	return c.MaxZones
}

func (c *Checker) maxAnswers() int {
	if c.MaxAnswers <= 0 {
		return 32
	}
	return c.MaxAnswers
}

// CheckIP checks ip against the KindIP lists (RFC 5782 §2.1, §2.4).
// List failures are in Outcome.Errors; the error is for input or
// configuration that prevents the check (ErrInvalidIP, ErrNoLists,
// ErrTooManyZones).
func (c *Checker) CheckIP(ctx context.Context, ip netip.Addr) (Outcome, error) {
	if !ip.IsValid() {
		return Outcome{Verdict: Unknown}, ErrInvalidIP
	}
	ip = ip.Unmap()
	return c.check(ctx, KindIP, ip.String(), func(l *List) (string, error) {
		var buf [128]byte
		return string(appendQuery(buf[:0], ip, l.Zone)), nil
	})
}

// CheckDomain checks host against the KindDomain lists (RFC 5782 §2.3):
// its registrable domain (public suffix list, golang.org/x/net/publicsuffix)
// or, for lists with FullHost, the host itself. An IP-literal host
// ("192.0.2.1", "[192.0.2.1]", "[IPv6:2001:db8::1]") is looked up reversed
// like an IP. Internationalised names are converted to A-labels.
func (c *Checker) CheckDomain(ctx context.Context, host string) (Outcome, error) {
	host = strings.TrimSuffix(strings.TrimSpace(host), ".")
	lit := strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), "IPv6:")
	if ip, err := netip.ParseAddr(lit); err == nil && ip.Zone() == "" {
		ip = ip.Unmap()
		return c.check(ctx, KindDomain, ip.String(), func(l *List) (string, error) {
			var buf [128]byte
			return string(appendQuery(buf[:0], ip, l.Zone)), nil
		})
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil || !validZone(ascii) {
		return Outcome{Verdict: Unknown, Item: host}, fmt.Errorf("%w: %q", ErrInvalidDomain, host)
	}
	ascii = strings.ToLower(ascii)
	reg, regErr := publicsuffix.EffectiveTLDPlusOne(ascii)
	item := ascii
	if regErr == nil {
		item = reg
	}
	return c.check(ctx, KindDomain, item, func(l *List) (string, error) {
		if l.FullHost {
			return ascii + "." + l.Zone + ".", nil
		}
		if regErr != nil {
			return "", fmt.Errorf("%w: %q has no registrable domain: %w", ErrInvalidDomain, ascii, regErr)
		}
		return reg + "." + l.Zone + ".", nil
	})
}

// CheckAddress checks an email address against the KindAddress lists:
// the digest of the address, trimmed of white space and angle brackets
// and lower-cased (no provider-specific folding such as dropping dots).
func (c *Checker) CheckAddress(ctx context.Context, addr string) (Outcome, error) {
	norm := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">"))
	if !strings.Contains(norm, "@") {
		return Outcome{Verdict: Unknown, Item: norm}, fmt.Errorf("%w: %q is not an address", ErrInvalidDomain, addr)
	}
	return c.checkDigest(ctx, KindAddress, []byte(norm))
}

// CheckHash checks content (an attachment, say) against the KindHash
// lists by its digest.
func (c *Checker) CheckHash(ctx context.Context, content []byte) (Outcome, error) {
	return c.checkDigest(ctx, KindHash, content)
}

func (c *Checker) checkDigest(ctx context.Context, kind Kind, item []byte) (Outcome, error) {
	first := ""
	return c.check(ctx, kind, "", func(l *List) (string, error) {
		label, err := l.Digest.label(item)
		if err != nil {
			return "", err
		}
		if first == "" {
			first = label
		}
		return label + "." + l.Zone + ".", nil
	}, &first)
}

// zoneResult is what one zone's lookup found.
type zoneResult struct {
	idx    int // index in zones
	query  string
	addrs  []netip.Addr
	err    error // lookup error, nil for not found
	reason string
}

// check queries every zone of kind and scores the answers. query gives
// the name to ask for the first list of each zone; itemOut, if given,
// receives the item once the queries are built.
func (c *Checker) check(ctx context.Context, kind Kind, item string, query func(*List) (string, error), itemOut ...*string) (Outcome, error) {
	// Distinct zones, in order, as the index of their first list.
	var zbuf [16]int
	zones := zbuf[:0]
	for i := range c.Lists {
		l := &c.Lists[i]
		if l.kind() != kind {
			continue
		}
		dup := false
		for _, z := range zones {
			if strings.EqualFold(c.Lists[z].Zone, l.Zone) {
				dup = true
				break
			}
		}
		if !dup {
			zones = append(zones, i)
		}
	}
	out := Outcome{Item: item}
	if len(zones) == 0 {
		out.Verdict = Unknown
		return out, fmt.Errorf("%w: %s", ErrNoLists, kind)
	}
	if len(zones) > c.maxZones() {
		out.Verdict = Unknown
		return out, fmt.Errorf("%w: %d zones, limit %d", ErrTooManyZones, len(zones), c.maxZones())
	}
	var qbuf [16]string
	queries := qbuf[:0]
	for _, z := range zones {
		q, err := query(&c.Lists[z])
		if err != nil {
			out.Verdict = Unknown
			return out, err
		}
		queries = append(queries, q)
	}
	if len(itemOut) > 0 {
		out.Item = *itemOut[0]
	}
	if c.Timeout >= 0 {
		t := c.Timeout
		if t == 0 {
			t = 10 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	_, typed := c.Resolver.(typedResolver)
	if len(zones) == 1 && typed {
		// One zone through a resolver known to honour ctx: no goroutine.
		r := c.lookupZone(ctx, 0, zones[0], queries[0])
		c.score(&out, zones, []zoneResult{r})
		return out, nil
	}
	results := make([]zoneResult, len(zones))
	ch := make(chan zoneResult, len(zones))
	for i, z := range zones {
		go func() { ch <- c.lookupZone(ctx, i, z, queries[i]) }()
	}
	done := make([]bool, len(zones))
	for n := 0; n < len(zones); n++ {
		select {
		case r := <-ch:
			results[r.idx], done[r.idx] = r, true
		case <-ctx.Done():
			// A resolver that does not honour ctx: report the zones
			// still out as timed out; their goroutines finish into ch.
			for i := range zones {
				if !done[i] {
					results[i] = zoneResult{idx: i, query: queries[i],
						err: fmt.Errorf("%w: %w: %w", ErrDNS, resolver.ErrTimeout, ctx.Err())}
				}
			}
			n = len(zones)
		}
	}
	c.score(&out, zones, results)
	return out, nil
}

// lookupZone asks one zone; NXDOMAIN and NODATA give no addresses and no
// error (RFC 5782 §2.1: not listed).
func (c *Checker) lookupZone(ctx context.Context, idx, first int, query string) zoneResult {
	r := zoneResult{idx: idx, query: query}
	var err error
	if tr, ok := c.Resolver.(typedResolver); ok {
		var res resolver.Result[netip.Addr]
		res, err = tr.A(ctx, query)
		r.addrs = res.Records
	} else {
		r.addrs, err = c.Resolver.LookupNetIP(ctx, "ip4", query)
	}
	if c.Trace != nil {
		c.Trace("rbl: %s A: %v %v", query, r.addrs, err)
	}
	if err != nil {
		r.addrs = nil
		if !resolver.IsNotFound(err) {
			r.err = fmt.Errorf("%w: %w", ErrDNS, err)
		}
		return r
	}
	// TXT reason: only for a zone that has an entry asking for it and an
	// answer that some entry's filter matches.
	if c.zoneErr(first, r.addrs) == nil && c.wantsReason(first, r.addrs) {
		var txt []string
		if tr, ok := c.Resolver.(typedResolver); ok {
			res, terr := tr.TXT(ctx, query)
			txt, err = res.Records, terr
		} else {
			txt, err = c.Resolver.LookupTXT(ctx, query)
		}
		if err == nil && len(txt) > 0 {
			r.reason = txt[0]
		}
	}
	return r
}

func (c *Checker) wantsReason(first int, addrs []netip.Addr) bool {
	zone := c.Lists[first].Zone
	for i := first; i < len(c.Lists); i++ {
		l := &c.Lists[i]
		if l.Reason && l.kind() == c.Lists[first].kind() && strings.EqualFold(l.Zone, zone) {
			for _, a := range addrs {
				if l.Filter.Match(a.Unmap()) {
					return true
				}
			}
		}
	}
	return false
}

// zoneErr classifies an answer: an error if it has too many addresses,
// addresses outside 127.0.0.0/8 (RFC 5782 §2.1) or error codes
// (127.255.255.252–255, List.ErrorCodes).
func (c *Checker) zoneErr(first int, addrs []netip.Addr) error {
	if len(addrs) > c.maxAnswers() {
		return fmt.Errorf("%w: %d, limit %d", ErrTooManyAnswers, len(addrs), c.maxAnswers())
	}
	zone := c.Lists[first].Zone
	for _, a := range addrs {
		a = a.Unmap()
		b := a.As4()
		if !a.Is4() || b[0] != 127 {
			return fmt.Errorf("%w: %s", ErrBadReply, a)
		}
		if b[1] == 255 && b[2] == 255 && b[3] >= 252 {
			return fmt.Errorf("%w: %s", ErrListRefused, a)
		}
		for i := first; i < len(c.Lists); i++ {
			l := &c.Lists[i]
			if !l.ErrorCodes.IsZero() && strings.EqualFold(l.Zone, zone) && l.ErrorCodes.Match(a) {
				return fmt.Errorf("%w: %s", ErrListRefused, a)
			}
		}
	}
	return nil
}

// score adds each zone's matching entries to out, then sets the verdict.
// As in postscreen, each entry adds its weight once when any answer
// matches its filter, and the same zone may have several entries.
func (c *Checker) score(out *Outcome, zones []int, results []zoneResult) {
	potential := 0 // positive weight the failed zones could have added
	for zi, first := range zones {
		r := &results[zi]
		kind, zone := c.Lists[first].kind(), c.Lists[first].Zone
		err := r.err
		if err == nil {
			err = c.zoneErr(first, r.addrs)
		}
		if err != nil {
			out.Errors = append(out.Errors, ListError{List: c.Lists[first].name(), Query: r.query, Err: err})
		}
		for i := first; i < len(c.Lists); i++ {
			l := &c.Lists[i]
			if l.kind() != kind || !strings.EqualFold(l.Zone, zone) {
				continue
			}
			if err != nil {
				if w := l.weight(); w > 0 {
					potential += w
				}
				continue
			}
			for _, a := range r.addrs {
				if a = a.Unmap(); l.Filter.Match(a) {
					h := Hit{List: l.name(), Code: a, Weight: l.weight()}
					if l.Reason {
						h.Reason = r.reason
					}
					out.Hits = append(out.Hits, h)
					out.Score += h.Weight
					break // once per entry, not once per answer
				}
			}
		}
	}
	switch {
	case out.Score >= c.threshold():
		out.Verdict = Listed
	case c.AllowlistThreshold < 0 && out.Score <= c.AllowlistThreshold:
		out.Verdict = Allowlisted
	case len(out.Errors) > 0 && out.Score+potential >= c.threshold():
		out.Verdict = Unknown
	default:
		out.Verdict = Clean
	}
}

// SelfTest checks that list answers its RFC 5782 §5 test entries: for IP
// lists 127.0.0.2 listed and 127.0.0.1 not; for
// domain lists TEST listed and INVALID not. Hash lists have no test
// entries: SelfTest returns ErrSelfTest for them.
func SelfTest(ctx context.Context, r Resolver, list List) error {
	if !validZone(list.Zone) {
		return fmt.Errorf("%w: bad zone %q", ErrSyntax, list.Zone)
	}
	var listed, unlisted string
	switch list.kind() {
	case KindIP:
		listed, unlisted = "2.0.0.127."+list.Zone+".", "1.0.0.127."+list.Zone+"."
	case KindDomain:
		listed, unlisted = "test."+list.Zone+".", "invalid."+list.Zone+"."
	default:
		return fmt.Errorf("%w: %s lists have no RFC 5782 test entries", ErrSelfTest, list.kind())
	}
	addrs, err := r.LookupNetIP(ctx, "ip4", listed)
	if err != nil {
		return fmt.Errorf("%w: %s not listed: %w", ErrSelfTest, listed, err)
	}
	for _, a := range addrs {
		if a = a.Unmap(); !a.Is4() || a.As4()[0] != 127 {
			return fmt.Errorf("%w: %s: %w: %s", ErrSelfTest, listed, ErrBadReply, a)
		}
	}
	addrs, err = r.LookupNetIP(ctx, "ip4", unlisted)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %s listed as %v", ErrSelfTest, unlisted, addrs)
	case !resolver.IsNotFound(err):
		return fmt.Errorf("%w: %s: %w", ErrSelfTest, unlisted, err)
	}
	return nil
}
