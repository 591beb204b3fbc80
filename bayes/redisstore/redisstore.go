// Package redisstore is a bayes.Store in Redis, for clusters of mail
// servers sharing one trained database, through
// github.com/redis/go-redis/v9, with per-user namespaces beside a global
// one (as rspamd's per-user statistics and SpamAssassin's per-user
// Bayes databases).
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	site := &redisstore.Store{Client: rdb}        // the global database
//	alice := site.ForUser("alice@example.org")   // alice's own counts
//	alice.Global = true                          // ... plus the site's, when classifying
//	c := &bayes.Classifier{Store: alice}
//
// # Layout
//
// Every key of a namespace carries the namespace as a Redis Cluster hash
// tag, so that one namespace lives in one slot and a training is one
// atomic script even on a cluster: Prefix + "{g}:" for the global
// namespace, Prefix + "{u:<user>}:" for a user (braces and '%' in a
// user name are %XX-escaped). A token is the hash <ns>t:<token> with the
// fields s (spam count), h (ham count) and d (day); the totals are the
// hash <ns>totals with s and h.
//
// Lookup reads the totals and all tokens in one pipelined round trip
// (two with Global); Apply runs one Lua script (EVALSHA) that applies
// the updates atomically; Walk scans the namespace's keys with SCAN.
//
// # When Redis is down
//
// Every method returns the client's error (a refused connection, a
// timeout after Timeout). bayes.Classifier turns a failed Lookup into an
// Unsure outcome with Err wrapping bayes.ErrStore and no error: it fails
// open, so mail is delivered unjudged rather than bounced or delayed
// while the statistics are away, and nothing is learnt from it; a
// caller that prefers to tempfail tests errors.Is(o.Err,
// bayes.ErrStore). A failed training is an error for its caller to
// retry. Redis persistence (RDB, AOF with appendfsync) is Redis's
// configuration: a training Apply returned is in Redis's memory, and on
// disk only as Redis is configured to write it.
//
// A Store is safe for concurrent use by multiple goroutines once its
// fields are set.
package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/bayes"
)

// DefaultTimeout bounds one operation when Store.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// Store is a bayes.BulkStore in Redis.
type Store struct {
	// Client is the connection: a *redis.Client, *redis.ClusterClient
	// or *redis.Ring (a ring shards namespaces over its servers by the
	// hash tag, as a cluster does). Required.
	Client redis.UniversalClient
	// Prefix starts every key. If empty, "bayes:".
	Prefix string
	// User selects a user's namespace; empty is the global one.
	User string
	// Global adds the global namespace's counts and totals to a user's
	// in Lookup, so that a user with little training of their own
	// starts from the site's. Trainings go to the user's namespace only.
	Global bool
	// Timeout bounds one operation (on top of the client's own
	// timeouts). If zero, DefaultTimeout (2 s); negative means none.
	Timeout time.Duration
}

// ForUser returns a copy of s for the namespace of user.
func (s *Store) ForUser(user string) *Store {
	c := *s
	c.User = user
	return &c
}

// ns returns the key prefix of the store's namespace; global forces the
// global one.
func (s *Store) ns(global bool) string {
	p := s.Prefix
	if p == "" {
		p = "bayes:"
	}
	if global || s.User == "" {
		return p + "{g}:"
	}
	u := s.User
	if strings.ContainsAny(u, "{}%") {
		u = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D").Replace(u)
	}
	return p + "{u:" + u + "}:"
}

func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	switch {
	case s.Timeout < 0:
		return ctx, func() {}
	case s.Timeout == 0:
		return context.WithTimeout(ctx, DefaultTimeout)
	}
	return context.WithTimeout(ctx, s.Timeout)
}

// ctxEvery is how many tokens or entries a pipeline gets between two
// looks at ctx while it is built.
const ctxEvery = 1024

// Lookup implements bayes.Store in one pipelined round trip (the global
// namespace's keys in the same pipeline, when Global is set). A ctx that
// has ended is its error, before any command is built.
func (s *Store) Lookup(ctx context.Context, tokens []string, counts []bayes.Count) (bayes.Totals, error) {
	if err := ctx.Err(); err != nil {
		return bayes.Totals{}, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	spaces := []string{s.ns(false)}
	if s.Global && s.User != "" {
		spaces = append(spaces, s.ns(true))
	}
	type reads struct {
		totals *redis.SliceCmd
		toks   []*redis.SliceCmd
	}
	rs := make([]reads, len(spaces))
	_, err := s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, ns := range spaces {
			rs[i].totals = p.HMGet(ctx, ns+"totals", "s", "h")
			rs[i].toks = make([]*redis.SliceCmd, len(tokens))
			var key []byte
			for j, tok := range tokens {
				if j%ctxEvery == ctxEvery-1 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				key = append(append(key[:0], ns...), "t:"...)
				key = append(key, tok...)
				rs[i].toks[j] = p.HMGet(ctx, string(key), "s", "h", "d")
			}
		}
		return nil
	})
	if err != nil {
		return bayes.Totals{}, fmt.Errorf("redisstore: lookup: %w", err)
	}
	var t bayes.Totals
	for i := range counts {
		counts[i] = bayes.Count{}
	}
	for _, r := range rs {
		v := r.totals.Val()
		t.Spam += num(v, 0)
		t.Ham += num(v, 1)
		for j, cmd := range r.toks {
			v := cmd.Val()
			c := &counts[j]
			c.Spam = sat32(uint64(c.Spam) + num(v, 0))
			c.Ham = sat32(uint64(c.Ham) + num(v, 1))
			c.Day = max(c.Day, sat32(num(v, 2)))
		}
	}
	return t, nil
}

