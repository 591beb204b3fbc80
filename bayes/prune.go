package bayes

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Prune says which tokens Classifier.Prune drops. Zero fields drop
// nothing.
type Prune struct {
	// HapaxDays drops tokens seen in one message only (a count of 1 in
	// all: hapaxes, most of any database) whose last training is more
	// than this many days ago, and tokens without a day (imported).
	HapaxDays int
	// MaxTokens drops the least useful tokens beyond this many: those
	// whose f(w) is closest to 0.5, weighted by their counts (a token
	// that never reaches MinDev is never in a score).
	MaxTokens int
}

// Pruned is what Classifier.Prune did.
type Pruned struct {
	Before  int // tokens before
	Dropped int // tokens dropped
}

// Prune expires tokens of the store by p, which must be a BulkStore
// (every store of this module is). It walks the store once and deletes in
// one Put.
func (c *Classifier) Prune(ctx context.Context, p Prune) (Pruned, error) {
	bs, ok := c.store().(BulkStore)
	if !ok {
		return Pruned{}, fmt.Errorf("%w: %T cannot be listed", ErrStore, c.store())
	}
	prm, err := c.params()
	if err != nil {
		return Pruned{}, err
	}
	today := Day(c.now())
	var all []Entry
	if err := bs.Walk(ctx, func(e Entry) bool {
		all = append(all, e)
		return true
	}); err != nil {
		return Pruned{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	t, err := bs.Lookup(ctx, nil, nil)
	if err != nil {
		return Pruned{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	res := Pruned{Before: len(all)}
	// The walk may have outlived ctx (a store that looks at it between
	// batches only); the choice below, a sort of the whole store, is
	// not interrupted, so it begins only with time left, and the
	// deletion only with time left after it.
	if err := ctx.Err(); err != nil {
		return res, err
	}
	var drop []Entry
	keep := all[:0:0]
	for _, e := range all {
		if p.HapaxDays > 0 && uint64(e.Spam)+uint64(e.Ham) <= 1 &&
			(e.Day == 0 || int64(today)-int64(e.Day) > int64(p.HapaxDays)) {
			drop = append(drop, Entry{Token: e.Token})
			continue
		}
		keep = append(keep, e)
	}
	if p.MaxTokens > 0 && len(keep) > p.MaxTokens {
		use := func(e Entry) float64 {
			f := robinsonF(e.Spam, e.Ham, t.Spam, t.Ham, prm.robs, prm.robx)
			n := float64(e.Spam) + float64(e.Ham)
			return math.Abs(f-0.5) * math.Log1p(n)
		}
		slices.SortFunc(keep, func(a, b Entry) int {
			ua, ub := use(a), use(b)
			switch {
			case ua > ub:
				return -1
			case ua < ub:
				return 1
			}
			return compareStrings(a.Token, b.Token)
		})
		for _, e := range keep[p.MaxTokens:] {
			drop = append(drop, Entry{Token: e.Token})
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(drop) > 0 {
		if err := bs.Put(ctx, drop); err != nil {
			return res, fmt.Errorf("%w: %w", ErrStore, err)
		}
	}
	res.Dropped = len(drop)
	c.trace("bayes: pruned %d of %d tokens", res.Dropped, res.Before)
	return res, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
