package rbl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/spamkit/spamkit/internal/guard"
)

// DomainsOutcome is the result of CheckDomains: the outcome of each
// distinct item, and the verdict over all of them.
type DomainsOutcome struct {
	// Result is Listed if a domain is Listed; else Unknown if one is
	// Unknown or a limit left some unchecked (Checker.MaxItems; with
	// CheckLinks, Extractor.MaxHosts); else Allowlisted if every domain
	// is (and there is one); else Clean.
	Result Result
	// Domains are the outcomes of the items checked, in the order of
	// their first appearance.
	Domains []Outcome
	// Unchecked is the number of distinct items past Checker.MaxItems,
	// which were not checked. When ctx ended while the hosts were read
	// (nothing is checked then), it also counts each host not read.
	Unchecked int
	// Err joins the limits reached (ErrTooManyItems; with CheckLinks,
	// the Links.Err of the extraction) and the Err of each domain that
	// has one; nil if every list answered for every domain and every
	// domain was checked. With Unknown it is the cause; with another
	// Result it is only for logs.
	Err error
}

// String renders the verdict and the outcome of each domain, e.g.
// `listed: listed example.net score 1 (dbl.example=127.0.1.2*1); clean
// example.org score 0`.
func (d DomainsOutcome) String() string {
	var b strings.Builder
	b.WriteString(string(d.Result))
	for i, o := range d.Domains {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(o.String())
	}
	if d.Unchecked > 0 {
		fmt.Fprintf(&b, "; %d not checked (limit)", d.Unchecked)
	}
	if errors.Is(d.Err, ErrTooManyHosts) {
		b.WriteString("; link hosts past the limit not checked")
	}
	return b.String()
}

// Reason returns a short, stable phrase for the result, as
// Outcome.Reason does: the lists that listed a domain, "not listed",
// "too many domains" when the limit made the result Unknown, or the
// reason of the first Unknown domain. It names no domain (they come
// from the message) and holds no error chain, address or port.
func (d DomainsOutcome) Reason() string {
	switch d.Result {
	case Listed:
		var names []string
		for _, o := range d.Domains {
			for _, h := range o.Hits {
				if o.Result == Listed && h.Weight > 0 && !contains(names, h.List) {
					names = append(names, h.List)
				}
			}
		}
		return "listed by " + strings.Join(names, ", ")
	case Allowlisted, Clean:
		if d.Result == Allowlisted {
			return "allowlisted"
		}
		return "not listed"
	}
	for _, o := range d.Domains {
		if o.Result == Unknown {
			return o.Reason()
		}
	}
	return errReason(d.Err)
}

// CheckLinks checks the hosts of links, what Extractor.Links found in a
// message body, as CheckDomains does, and counts the limits the
// extraction reached, so that a body cannot hide a listed link past
// them: when links lost hosts (links.Err wraps ErrTooManyHosts) the
// Result is Unknown unless a checked domain is Listed, as when
// Checker.MaxItems leaves domains unchecked. Err joins links.Err; the
// other extraction limits (ErrTooManyURLs, ErrURLTooLong) lose no host,
// so they change no Result and are only for logs. To check the links
// of several text parts at once, append their URLs into one Links and
// join their Err. The error is non-nil only when no domain list is
// configured (ErrNoLists).
func (c *Checker) CheckLinks(ctx context.Context, links Links) (DomainsOutcome, error) {
	d, err := c.CheckDomains(ctx, links.Hosts())
	if err != nil || links.Err == nil {
		return d, err
	}
	d.Err = errors.Join(links.Err, d.Err)
	if errors.Is(links.Err, ErrTooManyHosts) && d.Result != Listed {
		d.Result = Unknown
	}
	return d, nil
}

