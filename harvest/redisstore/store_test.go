package redisstore_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/harvest/redisstore"
	"github.com/spamkit/spamkit/internal/testenv"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newStore(t *testing.T) (*redisstore.Store, *redis.Client, *testenv.RedisServer) {
	t.Helper()
	srv := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	s, err := redisstore.New(rdb, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, rdb, srv
}

func TestAddAndBlock(t *testing.T) {
	s, rdb, _ := newStore(t)
	ctx := context.Background()
	client := netip.MustParsePrefix("198.51.100.0/24")
	now := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)
	st, err := s.Add(ctx, client, harvest.Counts{Recipients: 3, Unknown: 2}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := harvest.Stats{WindowStart: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Current: harvest.Counts{Recipients: 3, Unknown: 2}}
	if !st.WindowStart.Equal(want.WindowStart) || st.Current != want.Current || st.Previous != (harvest.Counts{}) || st.Block != (harvest.Block{}) {
		t.Errorf("first Add = %+v, want %+v", st, want)
	}
	// The next window sees this one as the previous.
	st, err = s.Add(ctx, client, harvest.Counts{Connections: 1}, now.Add(time.Hour), time.Hour)
	if err != nil || st.Current != (harvest.Counts{Connections: 1}) || st.Previous != want.Current {
		t.Errorf("next window: %+v, %v", st, err)
	}
	// Window hashes expire: two windows.
	if ttl := rdb.PTTL(ctx, s.WindowKey(client, want.WindowStart)).Val(); ttl <= time.Hour || ttl > 2*time.Hour {
		t.Errorf("window key TTL %v, want within (1h, 2h]", ttl)
	}
	until := now.Add(2 * time.Hour).Truncate(time.Millisecond)
	if err := s.SetBlock(ctx, client, harvest.Block{Until: until, Offences: 2}, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	st, err = s.Add(ctx, client, harvest.Counts{}, now.Add(time.Hour), time.Hour)
	if err != nil || !st.Block.Until.Equal(until) || st.Block.Offences != 2 {
		t.Errorf("block read back: %+v, %v", st.Block, err)
	}
	if ttl := rdb.PTTL(ctx, s.BlockKey(client)).Val(); ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("block key TTL %v, want the 24h asked", ttl)
	}
	if _, err := redisstore.New(rdb, &redisstore.Options{Prefix: "a{b"}); !errors.Is(err, redisstore.ErrPrefix) {
		t.Errorf("New with a brace in the prefix: %v", err)
	}
}

// Two MX nodes sharing Redis: a harvester alternating between them is
// caught at the configured count, and blocked on both.
func TestClusterAttack(t *testing.T) {
	s, _, _ := newStore(t)
	clk := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	a := &harvest.Checker{Store: s, Now: clk.Now}
	b := &harvest.Checker{Store: s, Now: clk.Now}
	ip := netip.MustParseAddr("203.0.113.77")
	ctx := context.Background()
	var o harvest.Outcome
	for i := 1; i <= harvest.DefaultDHAUnknown; i++ {
		node := a
		if i%2 == 0 {
			node = b
		}
		clk.Add(time.Second)
		var err error
		if o, err = node.Rcpt(ctx, ip, harvest.Unknown, 1); err != nil {
			t.Fatal(err)
		}
		if i < harvest.DefaultDHAUnknown && o.Result != harvest.Allow {
			t.Fatalf("probe %d: %v", i, o)
		}
	}
	if !errors.Is(o.Err, harvest.ErrHarvest) {
		t.Fatalf("probe %d: %v, want the harvest verdict", harvest.DefaultDHAUnknown, o)
	}
	if o, _ := a.Rcpt(ctx, ip, harvest.Known, 1); !errors.Is(o.Err, harvest.ErrBlocked) || o.Reply().Code != 421 {
		t.Errorf("node a after b's verdict: %v, want blocked", o)
	}
	// A third node, new, learns the block from Redis.
	c := &harvest.Checker{Store: s, Now: clk.Now}
	if o, _ := c.Connect(ctx, ip); !errors.Is(o.Err, harvest.ErrBlocked) {
		t.Errorf("a new node: %v, want blocked", o)
	}
}

// A Redis that goes away: fail closed by default, fail open on request.
func TestRedisDown(t *testing.T) {
	s, _, srv := newStore(t)
	srv.Stop()
	ip := netip.MustParseAddr("203.0.113.78")
	ctx := context.Background()
	closed := &harvest.Checker{Store: s}
	o, err := closed.Rcpt(ctx, ip, harvest.Known, 1)
	if err != nil || o.Result != harvest.Delay || !errors.Is(o.Err, harvest.ErrStore) || o.Reply().Code != 451 {
		t.Errorf("fail closed: %v (%v), %v", o, o.Reply(), err)
	}
	open := &harvest.Checker{Store: s, Config: harvest.Config{FailOpen: true}}
	o, err = open.Rcpt(ctx, ip, harvest.Known, 1)
	if err != nil || o.Result != harvest.Allow || !errors.Is(o.Err, harvest.ErrStore) {
		t.Errorf("fail open: %v, %v", o, err)
	}
}
