package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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
)

// Defaults of Options' zero fields.
const (
	// DefaultMaxPipeline bounds the checks sent in one pipeline.
	DefaultMaxPipeline = 256
	// DefaultPipelines is the number of pipelines in flight at once.
	DefaultPipelines = 4
)

// Options configure New. The zero Options (or nil) are the defaults.
type Options struct {
	// Prefix begins every key, to share a Redis with other data. If
	// empty, DefaultPrefix ("greylist:"). It must not hold "{" or "}".
	Prefix string
	// MaxPipeline bounds the checks that wait together and go to Redis
	// in one pipeline (one write and one read for all). If zero,
	// DefaultMaxPipeline (256).
	MaxPipeline int
	// Pipelines is the number of pipelines in flight at once, each on a
	// connection of its own. If zero, DefaultPipelines (4); negative
	// sends each check on its own as it comes (one round trip per check,
	// as many in flight as the client's pool allows), with no goroutine
	// of the Store's own.
	Pipelines int
}

// Store is a greylist.Store in Redis. It is safe for concurrent use by
// multiple goroutines.
type Store struct {
	rdb      redis.UniversalClient
	prefix   string
	maxBatch int
	ops      chan *op      // nil: no pipelining
	quit     chan struct{} // closed by Close
	stopped  chan struct{} // closed when the pipeliners are gone
	workers  int
	close    sync.Once
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
	if o.MaxPipeline <= 0 {
		o.MaxPipeline = DefaultMaxPipeline
	}
	if o.Pipelines == 0 {
		o.Pipelines = DefaultPipelines
	}
	s := &Store{rdb: rdb, prefix: o.Prefix, maxBatch: o.MaxPipeline}
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

// Record implements greylist.Store with one atomic script run, sent in
// a pipeline with the checks that wait beside it (see Options).
func (s *Store) Record(ctx context.Context, req greylist.Request) (greylist.Response, error) {
	keys := []string{s.ClientKey(req.Client)}
	if req.Triplet != nil {
		keys = append(keys, s.TripletKey(req.Client, req.Triplet))
	}
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	args := []any{
		req.Now.UnixMilli(), ms(req.Delay), ms(req.RetryWindow), ms(req.MaxAge),
		req.AutoAllowAfter, ms(req.Trap), ms(greylist.AutoAllowInterval), ms(greylist.ClockSkew),
	}
	if s.ops == nil {
		res, err := recordScript.Run(ctx, s.rdb, keys, args...).Slice()
		return reply(res, err)
	}
	return s.pipelined(ctx, &op{ctx: ctx, keys: keys, args: args, done: make(chan struct{}, 1)})
}

func reply(res []any, err error) (greylist.Response, error) {
	if err != nil {
		return greylist.Response{}, fmt.Errorf("redisstore: %w", err)
	}
	return parseReply(res)
}

// parseReply reads the script's reply: {result, first, until, passed,
// count, new}, times in Unix milliseconds, 0 for none.
func parseReply(res []any) (greylist.Response, error) {
	if len(res) != 6 {
		return greylist.Response{}, fmt.Errorf("%w: %d elements", ErrReply, len(res))
	}
	result, ok := res[0].(string)
	if !ok {
		return greylist.Response{}, fmt.Errorf("%w: result %T", ErrReply, res[0])
	}
	var n [5]int64
	for i := range n {
		switch v := res[i+1].(type) {
		case int64:
			n[i] = v
		case string:
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return greylist.Response{}, fmt.Errorf("%w: %q", ErrReply, v)
			}
			n[i] = x
		default:
			return greylist.Response{}, fmt.Errorf("%w: element %d is %T", ErrReply, i+1, v)
		}
	}
	r := greylist.Response{Result: greylist.Result(result), Passed: n[2] == 1, Count: int(n[3]), New: n[4] == 1}
	switch r.Result {
	case greylist.Pass, greylist.Greylisted, greylist.Allowlisted, greylist.Trapped, "":
	default:
		return greylist.Response{}, fmt.Errorf("%w: result %q", ErrReply, result)
	}
	if n[0] != 0 {
		r.First = time.UnixMilli(n[0])
	}
	if n[1] != 0 {
		r.Until = time.UnixMilli(n[1])
	}
	return r, nil
}
