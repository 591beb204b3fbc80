// Package boltstore is a durable bayes.Store in one file, on the embedded
// key/value store go.etcd.io/bbolt: a training that Apply (or
// bayes.Classifier.Train) returned is on disk (bbolt commits with fsync)
// and survives a crash or kill -9 of the process.
//
//	s, err := boltstore.Open("/var/lib/spam/bayes.db", nil)
//	if err != nil { ... }
//	defer s.Close()
//	c := &bayes.Classifier{Store: s}
//
// A file is opened for writing by one process at a time (bbolt holds an
// exclusive lock; a second Open waits Options.Timeout, then fails, and
// opens the file path names once it has the lock, not one Compact
// replaced meanwhile), or
// for reading (Options.ReadOnly) by any number sharing a lock that keeps
// writers out. Lookups run in read transactions, concurrently with each
// other and with one writer; a ReadOnly store, whose file cannot change,
// also keeps the counts it read in memory (Options.CacheTokens), so
// that classifying many messages seeks each token in the file once
// (on the SpamAssassin corpus, 67 µs per message of lookups instead of
// 170-190), or with Options.Preload reads them all at Open and never
// seeks (the evaluation's bulk classification: 4936 messages per CPU
// second against 3852 without, tokenizing included); Apply and Put are serialized write transactions, so batching
// trainings (bayes.Classifier.TrainBatch) saves a commit and an fsync
// per message.
//
// Layout: bucket "tokens" maps a token to three unsigned varints (spam
// count, ham count, day); bucket "meta" holds "totals" (two varints).
// Tokens must be 1 to 32768 bytes (bbolt's key bounds); Apply skips
// others, Put refuses them.
//
// Size on disk: bbolt writes the pages a transaction changes to free
// space and never shrinks its file, so a database trained in many
// commits is mostly free pages; Compact rewrites it with pages filled
// whole (the bayes command does after a bulk training). The file grows
// by Options.AllocSize (256 KiB), not bbolt's default of 16 MiB and
// powers of two below it. On the SpamAssassin corpus (4837 messages of
// fold 1, 178 867 tokens) one commit gives a 6.9 MB file and Compact
// 6.2 MB, where bogofilter's Berkeley DB word list is 7.0 MB; commits of
// 500 messages gave 21.6 MB.
//
// A Store is safe for concurrent use by multiple goroutines.
package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/spamkit/spamkit/bayes"
	bolt "go.etcd.io/bbolt"
)

var (
	bucketTokens = []byte("tokens")
	bucketMeta   = []byte("meta")
	keyTotals    = []byte("totals")
)

// ErrToken reports a token Put cannot store: empty or longer than
// bbolt's largest key.
var ErrToken = errors.New("boltstore: token empty or too long")

// maxKey is bbolt's largest key.
const maxKey = bolt.MaxKeySize

// Options configure Open. A nil *Options means the zero value.
type Options struct {
	// Timeout is how long Open waits for another process's lock on the
	// file. If zero, 1 s.
	Timeout time.Duration
	// ReadOnly opens the file for reading (shared lock): Apply, Put and
	// SetTotals fail. No store opens it for writing meanwhile, which the
	// cache of counts (CacheTokens) relies on; on Solaris, illumos and
	// AIX, where bbolt's fcntl locks do not exclude each other within a
	// process, the same process must not also open it for writing.
	ReadOnly bool
	// AllocSize is the step by which the file grows. If zero,
	// DefaultAllocSize (256 KiB). bbolt's own default (16 MiB, and a
	// file below it grown to the next power of two) made a 6 MiB
	// database a 16 MiB file; a small step costs a truncate and an
	// fsync per step of growth, which training batches amortize.
	AllocSize int
	// CacheTokens bounds the tokens whose counts a ReadOnly store keeps
	// in memory once read (see Lookup), and their keys to CacheTokens·64
	// bytes in all (a file of long tokens holds fewer). If zero,
	// DefaultCacheTokens; negative, none are kept. A writable store keeps
	// none.
	CacheTokens int
	// MmapSize is the address space mapped for the file at open. If
	// zero, DefaultMmapSize (256 MiB; 0 on Windows, where bbolt grows
	// the file to the mapping). bbolt maps 32 KiB and doubles the
	// mapping as the file grows, and each remapping copies every page
	// a write transaction touched out of the old mapping: a quarter of
	// the CPU time of training a fresh database. Mapping is address
	// space, not memory: pages are read as used.
	MmapSize int
	// Preload reads every token's counts into the cache of a ReadOnly
	// store at Open (one sequential pass over the file), so that no
	// Lookup walks the B+tree: a token not in the cache is then known to
	// be absent. It suits a process that classifies many messages (a
	// daemon, a bulk run) and costs memory, about 64 bytes a token; a
	// command classifying one message is faster without it. If the file
	// holds more than CacheTokens tokens (or CacheTokens·64 bytes of
	// them), those beyond are looked up as without Preload; with CacheTokens negative (no cache) it does
	// nothing.
	Preload bool
}

