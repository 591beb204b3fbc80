package rbl

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/internal/guard"
	"github.com/spamkit/spamkit/resolver"
)

// cachedResolver is a resolver that can tell whether a lookup would be
// answered from its cache (*resolver.Resolver.Cached).
type cachedResolver interface {
	Cached(name string, qtype uint16) bool
}

// zoneResult is what one zone's lookup found.
type zoneResult struct {
	idx        int // index in the zones of the check
	addrs      []netip.Addr
	err        error // lookup error, nil for not found
	needReason bool  // an entry wants the TXT record and its filter matched
	reason     string
}

// item is what is checked: an IP address (KindIP, or an IP-literal
// host of KindDomain), a host name, or content to digest.
type item struct {
	ip      netip.Addr
	host    string // A-labels, lower case
	reg     string // host's registrable domain, if regErr is nil
	regErr  error
	content []byte    // KindAddress and KindHash
	sum     *[32]byte // KindHash by its SHA-256 (CheckSHA256)
}

// accepts reports whether l can be asked about it: an address of a
// family the list has entries for; with only a SHA-256 sum, lists whose
// digest is computed from it.
func (it *item) accepts(l *List) bool {
	switch {
	case it.ip.Is4():
		return !l.NoIPv4
	case it.ip.Is6():
		return !l.NoIPv6
	case it.sum != nil:
		return l.Digest.isSHA256()
	}
	return true
}

// appendText appends the item as reported in Outcome.Item: the address,
// the registrable domain (the host if it has none); nothing for content,
// whose item is the first query's label.
func (it *item) appendText(buf []byte) []byte {
	switch {
	case it.ip.IsValid():
		return it.ip.AppendTo(buf)
	case it.regErr == nil && it.reg != "":
		return append(buf, it.reg...)
	}
	return append(buf, it.host...)
}

// appendQuery appends the item's query name for l to buf.
func (it *item) appendQuery(buf []byte, l *List) ([]byte, error) {
	switch {
	case it.ip.IsValid():
		return appendQuery(buf, it.ip, l.Zone), nil
	case it.sum != nil:
		buf = l.Digest.appendSHA256(buf, *it.sum)
	case it.content != nil:
		var err error
		if buf, err = l.Digest.appendLabel(buf, it.content); err != nil {
			return buf, err
		}
	case l.FullHost:
		buf = append(buf, it.host...)
	case it.regErr != nil:
		return buf, fmt.Errorf("%w: %q has no registrable domain: %w", ErrInvalidDomain, it.host, it.regErr)
	default:
		buf = append(buf, it.reg...)
	}
	buf = append(append(buf, '.'), l.Zone...)
	return append(buf, '.'), nil
}

// maxInline is the number of zones checked without allocating
// bookkeeping on the heap.
const maxInline = 16

