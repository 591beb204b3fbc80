package report

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
)

// Tally counts messages by their DMARC outcome. A row passes DMARC when
// its DKIM or SPF alignment test passed (policy_evaluated).
type Tally struct {
	Messages int64
	Pass     int64 // DMARC passed
	Fail     int64 // DMARC failed
	DKIMPass int64 // the DKIM alignment test passed
	SPFPass  int64 // the SPF alignment test passed
	// Enforced counts the failing messages quarantined or rejected.
	Enforced int64
}

func (t *Tally) add(r *Row) {
	t.Messages += r.Count
	if r.DKIM == AlignedPass {
		t.DKIMPass += r.Count
	}
	if r.SPF == AlignedPass {
		t.SPFPass += r.Count
	}
	if r.DKIM == AlignedPass || r.SPF == AlignedPass {
		t.Pass += r.Count
		return
	}
	t.Fail += r.Count
	if r.Disposition == DispositionQuarantine || r.Disposition == DispositionReject {
		t.Enforced += r.Count
	}
}

// SourceTally is the tally of one source address.
type SourceTally struct {
	Source netip.Addr
	Tally
}

// DomainTally is the tally of one sending (RFC5322.From) domain.
type DomainTally struct {
	Domain string
	Tally
}

// Summary sums aggregate reports for a Domain Owner.
type Summary struct {
	Reports int
	Total   Tally
	// BySource and ByDomain are sorted by messages, most first (then
	// by address or domain).
	BySource []SourceTally
	ByDomain []DomainTally
}

// Summarize sums the rows of reports by source address and by
// header_from domain (lower case).
func Summarize(reports ...*Report) Summary {
	var s Summary
	src := make(map[netip.Addr]*Tally)
	dom := make(map[string]*Tally)
	for _, rep := range reports {
		if rep == nil {
			continue
		}
		s.Reports++
		for i := range rep.Rows {
			r := &rep.Rows[i]
			s.Total.add(r)
			t := src[r.SourceIP]
			if t == nil {
				t = new(Tally)
				src[r.SourceIP] = t
			}
			t.add(r)
			d := strings.ToLower(r.HeaderFrom)
			if dom[d] == nil {
				dom[d] = new(Tally)
			}
			dom[d].add(r)
		}
	}
	for a, t := range src {
		s.BySource = append(s.BySource, SourceTally{a, *t})
	}
	for d, t := range dom {
		s.ByDomain = append(s.ByDomain, DomainTally{d, *t})
	}
	slices.SortFunc(s.BySource, func(a, b SourceTally) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), a.Source.Compare(b.Source))
	})
	slices.SortFunc(s.ByDomain, func(a, b DomainTally) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), strings.Compare(a.Domain, b.Domain))
	})
	return s
}
