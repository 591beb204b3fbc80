package harvest

import (
	"context"
	"net/netip"
	"sync"
	"time"
)

// Store holds the state a cluster of SMTP servers shares: each client's
// counts per fixed window and its block. With a Store, a harvester
// spreading its probes over several MX hosts is judged on all of them
// together, and a block set on one host holds on all. Token buckets and
// connection counts stay on each node: they protect that node.
//
// Windows are fixed spans of the given length starting at multiples of
// it since the Unix epoch, so that every node agrees on them.
//
// Implementations must be safe for concurrent use. MemoryStore is the
// in-memory one (for tests, and for Checkers in one process sharing
// state); package harvest/redisstore keeps the state in Redis.
type Store interface {
	// Add adds d to key's counts in the fixed window of length window
	// holding now, and returns key's state after it: the counts of that
	// window and of the one before it, and key's block.
	Add(ctx context.Context, key netip.Prefix, d Counts, now time.Time, window time.Duration) (Stats, error)
	// SetBlock records key's block, to be kept for at least keep from
	// now (the block's remaining time plus Config.MaxBlock, so that a
	// repeat offence is recognised). keep is relative, so that a
	// store's own clock need not agree with the Checker's.
	SetBlock(ctx context.Context, key netip.Prefix, b Block, keep time.Duration) error
}

// Stats is a client's state in a Store.
type Stats struct {
	// WindowStart is the start of the fixed window holding the time
	// passed to Add.
	WindowStart time.Time
	// Current and Previous are the counts of that window and of the one
	// before it.
	Current, Previous Counts
	// Block is the client's block; the zero Block if none is known.
	Block Block
}

// Block is a harvest verdict's block.
type Block struct {
	// Until is when the block ends.
	Until time.Time
	// Offences is the number of verdicts so far, this one included.
	Offences int
}

// MemoryStore is a Store in this process's memory, bounded to MaxClients
// clients like a Checker. Its zero value is ready to use; it is safe for
// concurrent use by multiple goroutines.
type MemoryStore struct {
	// MaxClients is the number of clients kept; past it the least
	// recently used are forgotten. If zero, DefaultMaxClients.
	MaxClients int

	once sync.Once
	t    table
}

func (m *MemoryStore) init() {
	m.once.Do(func() {
		m.t.init(policy{maxClients: orInt(m.MaxClients, DefaultMaxClients)})
	})
}

// Add implements Store.
func (m *MemoryStore) Add(_ context.Context, key netip.Prefix, d Counts, now time.Time, window time.Duration) (Stats, error) {
	m.init()
	if window <= 0 {
		window = DefaultWindow
	}
	k := keyOf(key.Masked())
	ns, w := now.UnixNano(), int64(window)
	h := m.t.hash(k)
	s := m.t.shard(h)
	s.mu.Lock()
	e := &s.e[s.get(k, h, ns, &m.t)]
	e.roll(ns, w)
	e.cur.add(d)
	st := Stats{WindowStart: time.Unix(0, e.win), Current: e.cur, Previous: e.prev}
	if e.until != 0 {
		st.Block = Block{Until: time.Unix(0, e.until), Offences: int(e.offences)}
	}
	s.mu.Unlock()
	return st, nil
}

// SetBlock implements Store. The MemoryStore keeps a block as long as
// the client is among the MaxClients most recently used (and prefers to
// forget clients that are not blocked).
func (m *MemoryStore) SetBlock(_ context.Context, key netip.Prefix, b Block, _ time.Duration) error {
	m.init()
	k := keyOf(key.Masked())
	h := m.t.hash(k)
	s := m.t.shard(h)
	s.mu.Lock()
	// now 0: eviction prefers entries that were never blocked.
	e := &s.e[s.get(k, h, 0, &m.t)]
	e.until, e.offences = b.Until.UnixNano(), int32(b.Offences)
	s.mu.Unlock()
	return nil
}