// CheckDomains checks many hosts, such as the Hosts of the URLs
// Extractor found in a message, against the KindDomain lists. Each
// distinct item is checked once (the registrable domain; the host itself
// if a list has FullHost; an IP literal as an address), up to
// Checker.MaxParallel items at a time, all under one deadline
// (Checker.Timeout), so that a message linking to many domains takes
// about as long as one round of lookups per MaxParallel domains.
//
// Hosts that are not domain names or IP literals, or have no registrable
// domain when every list needs one ("co.uk"), are skipped: no list can
// hold them. Only the first Checker.MaxItems distinct items are checked;
// the others are counted in Unchecked, Err wraps ErrTooManyItems and the
// Result is Unknown unless a checked domain is Listed, so that a message
// cannot hide a listed link behind a hundred clean ones. The hosts are
// read under ctx: if it ends first, nothing is asked and the result is
// Unknown with Err wrapping ErrDNS and ctx's error. The error is
// non-nil only when the check cannot run: no domain list is configured
// (ErrNoLists).
func (c *Checker) CheckDomains(ctx context.Context, hosts []string) (DomainsOutcome, error) {
	fullHost := false
	hasList := false
	for i := range c.Lists {
		if c.Lists[i].kind() == KindDomain {
			hasList = true
			fullHost = fullHost || c.Lists[i].FullHost
		}
	}
	if !hasList {
		return DomainsOutcome{Result: Unknown}, fmt.Errorf("%w: %s", ErrNoLists, KindDomain)
	}
	maxItems := c.MaxItems
	if maxItems <= 0 {
		maxItems = 100
	}
	var d DomainsOutcome
	var items []item
	seen := make(map[string]bool)
	for i, h := range hosts {
		if i%64 == 0 && ctx.Err() != nil {
			// Reading a long list costs IDNA and public-suffix work per
			// host: it stops when ctx ends, and nothing is asked.
			return DomainsOutcome{Result: Unknown, Unchecked: len(items) + d.Unchecked + len(hosts) - i,
				Err: fmt.Errorf("%w: no lookup made: %w", ErrDNS, ctx.Err())}, nil
		}
		it, err := domainItem(h)
		if err != nil || !fullHost && !it.ip.IsValid() && it.regErr != nil {
			continue // not a name, or no registrable domain ("co.uk")
		}
		key := it.host
		switch {
		case it.ip.IsValid():
			key = it.ip.String()
		case !fullHost && it.regErr == nil:
			key = it.reg
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(items) == maxItems {
			d.Unchecked++
			continue
		}
		items = append(items, it)
	}

	if c.Timeout >= 0 && len(items) > 0 {
		t := c.Timeout
		if t == 0 {
			t = DefaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	parallel := c.MaxParallel
	if parallel <= 0 {
		parallel = 16
	}
	outs := make([]Outcome, len(items))
	errs := make([]error, len(items))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var g guard.Catcher // a panic in a domain's check: raised again here
	for i := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			g.Run(func() { outs[i], errs[i] = c.check(ctx, KindDomain, &items[i]) })
		})
	}
	wg.Wait()
	g.Repanic()
	var causes []error
	if d.Unchecked > 0 {
		causes = append(causes, fmt.Errorf("%w: %d distinct domains, limit %d", ErrTooManyItems, len(items)+d.Unchecked, maxItems))
	}
	listed, unknown, allow := false, d.Unchecked > 0, len(items) > 0
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, ErrInvalidDomain), errors.Is(err, ErrNoLists):
			// A host without registrable domain ("co.uk"), or an IP
			// literal of a family no list has: no list can hold it.
			continue
		default:
			return DomainsOutcome{Result: Unknown}, err
		}
		o := outs[i]
		d.Domains = append(d.Domains, o)
		if o.Err != nil {
			causes = append(causes, o.Err)
		}
		listed = listed || o.Result == Listed
		unknown = unknown || o.Result == Unknown
		allow = allow && o.Result == Allowlisted
	}
	switch {
	case listed:
		d.Result = Listed
	case unknown:
		d.Result = Unknown
	case allow && len(d.Domains) > 0:
		d.Result = Allowlisted
	default:
		d.Result = Clean
	}
	d.Err = errors.Join(causes...)
	return d, nil
}