// DefaultCacheTokens is the default Options.CacheTokens: a million
// tokens, 64 MiB of keys, about 100 MiB with the maps at most.
const DefaultCacheTokens = 1 << 20

// cacheKeyBytes is the bytes of keys the cache holds per token of
// CacheTokens: bbolt's keys go to 32 KiB, the tokenizer's are a few
// dozen bytes.
const cacheKeyBytes = 64

// DefaultAllocSize is the default Options.AllocSize.
const DefaultAllocSize = 256 << 10

// DefaultMmapSize is the default Options.MmapSize (except on Windows).
const DefaultMmapSize = 256 << 20

// Fill percents of the token bucket's pages (bbolt splits a page that
// outgrows the page size into pages filled to this fraction; its
// default is half). Apply inserts new tokens all over the key space and
// mostly raises counts in place: pages split 90 % full leave room for a
// few inserts without another split. Put loads entries in key order
// (an import, a copy): pages are filled whole.
const (
	applyFill = 0.9
	putFill   = 1.0
)

// Store is a bayes.BulkStore in a bbolt file.
type Store struct {
	db    *bolt.DB
	cache *cache // ReadOnly: the counts already read
}

// cache holds counts Lookup read from a file opened ReadOnly: no writer
// can open the file while it is (bbolt takes a shared lock for readers
// and an exclusive one for writers), so they cannot change. (On Solaris,
// illumos and AIX bbolt's locks are fcntl record locks, which do not
// exclude each other within one process: there a process must not open
// a file ReadOnly and for writing at once.) A token
// sought once is then a map read, not a walk of the B+tree: classifying
// many messages, most of each message's tokens (header fields, common
// words) were sought before.
type cache struct {
	mu     sync.RWMutex
	counts map[string]bayes.Count
	max    int
	// maxBytes bounds the bytes of the keys held (counts' and pre's),
	// bytes those held.
	maxBytes, bytes int
	totals          bayes.Totals
	// pre holds the tokens Options.Preload read; complete reports that
	// it holds every token of the file. Both are set by Open only.
	pre      *preloaded
	complete bool
}

// Open opens the store in the file at path, creating it (mode 0600) if
// it does not exist.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	if o.AllocSize <= 0 {
		o.AllocSize = DefaultAllocSize
	}
	if o.MmapSize == 0 && runtime.GOOS != "windows" {
		o.MmapSize = DefaultMmapSize
	}
	db, err := openLocked(path, &bolt.Options{Timeout: o.Timeout, ReadOnly: o.ReadOnly, InitialMmapSize: max(o.MmapSize, 0)})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	db.AllocSize = o.AllocSize
	if !o.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucketIfNotExists(bucketTokens); err != nil {
				return err
			}
			_, err := tx.CreateBucketIfNotExists(bucketMeta)
			return err
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("boltstore: create buckets in %s: %w", path, err)
		}
	}
	st := &Store{db: db}
	if o.ReadOnly && o.CacheTokens >= 0 {
		st.cache = &cache{counts: make(map[string]bayes.Count), max: o.CacheTokens}
		if st.cache.max == 0 {
			st.cache.max = DefaultCacheTokens
		}
		st.cache.maxBytes = st.cache.max * cacheKeyBytes
		err := db.View(func(tx *bolt.Tx) error {
			st.cache.totals = readTotals(tx)
			if o.Preload {
				st.cache.preload(tx)
			}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		}
	}
	return st, nil
}

