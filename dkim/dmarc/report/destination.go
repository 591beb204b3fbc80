package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"

	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver"
	"golang.org/x/net/idna"
)

// Resolver is the DNS interface the external-destination verification
// needs; *net.Resolver and *resolver.Resolver satisfy it.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Destination is one rua= URI and what became of it.
type Destination struct {
	// URI is the rua= URI as published by the Policy Domain.
	URI string
	// Address is the mailbox reports go to: the URI's, or the one the
	// destination's own record put in its place (RFC 9990 §4 step 9).
	// Empty when Err is set.
	Address string
	// External reports that the destination's Organizational Domain is
	// not the Policy Domain's, so that it had to confirm (RFC 9990 §4).
	External bool
	// Err says why the URI is not used: ErrURI, ErrUnverified, ErrDNS
	// (a temporary failure: try again later), ErrTooManyDestinations.
	Err error
}

// Destinations returns the destinations of report k: its rua= URIs in
// order, each verified as RFC 9990 §4 asks (see VerifyDestinations).
// A report goes to the Address of each Destination whose Err is nil.
func (r *Reporter) Destinations(ctx context.Context, k Key) ([]Destination, error) {
	info, err := r.getStore().Info(ctx, k)
	if err != nil {
		return nil, err
	}
	psl := info.Policy.DiscoveryMethod == dmarc.ModeRFC7489.DiscoveryMethod()
	return r.verifyDestinations(ctx, info.Policy.Domain, info.RUA, psl), nil
}

// VerifyDestinations checks the rua= URIs of policyDomain's record (RFC
// 9990 §3.5, §4): only mailto: URIs are used; a URI whose host is in
// another Organizational Domain is used only if
// <policyDomain>._report._dmarc.<host> has a TXT record starting with
// v=DMARC1, whose own rua= (if any) replaces the URI when every URI it
// names is on the same host (else neither is used). At most
// MaxDestinations URIs are considered; the same address is used once.
// Organizational domains are found as Reporter.Mode says: by RFC 9989's
// tree walk (through Resolver), or by the public suffix list in
// ModeRFC7489; Destinations uses the report's discovery_method instead.
func (r *Reporter) VerifyDestinations(ctx context.Context, policyDomain string, rua []string) []Destination {
	return r.verifyDestinations(ctx, policyDomain, rua, r.Mode == dmarc.ModeRFC7489)
}

func (r *Reporter) verifyDestinations(ctx context.Context, policyDomain string, rua []string, psl bool) []Destination {
	if t := cmp.Or(r.Timeout, DefaultTimeout); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	policyDomain = normDomain(policyDomain)
	maxDest := cmp.Or(r.MaxDestinations, DefaultMaxDestinations)
	seen := make(map[string]bool)
	orgs := r.newOrgFinder(ctx, psl)
	var out []Destination
	for i, uri := range rua {
		if i >= maxDest {
			out = append(out, Destination{URI: uri, Err: fmt.Errorf("%w: only the first %d are used", ErrTooManyDestinations, maxDest)})
			continue
		}
		for _, d := range r.verify(ctx, orgs, policyDomain, uri) {
			if d.Err == nil {
				lk := strings.ToLower(d.Address)
				if seen[lk] {
					continue
				}
				seen[lk] = true
			} else {
				r.trace("dmarc report: destination %q for %s not used: %v", uri, policyDomain, d.Err)
			}
			out = append(out, d)
		}
	}
	return out
}

