package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/greylist/greylisttest"
	"github.com/spamkit/spamkit/greylist/redisstore"
	"github.com/spamkit/spamkit/internal/testenv"
)

// TestMain quiets go-redis's own logger (its pool reports failed dials
// on stderr; TestRedisDown makes some on purpose).
func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	os.Exit(m.Run())
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func client(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func newStore(t *testing.T, rdb redis.UniversalClient, prefix string) *redisstore.Store {
	t.Helper()
	return newStoreOpts(t, rdb, &redisstore.Options{Prefix: prefix})
}

func newStoreOpts(t *testing.T, rdb redis.UniversalClient, o *redisstore.Options) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSuite runs the behavioural suite on one redis-server, each subtest
// under its own key prefix (a fresh, empty store), pipelined (the
// default) and one check per round trip.
func TestSuite(t *testing.T) {
	t.Parallel()
	rdb := client(t, testenv.Redis(t).Addr)
	var n atomic.Int64
	for _, pipelines := range []int{0, -1} {
		t.Run(fmt.Sprintf("pipelines=%d", pipelines), func(t *testing.T) {
			greylisttest.Run(t, func(t *testing.T) greylist.Store {
				return newStoreOpts(t, rdb, &redisstore.Options{Prefix: fmt.Sprintf("suite%d:", n.Add(1)), Pipelines: pipelines})
			})
		})
	}
}

// TestScriptFlushed: a server that lost its scripts (restarted, SCRIPT
// FLUSH) answers NOSCRIPT; the store loads the script again.
func TestScriptFlushed(t *testing.T) {
	t.Parallel()
	rdb := client(t, testenv.Redis(t).Addr)
	ctx := context.Background()
	for _, pipelines := range []int{0, -1} {
		s := newStoreOpts(t, rdb, &redisstore.Options{Prefix: fmt.Sprintf("flush%d:", pipelines), Pipelines: pipelines})
		for i := range 3 {
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			r, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", fmt.Sprintf("a@x %d@y", i), greylisttest.T0))
			if err != nil || r.Result != greylist.Greylisted {
				t.Errorf("pipelines %d: Record after SCRIPT FLUSH = %+v, %v", pipelines, r, err)
			}
		}
	}
}

func TestClose(t *testing.T) {
	rdb := client(t, testenv.Redis(t).Addr)
	s := newStore(t, rdb, "")
	if _, err := s.Record(context.Background(), greylisttest.Request("192.0.2.0/24", "a@x b@y", greylisttest.T0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Record(context.Background(), greylisttest.Request("192.0.2.0/24", "a@x b@y", greylisttest.T0)); !errors.Is(err, greylist.ErrClosed) {
		t.Errorf("Record after Close: %v, want ErrClosed", err)
	}
	s.Close() // twice is fine
}

// TestTwoClients: two MX hosts, each with its own connection pool to
// the one Redis, race on one triplet and see one history.
func TestTwoClients(t *testing.T) {
	t.Parallel()
	addr := testenv.Redis(t).Addr
	a := newStore(t, client(t, addr), "")
	b := newStore(t, client(t, addr), "")
	greylisttest.Race(t, a, b)
}

// TestKeysAndTTL: the keys carry the prefix and the client's hash tag,
// and their TTLs reach their expiry.
func TestKeysAndTTL(t *testing.T) {
	rdb := client(t, testenv.Redis(t).Addr)
	s := newStore(t, rdb, "mx:")
	ctx := context.Background()
	t0 := greylisttest.T0
	if _, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", "a@x b@y", t0)); err != nil {
		t.Fatal(err)
	}
	r := greylisttest.Request("198.51.100.0/24", "a@x trap@y", t0)
	r.Trap = 6 * time.Hour
	if _, err := s.Record(ctx, r); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{
		"mx:{192.0.2.0/24}t:a@x b@y": greylisttest.RetryWindow,
		"mx:{198.51.100.0/24}c":      6 * time.Hour,
	}
	if len(keys) != len(want) {
		t.Errorf("keys = %q, want those of %v", keys, want)
	}
	for k, ttl := range want {
		got, err := rdb.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		// The TTL runs on the server's clock from the write: a little
		// less than the record's life, never more, never none.
		if got > ttl+time.Millisecond || got < ttl-time.Minute {
			t.Errorf("PTTL(%s) = %v, want about %v", k, got, ttl)
		}
	}
	if k := s.TripletKey([]byte("c"), []byte("t")); k != "mx:{c}t:t" {
		t.Errorf("TripletKey = %q", k)
	}
	if k := s.ClientKey([]byte("c")); k != "mx:{c}c" {
		t.Errorf("ClientKey = %q", k)
	}
}

func TestPrefix(t *testing.T) {
	for _, p := range []string{"a{b", "}", "{x}:"} {
		if _, err := redisstore.New(redis.NewClient(&redis.Options{}), &redisstore.Options{Prefix: p}); !errors.Is(err, redisstore.ErrPrefix) {
			t.Errorf("New(prefix %q) error = %v, want ErrPrefix", p, err)
		}
	}
	s, err := redisstore.New(redis.NewClient(&redis.Options{}), nil)
	if err != nil || s.ClientKey([]byte("c")) != redisstore.DefaultPrefix+"{c}c" {
		t.Fatalf("New(nil options) = %v, %v; want the default prefix", s, err)
	}
	s.Close()
}

// TestRedisDown: with the server gone, Record fails with an error that
// names the cause, the Checker returns it wrapped in ErrStore beside a
// Greylisted outcome, and with FailOpen passes the mail with a reason.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	srv := testenv.Redis(t)
	s := newStore(t, client(t, srv.Addr), "")
	c := &greylist.Checker{Store: s, Now: func() time.Time { return greylisttest.T0 }}
	ctx := context.Background()
	ip := netip.MustParseAddr("192.0.2.1")
	if o, err := c.Check(ctx, ip, "mx.example.com", "a@example.com", "b@example.net", ""); err != nil || o.Result != greylist.Greylisted {
		t.Fatalf("Check with Redis up = %v, %v", o, err)
	}
	srv.Stop()
	_, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", "a@x b@y", greylisttest.T0))
	if err == nil || !strings.Contains(err.Error(), "redisstore:") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Record with Redis down: %v, want a redisstore error naming the refused connection", err)
	}
	o, err := c.Check(ctx, ip, "mx.example.com", "a@example.com", "b@example.net", "")
	if !errors.Is(err, greylist.ErrStore) || o.Result != greylist.Greylisted || o.Reply().Enhanced != "4.3.0" {
		t.Errorf("Check with Redis down = %v, %v; want greylisted (4.3.0) and ErrStore", o, err)
	}
	c.FailOpen = true
	o, err = c.Check(ctx, ip, "mx.example.com", "a@example.com", "b@example.net", "")
	if err != nil || o.Result != greylist.Pass || !errors.Is(o.Err, greylist.ErrStore) || o.Reason() != "greylist store unavailable" {
		t.Errorf("FailOpen Check with Redis down = %v (reason %q), %v; want pass, ErrStore in Err", o, o.Reason(), err)
	}
}

