package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/spamkit/spamkit/greylist"
	bolt "go.etcd.io/bbolt"
)

// Durability is what a returned Record promises (see the package
// documentation).
type Durability int

const (
	// Sync: committed and fsynced before Record returns; survives kill -9
	// and power loss.
	Sync Durability = iota
	// NoSync: written to the file (the kernel's page cache) before Record
	// returns, no fsync; survives kill -9, not a power loss.
	NoSync
)

// String returns "sync" or "nosync".
func (d Durability) String() string {
	switch d {
	case Sync:
		return "sync"
	case NoSync:
		return "nosync"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// Defaults of Options' zero fields.
const (
	// DefaultMaxBatch bounds the checks committed in one transaction.
	DefaultMaxBatch = 1024
	// DefaultLockTimeout bounds the wait for another process's lock on
	// the file.
	DefaultLockTimeout = time.Second
	// MaxSweepBatch bounds the keys one Sweep transaction deletes.
	MaxSweepBatch = 1000
)

// sweepScan bounds the keys one Sweep transaction reads, expired or
// not, so that a file of live records is not read in one transaction
// (which holds the write lock: checks that write wait) and ctx is looked
// at between two.
const sweepScan = 4 * MaxSweepBatch

// Errors.
var (
	// ErrCorrupt reports a stored record that does not decode; the check
	// touching it fails (wrapped by the Checker in greylist.ErrStore).
	ErrCorrupt = errors.New("boltstore: corrupt record")
	// ErrDurability reports an Options.Durability that is neither Sync
	// nor NoSync.
	ErrDurability = errors.New("boltstore: unknown durability")
)

// Options configure Open. The zero Options (or nil) are the defaults.
type Options struct {
	// Durability is what a returned Record promises. If zero, Sync.
	Durability Durability
	// MaxBatch bounds the checks committed together in one transaction
	// (one fsync). If zero, DefaultMaxBatch (1024); 1 commits each check
	// alone.
	MaxBatch int
	// LockTimeout bounds the wait for the file lock held by another
	// process. If zero, DefaultLockTimeout (1 s).
	LockTimeout time.Duration
	// Mode is the permission of a new file. If zero, 0600.
	Mode os.FileMode
}

var (
	bucketTriplets = []byte("triplets")
	bucketClients  = []byte("clients")
)

// Store is a greylist.Store in a bbolt file. It is safe for concurrent
// use by multiple goroutines.
type Store struct {
	db       *bolt.DB
	ops      chan *op
	quit     chan struct{}
	stopped  chan struct{}
	maxBatch int
	close    sync.Once
	closeErr error
}

// op is one Record waiting for the committer.
type op struct {
	req  greylist.Request
	key  []byte // client, and for a triplet " " and the triplet
	resp greylist.Response
	err  error
	done chan struct{}
}

var ops = sync.Pool{New: func() any { return &op{done: make(chan struct{}, 1)} }}

// Open opens (creating it if needed) the store in the file at path.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Durability != Sync && o.Durability != NoSync {
		return nil, fmt.Errorf("%w: %d", ErrDurability, int(o.Durability))
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.Mode == 0 {
		o.Mode = 0o600
	}
	db, err := bolt.Open(path, o.Mode, &bolt.Options{
		Timeout: o.LockTimeout,
		NoSync:  o.Durability == NoSync,
		// The freelist is rebuilt by a scan at Open instead of written
		// with every commit: less to write per check.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: opening %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketTriplets, bucketClients} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: %s: %w", path, err)
	}
	s := &Store{
		db:       db,
		ops:      make(chan *op, o.MaxBatch),
		quit:     make(chan struct{}),
		stopped:  make(chan struct{}),
		maxBatch: o.MaxBatch,
	}
	go s.commit()
	return s, nil
}

// Close waits for the checks in flight, stops the store and closes the
// file. Record after Close fails with greylist.ErrClosed.
func (s *Store) Close() error {
	s.close.Do(func() {
		close(s.quit)
		<-s.stopped
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// Record implements greylist.Store: it returns when the check's change
// is committed with the store's Durability.
func (s *Store) Record(ctx context.Context, req greylist.Request) (greylist.Response, error) {
	o := ops.Get().(*op)
	o.req = req
	o.key = append(o.key[:0], req.Client...)
	if req.Triplet != nil {
		o.key = append(o.key, ' ')
		o.key = append(o.key, req.Triplet...)
	}
	o.req.Client, o.req.Triplet = nil, nil
	o.resp, o.err = greylist.Response{}, nil
	hasTriplet := req.Triplet != nil
	if hasTriplet {
		o.req.Triplet = o.key[len(req.Client)+1:]
	}
	o.req.Client = o.key[:len(req.Client)]
	// Most checks change nothing (a known triplet, an early retry, an
	// allowlisted client): decided on a read snapshot, they cost no
	// write transaction and no fsync. A check that must write goes to
	// the committer, which decides again on the current state.
	if resp, ok, err := s.readOnly(o); ok || err != nil {
		ops.Put(o)
		return resp, err
	}
	select {
	case <-s.quit:
		ops.Put(o)
		return greylist.Response{}, greylist.ErrClosed
	default:
	}
	select {
	case s.ops <- o:
	case <-s.quit:
		ops.Put(o)
		return greylist.Response{}, greylist.ErrClosed
	case <-ctx.Done():
		ops.Put(o)
		return greylist.Response{}, ctx.Err()
	}
	select {
	case <-o.done:
	case <-ctx.Done():
		// The committer still holds o: it is not recycled.
		return greylist.Response{}, ctx.Err()
	case <-s.stopped:
		select {
		case <-o.done:
		default:
			return greylist.Response{}, greylist.ErrClosed
		}
	}
	resp, err := o.resp, o.err
	ops.Put(o)
	return resp, err
}

// commit is the committer: it takes the checks waiting, runs them in one
// transaction and answers them, until Close.
func (s *Store) commit() {
	defer close(s.stopped)
	batch := make([]*op, 0, s.maxBatch)
	for {
		var first *op
		select {
		case first = <-s.ops:
		case <-s.quit:
			// Answer what was queued before Close.
			for {
				select {
				case o := <-s.ops:
					s.run([]*op{o})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.maxBatch {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		s.run(batch)
	}
}

// readOnly decides o on a read snapshot and reports whether that
// decision writes nothing (then it is the answer).
func (s *Store) readOnly(o *op) (resp greylist.Response, ok bool, err error) {
	select {
	case <-s.quit:
		return resp, false, greylist.ErrClosed
	default:
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		c, err := decodeClient(tx.Bucket(bucketClients).Get(o.req.Client))
		if err != nil {
			return nil // the committer reports it
		}
		var t greylist.TripletRecord
		if o.req.Triplet != nil {
			if t, err = decodeTriplet(tx.Bucket(bucketTriplets).Get(o.key)); err != nil {
				return nil
			}
		}
		var wt, wc bool
		resp, wt, wc = o.req.Apply(&t, &c)
		ok = !wt && !wc
		return nil
	})
	if err != nil {
		return resp, false, fmt.Errorf("boltstore: read: %w", err)
	}
	return resp, ok, nil
}

func (s *Store) run(batch []*op) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		tb, cb := tx.Bucket(bucketTriplets), tx.Bucket(bucketClients)
		for _, o := range batch {
			o.resp, o.err = apply(tb, cb, o)
		}
		return nil
	})
	for _, o := range batch {
		if err != nil {
			o.resp, o.err = greylist.Response{}, fmt.Errorf("boltstore: commit: %w", err)
		}
		o.done <- struct{}{}
	}
}

func apply(tb, cb *bolt.Bucket, o *op) (greylist.Response, error) {
	client := o.req.Client
	c, err := decodeClient(cb.Get(client))
	if err != nil {
		return greylist.Response{}, fmt.Errorf("%w: client %q: %w", ErrCorrupt, client, err)
	}
	var t greylist.TripletRecord
	if o.req.Triplet != nil {
		if t, err = decodeTriplet(tb.Get(o.key)); err != nil {
			return greylist.Response{}, fmt.Errorf("%w: triplet %q: %w", ErrCorrupt, o.key, err)
		}
	}
	resp, wt, wc := o.req.Apply(&t, &c)
	// bbolt keeps the key and value slices until the transaction ends:
	// they are fresh copies, not o's reused buffer.
	if wc {
		if err := cb.Put(bytes.Clone(client), encodeClient(c)); err != nil {
			return greylist.Response{}, err
		}
	}
	if wt {
		if err := tb.Put(bytes.Clone(o.key), encodeTriplet(t)); err != nil {
			return greylist.Response{}, err
		}
	}
	return resp, nil
}

// Record encodings: a version byte, then big-endian int64 fields.
const (
	recVersion  = 1
	tripletSize = 1 + 3*8 + 1
	clientSize  = 1 + 5*8
)

func encodeTriplet(t greylist.TripletRecord) []byte {
	b := make([]byte, tripletSize)
	b[0] = recVersion
	binary.BigEndian.PutUint64(b[1:], uint64(t.First))
	binary.BigEndian.PutUint64(b[9:], uint64(t.Last))
	binary.BigEndian.PutUint64(b[17:], uint64(t.Expires))
	if t.Passed {
		b[25] = 1
	}
	return b
}

func decodeTriplet(b []byte) (greylist.TripletRecord, error) {
	if b == nil {
		return greylist.TripletRecord{}, nil
	}
	if len(b) != tripletSize || b[0] != recVersion || b[25] > 1 {
		return greylist.TripletRecord{}, fmt.Errorf("triplet record of %d octets, version %d", len(b), firstByte(b))
	}
	return greylist.TripletRecord{
		First:   int64(binary.BigEndian.Uint64(b[1:])),
		Last:    int64(binary.BigEndian.Uint64(b[9:])),
		Expires: int64(binary.BigEndian.Uint64(b[17:])),
		Passed:  b[25] == 1,
	}, nil
}

func encodeClient(c greylist.ClientRecord) []byte {
	b := make([]byte, clientSize)
	b[0] = recVersion
	for i, v := range [...]int64{c.Count, c.Counted, c.Seen, c.TrappedUntil, c.Expires} {
		binary.BigEndian.PutUint64(b[1+8*i:], uint64(v))
	}
	return b
}

func decodeClient(b []byte) (greylist.ClientRecord, error) {
	if b == nil {
		return greylist.ClientRecord{}, nil
	}
	if len(b) != clientSize || b[0] != recVersion {
		return greylist.ClientRecord{}, fmt.Errorf("client record of %d octets, version %d", len(b), firstByte(b))
	}
	f := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[1+8*i:])) }
	return greylist.ClientRecord{Count: f(0), Counted: f(1), Seen: f(2), TrappedUntil: f(3), Expires: f(4)}, nil
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

// expires returns a stored record's expiry, or ok false if it does not
// decode.
func expires(bucket, v []byte) (int64, bool) {
	if bytes.Equal(bucket, bucketTriplets) {
		t, err := decodeTriplet(v)
		return t.Expires, err == nil
	}
	c, err := decodeClient(v)
	return c.Expires, err == nil
}

// Sweep deletes the records expired at now, and the records that do not
// decode, and returns how many it deleted. It works in transactions of
// at most MaxSweepBatch deletions and 4·MaxSweepBatch keys read, so
// checks go on meanwhile; ctx can stop it between two.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	ms := now.UnixMilli()
	total := 0
	for _, bucket := range [][]byte{bucketTriplets, bucketClients} {
		var from []byte
		for {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			var next []byte
			n := 0
			err := s.db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucket)
				cur := b.Cursor()
				var dead [][]byte
				k, v := cur.First()
				if from != nil {
					k, v = cur.Seek(from)
				}
				for read := 0; k != nil; k, v = cur.Next() {
					if len(dead) == MaxSweepBatch || read == sweepScan {
						next = bytes.Clone(k)
						break
					}
					read++
					if exp, ok := expires(bucket, v); !ok || ms > exp {
						dead = append(dead, bytes.Clone(k))
					}
				}
				for _, k := range dead {
					if err := b.Delete(k); err != nil {
						return err
					}
				}
				n = len(dead)
				return nil
			})
			if err != nil {
				return total, fmt.Errorf("boltstore: sweep: %w", err)
			}
			total += n
			if next == nil {
				break
			}
			from = next
		}
	}
	return total, nil
}

// Len returns the number of records (triplets and clients) in the file,
// expired ones included until swept.
func (s *Store) Len() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketTriplets).Stats().KeyN + tx.Bucket(bucketClients).Stats().KeyN
		return nil
	})
	return n, err
}
