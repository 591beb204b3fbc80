package harvest

import (
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// key is a client address or network, masked, as 16 octets (IPv4 in its
// IPv4-mapped IPv6 form).
type key struct{ hi, lo uint64 }

func keyOf(p netip.Prefix) key {
	a := p.Addr().As16()
	return key{binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])}
}

// entry is the state of one client: 88 octets, no pointers (the garbage
// collector does not scan the slab).
type entry struct {
	k        key
	win      int64 // start of the current fixed window, ns since the epoch, a multiple of the window
	until    int64 // blocked until, ns since the epoch; 0 if never blocked
	cur      Counts
	prev     Counts // the fixed window before win
	conns    int32  // open connections
	offences int32
	ref      bool // used again since created or since the clock hand last passed (CLOCK eviction)
}

// shard is one part of the table, with its own lock. The entries live in
// a slab that grows to cap and then recycles cold entries (the CLOCK
// approximation of least recently used); an open-addressing index of
// slab positions, keyed by the key's hash, finds them.
type shard struct {
	mu   sync.Mutex
	e    []entry
	lim  [numDims][]int64 // token buckets (see take), only for the dimensions with a rate
	idx  []int32          // slab position + 1; 0 is an empty slot; len is a power of two
	hand int32            // CLOCK hand: the next slab position eviction looks at
	cap  int
	rl   rate.Limiter // scratch limiter for take, used under mu
	_    [40]byte     // keep neighbouring shards' locks off one cache line
}

// find returns the slab position of k, whose hash is h, or -1.
func (s *shard) find(k key, h uint64) int32 {
	if len(s.idx) == 0 {
		return -1
	}
	m := uint64(len(s.idx) - 1)
	for j := h & m; ; j = (j + 1) & m {
		v := s.idx[j]
		if v == 0 {
			return -1
		}
		if s.e[v-1].k == k {
			return v - 1
		}
	}
}

// insert indexes slab position i under hash h (k is not indexed yet).
func (s *shard) insert(i int32, h uint64) {
	m := uint64(len(s.idx) - 1)
	j := h & m
	for s.idx[j] != 0 {
		j = (j + 1) & m
	}
	s.idx[j] = i + 1
}

// remove takes k, whose hash is h, out of the index (backward-shift
// deletion: no tombstones).
func (s *shard) remove(k key, h uint64, t *table) {
	m := uint64(len(s.idx) - 1)
	j := h & m
	for s.e[s.idx[j]-1].k != k {
		j = (j + 1) & m
	}
	for {
		s.idx[j] = 0
		n := j
		for {
			n = (n + 1) & m
			v := s.idx[n]
			if v == 0 {
				return
			}
			home := t.hash(s.e[v-1].k) & m
			// Move v back to j unless its home lies cyclically in (j, n].
			if (n > j && (home <= j || home > n)) || (n < j && home <= j && home > n) {
				s.idx[j] = v
				j = n
				break
			}
		}
	}
}

// grow doubles the index and re-inserts every entry.
func (s *shard) grow(t *table) {
	n := max(16, 2*len(s.idx))
	s.idx = make([]int32, n)
	for i := range s.e {
		s.insert(int32(i), t.hash(s.e[i].k))
	}
}

// get returns the slab position of k's entry (whose hash is h), creating
// it (and evicting a cold entry if the shard is full), and marks it used.
func (s *shard) get(k key, h uint64, now int64, t *table) int32 {
	if i := s.find(k, h); i >= 0 {
		s.e[i].ref = true
		return i
	}
	p := &t.p
	var i int32
	if len(s.e) < s.cap {
		if 2*(len(s.e)+1) > len(s.idx) {
			s.grow(t)
		}
		i = int32(len(s.e))
		s.e = appendCapped(s.e, entry{}, s.cap)
		for d := range s.lim {
			if !p.rates[d].IsZero() {
				s.lim[d] = appendCapped(s.lim[d], 0, s.cap)
			}
		}
	} else {
		i = s.victim(now)
		s.remove(s.e[i].k, t.hash(s.e[i].k), t)
	}
	// A new entry starts unreferenced: a client seen once is the first
	// to go, so that a flood of new addresses recycles its own entries
	// and not those of clients that come back. (Starting referenced, a
	// lap of new entries made the hand clear every bit in one sweep and
	// take whatever came next, a returning client as well as any.)
	s.e[i] = entry{k: k}
	for d := range s.lim {
		if !p.rates[d].IsZero() {
			s.lim[d][i] = 0 // a full bucket
		}
	}
	s.insert(i, h)
	return i
}

// appendCapped appends v to a slab, growing its capacity by doubling but
// never past limit, so that a full shard holds no spare capacity.
func appendCapped[T any](a []T, v T, limit int) []T {
	if len(a) == cap(a) {
		n := min(max(16, 2*cap(a)), max(limit, len(a)+1))
		b := make([]T, len(a), n)
		copy(b, a)
		a = b
	}
	return append(a, v)
}