// ErrReplaced reports a file that path named no longer, each time Open
// got its lock: it was replaced (renamed over, as Compact does) that
// many times in a row.
var ErrReplaced = errors.New("boltstore: file replaced while waiting for its lock")

// maxReplaced bounds the attempts of openLocked.
const maxReplaced = 8

// openLocked is bolt.Open, then a check that the file it locked is still
// the one path names: Compact renames its copy over path while it holds
// the old file's lock, and a process that opened the old file meanwhile
// gets its lock once Compact closes it. Writing there would write to an
// unlinked file (trainings lost), reading it would read stale counts: it
// opens path again instead.
func openLocked(path string, bo *bolt.Options) (*bolt.DB, error) {
	for range maxReplaced {
		var f *os.File
		bo.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
			var err error
			f, err = os.OpenFile(name, flag, perm)
			return f, err
		}
		db, err := bolt.Open(path, 0o600, bo)
		if err != nil {
			return nil, err
		}
		fi, err := f.Stat()
		if err != nil {
			db.Close()
			return nil, err
		}
		pi, err := os.Stat(path)
		if err == nil && os.SameFile(fi, pi) {
			return db, nil
		}
		db.Close()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, ErrReplaced
}

// Free returns the bytes of the file's free pages (pages bbolt freed
// and reuses for later writes, which only Compact gives back) and the
// file's size. bbolt reads the free list of a file opened for writing
// only: opened ReadOnly, free is 0.
func (s *Store) Free() (free, size int64, err error) {
	fi, err := os.Stat(s.db.Path())
	if err != nil {
		return 0, 0, fmt.Errorf("boltstore: %w", err)
	}
	st := s.db.Stats()
	return int64(st.FreePageN+st.PendingPageN) * int64(s.db.Info().PageSize), fi.Size(), nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// ctxEvery is how many tokens, entries or keys the store's loops go
// over between two looks at ctx: a look costs less than a B+tree seek.
const ctxEvery = 1024

// Lookup implements bayes.Store, in one read transaction. A ctx that has
// ended, or ends while it reads, is its error.
func (s *Store) Lookup(ctx context.Context, tokens []string, counts []bayes.Count) (bayes.Totals, error) {
	if err := ctx.Err(); err != nil {
		return bayes.Totals{}, err
	}
	if s.cache != nil {
		return s.cachedLookup(ctx, tokens, counts)
	}
	var t bayes.Totals
	err := s.db.View(func(tx *bolt.Tx) error {
		t = readTotals(tx)
		b := tx.Bucket(bucketTokens)
		if b == nil {
			clear(counts)
			return nil
		}
		// One cursor for all: Bucket.Get makes a cursor (and its stack)
		// for each call.
		cur := b.Cursor()
		for i, tok := range tokens {
			if i%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			counts[i] = bayes.Count{}
			if len(tok) == 0 || len(tok) > maxKey {
				continue
			}
			k, v := cur.Seek(keyOf(tok))
			if v != nil && string(k) == tok {
				counts[i] = decode(v)
			}
		}
		return nil
	})
	return t, err
}

// preloaded holds every token of a file read by Options.Preload, in
// memory without pointers (the garbage collector does not scan it):
// the keys in one block, each found by a 64-bit hash of it.
type preloaded struct {
	seed  maphash.Seed
	index map[uint64]uint32 // hash of a key → its entry
	keys  []byte
	ents  []preEntry
}

type preEntry struct {
	off, n uint32
	count  bayes.Count
}

// get returns the counts of tok, and whether the file holds it.
func (p *preloaded) get(tok string) (bayes.Count, bool) {
	i, ok := p.index[maphash.String(p.seed, tok)]
	if !ok {
		return bayes.Count{}, false
	}
	e := &p.ents[i]
	if string(p.keys[e.off:e.off+e.n]) != tok {
		return bayes.Count{}, false // another key of the same hash
	}
	return e.count, true
}

// preload reads the tokens of the file, up to the cache's bound, and
// sets complete when it read them all.
func (c *cache) preload(tx *bolt.Tx) {
	b := tx.Bucket(bucketTokens)
	if b == nil {
		c.complete = true
		return
	}
	n, size := 0, 0
	cur := b.Cursor()
	for k, _ := cur.First(); k != nil && n < c.max && size+len(k) <= c.maxBytes; k, _ = cur.Next() {
		n++
		size += len(k)
	}
	p := &preloaded{seed: maphash.MakeSeed(), index: make(map[uint64]uint32, n), keys: make([]byte, 0, size), ents: make([]preEntry, 0, n)}
	c.pre = p
	complete := true
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if len(p.ents) >= c.max || len(p.keys)+len(k) > c.maxBytes {
			c.bytes = len(p.keys)
			return
		}
		h := maphash.Bytes(p.seed, k)
		if _, dup := p.index[h]; dup || len(k) == 0 {
			complete = false // two keys of one hash: the second is sought
			continue
		}
		p.index[h] = uint32(len(p.ents))
		p.ents = append(p.ents, preEntry{off: uint32(len(p.keys)), n: uint32(len(k)), count: decode(v)})
		p.keys = append(p.keys, k...)
	}
	c.bytes = len(p.keys)
	c.complete = complete
}

