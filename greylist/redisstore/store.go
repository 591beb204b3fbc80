package redisstore

import (
	"context"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/greylist"
)

// DefaultPrefix begins every key when Options.Prefix is empty.
const DefaultPrefix = "greylist:"

// Errors.
var (
	// ErrPrefix reports an Options.Prefix holding "{" or "}", which would
	// change the Redis Cluster hash tag of the keys.
	ErrPrefix = errors.New("redisstore: key prefix holds a brace")
	// ErrReply reports a script reply of an unexpected shape.
	ErrReply = errors.New("redisstore: unexpected reply")
	// ErrOptions reports an Options field beyond its limit
	// (MaxMaxPipeline, MaxPipelines).
	ErrOptions = errors.New("redisstore: option out of range")
	// ErrWrite reports a record the server refused to write (out of
	// memory, a read-only replica, MISCONF), with the server's reason:
	// that check failed, not the others sent in its script run.
	ErrWrite = errors.New("redisstore: record not written")
)

// Defaults of Options' zero fields.
const (
	// DefaultMaxPipeline bounds the checks sent in one pipeline.
	DefaultMaxPipeline = 256
	// DefaultPipelines is the number of pipelines in flight at once.
	DefaultPipelines = 4
	// MaxMaxPipeline bounds Options.MaxPipeline: a batch is one script
	// run on one server, which answers nothing else meanwhile (some
	// 10 µs a check: 40 ms at this bound).
	MaxMaxPipeline = 4096
	// MaxPipelines bounds Options.Pipelines.
	MaxPipelines = 1024
)

// Options configure New. The zero Options (or nil) are the defaults.
type Options struct {
	// Prefix begins every key, to share a Redis with other data. If
	// empty, DefaultPrefix ("greylist:"). It must not hold "{" or "}".
	Prefix string
	// MaxPipeline bounds the checks that wait together and go to Redis
	// together: one script run on one server, one pipeline on a cluster
	// (one write and one read for all). If zero, DefaultMaxPipeline
	// (256); at most MaxMaxPipeline (else New fails with ErrOptions).
	MaxPipeline int
	// Pipelines is the number of batches in flight at once, each on a
	// connection of its own. If zero, DefaultPipelines (4); negative
	// sends each check on its own as it comes (one round trip per check,
	// as many in flight as the client's pool allows), with no goroutine
	// of the Store's own. At most MaxPipelines (else ErrOptions).
	Pipelines int
}

// Store is a greylist.Store in Redis. It is safe for concurrent use by
// multiple goroutines.
type Store struct {
	rdb   redis.UniversalClient
	batch bool // rdb is one server: a batch is one script run
	// crossSlot is set when the server refused a batch's script with
	// CROSSSLOT: a plain Client on a Redis with cluster mode on (one
	// node holding every slot). Batches then go as on a cluster.
	crossSlot atomic.Bool
	prefix    string
	maxBatch  int
	ops       chan *op      // nil: no pipelining
	quit      chan struct{} // closed by Close
	stopped   chan struct{} // closed when the pipeliners are gone
	workers   int
	close     sync.Once
}

//go:embed record.lua
var recordLua string

var recordScript = redis.NewScript(recordLua)

// New returns a Store that keeps its records through rdb: a
// *redis.Client, a *redis.ClusterClient, a failover client or a ring
// (any redis.UniversalClient). The caller owns rdb and closes it, after
// the Store's Close.
func New(rdb redis.UniversalClient, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(o.Prefix, "{}") {
		return nil, fmt.Errorf("%w: %q", ErrPrefix, o.Prefix)
	}
	if o.MaxPipeline > MaxMaxPipeline || o.Pipelines > MaxPipelines {
		return nil, fmt.Errorf("%w: MaxPipeline %d (at most %d), Pipelines %d (at most %d)",
			ErrOptions, o.MaxPipeline, MaxMaxPipeline, o.Pipelines, MaxPipelines)
	}
	if o.MaxPipeline <= 0 {
		o.MaxPipeline = DefaultMaxPipeline
	}
	if o.Pipelines == 0 {
		o.Pipelines = DefaultPipelines
	}
	s := &Store{rdb: rdb, prefix: o.Prefix, maxBatch: o.MaxPipeline}
	// A Redis Cluster or a Ring spreads the clients' keys over nodes by
	// their hash tags: one script's keys must stay on one slot there.
	_, s.batch = rdb.(*redis.Client)
	if o.Pipelines > 0 {
		s.ops = make(chan *op, o.MaxPipeline*o.Pipelines)
		s.quit = make(chan struct{})
		s.stopped = make(chan struct{})
		s.workers = o.Pipelines
		var wg sync.WaitGroup
		for range o.Pipelines {
			wg.Go(s.pipeline)
		}
		go func() { wg.Wait(); close(s.stopped) }()
	}
	return s, nil
}