// take takes one token from a token bucket at now, or reports how long
// until one is there. The bucket is a golang.org/x/time/rate limiter of
// rate lim and burst burst, kept between events in 8 octets: the time at
// which it was (or would have been) empty, in ns since the epoch, 0 for
// a full bucket. Its tokens at t are min(burst, lim*(t-empty)), which is
// what a Limiter holding those tokens at its last event computes; the
// Limiter (l, the shard's scratch one, used under the shard's lock) is
// rebuilt for each event, so that a client costs 8 octets per bucket
// rather than a Limiter's 80 (with a pointer for the collector to scan).
func take(l *rate.Limiter, empty *int64, now time.Time, lim rate.Limit, burst int) (ok bool, wait time.Duration) {
	var at time.Time // the zero time: tokens refilled to the burst
	if *empty != 0 {
		at = time.Unix(0, *empty)
	}
	*l = rate.Limiter{}
	l.SetBurstAt(at, burst) // tokens 0 at at: the limit is still 0
	l.SetLimitAt(at, lim)
	ok = l.AllowN(now, 1)
	tokens := l.TokensAt(now)
	// Both conversions round up: a bucket state rounded down to the
	// nanosecond loses a sliver of a token (a burst of 3 allowed 2), a
	// wait rounded down ends just short of the token.
	if !ok {
		wait := time.Duration(math.Ceil((1 - tokens) / float64(lim) * 1e9))
		if now.Before(at) {
			// The clock stepped back past the bucket's empty instant:
			// its tokens refill only from there.
			wait += at.Sub(now)
		}
		return false, max(wait, 1)
	}
	*empty = now.UnixNano() - int64(math.Ceil(tokens/float64(lim)*1e9))
	if *empty == 0 {
		*empty = 1
	}
	return true, 0
}

// victim picks the slab position to recycle with the CLOCK hand: the
// first entry not used since the hand last passed that is neither
// blocked nor holding connections. Pinned entries (blocked or connected)
// are passed over for up to a full lap, so that a flood of new clients
// recycles its own entries and never unblocks a harvester while an
// unpinned entry remains; only when the whole shard is pinned is one
// taken: one without connections if any, the block that ends first.
// A lap costs the shard's size, paid only while nearly all of it is
// pinned (otherwise the hand finds a cold entry within a few steps).
func (s *shard) victim(now int64) int32 {
	n := int32(len(s.e))
	best, passed := int32(-1), int32(0)
	for {
		i := s.hand
		s.hand++
		if s.hand == n {
			s.hand = 0
		}
		e := &s.e[i]
		if e.ref {
			e.ref = false
			continue
		}
		if e.until <= now && e.conns <= 0 {
			return i
		}
		if best < 0 || pinnedBefore(e, &s.e[best]) {
			best = i
		}
		if passed++; passed >= n {
			return best
		}
	}
}

// pinnedBefore reports whether pinned entry a is a better victim than b:
// no open connections first, then the block that ends first.
func pinnedBefore(a, b *entry) bool {
	if (a.conns > 0) != (b.conns > 0) {
		return a.conns <= 0
	}
	return a.until < b.until
}

// roll moves e's fixed windows forward to the one holding now.
func (e *entry) roll(now, window int64) {
	ws := windowStart(now, window)
	switch {
	case ws <= e.win:
		// Same window, or the clock went back: keep counting here.
	case ws-e.win == window:
		e.prev, e.cur = e.cur, Counts{}
		e.win = ws
	default:
		e.prev, e.cur = Counts{}, Counts{}
		e.win = ws
	}
}

// windowStart returns the start of the fixed window holding now: a
// multiple of window since the epoch, so that every node and the Store
// agree on window boundaries.
func windowStart(now, window int64) int64 {
	r := now % window
	if r < 0 {
		r += window
	}
	return now - r
}

// estimate is the sliding-window count: the current fixed window plus
// the previous one weighted by the share of it still inside a window
// ending at now.
type estimate struct {
	conn, msg, rcpt, unknown, errs float64
}

func estimateOf(cur, prev Counts, win, now int64, invWindow float64) estimate {
	f := 1 - float64(now-win)*invWindow
	if f < 0 {
		f = 0
	} else if f > 1 {
		f = 1
	}
	return estimate{
		conn:    float64(cur.Connections) + f*float64(prev.Connections),
		msg:     float64(cur.Messages) + f*float64(prev.Messages),
		rcpt:    float64(cur.Recipients) + f*float64(prev.Recipients),
		unknown: float64(cur.Unknown) + f*float64(prev.Unknown),
		errs:    float64(cur.Errors) + f*float64(prev.Errors),
	}
}

func (x estimate) counts() Counts {
	r := func(v float64) uint32 {
		if v >= float64(^uint32(0)) {
			return ^uint32(0)
		}
		return uint32(v + 0.5)
	}
	return Counts{r(x.conn), r(x.msg), r(x.rcpt), r(x.unknown), r(x.errs)}
}

// table is the sharded client table of a Checker or a MemoryStore.
type table struct {
	p      policy
	seed   uint64
	shift  uint // 64 - log2(len(shards))
	shards []shard
}

// maxShards is the number of shards of a large table; small tables have
// fewer, so that each shard holds at least minPerShard clients.
const (
	maxShards   = 64
	minPerShard = 64
)

func (t *table) init(p policy) {
	t.p = p
	n := maxShards
	for n > 1 && p.maxClients/n < minPerShard {
		n /= 2
	}
	t.shards = make([]shard, n)
	per := max(1, p.maxClients/n) // the total never exceeds maxClients
	for i := range t.shards {
		t.shards[i].cap = per
	}
	t.shift = uint(64 - bits.TrailingZeros(uint(n)))
	t.seed = rand.Uint64() | 1
}

// hash mixes k with the table's random seed (so that nobody can choose
// addresses that collide). The shard is chosen by the top bits, the
// index slot by the low bits.
func (t *table) hash(k key) uint64 {
	h := (k.lo ^ t.seed) * 0x9e3779b97f4a7c15
	h ^= (k.hi + t.seed) * 0xc2b2ae3d27d4eb4f
	h ^= h >> 29
	h *= 0xd6e8feb86659fd93
	h ^= h >> 32
	return h
}

func (t *table) shard(h uint64) *shard {
	if t.shift == 64 {
		return &t.shards[0]
	}
	return &t.shards[h>>t.shift]
}

// clients returns the number of clients held.
func (t *table) clients() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.e)
		s.mu.Unlock()
	}
	return n
}