// cachedLookup is Lookup on a ReadOnly store: the counts in the cache,
// the others read in one read transaction and kept while the cache has
// room.
func (s *Store) cachedLookup(ctx context.Context, tokens []string, counts []bayes.Count) (bayes.Totals, error) {
	c := s.cache
	if c.pre != nil && c.complete {
		// Every token of the file is in memory: one not there has none.
		for i, tok := range tokens {
			if i%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return bayes.Totals{}, err
				}
			}
			counts[i], _ = c.pre.get(tok)
		}
		return c.totals, nil
	}
	var miss []int
	c.mu.RLock()
	for i, tok := range tokens {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				c.mu.RUnlock()
				return bayes.Totals{}, err
			}
		}
		if c.pre != nil {
			if n, ok := c.pre.get(tok); ok {
				counts[i] = n
				continue
			}
		}
		if n, ok := c.counts[tok]; ok {
			counts[i] = n
		} else {
			miss = append(miss, i)
		}
	}
	c.mu.RUnlock()
	if len(miss) == 0 {
		return c.totals, nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		var cur *bolt.Cursor
		if b != nil {
			cur = b.Cursor()
		}
		for n, i := range miss {
			if n%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			tok := tokens[i]
			counts[i] = bayes.Count{}
			if cur == nil || len(tok) == 0 || len(tok) > maxKey {
				continue
			}
			k, v := cur.Seek(keyOf(tok))
			if v != nil && string(k) == tok {
				counts[i] = decode(v)
			}
		}
		return nil
	})
	if err != nil {
		return bayes.Totals{}, err
	}
	c.mu.Lock()
	for _, i := range miss {
		if len(c.counts) >= c.max {
			break
		}
		if _, ok := c.counts[tokens[i]]; ok || c.bytes+len(tokens[i]) > c.maxBytes {
			continue // another goroutine's, or too long for the room left
		}
		// The token's bytes may be the caller's, reused after the
		// call: the key is a copy.
		c.counts[strings.Clone(tokens[i])] = counts[i]
		c.bytes += len(tokens[i])
	}
	c.mu.Unlock()
	return c.totals, nil
}