// num reads the i-th value of an HMGET reply as an unsigned number; a
// missing or damaged one is 0.
func num(v []any, i int) uint64 {
	if i >= len(v) {
		return 0
	}
	str, ok := v[i].(string)
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(str, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func sat32(n uint64) uint32 { return uint32(min(n, 1<<32-1)) }

// applyScript applies updates atomically. KEYS[1] is the totals, then
// the token keys of each update in order; ARGV[1] is the number of
// updates, then for each: spam delta, ham delta, day, number of tokens.
var applyScript = redis.NewScript(`
local ki, ai = 2, 2
local cap = 4294967295
local ts, th = 0, 0
local t = redis.call('HMGET', KEYS[1], 's', 'h')
ts, th = tonumber(t[1]) or 0, tonumber(t[2]) or 0
for u = 1, tonumber(ARGV[1]) do
  local ds, dh = tonumber(ARGV[ai]), tonumber(ARGV[ai+1])
  local day, nt = tonumber(ARGV[ai+2]), tonumber(ARGV[ai+3])
  ai = ai + 4
  for i = 1, nt do
    local k = KEYS[ki]
    ki = ki + 1
    local v = redis.call('HMGET', k, 's', 'h', 'd')
    local s = math.min(cap, math.max(0, (tonumber(v[1]) or 0) + ds))
    local h = math.min(cap, math.max(0, (tonumber(v[2]) or 0) + dh))
    local d = tonumber(v[3]) or 0
    if s == 0 and h == 0 then
      redis.call('DEL', k)
    else
      if (ds > 0 or dh > 0) and day > d then d = day end
      redis.call('HSET', k, 's', string.format('%d', s), 'h', string.format('%d', h), 'd', string.format('%d', d))
    end
  end
  ts, th = math.max(0, ts + ds), math.max(0, th + dh)
end
redis.call('HSET', KEYS[1], 's', string.format('%d', ts), 'h', string.format('%d', th))
return {string.format('%d', ts), string.format('%d', th)}
`)

// Apply implements bayes.Store with one atomic script.
func (s *Store) Apply(ctx context.Context, updates []bayes.Update) (bayes.Totals, error) {
	if err := ctx.Err(); err != nil {
		return bayes.Totals{}, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ns := s.ns(false)
	n := 1
	for _, u := range updates {
		n += len(u.Tokens)
	}
	keys := make([]string, 0, n)
	keys = append(keys, ns+"totals")
	args := make([]any, 0, 1+4*len(updates))
	args = append(args, len(updates))
	for _, u := range updates {
		if err := ctx.Err(); err != nil {
			return bayes.Totals{}, err
		}
		args = append(args, u.Spam, u.Ham, u.Day, len(u.Tokens))
		for _, tok := range u.Tokens {
			keys = append(keys, ns+"t:"+tok)
		}
	}
	res, err := applyScript.Run(ctx, s.Client, keys, args...).StringSlice()
	if err != nil {
		return bayes.Totals{}, fmt.Errorf("redisstore: apply: %w", err)
	}
	if len(res) != 2 {
		return bayes.Totals{}, fmt.Errorf("redisstore: apply: script answered %q", res)
	}
	sp, _ := strconv.ParseUint(res[0], 10, 64)
	hm, _ := strconv.ParseUint(res[1], 10, 64)
	return bayes.Totals{Spam: sp, Ham: hm}, nil
}

// Walk implements bayes.BulkStore: SCAN over the namespace's token keys
// (a token changed during the walk may be given with either its old or
// its new count, or twice if SCAN gives it twice: Walk gives each key
// once).
func (s *Store) Walk(ctx context.Context, fn func(bayes.Entry) bool) error {
	ns := s.ns(false)
	pattern := globEscape(ns+"t:") + "*"
	seen := make(map[string]bool)
	var cursor uint64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		cctx, cancel := s.ctx(ctx)
		keys, next, err := s.Client.Scan(cctx, cursor, pattern, 1000).Result()
		if err != nil {
			cancel()
			return fmt.Errorf("redisstore: walk: %w", err)
		}
		cmds := make([]*redis.SliceCmd, len(keys))
		_, err = s.Client.Pipelined(cctx, func(p redis.Pipeliner) error {
			for i, k := range keys {
				cmds[i] = p.HMGet(cctx, k, "s", "h", "d")
			}
			return nil
		})
		cancel()
		if err != nil {
			return fmt.Errorf("redisstore: walk: %w", err)
		}
		for i, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			v := cmds[i].Val()
			e := bayes.Entry{Token: k[len(ns)+2:], Count: bayes.Count{Spam: sat32(num(v, 0)), Ham: sat32(num(v, 1)), Day: sat32(num(v, 2))}}
			if e.Spam == 0 && e.Ham == 0 {
				continue // deleted meanwhile
			}
			if !fn(e) {
				return nil
			}
		}
		cursor = next
		if cursor == 0 {
			return nil
		}
	}
}

// globEscape escapes the glob characters of SCAN MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Put implements bayes.BulkStore in one MULTI/EXEC transaction.
func (s *Store) Put(ctx context.Context, entries []bayes.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ns := s.ns(false)
	_, err := s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range entries {
			if i%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			k := ns + "t:" + e.Token
			if e.Spam == 0 && e.Ham == 0 {
				p.Del(ctx, k)
				continue
			}
			p.HSet(ctx, k, "s", e.Spam, "h", e.Ham, "d", e.Day)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: put: %w", err)
	}
	return nil
}

// SetTotals implements bayes.BulkStore.
func (s *Store) SetTotals(ctx context.Context, t bayes.Totals) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.Client.HSet(ctx, s.ns(false)+"totals", "s", t.Spam, "h", t.Ham).Err(); err != nil {
		return fmt.Errorf("redisstore: set totals: %w", err)
	}
	return nil
}
