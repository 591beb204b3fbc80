package resolver

import (
	"cmp"
	"hash/maphash"
	"sync"
	"time"
)

// CacheOptions configures a Cache. The zero value gives the defaults.
type CacheOptions struct {
	// MaxEntries bounds the number of answers kept; the least recently
	// used is evicted first. If zero, 10000.
	MaxEntries int
	// MinTTL raises shorter TTLs, positive and negative. If zero, no
	// floor: a TTL of 0 is not cached (RFC 1035 §3.2.1).
	MinTTL time.Duration
	// MaxTTL caps positive TTLs. If zero, 24 hours.
	MaxTTL time.Duration
	// MaxNegativeTTL caps the TTL of NXDOMAIN and NODATA answers, which
	// is the smaller of the SOA's TTL and MINIMUM field (RFC 2308 §5).
	// Negative answers without an SOA are not cached (RFC 2308 §5).
	// If zero, 1 hour.
	MaxNegativeTTL time.Duration
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
}

// Cache keeps positive and negative answers for their TTL, bounded in
// size. Errors other than NXDOMAIN and NODATA (SERVFAIL, timeouts) are
// not cached. A Cache is safe for concurrent use by multiple goroutines.
type Cache struct {
	opts   CacheOptions
	seed   maphash.Seed
	shards []cacheShard
}

type cacheKey struct {
	name  string // canonicalKey form
	qtype uint16
}

type centry struct {
	key        cacheKey
	a          *answer
	expires    time.Time
	prev, next *centry
}

type cacheShard struct {
	mu    sync.Mutex
	max   int
	m     map[cacheKey]*centry
	lru   centry // sentinel: lru.next is the most recently used
	stats CacheStats
	_     [40]byte // keep shards on separate cache lines
}

// CacheStats counts cache activity.
type CacheStats struct {
	Hits      uint64
	Misses    uint64
	Evictions uint64 // entries dropped to respect MaxEntries
	Entries   int
}

// NewCache returns an empty cache.
func NewCache(opts CacheOptions) *Cache {
	opts.MaxEntries = cmp.Or(opts.MaxEntries, 10000)
	opts.MaxTTL = cmp.Or(opts.MaxTTL, 24*time.Hour)
	opts.MaxNegativeTTL = cmp.Or(opts.MaxNegativeTTL, time.Hour)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Small caches keep one shard so that MaxEntries is an exact LRU
	// bound; large ones spread the lock over 16 shards.
	n := 1
	if opts.MaxEntries >= 1024 {
		n = 16
	}
	c := &Cache{opts: opts, seed: maphash.MakeSeed(), shards: make([]cacheShard, n)}
	per := (opts.MaxEntries + n - 1) / n
	for i := range c.shards {
		s := &c.shards[i]
		s.max = per
		s.m = make(map[cacheKey]*centry)
		s.lru.next, s.lru.prev = &s.lru, &s.lru
	}
	return c
}

func (c *Cache) shard(k cacheKey) *cacheShard {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	h := maphash.String(c.seed, k.name) ^ uint64(k.qtype)
	return &c.shards[h%uint64(len(c.shards))]
}

func (s *cacheShard) unlink(e *centry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (s *cacheShard) pushFront(e *centry) {
	e.prev, e.next = &s.lru, s.lru.next
	s.lru.next.prev = e
	s.lru.next = e
}

// get returns the answer for k and its remaining TTL.
func (c *Cache) get(k cacheKey) (*answer, time.Duration, bool) {
	now := c.opts.Now()
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[k]
	if !ok {
		s.stats.Misses++
		return nil, 0, false
	}
	left := e.expires.Sub(now)
	if left <= 0 {
		s.unlink(e)
		delete(s.m, k)
		s.stats.Misses++
		return nil, 0, false
	}
	if s.lru.next != e {
		s.unlink(e)
		s.pushFront(e)
	}
	s.stats.Hits++
	// Round down to whole seconds, as a DNS TTL.
	return e.a, left.Truncate(time.Second), true
}

// fresh reports whether k has an unexpired entry, without counting a hit
// or a miss or touching the LRU order.
func (c *Cache) fresh(k cacheKey) bool {
	now := c.opts.Now()
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[k]
	return ok && e.expires.After(now)
}

// ttl returns how long a may be cached, after the clamps.
func (c *Cache) ttl(a *answer) time.Duration {
	if a.err != nil {
		if !a.hasSOA {
			return 0
		}
		return max(c.opts.MinTTL, min(c.opts.MaxNegativeTTL, time.Duration(a.negTTL)*time.Second))
	}
	return max(c.opts.MinTTL, min(c.opts.MaxTTL, time.Duration(a.ttl)*time.Second))
}

func (c *Cache) put(k cacheKey, a *answer) {
	ttl := c.ttl(a)
	if ttl <= 0 {
		return
	}
	expires := c.opts.Now().Add(ttl)
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[k]; ok {
		e.a, e.expires = a, expires
		s.unlink(e)
		s.pushFront(e)
		return
	}
	e := &centry{key: k, a: a, expires: expires}
	s.m[k] = e
	s.pushFront(e)
	for len(s.m) > s.max {
		old := s.lru.prev
		s.unlink(old)
		delete(s.m, old.key)
		s.stats.Evictions++
	}
}

// Len returns the number of entries, expired ones included until they
// are looked up or evicted.
func (c *Cache) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// Stats returns the counters summed over the cache.
func (c *Cache) Stats() CacheStats {
	var t CacheStats
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		t.Hits += s.stats.Hits
		t.Misses += s.stats.Misses
		t.Evictions += s.stats.Evictions
		t.Entries += len(s.m)
		s.mu.Unlock()
	}
	return t
}

// Purge removes every entry.
func (c *Cache) Purge() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.lru.next, s.lru.prev = &s.lru, &s.lru
		s.mu.Unlock()
	}
}