// Apply implements bayes.Store: the updates in one write transaction,
// committed with fsync before it returns.
func (s *Store) Apply(ctx context.Context, updates []bayes.Update) (bayes.Totals, error) {
	if err := ctx.Err(); err != nil {
		return bayes.Totals{}, err
	}
	// The updates are merged per token first, in order (a token's count
	// after them is what applying them one by one gives: clamping at zero
	// happens at each step, so each token keeps its list of steps only
	// when an untraining could clamp), then written in key order, which
	// touches each page of the B+tree once.
	type change struct {
		steps []bayes.Update // the updates touching the token, when they must be replayed
		add   bayes.Update   // their sum, when all add
	}
	changes := make(map[string]*change)
	merged := 0
	for _, u := range updates {
		for _, tok := range u.Tokens {
			if merged++; merged%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return bayes.Totals{}, err
				}
			}
			if len(tok) == 0 || len(tok) > maxKey {
				continue
			}
			ch := changes[tok]
			if ch == nil {
				ch = &change{}
				changes[tok] = ch
			}
			if ch.steps == nil && u.Spam >= 0 && u.Ham >= 0 {
				ch.add.Spam = satAdd(ch.add.Spam, u.Spam)
				ch.add.Ham = satAdd(ch.add.Ham, u.Ham)
				ch.add.Day = max(ch.add.Day, u.Day)
				continue
			}
			if ch.steps == nil && (ch.add.Spam != 0 || ch.add.Ham != 0) {
				ch.steps = append(ch.steps, ch.add)
			}
			ch.steps = append(ch.steps, bayes.Update{Spam: u.Spam, Ham: u.Ham, Day: u.Day})
		}
	}
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var t bayes.Totals
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		b.FillPercent = applyFill
		t = readTotals(tx)
		// bbolt keeps the key and value slices until the commit: each
		// value gets its own bytes, carved from one arena.
		var arena []byte
		for n, tok := range keys {
			k := keyOf(tok)
			var c bayes.Count
			if v := b.Get(k); v != nil {
				c = decode(v)
			}
			ch := changes[tok]
			if ch.steps == nil {
				c = bayes.AddCount(c, ch.add)
			} else {
				for _, u := range ch.steps {
					c = bayes.AddCount(c, u)
				}
			}
			var err error
			if c.Spam == 0 && c.Ham == 0 {
				err = b.Delete(k)
			} else {
				err = b.Put(k, encodeIn(&arena, c))
			}
			if err != nil {
				return err
			}
			if n%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err // rolls back
				}
			}
		}
		for _, u := range updates {
			t = bayes.AddTotals(t, u)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return writeTotals(tx, t)
	})
	if err != nil {
		return bayes.Totals{}, err
	}
	return t, nil
}

// satAdd adds two non-negative deltas without overflow.
func satAdd(a, b int32) int32 {
	if s := int64(a) + int64(b); s < 1<<31 {
		return int32(s)
	}
	return 1<<31 - 1
}

// keyOf returns the bytes of tok without copying them; bbolt only reads
// a key given to Get, Put and Delete (Put copies it into its pages at
// the commit; tok, a string, does not change until then).
func keyOf(tok string) []byte {
	return unsafe.Slice(unsafe.StringData(tok), len(tok))
}

// Walk implements bayes.BulkStore, in one read transaction.
func (s *Store) Walk(ctx context.Context, fn func(bayes.Entry) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		n := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			n++
			if !fn(bayes.Entry{Token: string(k), Count: decode(v)}) {
				return nil
			}
		}
		return nil
	})
}

// Put implements bayes.BulkStore, in one write transaction. The entries
// are written in key order (a sorted copy when they are not), into pages
// filled whole: an import or a copy gives a compact file.
func (s *Store) Put(ctx context.Context, entries []bayes.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	byToken := func(a, b bayes.Entry) int { return strings.Compare(a.Token, b.Token) }
	if !slices.IsSortedFunc(entries, byToken) {
		entries = slices.Clone(entries)
		slices.SortStableFunc(entries, byToken)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		b.FillPercent = putFill
		// bbolt keeps the key and value slices until the commit: each
		// value gets its own bytes, carved from one arena.
		var arena []byte
		for n, e := range entries {
			if n%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return err // rolls back
				}
			}
			if len(e.Token) == 0 || len(e.Token) > maxKey {
				return fmt.Errorf("%w: %d bytes", ErrToken, len(e.Token))
			}
			var err error
			if e.Spam == 0 && e.Ham == 0 {
				err = b.Delete([]byte(e.Token))
			} else {
				err = b.Put([]byte(e.Token), encodeIn(&arena, e.Count))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// SetTotals implements bayes.BulkStore.
func (s *Store) SetTotals(ctx context.Context, t bayes.Totals) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return writeTotals(tx, t) })
}

// encodeIn encodes c at the end of *arena and returns those bytes, which
// later calls never overwrite.
func encodeIn(arena *[]byte, c bayes.Count) []byte {
	if cap(*arena)-len(*arena) < 3*binary.MaxVarintLen32 {
		*arena = make([]byte, 0, 64<<10)
	}
	start := len(*arena)
	*arena = encode(*arena, c)
	return (*arena)[start:len(*arena):len(*arena)]
}

func encode(b []byte, c bayes.Count) []byte {
	b = binary.AppendUvarint(b, uint64(c.Spam))
	b = binary.AppendUvarint(b, uint64(c.Ham))
	return binary.AppendUvarint(b, uint64(c.Day))
}

