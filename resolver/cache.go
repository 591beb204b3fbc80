package resolver

import (
	"cmp"
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
	"unsafe"
)

// Defaults of CacheOptions.
const (
	// DefaultCacheMaxEntries is the default CacheOptions.MaxEntries.
	DefaultCacheMaxEntries = 10000
	// DefaultCacheMaxBytes is the default CacheOptions.MaxBytes, 32 MiB.
	DefaultCacheMaxBytes = 32 << 20
	// DefaultCacheMaxRecords is the default CacheOptions.MaxRecords.
	DefaultCacheMaxRecords = 256
)

// CacheOptions configures a Cache. The zero value gives the defaults.
//
// The cache is bounded three ways: by entries, by bytes and by records
// per answer. MaxBytes is what bounds its memory: an entry's size is
// its records (the slice and each string's octets), its names and the
// cache's own structures, rounded up as the Go allocator does. Reaching
// a bound evicts entries or skips caching an answer (see Stats); it
// never changes or cuts an answer, so it is no error.
type CacheOptions struct {
	// MaxEntries bounds the number of answers kept; the least recently
	// used is evicted first. If zero, DefaultCacheMaxEntries.
	MaxEntries int
	// MaxBytes bounds the memory the entries hold, as the cache accounts
	// it (see Stats): the least recently used entries are evicted until
	// the total is under it. A large cache is split into 16 shards, each
	// bounded by a 16th of MaxBytes and MaxEntries; an answer larger
	// than its shard's share is not cached. If zero,
	// DefaultCacheMaxBytes (32 MiB).
	MaxBytes int
	// MaxRecords bounds the records of one answer the cache keeps. An
	// answer with more records is returned to its caller whole, never
	// cut, and not cached, so that the next lookup asks again: SPF,
	// DKIM and DNSBL callers never see part of a record set as the
	// whole. A zone answering every name with 4,000 A records (one TCP
	// message's worth) then costs its own server a query per lookup,
	// and the cache nothing. If zero, DefaultCacheMaxRecords.
	MaxRecords int
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
// entries, bytes and records per answer (see CacheOptions). Errors other
// than NXDOMAIN and NODATA (SERVFAIL, timeouts) are not cached. A Cache
// is safe for concurrent use by multiple goroutines.
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
	size       int // accounted bytes, see entrySize
	expires    time.Time
	prev, next *centry
}

type cacheShard struct {
	shardData
	// Padding to a multiple of 64 bytes keeps shards, each used under
	// its own lock, on separate cache lines.
	_ [(64 - unsafe.Sizeof(shardData{})%64) % 64]byte
}

type shardData struct {
	mu       sync.Mutex
	max      int // entries
	maxBytes int
	bytes    int // accounted bytes of the entries
	m        map[cacheKey]*centry
	lru      centry // sentinel: lru.next is the most recently used
	stats    CacheStats
}

// CacheStats counts cache activity.
type CacheStats struct {
	Hits      uint64
	Misses    uint64
	Evictions uint64 // entries dropped to respect MaxEntries or MaxBytes
	// Oversized counts answers not cached because they had more than
	// MaxRecords records or were larger than a shard's share of
	// MaxBytes. They were returned whole to their callers.
	Oversized uint64
	Entries   int
	// Bytes is the memory the entries hold, as accounted against
	// MaxBytes: an upper estimate of the heap they keep alive.
	Bytes int
}

// minShardBytes is the least share of MaxBytes a shard gets: more than
// the largest answer under DefaultCacheMaxRecords (a 64 KiB TCP message
// of TXT records accounts about 80 KiB).
const minShardBytes = 1 << 20

