package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spamkit/spamkit/harvest"
)

// DefaultPrefix begins every key when Options.Prefix is empty.
const DefaultPrefix = "harvest:"

// Errors.
var (
	// ErrPrefix reports an Options.Prefix holding "{" or "}", which would
	// change the Redis Cluster hash tag of the keys.
	ErrPrefix = errors.New("redisstore: key prefix holds a brace")
	// ErrReply reports a script reply of an unexpected shape.
	ErrReply = errors.New("redisstore: unexpected reply")
)

// Options configure New. The zero Options (or nil) are the defaults.
type Options struct {
	// Prefix begins every key, to share a Redis with other data. If
	// empty, DefaultPrefix ("harvest:"). It must not hold "{" or "}".
	Prefix string
}

// Store is a harvest.Store in Redis. It is safe for concurrent use by
// multiple goroutines.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

//go:embed add.lua
var addLua string

var addScript = redis.NewScript(addLua)

// New returns a Store that keeps its state through rdb: a *redis.Client,
// a *redis.ClusterClient, a failover client or a ring (any
// redis.UniversalClient). The caller owns rdb and closes it.
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
	return &Store{rdb: rdb, prefix: o.Prefix}, nil
}

// WindowKey returns the Redis key of client's counts in the fixed window
// starting at start.
func (s *Store) WindowKey(client netip.Prefix, start time.Time) string {
	return s.prefix + "{" + client.Masked().String() + "}w:" + strconv.FormatInt(start.UnixMilli(), 10)
}

// BlockKey returns the Redis key of client's block.
func (s *Store) BlockKey(client netip.Prefix) string {
	return s.prefix + "{" + client.Masked().String() + "}b"
}

// Add implements harvest.Store with one atomic script run: the counts
// are added with HINCRBY to the window's hash, which is given a TTL of
// two windows (by the server's clock), and both windows and the block
// are read back.
func (s *Store) Add(ctx context.Context, client netip.Prefix, d harvest.Counts, now time.Time, window time.Duration) (harvest.Stats, error) {
	if window <= 0 {
		window = harvest.DefaultWindow
	}
	ns, w := now.UnixNano(), int64(window)
	r := ns % w
	if r < 0 {
		r += w
	}
	start := time.Unix(0, ns-r)
	keys := []string{s.WindowKey(client, start), s.WindowKey(client, start.Add(-window)), s.BlockKey(client)}
	res, err := addScript.Run(ctx, s.rdb, keys,
		d.Connections, d.Messages, d.Recipients, d.Unknown, d.Errors, (2 * window).Milliseconds(),
	).Slice()
	if err != nil {
		return harvest.Stats{}, fmt.Errorf("redisstore: %w", err)
	}
	st := harvest.Stats{WindowStart: start}
	if len(res) != 3 {
		return harvest.Stats{}, fmt.Errorf("%w: %d elements", ErrReply, len(res))
	}
	if st.Current, err = counts(res[0]); err != nil {
		return harvest.Stats{}, err
	}
	if st.Previous, err = counts(res[1]); err != nil {
		return harvest.Stats{}, err
	}
	b, err := ints(res[2], 2)
	if err != nil {
		return harvest.Stats{}, err
	}
	if b[0] != 0 {
		st.Block = harvest.Block{Until: time.UnixMilli(b[0]), Offences: int(b[1])}
	}
	return st, nil
}

// SetBlock implements harvest.Store: the block's hash holds its end (in
// Unix milliseconds) and the offences, and expires keep from now (by the
// server's clock).
func (s *Store) SetBlock(ctx context.Context, client netip.Prefix, b harvest.Block, keep time.Duration) error {
	k := s.BlockKey(client)
	keep = max(keep, time.Millisecond)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "until", b.Until.UnixMilli(), "off", b.Offences)
		p.PExpire(ctx, k, keep)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}

func counts(v any) (harvest.Counts, error) {
	n, err := ints(v, 5)
	if err != nil {
		return harvest.Counts{}, err
	}
	u := func(x int64) uint32 { return uint32(max(0, min(x, math.MaxUint32))) }
	return harvest.Counts{Connections: u(n[0]), Messages: u(n[1]), Recipients: u(n[2]), Unknown: u(n[3]), Errors: u(n[4])}, nil
}

// ints reads an HMGET reply of n fields; a missing field is 0.
func ints(v any, n int) ([]int64, error) {
	a, ok := v.([]any)
	if !ok || len(a) != n {
		return nil, fmt.Errorf("%w: %T of %d", ErrReply, v, len(a))
	}
	out := make([]int64, n)
	for i, x := range a {
		switch x := x.(type) {
		case nil:
		case int64:
			out[i] = x
		case string:
			y, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: %q", ErrReply, x)
			}
			out[i] = y
		default:
			return nil, fmt.Errorf("%w: field %d is %T", ErrReply, i, x)
		}
	}
	return out, nil
}