// decode reads a value; a damaged one reads as far as it goes.
func decode(v []byte) bayes.Count {
	var c bayes.Count
	var x [3]uint64
	for i := range x {
		n, k := binary.Uvarint(v)
		if k <= 0 {
			break
		}
		x[i], v = n, v[k:]
	}
	c.Spam, c.Ham, c.Day = uint32(min(x[0], 1<<32-1)), uint32(min(x[1], 1<<32-1)), uint32(min(x[2], 1<<32-1))
	return c
}

func readTotals(tx *bolt.Tx) bayes.Totals {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return bayes.Totals{}
	}
	v := b.Get(keyTotals)
	s, k := binary.Uvarint(v)
	if k <= 0 {
		return bayes.Totals{}
	}
	h, _ := binary.Uvarint(v[k:])
	return bayes.Totals{Spam: s, Ham: h}
}

func writeTotals(tx *bolt.Tx, t bayes.Totals) error {
	b := tx.Bucket(bucketMeta)
	v := binary.AppendUvarint(nil, t.Spam)
	v = binary.AppendUvarint(v, t.Ham)
	return b.Put(keyTotals, v)
}

// Compact rewrites the database file at path into a fresh file with its
// pages filled whole and no free pages, and replaces path with it
// (rename in the same directory, after fsync). bbolt never shrinks a
// file: every training transaction writes the pages it changes to free
// space and frees the old ones, so a database trained in many batches
// holds several times its data (on the SpamAssassin corpus, 4837
// messages trained in batches of 500 left a 21.6 MB file of which
// Compact kept 6.2 MB). Run it after bulk training: it takes the file's
// lock for the copy, and an Open waiting for that lock then opens the
// compacted file (a store already open before cannot be: the lock kept
// Compact out). The copy gets the file's permissions (not its owner: it
// is the caller's). A copy a killed Compact left
// (".NAME.compact-*" beside the file) is removed by the next. It returns
// the sizes of the file before and after. The copy looks at ctx as it
// goes: a ctx that ends stops it, and the file stays as it was.
func Compact(ctx context.Context, path string, opts *Options) (before, after int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("boltstore: compact %s: %w", path, err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.ReadOnly = false
	src, err := Open(path, &o)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if cerr := src.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("boltstore: compact %s: %w", path, cerr)
		}
	}()
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("boltstore: compact: %w", err)
	}
	before = fi.Size()
	removeStaleCopies(path)
	tmpf, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".compact-*")
	if err != nil {
		return before, 0, fmt.Errorf("boltstore: compact: %w", err)
	}
	tmp := tmpf.Name()
	// The copy takes the file's permissions (CreateTemp makes it 0600: a
	// database made group-readable for a daemon would not stay so).
	err = tmpf.Chmod(fi.Mode().Perm())
	if cerr := tmpf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return before, 0, fmt.Errorf("boltstore: compact: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return before, 0, fmt.Errorf("boltstore: compact: %w", err)
	}
	dst.AllocSize = DefaultAllocSize
	if o.AllocSize > 0 {
		dst.AllocSize = o.AllocSize
	}
	err = compactCopy(ctx, dst, src.db, compactTxBytes)
	if err == nil {
		err = ctx.Err()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return before, 0, fmt.Errorf("boltstore: compact %s: %w", path, err)
	}
	if beforeRename != nil {
		beforeRename()
	}
	if err := os.Rename(tmp, path); err != nil {
		return before, 0, fmt.Errorf("boltstore: compact: %w", err)
	}
	done = true
	// The rename survives a crash once the directory is on disk: until
	// then a crash may bring the old file back, and with it lose what
	// was trained into the new one.
	if err := syncDir(filepath.Dir(path)); err != nil {
		return before, 0, fmt.Errorf("boltstore: compact: sync %s: %w", filepath.Dir(path), err)
	}
	if fi, err := os.Stat(path); err == nil {
		after = fi.Size()
	}
	return before, after, nil
}

