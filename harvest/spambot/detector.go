package spambot

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Defaults. Each threshold's source is in doc.go.
const (
	// DefaultMaxHosts is how many hosts a Detector tracks.
	DefaultMaxHosts = 65536
	// DefaultSpambotSignals is how many thresholds make a Spambot.
	DefaultSpambotSignals = 2
)

// Default thresholds, by kind (see doc.go, Thresholds, for their
// sources).
var (
	DefaultMessages   = Threshold{Count: 30, Window: time.Minute}
	DefaultDomains    = Threshold{Count: 50, Window: 5 * time.Minute}
	DefaultMXLookups  = Threshold{Count: 1, Window: time.Hour}
	DefaultDirectSMTP = Threshold{Count: 1, Window: time.Hour}
	DefaultRejected   = Threshold{Count: 20, Window: time.Hour}
)

// Event is one observation about an internal host.
type Event struct {
	// Time is when it happened. If zero, the Detector's Now.
	Time time.Time
	// Host is the internal source host (IPv4-mapped addresses are
	// unmapped and zones dropped: one host whatever the interface).
	Host netip.Addr
	// Kind is what happened.
	Kind Kind
	// Domain is the recipient's domain, for Recipient (case and a
	// trailing dot are ignored).
	Domain string
}

// Detector keeps per-host counts over sliding windows and gives a
// verdict on each host. Its zero value is ready to use with the default
// thresholds. Set its fields before the first Record; it is then safe
// for concurrent use by multiple goroutines (hosts are spread over
// shards, each with its own lock).
type Detector struct {
	// Messages, Domains, MXLookups, DirectSMTP and Rejected are the
	// thresholds of each kind; zero fields take the Default ones.
	Messages, Domains, MXLookups, DirectSMTP, Rejected Threshold
	// SpambotSignals is how many thresholds reached at once make a
	// Spambot (fewer make a Suspect). If zero, DefaultSpambotSignals.
	SpambotSignals int
	// MaxHosts bounds the hosts tracked; the least recently active one
	// is forgotten to make room (Outcome.Err wraps ErrTooManyHosts). If
	// zero, DefaultMaxHosts.
	MaxHosts int
	// Now returns the current time, for events without one. If nil,
	// time.Now.
	Now func() time.Time

	once       sync.Once
	seed       maphash.Seed
	thresholds [NumKinds]Threshold
	perShard   int
	shards     [nShards]shard
}

const nShards = 32

type shard struct {
	mu         sync.Mutex
	hosts      map[netip.Addr]*host
	head, tail *host // most and least recently active
	evictions  uint64
}

// host is one host's counts, in its shard's LRU list.
type host struct {
	addr       netip.Addr
	prev, next *host
	counts     [NumKinds]counter // Recipient's is unused
	domains    distinct
}

func (d *Detector) init() {
	d.once.Do(func() {
		d.seed = maphash.MakeSeed()
		for k, t := range [NumKinds]Threshold{d.Messages, d.Domains, d.MXLookups, d.DirectSMTP, d.Rejected} {
			def := [NumKinds]Threshold{DefaultMessages, DefaultDomains, DefaultMXLookups, DefaultDirectSMTP, DefaultRejected}[k]
			if t.Count == 0 {
				t.Count = def.Count
			}
			if t.Window <= 0 {
				t.Window = def.Window
			}
			d.thresholds[k] = t
		}
		max := d.MaxHosts
		if max <= 0 {
			max = DefaultMaxHosts
		}
		d.perShard = max / nShards
		if d.perShard < 1 {
			d.perShard = 1
		}
		for i := range d.shards {
			d.shards[i].hosts = make(map[netip.Addr]*host)
		}
	})
}

// Thresholds returns the thresholds in force, indexed by Kind, defaults
// filled in.
func (d *Detector) Thresholds() [NumKinds]Threshold {
	d.init()
	return d.thresholds
}

func (d *Detector) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Detector) shardOf(a netip.Addr) *shard {
	b := a.As16()
	return &d.shards[maphash.Bytes(d.seed, b[:])%nShards]
}

// foldHash hashes a domain with ASCII case folded and a trailing dot
// dropped, without allocating.
func (d *Detector) foldHash(domain string) uint64 {
	if n := len(domain); n > 1 && domain[n-1] == '.' {
		domain = domain[:n-1]
	}
	var h maphash.Hash
	h.SetSeed(d.seed)
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h.WriteByte(c)
	}
	return h.Sum64()
}