// TestCheckerTimeout: a Redis that accepts connections but never
// answers is bounded by the Checker's Timeout.
func TestCheckerTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ReadTimeout: time.Minute, MaxRetries: -1, ContextTimeoutEnabled: true})
	defer rdb.Close()
	c := &greylist.Checker{Store: newStore(t, rdb, ""), Timeout: 100 * time.Millisecond}
	_, err = c.Check(context.Background(), netip.MustParseAddr("192.0.2.1"), "", "a@example.com", "b@example.net", "")
	// Without the Timeout, the read would wait a minute and the test
	// time out; go-redis reports the deadline as an i/o timeout, the
	// store as the context's deadline.
	if !errors.Is(err, greylist.ErrStore) || !(strings.Contains(err.Error(), "timeout") || errors.Is(err, context.DeadlineExceeded)) {
		t.Errorf("Check against a silent server = %v, want ErrStore and a timeout", err)
	}
}

// TestCluster runs the suite on a one-node Redis Cluster through a
// ClusterClient: a script whose keys were on different slots would fail
// with CROSSSLOT, so the hash tags are checked by the server itself.
func TestCluster(t *testing.T) {
	t.Parallel()
	addr := redisstore.StartCluster(t)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	var n atomic.Int64
	greylisttest.Run(t, func(t *testing.T) greylist.Store {
		return newStore(t, rdb, fmt.Sprintf("cluster%d:", n.Add(1)))
	})
	// Without the hash tags the keys of one check would be on two slots:
	// the server refuses such a script.
	err := rdb.Eval(context.Background(), "return redis.call('GET', KEYS[1])", []string{"greylist:a", "greylist:b"}).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Errorf("script over two slots: %v, want CROSSSLOT (the test would prove nothing)", err)
	}
}

// TestOptionsLimits: New refuses a MaxPipeline or Pipelines beyond
// their limits with ErrOptions. It made a queue of MaxPipeline ×
// Pipelines entries (a panic, "makechan: size out of range", or all
// the memory), and a batch of MaxPipeline checks is one script run,
// during which the server answers nothing else.
func TestOptionsLimits(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{})
	defer rdb.Close()
	for _, o := range []redisstore.Options{
		{MaxPipeline: 1 << 40},
		{MaxPipeline: redisstore.MaxMaxPipeline + 1},
		{Pipelines: redisstore.MaxPipelines + 1},
		{MaxPipeline: 1 << 31, Pipelines: 1 << 31},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("New(%+v) panicked: %v", o, r)
				}
			}()
			s, err := redisstore.New(rdb, &o)
			if !errors.Is(err, redisstore.ErrOptions) {
				t.Errorf("New(%+v) error = %v, want ErrOptions", o, err)
			}
			if s != nil {
				s.Close()
			}
		}()
	}
	s, err := redisstore.New(rdb, &redisstore.Options{MaxPipeline: redisstore.MaxMaxPipeline, Pipelines: redisstore.MaxPipelines})
	if err != nil {
		t.Fatalf("New at the limits: %v", err)
	}
	s.Close()
}
