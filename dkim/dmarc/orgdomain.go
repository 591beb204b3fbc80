package dmarc

import (
	"cmp"
	"context"
	"fmt"
	"strings"
)

// OrganizationalDomain returns the organizational domain of domain as
// e's evaluations find it. In ModeRFC9989 (the zero Mode) that is the
// DNS tree walk of RFC 9989 §4.10.2 (the walk of §4.10: the name, then
// its parents, a name of eight labels or more jumping to its last
// seven, at most MaxWalkQueries names, psd=y or psd=n ending it): the
// psd=n domain, the domain one label below a psd=y domain, else the
// record with the fewest labels, else domain itself. Its lookups go
// through e.Resolver (and its cache), bounded by e.Timeout as one
// evaluation's, and are one evaluation's session (e.MaxLookups, never
// below MaxWalkQueries+1, so one walk always fits); records parsed are
// kept with e's. A DNS failure above a record found ends the walk there,
// as in Evaluate (a divergence from RFC 9989 §5.3.6, in doc.go). In
// ModeRFC7489 it is e.OrgDomain's answer, or the public suffix list's
// registered domain (RFC 7489 §3.2), without DNS.
//
// domain is compared in lower case, without a trailing dot, as
// A-labels, and the answer is in that form. A domain literal ("[...]")
// has no DNS tree and is its own answer. The error, in ModeRFC9989
// only, wraps ErrDNS for a temporary DNS failure (or the context's end)
// with no record below it: errors.Is(err, ErrDNS), try again later. It
// is safe for concurrent use, as Evaluate is.
func (e *Evaluator) OrganizationalDomain(ctx context.Context, domain string) (string, error) {
	d := normalizeID(strings.TrimSpace(domain))
	if d == "" || strings.ContainsAny(d, "[]:") {
		return d, nil
	}
	if e.mode() == ModeRFC7489 {
		return e.orgDomain(d), nil
	}
	if t := e.Timeout; t >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmp.Or(t, DefaultTimeout))
		defer cancel()
	}
	org, err := e.newSession(ctx).org(d)
	if err != nil {
		return "", fmt.Errorf("organizational domain of %s: %w", d, err)
	}
	return org, nil
}
