package dmarc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spamkit/spamkit/resolver"
)

// DefaultMaxLookups is the default bound on the DMARC record lookups of
// one evaluation in ModeRFC9989 (the tree walks of the From domain and
// of the identifiers to align share their names).
const DefaultMaxLookups = 32

// MaxWalkQueries is the most queries one tree walk makes (RFC 9989
// §4.10): the starting name, then at most seven parents (a name of
// eight labels or more is cut to its last seven).
const MaxWalkQueries = 8

// found is what one _dmarc name holds for the tree walk.
type found struct {
	rec      *Record // the one DMARC record (partial when recErr is set), or nil
	recErr   error   // the parse error of that record (ErrSyntax)
	multiple bool    // several DMARC records: all discarded (RFC 9989 §4.10 step 2)
}

func (f found) present() bool { return f.rec != nil || f.recErr != nil }

func (f found) psd() PSD {
	if f.rec == nil {
		return PSDUnknown
	}
	return f.rec.PSD
}

// step is one name of a tree walk and what it held.
type step struct {
	domain string
	f      found
}

type fetched struct {
	domain string
	f      found
	err    error
}

// session is the DNS state of one evaluation in ModeRFC9989: every
// _dmarc name is looked up at most once (the walks of the From domain
// and of the identifiers share their upper names), and MaxLookups bounds
// them together. Its memos are short lists searched in order (a walk is
// at most eight names), kept in arrays of the session itself while they
// fit: a warm evaluation allocates no map.
type session struct {
	e       *Evaluator
	ctx     context.Context
	memo    []fetched
	orgs    []orgOf
	lookups int
	max     int
	notes   []string // facts for Details, each once

	memoBuf [MaxWalkQueries]fetched
	orgBuf  [2]orgOf
}

// orgOf is a domain and its organizational domain.
type orgOf struct{ domain, org string }

func (s *session) note(n string) {
	if !slices.Contains(s.notes, n) {
		s.notes = append(s.notes, n)
	}
}

func (e *Evaluator) newSession(ctx context.Context) *session {
	m := e.MaxLookups
	if m <= 0 {
		m = DefaultMaxLookups
	}
	// The From domain's policy discovery must always fit: one walk, and
	// the organizational domain a long name's walk skipped.
	s := &session{e: e, ctx: ctx, max: max(m, MaxWalkQueries+1)}
	s.memo, s.orgs = s.memoBuf[:0], s.orgBuf[:0]
	return s
}

// fetch looks up the DMARC records at _dmarc.domain (RFC 9989 §4.10
// steps 1, 2, 5, 6). Its error wraps ErrDNS or ErrTooManyLookups.
func (s *session) fetch(domain string) (found, error) {
	for i := range s.memo {
		if s.memo[i].domain == domain {
			return s.memo[i].f, s.memo[i].err
		}
	}
	if s.lookups >= s.max {
		return found{}, fmt.Errorf("%w: limit %d, at _dmarc.%s", ErrTooManyLookups, s.max, domain)
	}
	s.lookups++
	f, err := s.query(domain)
	s.memo = append(s.memo, fetched{domain, f, err})
	return f, err
}

// cachedOrg returns the organizational domain found for d, if any.
func (s *session) cachedOrg(d string) (string, bool) {
	for _, o := range s.orgs {
		if o.domain == d {
			return o.org, true
		}
	}
	return "", false
}

func (s *session) query(domain string) (found, error) {
	txts, err := s.e.resolver().LookupTXT(s.ctx, "_dmarc."+domain)
	switch {
	case err == nil:
	case resolver.IsNotFound(err):
		return found{}, nil
	case resolver.IsTemporary(err):
		return found{}, fmt.Errorf("%w: %w", ErrDNS, err)
	default:
		return found{}, nil
	}
	var f found
	n := 0
	for _, t := range txts {
		r, err := s.e.parsed.parse(t, ModeRFC9989)
		if errors.Is(err, ErrNotDMARC) {
			continue // step 2: other records are discarded
		}
		n++
		f = found{rec: r, recErr: err}
	}
	if n > 1 {
		return found{multiple: true}, nil // step 2: all discarded
	}
	return f, nil
}