func (r *Reporter) verify(ctx context.Context, orgs *orgFinder, policyDomain, uri string) []Destination {
	addr, host, err := ParseMailto(uri)
	if err != nil {
		return []Destination{{URI: uri, Err: err}}
	}
	// RFC 9990 §4: a destination in the Policy Domain's Organizational
	// Domain needs no confirmation.
	if host == policyDomain {
		return []Destination{{URI: uri, Address: addr}}
	}
	po, err := orgs.org(policyDomain)
	if err != nil {
		return []Destination{{URI: uri, Err: err}}
	}
	ho, err := orgs.org(host)
	if err != nil {
		return []Destination{{URI: uri, Err: err}}
	}
	if ho == po {
		return []Destination{{URI: uri, Address: addr}}
	}
	fail := func(err error) []Destination { return []Destination{{URI: uri, External: true, Err: err}} }
	// §4 steps 1 to 4: <policy domain, A-label>._report._dmarc.<host>.
	pd, err := idna.Lookup.ToASCII(policyDomain)
	if err != nil {
		pd = policyDomain
	}
	ah, err := idna.Lookup.ToASCII(host)
	if err != nil {
		ah = host
	}
	name := pd + "._report._dmarc." + ah
	if len(name) > 253 || longLabel(name) {
		return fail(fmt.Errorf("%w: %s is longer than DNS allows", ErrUnverified, name))
	}
	txts, err := r.resolver().LookupTXT(ctx, name)
	switch {
	case err == nil:
	case resolver.IsTemporary(err):
		return fail(fmt.Errorf("%w: %s: %w", ErrDNS, name, err))
	default:
		return fail(fmt.Errorf("%w: no record at %s", ErrUnverified, name))
	}
	// Steps 6 to 8: a record starting with v=DMARC1 confirms.
	confirmed := false
	var override []string
	for _, t := range txts {
		tags, ok := destinationTags(t)
		if !ok {
			continue
		}
		if !confirmed {
			override = tags["rua"]
		}
		confirmed = true
	}
	if !confirmed {
		return fail(fmt.Errorf("%w: no v=DMARC1 record at %s", ErrUnverified, name))
	}
	if len(override) == 0 {
		return []Destination{{URI: uri, Address: addr, External: true}}
	}
	// Step 9: the override must keep the destination host, or neither
	// URI is used.
	var out []Destination
	for _, o := range override {
		oa, oh, err := ParseMailto(o)
		if err != nil {
			continue // malformed URIs are ignored (§3.5)
		}
		if oh != host {
			return fail(fmt.Errorf("%w: %s names another host (%s)", ErrUnverified, name, oh))
		}
		out = append(out, Destination{URI: uri, Address: oa, External: true})
	}
	if len(out) == 0 {
		return fail(fmt.Errorf("%w: %s overrides rua= with no usable URI", ErrUnverified, name))
	}
	return out
}

func longLabel(name string) bool {
	for l := range strings.SplitSeq(name, ".") {
		if len(l) > 63 || l == "" {
			return true
		}
	}
	return false
}

// destinationTags parses a verification record as tag=value pairs; ok
// is false unless the first tag is v=DMARC1 (§4 step 6). It returns the
// rua= URIs, comma-separated in the record.
func destinationTags(txt string) (map[string][]string, bool) {
	tags := make(map[string][]string)
	first := true
	for p := range strings.SplitSeq(txt, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue // a trailing ";" is optional
		}
		name, value, ok := strings.Cut(p, "=")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if first && (!ok || name != "v" || value != "DMARC1") {
			return nil, false
		}
		first = false
		if name == "rua" {
			for u := range strings.SplitSeq(value, ",") {
				if u = strings.TrimSpace(u); u != "" {
					tags["rua"] = append(tags["rua"], u)
				}
			}
		}
	}
	return tags, !first
}