// Record counts the event and returns the host's verdict at the event's
// time. The error is non-nil, and nothing is counted, when the host is
// not a valid address (ErrHost) or the event is not one (ErrEvent).
// Events may come out of order (log replays); one older than its kind's
// window behind the host's newest is not counted.
func (d *Detector) Record(e Event) (Outcome, error) {
	d.init()
	if !e.Host.IsValid() {
		return Outcome{}, ErrHost
	}
	if int(e.Kind) >= NumKinds || e.Kind == Recipient && (e.Domain == "" || e.Domain == ".") {
		return Outcome{}, fmt.Errorf("%w: kind %d, domain %q", ErrEvent, e.Kind, e.Domain)
	}
	a := e.Host.Unmap().WithZone("") // one host whatever the interface named
	t := e.Time
	if t.IsZero() {
		t = d.now()
	}
	var dh uint64
	if e.Kind == Recipient {
		dh = d.foldHash(e.Domain)
	}
	s := d.shardOf(a)
	s.mu.Lock()
	h, evicted := s.get(a, d.perShard)
	th := d.thresholds[e.Kind]
	if th.Count >= 0 {
		if e.Kind == Recipient {
			h.domains.add(dh, t.UnixNano(), int64(th.Window), th.Count)
		} else {
			h.counts[e.Kind].add(bucketOf(t, th.Window))
		}
	}
	o := d.outcome(h, t)
	s.mu.Unlock()
	if evicted.IsValid() {
		o.Err = fmt.Errorf("%w: forgot %s", ErrTooManyHosts, evicted)
	}
	return o, nil
}

// Check returns the host's verdict at time at (the Detector's Now if
// zero) without counting anything. A host never seen, or forgotten, is
// Clean.
func (d *Detector) Check(a netip.Addr, at time.Time) (Outcome, error) {
	d.init()
	if !a.IsValid() {
		return Outcome{}, ErrHost
	}
	a = a.Unmap().WithZone("")
	if at.IsZero() {
		at = d.now()
	}
	s := d.shardOf(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[a]
	if h == nil {
		return Outcome{Result: Clean, Host: a, At: at}, nil
	}
	return d.outcome(h, at), nil
}

// Suspects returns the verdicts at time at (the Detector's Now if zero)
// of every host that is not Clean, spambots first, then by number of
// signals, then by address.
func (d *Detector) Suspects(at time.Time) []Outcome {
	d.init()
	if at.IsZero() {
		at = d.now()
	}
	var out []Outcome
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		for _, h := range s.hosts {
			if o := d.outcome(h, at); o.Result != Clean {
				out = append(out, o)
			}
		}
		s.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b Outcome) int {
		return cmp.Or(
			cmp.Compare(rank(b.Result), rank(a.Result)),
			cmp.Compare(len(b.Signals), len(a.Signals)),
			a.Host.Compare(b.Host))
	})
	return out
}

func rank(r Result) int {
	switch r {
	case Spambot:
		return 2
	case Suspect:
		return 1
	}
	return 0
}

// Stats reports the hosts tracked and how many were forgotten to make
// room.
type Stats struct {
	Hosts     int
	Evictions uint64
}

// Stats returns the Detector's current Stats.
func (d *Detector) Stats() Stats {
	d.init()
	var st Stats
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		st.Hosts += len(s.hosts)
		st.Evictions += s.evictions
		s.mu.Unlock()
	}
	return st
}

// outcome computes h's verdict at t. The shard's lock is held.
func (d *Detector) outcome(h *host, t time.Time) Outcome {
	o := Outcome{Host: h.addr, At: t}
	n := 0
	for k := range Kind(NumKinds) {
		th := d.thresholds[k]
		if th.Count < 0 {
			continue
		}
		var c int
		if k == Recipient {
			c = h.domains.count(t.UnixNano(), int64(th.Window))
		} else {
			c = h.counts[k].count(bucketOf(t, th.Window))
		}
		o.Counts[k] = c
		if c >= th.Count {
			n++
		}
	}
	switch {
	case n == 0:
		o.Result = Clean
		return o
	case n >= cmp.Or(d.SpambotSignals, DefaultSpambotSignals):
		o.Result = Spambot
	default:
		o.Result = Suspect
	}
	o.Signals = make([]Evidence, 0, n)
	for k := range Kind(NumKinds) {
		th := d.thresholds[k]
		if th.Count >= 0 && o.Counts[k] >= th.Count {
			o.Signals = append(o.Signals, Evidence{Kind: k, Count: o.Counts[k], Threshold: th})
		}
	}
	return o
}

// get returns a's host, made the most recently active, creating it and
// forgetting the least recently active host when the shard holds max.
// It returns the address forgotten, if any.
func (s *shard) get(a netip.Addr, max int) (*host, netip.Addr) {
	if h := s.hosts[a]; h != nil {
		s.unlink(h)
		s.pushFront(h)
		return h, netip.Addr{}
	}
	var evicted netip.Addr
	var h *host
	if len(s.hosts) >= max && s.tail != nil {
		h = s.tail
		s.unlink(h)
		delete(s.hosts, h.addr)
		s.evictions++
		evicted = h.addr
		entries := h.domains.entries[:0]
		*h = host{}
		h.domains.entries = entries // reuse the memory
	} else {
		h = new(host)
	}
	h.addr = a
	s.hosts[a] = h
	s.pushFront(h)
	return h, evicted
}

func (s *shard) unlink(h *host) {
	if h.prev != nil {
		h.prev.next = h.next
	} else {
		s.head = h.next
	}
	if h.next != nil {
		h.next.prev = h.prev
	} else {
		s.tail = h.prev
	}
	h.prev, h.next = nil, nil
}

func (s *shard) pushFront(h *host) {
	h.next = s.head
	if s.head != nil {
		s.head.prev = h
	}
	s.head = h
	if s.tail == nil {
		s.tail = h
	}
}