// next returns the next target of a tree walk after name (RFC 9989
// §4.10 steps 3, 4, 7): one label less, or the last seven labels of a
// name of eight or more; "" after a single label.
func next(name string) string {
	labels := strings.Count(name, ".") + 1
	switch {
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

// walk performs the DNS tree walk from start (RFC 9989 §4.10): it
// returns the names queried, in order, up to the first record with
// psd=y or psd=n, or the single-label name.
func (s *session) walk(start string, buf *[MaxWalkQueries]step) ([]step, error) {
	steps := buf[:0]
	have := false // a record was found
	for d, n := start, 0; d != "" && n < MaxWalkQueries; d, n = next(d), n+1 {
		f, err := s.fetch(d)
		if err != nil && have && errors.Is(err, ErrDNS) {
			// A failure above the nearest record ends the walk there, as
			// if no record were above it: a TLD's servers failing would
			// otherwise leave no mail passing (a divergence from RFC 9989
			// §5.3.6, in doc.go).
			s.note(fmt.Sprintf("DNS failure at _dmarc.%s, tree walk ended below it", d))
			break
		}
		if err != nil {
			return steps, err
		}
		have = have || f.present()
		steps = append(steps, step{d, f})
		if f.present() && f.psd() != PSDUnknown {
			break // steps 2, 6: psd=y or psd=n stops the walk
		}
	}
	return steps, nil
}

// orgFrom selects the organizational domain of start from its walk
// (RFC 9989 §4.10.2): the walk stops at a psd=n or psd=y record, so the
// last record found decides: psd=n, that domain; psd=y (not at start),
// the domain one label below it; otherwise that domain, the one with
// the fewest labels. Without any record, start itself.
func orgFrom(start string, steps []step) string {
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		if !st.f.present() {
			continue
		}
		if st.f.psd() == PSDYes && st.domain != start {
			return lastLabels(start, strings.Count(st.domain, ".")+2)
		}
		return st.domain
	}
	return start
}

// org returns the organizational domain of d by its tree walk.
func (s *session) org(d string) (string, error) {
	if o, ok := s.cachedOrg(d); ok {
		return o, nil
	}
	var buf [MaxWalkQueries]step
	steps, err := s.walk(d, &buf)
	if err != nil {
		return "", err
	}
	o := orgFrom(d, steps)
	s.orgs = append(s.orgs, orgOf{d, o})
	return o, nil
}

// discover finds the DMARC policy record of the From domain (RFC 9989
// §4.10.1): the record at the domain itself, else the one at its
// organizational domain, else the one of its public suffix domain
// (psd=y). It returns the record (or its parse error) and where it was
// found; ErrNoRecord when there is none.
func (s *session) discover(domain string) (*Record, string, []string, error) {
	if strings.ContainsAny(domain, "[]:") {
		// A domain literal (RFC 5322 §3.4.1) has no DNS tree to walk.
		return nil, "", nil, fmt.Errorf("%w for %s (a domain literal)", ErrNoRecord, domain)
	}
	var details []string
	f, err := s.fetch(domain)
	if err != nil {
		return nil, "", nil, err
	}
	if f.multiple {
		details = append(details, fmt.Sprintf("several DMARC records at _dmarc.%s, discarded", domain))
	}
	if f.present() {
		return f.rec, domain, details, f.recErr
	}
	var buf [MaxWalkQueries]step
	steps, err := s.walk(domain, &buf)
	if err != nil {
		return nil, "", details, err
	}
	org := orgFrom(domain, steps)
	s.orgs = append(s.orgs, orgOf{domain, org})
	var psd *step
	for i := range steps {
		st := &steps[i]
		if st.f.multiple && st.domain != domain {
			details = append(details, fmt.Sprintf("several DMARC records at _dmarc.%s, discarded", st.domain))
		}
		if st.f.present() && st.domain == org {
			return st.f.rec, st.domain, details, st.f.recErr
		}
		if st.f.present() && st.f.psd() == PSDYes {
			psd = st
		}
	}
	if org != domain && !slices.ContainsFunc(steps, func(st step) bool { return st.domain == org }) {
		// A name of more than eight labels jumps to its last seven (step
		// 3): a psd=y there makes the organizational domain the name of
		// eight labels the walk skipped. Its record comes before the
		// PSD's (§4.10.1).
		f, err := s.fetch(org)
		if err != nil {
			return nil, "", details, err
		}
		if f.multiple {
			details = append(details, fmt.Sprintf("several DMARC records at _dmarc.%s, discarded", org))
		}
		if f.present() {
			return f.rec, org, details, f.recErr
		}
	}
	if psd != nil {
		details = append(details, fmt.Sprintf("public suffix domain policy of %s (psd=y)", psd.domain))
		return psd.f.rec, psd.domain, details, psd.f.recErr
	}
	return nil, "", details, fmt.Errorf("%w for %s (tree walk)", ErrNoRecord, domain)
}

// aligned reports whether id aligns with the author domain in mode m
// by RFC 9989 §4.10.2: strict, the same name; relaxed, the same
// organizational domain, found by tree walks. An id outside the author's
// organizational domain cannot share it and costs no lookup.
func (s *session) aligned(id, author string, m Alignment) (bool, error) {
	id = normalizeID(id)
	switch {
	case id == "":
		return false, nil
	case id == author:
		return true, nil
	case m == Strict:
		return false, nil
	}
	orgA, err := s.org(author)
	if err != nil {
		return false, err
	}
	if id != orgA && !strings.HasSuffix(id, "."+orgA) {
		return false, nil
	}
	orgI, err := s.org(id)
	if err != nil {
		return false, err
	}
	return orgI == orgA, nil
}