// compactCopy copies every bucket of src into dst, nested buckets and
// sequences included, in key order into pages filled whole, committing
// every maxTxBytes of keys and values, as bbolt's Compact does; unlike
// it, it looks at ctx every ctxEvery keys, so that the copy of a large
// file stops soon after ctx ends (its error; what dst holds then is to
// be thrown away).
func compactCopy(ctx context.Context, dst, src *bolt.DB, maxTxBytes int64) error {
	c := &copier{ctx: ctx, dst: dst, max: maxTxBytes}
	defer func() {
		if c.tx != nil {
			c.tx.Rollback()
		}
	}()
	err := src.View(func(stx *bolt.Tx) error {
		return stx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return c.bucket([][]byte{name}, b)
		})
	})
	if err != nil {
		return err
	}
	if c.tx == nil {
		return nil
	}
	tx := c.tx
	c.tx = nil
	return tx.Commit()
}

// copier is one compactCopy: the write transaction of dst open, the
// bytes it copied, the keys copied in all.
type copier struct {
	ctx  context.Context
	dst  *bolt.DB
	tx   *bolt.Tx
	size int64
	max  int64
	keys int
}

// bucket copies src, the bucket at path (bucket names from the root),
// into a new bucket of dst at the same path. The keys and values of src
// stay valid while the read transaction of compactCopy lasts, longer
// than any transaction of dst that holds them.
func (c *copier) bucket(path [][]byte, src *bolt.Bucket) error {
	if err := c.account(int64(len(path[len(path)-1]))); err != nil {
		return err
	}
	parent, err := c.open(path[:len(path)-1])
	if err != nil {
		return err
	}
	var b *bolt.Bucket
	if parent == nil {
		b, err = c.tx.CreateBucket(path[0])
	} else {
		// The nested bucket is a key of its parent: the parent's pages
		// are filled whole too (a bucket of buckets alone is never
		// given a key by the loop below, which sets it otherwise).
		parent.FillPercent = 1.0
		b, err = parent.CreateBucket(path[len(path)-1])
	}
	if err != nil {
		return err
	}
	if err := b.SetSequence(src.Sequence()); err != nil {
		return err
	}
	btx := c.tx // the transaction b is of
	cur := src.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if v == nil { // a nested bucket
			if err := c.bucket(append(path[:len(path):len(path)], k), src.Bucket(k)); err != nil {
				return err
			}
			continue
		}
		if err := c.account(int64(len(k) + len(v))); err != nil {
			return err
		}
		if c.tx != btx {
			// Committed since (here or in a nested bucket's copy): the
			// bucket is found again in the new transaction.
			if b, err = c.open(path); err != nil {
				return err
			}
			btx = c.tx
		}
		b.FillPercent = 1.0
		if err := b.Put(k, v); err != nil {
			return err
		}
	}
	return nil
}

// account counts a key (and value) of n bytes about to be copied: it
// looks at ctx every ctxEvery keys, and begins a transaction when none
// is open or the open one has copied maxTxBytes, committing it.
func (c *copier) account(n int64) error {
	if c.keys++; c.keys%ctxEvery == 0 {
		if err := c.ctx.Err(); err != nil {
			return err
		}
	}
	if c.tx != nil && c.max > 0 && c.size+n > c.max && c.size > 0 {
		tx := c.tx
		c.tx = nil
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if c.tx == nil {
		tx, err := c.dst.Begin(true)
		if err != nil {
			return err
		}
		c.tx, c.size = tx, 0
	}
	c.size += n
	return nil
}

// open returns the bucket of dst's open transaction at path, nil for
// the root (an empty path).
func (c *copier) open(path [][]byte) (*bolt.Bucket, error) {
	if len(path) == 0 {
		return nil, nil
	}
	b := c.tx.Bucket(path[0])
	for _, name := range path[1:] {
		if b == nil {
			break
		}
		b = b.Bucket(name)
	}
	if b == nil {
		return nil, fmt.Errorf("boltstore: compact: bucket %q not found in the copy", path)
	}
	return b, nil
}

// removeStaleCopies removes the copies compactions of path killed
// before their rename left beside it. Compact calls it holding path's
// lock: a compaction of path that is running holds it too, so a copy
// there is one no process is writing.
func removeStaleCopies(path string) {
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	prefix := "." + filepath.Base(path) + ".compact-"
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
}

// syncDir fsyncs the directory dir (a variable for tests). Windows
// cannot fsync a directory: there it does nothing.
var syncDir = func(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// beforeRename, when set (by a test), runs in Compact between the copy
// and its rename.
var beforeRename func()

// compactTxBytes bounds the bytes copied in one transaction of Compact.
const compactTxBytes = 64 << 20