// check queries every zone of kind for it and scores the answers.
//
// When the resolver reports every query as cached (cachedResolver) and
// has the typed methods, the lookups are made inline, without
// goroutines, deadline or channel: that is the warm-cache fast path.
// Otherwise each zone is asked by its own goroutine under one deadline.
func (c *Checker) check(ctx context.Context, kind Kind, it *item) (Outcome, error) {
	// Distinct zones, in order, as the index of their first list.
	var zbuf [maxInline]int
	zones := zbuf[:0]
	for i := range c.Lists {
		l := &c.Lists[i]
		if l.kind() != kind || !it.accepts(l) {
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
	var out Outcome
	if len(zones) == 0 {
		out.Result = Unknown
		return out, fmt.Errorf("%w: %s", ErrNoLists, kind)
	}
	// Zones over MaxZones are not asked: each is a ListError, so the
	// result is Unknown if they could have raised the score to the
	// threshold.
	asked := min(len(zones), c.maxZones())

	// The item and every query go into one buffer, made into one string.
	var bbuf [2048]byte
	buf := bbuf[:0]
	buf = it.appendText(buf)
	itemEnd := len(buf)
	var ebuf [maxInline]int
	ends := ebuf[:0]
	for _, z := range zones {
		var err error
		if buf, err = it.appendQuery(buf, &c.Lists[z]); err != nil {
			out.Result, out.Item = Unknown, string(buf[:itemEnd])
			return out, err
		}
		ends = append(ends, len(buf))
	}
	all := string(buf)
	var qbuf [maxInline]string
	queries := qbuf[:0]
	for i, end := range ends {
		start := itemEnd
		if i > 0 {
			start = ends[i-1]
		}
		queries = append(queries, all[start:end])
	}
	if itemEnd > 0 {
		out.Item = all[:itemEnd]
	} else {
		out.Item, _, _ = strings.Cut(queries[0], ".")
	}

	var rbuf [maxInline]zoneResult
	results := rbuf[:0]
	if len(zones) > maxInline {
		results = make([]zoneResult, 0, len(zones))
	}
	results = results[:len(zones)]
	if asked < len(zones) {
		limit := fmt.Errorf("%w: %d zones, limit %d", ErrTooManyZones, len(zones), c.maxZones())
		for i := asked; i < len(zones); i++ {
			results[i].err = limit
		}
	}
	tr, typed := c.Resolver.(typedResolver)
	if cr, ok := c.Resolver.(cachedResolver); ok && typed && allCached(cr, queries[:asked], dns.TypeA) {
		// Fast path: every answer is in the cache. (An entry that expires
		// between Cached and the lookup is fetched inline, bounded by the
		// resolver's own timeout rather than Checker.Timeout.)
		pending := false
		for i, z := range zones[:asked] {
			results[i] = c.lookupA(ctx, tr, z, queries[i])
			if results[i].needReason {
				if cr.Cached(queries[i], dns.TypeTXT) {
					results[i].reason = c.lookupReason(ctx, queries[i])
					results[i].needReason = false
				} else {
					pending = true
				}
			}
		}
		if pending {
			c.fanOut(ctx, zones[:asked], queries[:asked], results[:asked], true)
		}
	} else {
		c.fanOut(ctx, zones[:asked], queries[:asked], results[:asked], false)
	}
	c.score(&out, it, zones, queries, results)
	return out, nil
}

func allCached(cr cachedResolver, queries []string, qtype uint16) bool {
	for _, q := range queries {
		if !cr.Cached(q, qtype) {
			return false
		}
	}
	return true
}

// fanOut asks the zones concurrently, one goroutine each, under one
// deadline (Checker.Timeout), and stores what they found in results:
// with reasonsOnly, the TXT records of the results that need them, else
// the A lookups (and their TXT records). A zone still out at the deadline
// (with a resolver that does not honour ctx) is a timeout error, or
// without its reason.
func (c *Checker) fanOut(ctx context.Context, zones []int, queries []string, results []zoneResult, reasonsOnly bool) {
	if c.Timeout >= 0 {
		t := c.Timeout
		if t == 0 {
			t = DefaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	tr, _ := c.Resolver.(typedResolver)
	ch := make(chan zoneResult, len(zones))
	// A panic in a zone's goroutine (the Resolver's, Trace's) is raised
	// again here once the zones are in, or at the deadline; one after
	// the deadline is dropped with its goroutine (package guard).
	var g guard.Catcher
	defer g.Repanic()
	waiting := 0
	for i, z := range zones {
		if reasonsOnly && !results[i].needReason {
			continue
		}
		waiting++
		go func(i, first int, q string) {
			r := zoneResult{idx: i}
			defer func() { ch <- r }() // after Run kept a panic: the zone is in
			g.Run(func() {
				if !reasonsOnly {
					r = c.lookupA(ctx, tr, first, q)
				}
				if reasonsOnly || r.needReason {
					r.reason = c.lookupReason(ctx, q)
				}
				r.idx = i
			})
		}(i, z, queries[i])
	}
	done := make([]bool, len(zones))
	for ; waiting > 0; waiting-- {
		select {
		case r := <-ch:
			if reasonsOnly {
				results[r.idx].reason = r.reason
			} else {
				results[r.idx] = r
			}
			done[r.idx] = true
		case <-ctx.Done():
			// A resolver that does not honour ctx: the zones still out
			// timed out; their goroutines finish into ch.
			if !reasonsOnly {
				for i := range zones {
					if !done[i] {
						results[i] = zoneResult{idx: i, err: fmt.Errorf("%w: %w: %w", ErrDNS, resolver.ErrTimeout, ctx.Err())}
					}
				}
			}
			return
		}
	}
}

// lookupA asks one zone for the A records of query; NXDOMAIN and NODATA
// give no addresses and no error (RFC 5782 §2.1: not listed). tr, if not
// nil, is used instead of LookupNetIP.
func (c *Checker) lookupA(ctx context.Context, tr typedResolver, first int, query string) zoneResult {
	var r zoneResult
	var err error
	if tr != nil {
		var res resolver.Result[netip.Addr]
		res, err = tr.A(ctx, query)
		r.addrs = res.Records
	} else {
		r.addrs, err = c.resolver().LookupNetIP(ctx, "ip4", query)
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
	r.needReason = c.zoneErr(first, r.addrs) == nil && c.wantsReason(first, r.addrs)
	return r
}

// lookupReason returns the first TXT record of query (RFC 5782 §2.1), ""
// if there is none or the lookup fails: a missing reason does not change
// the score.
func (c *Checker) lookupReason(ctx context.Context, query string) string {
	var txt []string
	var err error
	if tr, ok := c.Resolver.(typedResolver); ok {
		var res resolver.Result[string]
		res, err = tr.TXT(ctx, query)
		txt = res.Records
	} else {
		txt, err = c.resolver().LookupTXT(ctx, query)
	}
	if c.Trace != nil {
		c.Trace("rbl: %s TXT: %q %v", query, txt, err)
	}
	if err != nil || len(txt) == 0 {
		return ""
	}
	return txt[0]
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
// matches its filter, and the same zone may have several entries. Hits
// come in the order of the entries, errors in that of the zones.
func (c *Checker) score(out *Outcome, it *item, zones []int, queries []string, results []zoneResult) {
	var ebuf [maxInline]error
	errs := ebuf[:0]
	if len(zones) > maxInline {
		errs = make([]error, 0, len(zones))
	}
	for zi, first := range zones {
		r := &results[zi]
		err := r.err
		if err == nil {
			err = c.zoneErr(first, r.addrs)
		}
		if err != nil {
			if out.ListErrors == nil {
				out.ListErrors = make([]ListError, 0, len(zones)-zi)
			}
			out.ListErrors = append(out.ListErrors, ListError{List: c.Lists[first].name(), Query: queries[zi], Err: err})
		}
		errs = append(errs, err)
	}
	potential := 0 // positive weight the failed zones could have added
	kind := c.Lists[zones[0]].kind()
	for i := range c.Lists {
		l := &c.Lists[i]
		if l.kind() != kind || !it.accepts(l) {
			continue
		}
		zi := 0
		for zi < len(zones) && !strings.EqualFold(c.Lists[zones[zi]].Zone, l.Zone) {
			zi++
		}
		if zi == len(zones) {
			continue
		}
		if errs[zi] != nil {
			if w := l.weight(); w > 0 {
				potential += w
			}
			continue
		}
		r := &results[zi]
		for _, a := range r.addrs {
			if a = a.Unmap(); l.Filter.Match(a) {
				h := Hit{List: l.name(), Code: a, Weight: l.weight()}
				if l.Reason {
					h.Reason = r.reason
				}
				if out.Hits == nil {
					// One allocation for all hits: at most one per
					// remaining entry.
					out.Hits = make([]Hit, 0, len(c.Lists)-i)
				}
				out.Hits = append(out.Hits, h)
				out.Score += h.Weight
				break // once per entry, not once per answer
			}
		}
	}
	// A failed list counts as listed for the verdicts it could take away
	// and as not listed for those it could give: a failed blocklist that
	// could have raised the score to the threshold makes the item
	// Unknown, one that could have raised it above the allowlist
	// threshold keeps it from Allowlisted; a failed allowlist allowlists
	// nothing. So a lookup that failed never yields a pass the lists did
	// not give.
	high := out.Score + potential
	switch {
	case out.Score >= c.threshold():
		out.Result = Listed
	case high >= c.threshold():
		out.Result = Unknown
	case c.AllowlistThreshold < 0 && high <= c.AllowlistThreshold:
		out.Result = Allowlisted
	default:
		out.Result = Clean
	}
	out.Err = joinListErrors(out.ListErrors)
}