// ParseMailto returns the address and its lower-case domain of a rua=
// mailto: URI (RFC 6068), without the RFC 7489 size limit suffix
// ("!10m"), which RFC 9989 dropped. An URI of another scheme, with
// several addresses or none is ErrURI.
func ParseMailto(uri string) (addr, host string, err error) {
	u := strings.TrimSpace(uri)
	if i := strings.LastIndexByte(u, '!'); i > 0 && sizeSuffix(u[i+1:]) {
		u = u[:i]
	}
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok || !strings.EqualFold(scheme, "mailto") {
		return "", "", fmt.Errorf("%w: %q is not a mailto: URI", ErrURI, uri)
	}
	rest, _, _ = strings.Cut(rest, "?") // hfields are not used
	rest, err = url.PathUnescape(rest)
	if err != nil {
		return "", "", fmt.Errorf("%w: %q: %w", ErrURI, uri, err)
	}
	if strings.ContainsAny(rest, ",\r\n") {
		return "", "", fmt.Errorf("%w: %q does not hold one address", ErrURI, uri)
	}
	a, err := mail.ParseAddress(rest)
	if err != nil || a.Name != "" {
		return "", "", fmt.Errorf("%w: %q has no address", ErrURI, uri)
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 1 || at == len(a.Address)-1 {
		return "", "", fmt.Errorf("%w: %q has no domain", ErrURI, uri)
	}
	return a.Address, normDomain(a.Address[at+1:]), nil
}

// sizeSuffix reports whether s is an RFC 7489 §6.2 size limit: digits
// and an optional unit.
func sizeSuffix(s string) bool {
	s = strings.TrimRight(s, "kmgtKMGT")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// orgDomain is the organizational domain capDKIM ranks signatures by:
// OrgDomain's, else the public suffix list's (no DNS while recording).
func (r *Reporter) orgDomain(d string) string {
	d = normDomain(d)
	if r.OrgDomain != nil {
		return r.OrgDomain(d)
	}
	return pslOrgDomain(d)
}

func (r *Reporter) resolver() Resolver {
	if r.Resolver != nil {
		return r.Resolver
	}
	return net.DefaultResolver
}

// orgFinder determines the organizational domains of one destination
// check as the evaluation did, through package dmarc's
// Evaluator.OrganizationalDomain: by RFC 9989's DNS tree walk
// (§4.10.2) or, for a report whose policy was discovered with the
// public suffix list (RFC 7489 mode), by the list. Reporter.OrgDomain,
// when set, replaces both. Its answers are kept for the check; the
// walks' lookups go through the Reporter's Resolver (and so its cache).
type orgFinder struct {
	r    *Reporter
	ctx  context.Context
	e    *dmarc.Evaluator
	orgs map[string]string
}

// newOrgFinder returns the orgFinder of one check: its Evaluator uses
// the Reporter's Resolver as it is now, in ModeRFC7489 when psl, else
// ModeRFC9989, bounded by the Reporter's Timeout (on ctx) only.
func (r *Reporter) newOrgFinder(ctx context.Context, psl bool) *orgFinder {
	mode := dmarc.ModeRFC9989
	if psl {
		mode = dmarc.ModeRFC7489
	}
	e := &dmarc.Evaluator{Resolver: r.Resolver, Mode: mode, Timeout: -1}
	return &orgFinder{r: r, ctx: ctx, e: e, orgs: make(map[string]string)}
}

// org returns the organizational domain of d; an error only for a DNS
// failure of the tree walk (ErrDNS: try again later).
func (f *orgFinder) org(d string) (string, error) {
	d = normDomain(d)
	if f.r.OrgDomain != nil {
		return f.r.OrgDomain(d), nil
	}
	if o, ok := f.orgs[d]; ok {
		return o, nil
	}
	o, err := f.e.OrganizationalDomain(f.ctx, d)
	switch {
	case errors.Is(err, dmarc.ErrDNS):
		return "", fmt.Errorf("%w: %w", ErrDNS, err)
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrUnverified, err)
	}
	f.orgs[d] = o
	return o, nil
}

// pslEvaluator finds RFC 7489's organizational domains (§3.2): the
// public suffix list's registered domains, without DNS.
var pslEvaluator = &dmarc.Evaluator{Mode: dmarc.ModeRFC7489}

// pslOrgDomain is RFC 7489's organizational domain of d.
func pslOrgDomain(d string) string {
	o, err := pslEvaluator.OrganizationalDomain(context.Background(), d)
	if err != nil {
		return d
	}
	return o
}