// Close stops the Store's pipelines, after answering the checks already
// queued; Record then fails with greylist.ErrClosed. It does not close
// the Redis client.
func (s *Store) Close() error {
	s.close.Do(func() {
		if s.quit != nil {
			close(s.quit)
			<-s.stopped
		}
	})
	return nil
}

// ClientKey returns the Redis key of a client's record.
func (s *Store) ClientKey(client []byte) string {
	return s.prefix + "{" + string(client) + "}c"
}

// TripletKey returns the Redis key of a triplet's record.
func (s *Store) TripletKey(client, triplet []byte) string {
	return s.prefix + "{" + string(client) + "}t:" + string(triplet)
}

// Record implements greylist.Store with one atomic script run, sent
// with the checks that wait beside it (see Options).
func (s *Store) Record(ctx context.Context, req greylist.Request) (greylist.Response, error) {
	o := s.newOp(ctx, req)
	if s.ops == nil {
		res, err := recordScript.Run(ctx, s.rdb, o.keys[:], o.appendArgs(nil)).Text()
		if err != nil {
			return greylist.Response{}, fmt.Errorf("redisstore: %w", err)
		}
		if len(res) < replySize {
			return greylist.Response{}, fmt.Errorf("%w: %d bytes", ErrReply, len(res))
		}
		return parseReply(res[:replySize], res[replySize:])
	}
	return s.pipelined(ctx, o)
}

// The script's argument and reply per check: little-endian doubles (see
// record.lua).
const (
	argsPerCheck  = 9
	replyPerCheck = 6
	replySize     = 8 * replyPerCheck
)

// newOp makes the script's keys and arguments for req (copies: req's
// slices are valid only until Record returns).
func (s *Store) newOp(ctx context.Context, req greylist.Request) *op {
	o := &op{ctx: ctx, done: make(chan struct{}, 1)}
	// Both keys in one string: one allocation.
	n := len(s.prefix) + len(req.Client) + 3
	b := make([]byte, 0, 2*n+len(req.Triplet)+2)
	b = append(b, s.prefix...)
	b = append(b, '{')
	b = append(b, req.Client...)
	b = append(b, "}c"...)
	has := 0.0
	if req.Triplet != nil {
		b = append(b, b[:n-1]...)
		b = append(b, "t:"...)
		b = append(b, req.Triplet...)
		has = 1
	}
	keys := string(b)
	o.keys[0], o.keys[1] = keys[:n], keys[n:]
	if req.Triplet == nil {
		o.keys[1] = o.keys[0]
	}
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) }
	o.args = [argsPerCheck]float64{
		float64(req.Now.UnixMilli()), ms(req.Delay), ms(req.RetryWindow), ms(req.MaxAge),
		float64(req.AutoAllowAfter), ms(req.Trap), ms(greylist.AutoAllowInterval), ms(greylist.ClockSkew), has,
	}
	return o
}

// appendArgs appends o's arguments to the script's ARGV[1].
func (o *op) appendArgs(b []byte) []byte {
	for _, v := range o.args {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// results are the script's result codes.
var results = [...]greylist.Result{"", greylist.Pass, greylist.Greylisted, greylist.Allowlisted, greylist.Trapped}

// resultRefused is the script's result code of a check whose write the
// server refused.
const resultRefused = int64(len(results))

// parseReply reads one check's part of the script's reply (replySize
// bytes): result, first, until, passed, count, new; times in Unix
// milliseconds, 0 for none. refused is the reply's tail, the server's
// reason for a write it refused (result 5: ErrWrite).
func parseReply(res, refused string) (greylist.Response, error) {
	if len(res) != replySize {
		return greylist.Response{}, fmt.Errorf("%w: %d bytes", ErrReply, len(res))
	}
	var n [replyPerCheck]int64
	for i := range n {
		var u uint64
		for j := 7; j >= 0; j-- {
			u = u<<8 | uint64(res[8*i+j])
		}
		f := math.Float64frombits(u)
		if f != math.Trunc(f) || f < 0 || f > 1<<53 {
			return greylist.Response{}, fmt.Errorf("%w: element %d is %v", ErrReply, i, f)
		}
		n[i] = int64(f)
	}
	if n[0] == resultRefused {
		return greylist.Response{}, fmt.Errorf("%w: %.200s", ErrWrite, refused)
	}
	if n[0] >= int64(len(results)) {
		return greylist.Response{}, fmt.Errorf("%w: result %d", ErrReply, n[0])
	}
	r := greylist.Response{Result: results[n[0]], Passed: n[3] == 1, Count: int(n[4]), New: n[5] == 1}
	if n[1] != 0 {
		r.First = time.UnixMilli(n[1])
	}
	if n[2] != 0 {
		r.Until = time.UnixMilli(n[2])
	}
	return r, nil
}