// NewCache returns an empty cache.
func NewCache(opts CacheOptions) *Cache {
	opts.MaxEntries = cmp.Or(opts.MaxEntries, DefaultCacheMaxEntries)
	opts.MaxBytes = cmp.Or(opts.MaxBytes, DefaultCacheMaxBytes)
	opts.MaxRecords = cmp.Or(opts.MaxRecords, DefaultCacheMaxRecords)
	opts.MaxTTL = cmp.Or(opts.MaxTTL, 24*time.Hour)
	opts.MaxNegativeTTL = cmp.Or(opts.MaxNegativeTTL, time.Hour)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Small caches keep one shard so that MaxEntries and MaxBytes are
	// exact LRU bounds; large ones spread the lock over 16 shards.
	n := 1
	if opts.MaxEntries >= 1024 && opts.MaxBytes >= 16*minShardBytes {
		n = 16
	}
	c := &Cache{opts: opts, seed: maphash.MakeSeed(), shards: make([]cacheShard, n)}
	for i := range c.shards {
		s := &c.shards[i]
		s.max = (opts.MaxEntries + n - 1) / n
		s.maxBytes = opts.MaxBytes / n
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
		s.remove(e)
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

// remove drops e. s.mu must be held.
func (s *cacheShard) remove(e *centry) {
	s.unlink(e)
	delete(s.m, e.key)
	s.bytes -= e.size
}

func (c *Cache) put(k cacheKey, a *answer) {
	ttl := c.ttl(a)
	if ttl <= 0 {
		return
	}
	// The key keeps the answer's name, not the caller's string, which
	// may be part of a larger one (a message, a record) the cache must
	// not keep alive.
	k.name = a.name[:len(a.name)-1]
	size := entrySize(a)
	expires := c.opts.Now().Add(ttl)
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if records(a) > c.opts.MaxRecords || size > s.maxBytes {
		// Not cached; nor is an older answer for k served in its stead.
		if e, ok := s.m[k]; ok {
			s.remove(e)
		}
		s.stats.Oversized++
		return
	}
	if e, ok := s.m[k]; ok {
		s.bytes += size - e.size
		e.a, e.size, e.expires = a, size, expires
		s.unlink(e)
		s.pushFront(e)
	} else {
		e := &centry{key: k, a: a, size: size, expires: expires}
		s.m[k] = e
		s.bytes += size
		s.pushFront(e)
	}
	for len(s.m) > s.max || s.bytes > s.maxBytes {
		s.remove(s.lru.prev)
		s.stats.Evictions++
	}
}

// records returns the number of records of a.
func records(a *answer) int {
	switch r := a.records.(type) {
	case []string:
		return len(r)
	case []netip.Addr:
		return len(r)
	case []MX:
		return len(r)
	}
	return 0
}

// Sizes of the structures an entry holds besides its strings and
// records: the entry, the answer, the *Error of a negative answer, and
// its map slot (key and pointer; the map may be half empty after it
// grows).
var (
	entryOverhead = allocSize(int(unsafe.Sizeof(centry{}))) + allocSize(int(unsafe.Sizeof(answer{}))) +
		2*int(unsafe.Sizeof(cacheKey{})+unsafe.Sizeof((*centry)(nil))+1)
	errorSize = allocSize(int(unsafe.Sizeof(Error{})))
)

// entrySize returns the bytes accounted for an entry of a: an upper
// estimate of the heap it keeps alive. The key's name is the answer's
// (see put); strings shared with the Resolver (the server's address)
// are not counted; strings that may be shared within the answer (the
// canonical name) are counted apart.
func entrySize(a *answer) int {
	n := entryOverhead + allocSize(len(a.name))
	if a.canonical != a.name {
		n += allocSize(len(a.canonical))
	}
	if a.lookupErr != nil {
		n += errorSize
	}
	switch r := a.records.(type) {
	case []string:
		n += allocSize(cap(r) * int(unsafe.Sizeof("")))
		for _, s := range r {
			n += allocSize(len(s))
		}
	case []netip.Addr:
		n += allocSize(cap(r) * int(unsafe.Sizeof(netip.Addr{})))
	case []MX:
		n += allocSize(cap(r) * int(unsafe.Sizeof(MX{})))
		for _, mx := range r {
			n += allocSize(len(mx.Host))
		}
	}
	return n
}

// allocSize returns at least the bytes the Go allocator takes for an
// object of n bytes: its size class (waste under 1/8 of the size above
// 128 bytes, 16-byte steps below) or, above 32 KiB, whole 8 KiB pages.
func allocSize(n int) int {
	switch {
	case n <= 0:
		return 0
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	case n <= 32<<10:
		return (n + n/8 + 15) &^ 15
	}
	return (n + 8<<10 - 1) &^ (8<<10 - 1)
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
		t.Oversized += s.stats.Oversized
		t.Entries += len(s.m)
		t.Bytes += s.bytes
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
		s.bytes = 0
		s.lru.next, s.lru.prev = &s.lru, &s.lru
		s.mu.Unlock()
	}
}
