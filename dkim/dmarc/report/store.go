package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Key names one report: a reporting period and a DMARC Policy Domain
// (RFC 9990 §3.1: a separate report for each Policy Domain and period).
type Key struct {
	// Domain is the Policy Domain, lower case, as an A-label (RFC 5890).
	Domain string
	// Begin is the start of the period in Unix seconds (UTC).
	Begin int64
}

// Info describes an accumulated report.
type Info struct {
	// Policy is the last policy seen for the report: RFC 9990 §3.1
	// asks for one configuration per report, the final one observed.
	Policy Policy
	// RUA are the rua= URIs of that policy.
	RUA []string
	// Rows is the number of distinct rows, Messages the messages they
	// count.
	Rows     int
	Messages int64
	// Dropped counts the messages a limit kept out of the report
	// (ErrTooManyRows, ErrFieldTooLong); the report says so in its
	// error element.
	Dropped int64
}

// Limits are the bounds a Store enforces on Add; Reporter passes its
// own (see Reporter.MaxReports and the others).
type Limits struct {
	MaxReports       int // reports (Keys) held at once
	MaxRowsPerReport int // distinct rows in one report
	MaxRows          int // distinct rows in all reports together
}

// Store keeps the rows a Reporter accumulates until their report is
// sent. A store for a database implements it; MemoryStore is the one
// in memory. Implementations must be safe for concurrent use.
type Store interface {
	// Add merges row into report k: a row equal to a stored one in
	// every field but Count adds its Count to it, another is stored
	// anew. p and rua replace the report's policy and URIs. A new
	// report beyond lim.MaxReports is refused with ErrTooManyReports
	// (nothing stored); a new row beyond lim.MaxRowsPerReport or
	// lim.MaxRows is refused with ErrTooManyRows, and its Count is
	// added to the report's Dropped. Add must not keep row's slices.
	Add(ctx context.Context, k Key, p Policy, rua []string, row *Row, lim Limits) error
	// Drop adds n to the Dropped count of report k, creating it with
	// p and rua if it does not exist (within lim.MaxReports).
	Drop(ctx context.Context, k Key, p Policy, rua []string, n int64, lim Limits) error
	// Keys lists the reports held, in no particular order.
	Keys(ctx context.Context) ([]Key, error)
	// Info describes report k, or returns ErrNoReport.
	Info(ctx context.Context, k Key) (Info, error)
	// Rows calls fn for each row of report k, in the order they were
	// first added, stopping at fn's first error, which it returns.
	// The Row passed is valid only during the call.
	Rows(ctx context.Context, k Key, fn func(*Row) error) error
	// Delete removes report k (after it was sent).
	Delete(ctx context.Context, k Key) error
}

// MemoryStore is a Store in memory. The zero value is ready to use; it
// is safe for concurrent use by multiple goroutines.
type MemoryStore struct {
	mu      sync.Mutex
	reports map[Key]*memReport
	rows    int // distinct rows in all reports
}

type memReport struct {
	info  Info
	index map[string]int // rowKey → index in rows
	rows  []Row
}

func (s *MemoryStore) get(k Key, p Policy, rua []string, lim Limits) (*memReport, error) {
	if s.reports == nil {
		s.reports = make(map[Key]*memReport)
	}
	m := s.reports[k]
	if m == nil {
		if lim.MaxReports > 0 && len(s.reports) >= lim.MaxReports {
			return nil, fmt.Errorf("%w (%d)", ErrTooManyReports, lim.MaxReports)
		}
		m = &memReport{index: make(map[string]int)}
		s.reports[k] = m
	}
	m.info.Policy = p
	if !slices.Equal(m.info.RUA, rua) {
		m.info.RUA = slices.Clone(rua)
	}
	return m, nil
}

