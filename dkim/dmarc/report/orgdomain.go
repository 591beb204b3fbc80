package report

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// orgFinder determines the organizational domains of one destination
// check as the evaluation did: by RFC 9989's DNS tree walk (§4.10.2)
// or, for a report whose policy was discovered with the public suffix
// list (RFC 7489 mode), by the list. Reporter.OrgDomain, when set,
// replaces both. Every _dmarc name is looked up at most once per check,
// through the Reporter's Resolver (and so its cache).
type orgFinder struct {
	r    *Reporter
	ctx  context.Context
	psl  bool
	memo map[string]walkName
	orgs map[string]string
}

// walkName is what one _dmarc name holds for the tree walk.
type walkName struct {
	present bool      // exactly one DMARC record (valid or not)
	psd     dmarc.PSD // its psd=
	err     error     // a temporary DNS failure
}

func (r *Reporter) newOrgFinder(ctx context.Context, psl bool) *orgFinder {
	return &orgFinder{r: r, ctx: ctx, psl: psl, memo: make(map[string]walkName), orgs: make(map[string]string)}
}

// org returns the organizational domain of d; an error only for a DNS
// failure of the tree walk (ErrDNS: try again later).
func (f *orgFinder) org(d string) (string, error) {
	d = normDomain(d)
	if f.r.OrgDomain != nil {
		return f.r.OrgDomain(d), nil
	}
	if f.psl {
		return pslOrgDomain(d), nil
	}
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		d = a
	}
	if o, ok := f.orgs[d]; ok {
		return o, nil
	}
	// RFC 9989 §4.10: the name, then its parents up to the single
	// label (a name of eight labels or more jumps to its last seven),
	// at most dmarc.MaxWalkQueries names; psd=y or psd=n stops it.
	last, lastPSD, have := "", dmarc.PSDUnknown, false
	for name, n := d, 0; name != "" && n < dmarc.MaxWalkQueries; name, n = walkNext(name), n+1 {
		w := f.fetch(name)
		if w.err != nil {
			if have {
				break // as package dmarc: a failure above a record ends the walk
			}
			return "", fmt.Errorf("%w: organizational domain of %s: %w", ErrDNS, d, w.err)
		}
		if !w.present {
			continue
		}
		last, lastPSD, have = name, w.psd, true
		if w.psd != dmarc.PSDUnknown {
			break
		}
	}
	// §4.10.2: the psd=n domain, the one below a psd=y domain, the
	// record with the fewest labels, or without records d itself.
	org := d
	switch {
	case !have:
	case lastPSD == dmarc.PSDYes && last != d:
		org = lastLabels(d, strings.Count(last, ".")+2)
	default:
		org = last
	}
	f.orgs[d] = org
	return org, nil
}

func (f *orgFinder) fetch(name string) walkName {
	if w, ok := f.memo[name]; ok {
		return w
	}
	var w walkName
	txts, err := f.r.resolver().LookupTXT(f.ctx, "_dmarc."+name)
	switch {
	case err == nil:
		n := 0
		for _, t := range txts {
			rec, err := dmarc.Parse(t)
			if errors.Is(err, dmarc.ErrNotDMARC) {
				continue
			}
			n++
			w = walkName{present: true}
			if rec != nil {
				w.psd = rec.PSD
			}
		}
		if n > 1 {
			w = walkName{} // several records: all discarded (§4.10 step 2)
		}
	case resolver.IsNotFound(err):
	case resolver.IsTemporary(err):
		w.err = err
	}
	f.memo[name] = w
	return w
}

// walkNext returns the next name of a tree walk after name: one label
// less, or the last seven labels of a name of eight or more; "" after
// a single label.
func walkNext(name string) string {
	switch labels := strings.Count(name, ".") + 1; {
	case labels <= 1:
		return ""
	case labels < 8:
		_, rest, _ := strings.Cut(name, ".")
		return rest
	}
	return lastLabels(name, 7)
}

// lastLabels returns the last n labels of name.
func lastLabels(name string, n int) string {
	i := len(name)
	for ; n > 0; n-- {
		j := strings.LastIndexByte(name[:i], '.')
		if j < 0 {
			return name
		}
		i = j
	}
	return name[i+1:]
}

// pslOrgDomain is RFC 7489's organizational domain (§3.2): the public
// suffix list's registered domain.
func pslOrgDomain(d string) string {
	o, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return o
}
