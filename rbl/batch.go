package rbl

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// CheckDomains checks many hosts, such as the Hosts of the URLs
// Extractor found in a message, against the KindDomain lists. Each
// distinct item is checked once (the registrable domain; the host itself
// if a list has FullHost; an IP literal as an address), up to
// Checker.MaxParallel items at a time, all under one deadline
// (Checker.Timeout), so that a message linking to many domains takes
// about as long as one round of lookups per MaxParallel domains.
//
// The outcomes are in the order of the items' first appearance. Hosts
// that are not domain names or IP literals are skipped: no list can hold
// them. More than Checker.MaxItems distinct items give ErrTooManyItems
// with the outcomes of the first MaxItems; a configuration error
// (ErrNoLists, ErrTooManyZones) ends the check.
func (c *Checker) CheckDomains(ctx context.Context, hosts []string) ([]Outcome, error) {
	fullHost := false
	for i := range c.Lists {
		if c.Lists[i].kind() == KindDomain && c.Lists[i].FullHost {
			fullHost = true
		}
	}
	maxItems := c.MaxItems
	if maxItems <= 0 {
		maxItems = 100
	}
	var items []item
	seen := make(map[string]bool)
	var limitErr error
	for _, h := range hosts {
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
		if len(items) == maxItems {
			limitErr = fmt.Errorf("%w: limit %d", ErrTooManyItems, maxItems)
			break
		}
		seen[key] = true
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, limitErr
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
	parallel := c.MaxParallel
	if parallel <= 0 {
		parallel = 16
	}
	outs := make([]Outcome, len(items))
	errs := make([]error, len(items))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			outs[i], errs[i] = c.check(ctx, KindDomain, &items[i])
		})
	}
	wg.Wait()
	out := outs[:0]
	for i, err := range errs {
		switch {
		case err == nil:
			out = append(out, outs[i])
		case errors.Is(err, ErrInvalidDomain):
			// A host without registrable domain ("co.uk"): skipped.
		default:
			return nil, err
		}
	}
	return out, limitErr
}
