package bayes

import (
	"context"
	"sync"
)

// MemStore is a Store in memory, the Classifier's default. Its counts
// live as long as it does. The zero value is not ready: use NewMemStore.
// It is safe for concurrent use by multiple goroutines.
type MemStore struct {
	mu     sync.RWMutex
	counts map[string]Count
	totals Totals
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{counts: make(map[string]Count)}
}

// ctxEvery is how many tokens or entries the MemStore's loops go over
// between two looks at ctx: a look costs about as much as a map read.
const ctxEvery = 1024

// Lookup implements Store. A ctx that has ended, or ends while it reads,
// is its error.
func (m *MemStore) Lookup(ctx context.Context, tokens []string, counts []Count) (Totals, error) {
	if err := ctx.Err(); err != nil {
		return Totals{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i, t := range tokens {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return Totals{}, err
			}
		}
		counts[i] = m.counts[t]
	}
	return m.totals, nil
}

// Apply implements Store.
func (m *MemStore) Apply(ctx context.Context, updates []Update) (Totals, error) {
	if err := ctx.Err(); err != nil {
		return Totals{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range updates {
		for _, t := range u.Tokens {
			c, ok := m.counts[t]
			c = AddCount(c, u)
			if c.Spam == 0 && c.Ham == 0 {
				if ok {
					delete(m.counts, t)
				}
				continue
			}
			m.counts[t] = c
		}
		m.totals = AddTotals(m.totals, u)
	}
	return m.totals, nil
}

// Walk implements BulkStore. It looks at ctx every ctxEvery entries.
func (m *MemStore) Walk(ctx context.Context, fn func(Entry) bool) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for t, c := range m.counts {
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n++
		if !fn(Entry{Token: t, Count: c}) {
			return nil
		}
	}
	return ctx.Err()
}

// Put implements BulkStore. Like Apply it is atomic: ctx is looked at
// before it writes, not while (the writes are map stores under the lock).
func (m *MemStore) Put(ctx context.Context, entries []Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		if e.Spam == 0 && e.Ham == 0 {
			delete(m.counts, e.Token)
			continue
		}
		m.counts[e.Token] = e.Count
	}
	return nil
}

// SetTotals implements BulkStore.
func (m *MemStore) SetTotals(ctx context.Context, t Totals) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	m.totals = t
	m.mu.Unlock()
	return nil
}

// Len returns the number of tokens in the store.
func (m *MemStore) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.counts)
}

// AddCount returns c after the update u: its deltas added, clamped at
// zero and at the largest uint32, and u.Day recorded when u adds. Stores
// outside this package use it so that all apply updates alike.
func AddCount(c Count, u Update) Count {
	c.Spam = addClamp32(c.Spam, u.Spam)
	c.Ham = addClamp32(c.Ham, u.Ham)
	if (u.Spam > 0 || u.Ham > 0) && u.Day > c.Day {
		c.Day = u.Day
	}
	return c
}

// AddTotals returns t after the update u, clamped at zero.
func AddTotals(t Totals, u Update) Totals {
	t.Spam = addClamp64(t.Spam, int64(u.Spam))
	t.Ham = addClamp64(t.Ham, int64(u.Ham))
	return t
}

func addClamp32(v uint32, d int32) uint32 {
	n := int64(v) + int64(d)
	switch {
	case n < 0:
		return 0
	case n > 1<<32-1:
		return 1<<32 - 1
	}
	return uint32(n)
}

func addClamp64(v uint64, d int64) uint64 {
	if d < 0 {
		if uint64(-d) > v {
			return 0
		}
		return v - uint64(-d)
	}
	if v+uint64(d) < v {
		return 1<<64 - 1
	}
	return v + uint64(d)
}