// Add implements Store.
func (s *MemoryStore) Add(ctx context.Context, k Key, p Policy, rua []string, row *Row, lim Limits) error {
	key := rowKey(row)
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.get(k, p, rua, lim)
	if err != nil {
		return err
	}
	if i, ok := m.index[key]; ok {
		m.rows[i].Count += row.Count
		m.info.Messages += row.Count
		return nil
	}
	switch {
	case lim.MaxRowsPerReport > 0 && len(m.rows) >= lim.MaxRowsPerReport:
		m.info.Dropped += row.Count
		return fmt.Errorf("%w: %d in the report for %s", ErrTooManyRows, lim.MaxRowsPerReport, k.Domain)
	case lim.MaxRows > 0 && s.rows >= lim.MaxRows:
		m.info.Dropped += row.Count
		return fmt.Errorf("%w: %d in all reports", ErrTooManyRows, lim.MaxRows)
	}
	m.index[key] = len(m.rows)
	m.rows = append(m.rows, cloneRow(row))
	m.info.Rows++
	m.info.Messages += row.Count
	s.rows++
	return nil
}

// Drop implements Store.
func (s *MemoryStore) Drop(ctx context.Context, k Key, p Policy, rua []string, n int64, lim Limits) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.get(k, p, rua, lim)
	if err != nil {
		return err
	}
	m.info.Dropped += n
	return nil
}

// Keys implements Store.
func (s *MemoryStore) Keys(ctx context.Context) ([]Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]Key, 0, len(s.reports))
	for k := range s.reports {
		keys = append(keys, k)
	}
	return keys, nil
}

// Info implements Store.
func (s *MemoryStore) Info(ctx context.Context, k Key) (Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.reports[k]
	if m == nil {
		return Info{}, fmt.Errorf("%w: %s at %d", ErrNoReport, k.Domain, k.Begin)
	}
	info := m.info
	info.RUA = slices.Clone(info.RUA)
	return info, nil
}

// Rows implements Store. It holds the store's lock for one row at a
// time, so that Add is not blocked while a large report is written.
func (s *MemoryStore) Rows(ctx context.Context, k Key, fn func(*Row) error) error {
	var row Row
	for i := 0; ; i++ {
		s.mu.Lock()
		m := s.reports[k]
		if m == nil {
			s.mu.Unlock()
			if i == 0 {
				return fmt.Errorf("%w: %s at %d", ErrNoReport, k.Domain, k.Begin)
			}
			return nil
		}
		if i >= len(m.rows) {
			s.mu.Unlock()
			return nil
		}
		// A shallow copy: the slices stored are never modified after
		// Add (only Count changes), so reading them unlocked is safe.
		row = m.rows[i]
		s.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
}

// Delete implements Store.
func (s *MemoryStore) Delete(ctx context.Context, k Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.reports[k]; m != nil {
		s.rows -= len(m.rows)
		delete(s.reports, k)
	}
	return nil
}

// cloneRow copies r with slices of its own.
func cloneRow(r *Row) Row {
	c := *r
	c.Reasons = slices.Clone(r.Reasons)
	c.DKIMResults = slices.Clone(r.DKIMResults)
	c.SPFResults = slices.Clone(r.SPFResults)
	return c
}

// rowKey encodes every field of r but Count, each length-prefixed, so
// that two rows have the same key exactly when they are equal.
func rowKey(r *Row) string {
	var b strings.Builder
	b.Grow(128)
	f := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	f(r.SourceIP.String())
	f(string(r.Disposition))
	f(string(r.DKIM))
	f(string(r.SPF))
	f(r.HeaderFrom)
	f(r.EnvelopeFrom)
	f(r.EnvelopeTo)
	b.WriteString(strconv.Itoa(len(r.Reasons)))
	for _, x := range r.Reasons {
		f(string(x.Type))
		f(x.Comment)
	}
	b.WriteString(strconv.Itoa(len(r.DKIMResults)))
	for _, x := range r.DKIMResults {
		f(x.Domain)
		f(x.Selector)
		f(x.Result)
		f(x.HumanResult)
	}
	b.WriteString(strconv.Itoa(len(r.SPFResults)))
	for _, x := range r.SPFResults {
		f(x.Domain)
		f(x.Scope)
		f(x.Result)
		f(x.HumanResult)
	}
	return b.String()
}

// sortKeys orders keys by period, then domain.
func sortKeys(keys []Key) {
	slices.SortFunc(keys, func(a, b Key) int {
		return cmp.Or(cmp.Compare(a.Begin, b.Begin), strings.Compare(a.Domain, b.Domain))
	})
}
