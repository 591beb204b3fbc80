package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/internal/testenv"
)

// TestBatchDeadline: a check whose caller gave up (its ctx done) while
// it waited in the queue does not fail the other checks of its
// pipeline: the batch ran under the earliest deadline of its checks, so
// one expired check made every check sent with it a store failure (a
// 451, or under FailOpen a pass without greylisting).
func TestBatchDeadline(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.Redis(t).Addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s, err := New(rdb, &Options{Prefix: "batch:", Pipelines: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	live, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mk := func(ctx context.Context, triplet string) *op {
		req := greylist.Request{
			Client: []byte("192.0.2.0/24"), Triplet: []byte(triplet), Now: now,
			Delay: 5 * time.Minute, RetryWindow: 48 * time.Hour, MaxAge: 35 * 24 * time.Hour, AutoAllowAfter: 5,
		}
		keys := []string{s.ClientKey(req.Client), s.TripletKey(req.Client, req.Triplet)}
		args := []any{
			req.Now.UnixMilli(), req.Delay.Milliseconds(), req.RetryWindow.Milliseconds(), req.MaxAge.Milliseconds(),
			req.AutoAllowAfter, int64(0), greylist.AutoAllowInterval.Milliseconds(), greylist.ClockSkew.Milliseconds(),
		}
		return &op{ctx: ctx, keys: keys, args: args, done: make(chan struct{}, 1)}
	}
	gone, ok1, ok2 := mk(expired, "a@x b@y"), mk(live, "c@x d@y"), mk(context.Background(), "e@x f@y")
	s.send([]*op{ok1, gone, ok2})
	for i, o := range []*op{ok1, ok2} {
		<-o.done
		if o.err != nil || o.resp.Result != greylist.Greylisted || !o.resp.New {
			t.Errorf("live check %d: %+v, %v; want a new greylisted triplet", i, o.resp, o.err)
		}
	}
	<-gone.done
	if gone.err == nil {
		t.Errorf("expired check answered %+v, want its ctx's error", gone.resp)
	}
}
