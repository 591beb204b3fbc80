package greylist

import (
	"context"
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxEntries bounds a MemoryStore whose MaxEntries is zero.
const DefaultMaxEntries = 1 << 20

// memSweepEvery is how often (in the checks' time) a shard touched by a
// check is swept of expired entries.
const memSweepEvery = time.Minute

// MemoryStore is the in-memory Store, the Checker's default: fast,
// private to the process, lost when it ends. It is sharded by client key
// (one mutex per shard, never a global lock: checks of different
// clients rarely wait for each other), bounded by MaxEntries, and swept
// of expired entries as it is used, in the time of the checks (a shard
// is swept by the first check that touches it a minute of check time or
// more after its last sweep).
//
// The zero MemoryStore is ready to use. It is safe for concurrent use by
// multiple goroutines; set MaxEntries before first use.
//
// Keys are kept as 64-bit hashes with a per-store random seed: a few
// tens of bytes per entry whatever the addresses' length; two keys that
// collide (about one chance in 10^7 with a million entries) share their
// state, which at worst lets one triplet through one delay early.
type MemoryStore struct {
	// MaxEntries bounds the triplets and clients held. If zero,
	// DefaultMaxEntries (1,048,576, some 100 MiB). The bound is on the
	// whole store (it may be passed by at most one entry per shard, 256
	// at most): when the store is full, the entry that expires first
	// among a few sampled in the shard of the check is evicted and the
	// check's Response.Evicted says so (Checker: ErrStoreFull in
	// Outcome.Err). A bound per shard let one busy client, whose entries
	// all fall in its shard, evict the waiting triplets of the other
	// clients of that shard while the store was almost empty.
	MaxEntries int

	once   sync.Once
	seed   maphash.Seed
	mask   uint64
	limit  int64
	count  atomic.Int64 // entries held, all shards
	shards []memShard
}

type memShard struct {
	mu        sync.Mutex
	triplets  map[uint64]TripletRecord
	clients   map[uint64]ClientRecord
	nextSweep int64
	_         [64]byte // keeps neighbouring shards' mutexes off one cache line
}

func (s *MemoryStore) init() {
	s.once.Do(func() {
		max := s.MaxEntries
		if max <= 0 {
			max = DefaultMaxEntries
		}
		// Shards of at least 16 entries, at most 256 shards, a power of 2.
		n := 1
		if max >= 32 {
			n = 1 << min(8, bits.Len(uint(max/16))-1)
		}
		s.seed = maphash.MakeSeed()
		s.mask = uint64(n - 1)
		s.limit = int64(max)
		s.shards = make([]memShard, n)
		for i := range s.shards {
			s.shards[i].triplets = make(map[uint64]TripletRecord)
			s.shards[i].clients = make(map[uint64]ClientRecord)
		}
	})
}

// Record implements Store. It never blocks on anything but its shard's
// mutex and never fails.
func (s *MemoryStore) Record(_ context.Context, req Request) (Response, error) {
	s.init()
	ch := maphash.Bytes(s.seed, req.Client)
	var th uint64
	if req.Triplet != nil {
		var h maphash.Hash
		h.SetSeed(s.seed)
		h.Write(req.Client)
		h.WriteByte(' ')
		h.Write(req.Triplet)
		th = h.Sum64()
	}
	sh := &s.shards[ch&s.mask]
	now := req.Now.UnixMilli()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if now >= sh.nextSweep {
		s.count.Add(-int64(sh.sweep(now)))
		sh.nextSweep = now + memSweepEvery.Milliseconds()
	}
	c, cok := sh.clients[ch]
	var t TripletRecord
	tok := false
	if req.Triplet != nil {
		t, tok = sh.triplets[th]
	}
	resp, wt, wc := req.Apply(&t, &c)
	if wc {
		if !cok {
			resp.Evicted += s.makeRoom(sh)
		}
		sh.clients[ch] = c
	}
	if wt {
		if !tok {
			resp.Evicted += s.makeRoom(sh)
		}
		sh.triplets[th] = t
	}
	return resp, nil
}

// makeRoom counts one more entry about to be put into sh, and when the
// store is full evicts from sh the entry that expires first among a
// few; it returns the number evicted. A shard with nothing to evict lets
// the store pass its bound by one entry. Expired entries are gone
// already: Record swept the shard within the last memSweepEvery (a
// sweep here, on every insert into a full store, would scan the shard
// each time).
func (s *MemoryStore) makeRoom(sh *memShard) int {
	evicted := 0
	defer func() { s.count.Add(1 - int64(evicted)) }()
	if s.count.Load() >= s.limit {
		// One out for one in (checks in other shards at the same time
		// may pass the bound by one entry each). Go's map iteration
		// begins at a random place: the first few entries are a random
		// sample.
		const sample = 8
		var (
			victim  uint64
			exp     int64
			found   bool
			client  bool
			sampled int
		)
		for k, t := range sh.triplets {
			if !found || t.Expires < exp {
				victim, exp, found, client = k, t.Expires, true, false
			}
			if sampled++; sampled == sample {
				break
			}
		}
		sampled = 0
		for k, c := range sh.clients {
			if !found || c.Expires < exp {
				victim, exp, found, client = k, c.Expires, true, true
			}
			if sampled++; sampled == sample {
				break
			}
		}
		if !found {
			return 0
		}
		if client {
			delete(sh.clients, victim)
		} else {
			delete(sh.triplets, victim)
		}
		evicted++
	}
	return evicted
}

// sweep deletes the shard's expired entries.
func (sh *memShard) sweep(now int64) int {
	n := 0
	for k, t := range sh.triplets {
		if now > t.Expires {
			delete(sh.triplets, k)
			n++
		}
	}
	for k, c := range sh.clients {
		if now > c.Expires {
			delete(sh.clients, k)
			n++
		}
	}
	return n
}

// Sweep deletes every entry expired at now and returns how many it
// deleted. The store sweeps itself as it is used; Sweep is for a store
// that goes idle, or a test.
func (s *MemoryStore) Sweep(now time.Time) int {
	s.init()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		d := sh.sweep(now.UnixMilli())
		s.count.Add(-int64(d))
		n += d
		sh.mu.Unlock()
	}
	return n
}

// Len returns the number of entries (triplets and clients) held.
func (s *MemoryStore) Len() int {
	s.init()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.triplets) + len(sh.clients)
		sh.mu.Unlock()
	}
	return n
}
