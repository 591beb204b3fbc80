package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
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
		return s.newOp(ctx, req)
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

// TestBatchOneScriptRun: a batch of checks on one server is one script
// run (one command, one round trip), whose checks are applied in order:
// the second check of one triplet sees the first's record.
func TestBatchOneScriptRun(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.Redis(t).Addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s, err := New(rdb, &Options{Prefix: "one:", Pipelines: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	runs := func() string {
		t.Helper()
		info, err := rdb.Info(ctx, "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(info) {
			if strings.HasPrefix(line, "cmdstat_evalsha:") || strings.HasPrefix(line, "cmdstat_eval:") {
				return strings.TrimSpace(line)
			}
		}
		return ""
	}
	if err := rdb.ScriptLoad(ctx, recordLua).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	req := func(client, triplet string, at time.Time) greylist.Request {
		r := greylist.Request{
			Client: []byte(client), Now: at,
			Delay: 5 * time.Minute, RetryWindow: 48 * time.Hour, MaxAge: 35 * 24 * time.Hour, AutoAllowAfter: 5,
		}
		if triplet != "" {
			r.Triplet = []byte(triplet)
		}
		return r
	}
	ops := []*op{
		s.newOp(ctx, req("192.0.2.0/24", "a@x b@y", now)),
		s.newOp(ctx, req("192.0.2.0/24", "a@x b@y", now.Add(time.Second))),
		s.newOp(ctx, req("198.51.100.0/24", "", now)),
		s.newOp(ctx, req("192.0.2.0/24", "a@x b@y", now.Add(10*time.Minute))),
	}
	s.send(ops)
	if got := runs(); !strings.HasPrefix(got, "cmdstat_evalsha:calls=1,") {
		t.Errorf("a batch of %d checks: %q, want one EVALSHA", len(ops), got)
	}
	ms := func(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()) } // as the store returns times
	want := []greylist.Response{
		{Result: greylist.Greylisted, First: ms(now), Until: ms(now.Add(5 * time.Minute)), New: true},
		{Result: greylist.Greylisted, First: ms(now), Until: ms(now.Add(5 * time.Minute))},
		{},
		{Result: greylist.Pass, First: ms(now), Passed: true, Count: 1},
	}
	for i, o := range ops {
		<-o.done
		if o.err != nil || o.resp != want[i] {
			t.Errorf("check %d: %+v, %v; want %+v", i, o.resp, o.err, want[i])
		}
	}
}

// TestOldRecordReplaced: a key of another type or length (a hash of
// this package's older format, another program's string) is read as
// absent and replaced, not an error for every check of its batch.
func TestOldRecordReplaced(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.Redis(t).Addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s, err := New(rdb, &Options{Prefix: "old:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	client, triplet := []byte("192.0.2.0/24"), []byte("a@x b@y")
	if err := rdb.HSet(ctx, s.TripletKey(client, triplet), "f", "1", "l", "1", "e", "9999999999999", "p", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, s.ClientKey(client), "not a record", 0).Err(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r, err := s.Record(ctx, greylist.Request{
		Client: client, Triplet: triplet, Now: now,
		Delay: 5 * time.Minute, RetryWindow: 48 * time.Hour, MaxAge: 35 * 24 * time.Hour, AutoAllowAfter: 5,
	})
	if err != nil || r.Result != greylist.Greylisted || !r.New {
		t.Errorf("Record over an old hash = %+v, %v; want a new greylisted triplet", r, err)
	}
	if typ := rdb.Type(ctx, s.TripletKey(client, triplet)).Val(); typ != "string" {
		t.Errorf("triplet key type %q after Record, want string", typ)
	}
}

// TestCorruptRecordReplaced: a record of the right length whose doubles
// are no times or counts (NaN, infinities, fractions, negatives, beyond
// 2^53: a corrupted value, another program's key) is read as absent and
// replaced. Before, the script wrote such a value back with a TTL of
// "inf" or "1e+300" milliseconds, which SET refuses: the script failed,
// and with it every other check of its batch; or it answered times the
// reply cannot carry, failing the check for as long as the key lived.
func TestCorruptRecordReplaced(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.Redis(t).Addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s, err := New(rdb, &Options{Prefix: "corrupt:", Pipelines: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	nowMS := float64(now.UnixMilli())
	pack := func(v ...float64) string {
		var b []byte
		for _, f := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
		return string(b)
	}
	req := func(client, triplet string, trap time.Duration) greylist.Request {
		return greylist.Request{
			Client: []byte(client), Triplet: []byte(triplet), Now: now, Trap: trap,
			Delay: 5 * time.Minute, RetryWindow: 48 * time.Hour, MaxAge: 35 * 24 * time.Hour, AutoAllowAfter: 5,
		}
	}
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name         string
		client, trip string // packed records, "" for none
		trap         time.Duration
		want         greylist.Result
	}{
		{"client expires +Inf, trap hit", pack(0, 0, 0, 0, inf), "", time.Hour, greylist.Trapped},
		{"client expires 1e300, trap hit", pack(0, 0, 0, 0, 1e300), "", time.Hour, greylist.Trapped},
		{"client trapped until NaN", pack(0, 0, 0, nan, nowMS+1e6), "", 0, greylist.Greylisted},
		{"client trapped until 1e300", pack(0, 0, 0, 1e300, 1e300), "", 0, greylist.Greylisted},
		{"client count -Inf", pack(math.Inf(-1), 0, 0, 0, nowMS+1e6), "", 0, greylist.Greylisted},
		{"triplet first negative", "", pack(-1, -1, nowMS+1e6, 0), 0, greylist.Greylisted},
		{"triplet first fraction", "", pack(nowMS-1e6+0.5, nowMS-1e6, nowMS+1e6, 1), 0, greylist.Greylisted},
		{"triplet expires NaN", "", pack(nowMS-1e6, nowMS-1e6, nan, 0), 0, greylist.Greylisted},
	}
	var ops []*op
	for i, c := range cases {
		client, trip := fmt.Sprintf("192.0.2.%d/32", i), "a@x b@y"
		if c.client != "" {
			if err := rdb.Set(ctx, s.ClientKey([]byte(client)), c.client, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if c.trip != "" {
			if err := rdb.Set(ctx, s.TripletKey([]byte(client), []byte(trip)), c.trip, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
		}
		ops = append(ops, s.newOp(ctx, req(client, trip, c.trap)))
	}
	// A sound check in the same batch, after the corrupted ones.
	ops = append(ops, s.newOp(ctx, req("198.51.100.0/24", "c@x d@y", 0)))
	s.send(ops)
	for i, o := range ops {
		<-o.done
		want := greylist.Greylisted
		name := "sound check of the batch"
		if i < len(cases) {
			want, name = cases[i].want, cases[i].name
		}
		if o.err != nil || o.resp.Result != want {
			t.Errorf("%s: %+v, %v; want %s", name, o.resp, o.err, want)
		}
	}
}

// TestWriteRefusedFailsOnlyItsCheck: a server that refuses writes (out
// of memory under maxmemory-policy noeviction, the default; a replica
// after a failover; MISCONF when its snapshots fail) refuses the SET of
// a check that must write, not the reads of one that need not. Such a
// refusal failed the whole script, so every check of the batch, where
// one script run per check failed that check alone: a known sender's
// mail was deferred (or, under FailOpen, every check of the batch
// passed ungreylisted) because another check in its batch had to
// write. Now the refused check fails, with the server's reason, and the
// others are answered.
func TestWriteRefusedFailsOnlyItsCheck(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.Redis(t).Addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s, err := New(rdb, &Options{Prefix: "ro:", Pipelines: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	req := func(client, triplet string, at time.Time) greylist.Request {
		return greylist.Request{
			Client: []byte(client), Triplet: []byte(triplet), Now: at,
			Delay: 5 * time.Minute, RetryWindow: 48 * time.Hour, MaxAge: 35 * 24 * time.Hour, AutoAllowAfter: 5,
		}
	}
	// A known triplet: its next check within the hour writes nothing.
	for _, at := range []time.Time{now, now.Add(10 * time.Minute)} {
		if _, err := s.Record(ctx, req("192.0.2.0/24", "a@x b@y", at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.ConfigSet(context.Background(), "maxmemory", "0") })
	later := now.Add(20 * time.Minute)
	ops := []*op{
		s.newOp(ctx, req("198.51.100.0/24", "c@x d@y", later)), // first sight: must write
		s.newOp(ctx, req("192.0.2.0/24", "a@x b@y", later)),    // known: reads only
	}
	s.send(ops)
	<-ops[0].done
	if !errors.Is(ops[0].err, ErrWrite) || !strings.Contains(ops[0].err.Error(), "OOM") {
		t.Errorf("check that must write: %+v, %v; want ErrWrite with the server's OOM reason", ops[0].resp, ops[0].err)
	}
	<-ops[1].done
	if ops[1].err != nil || ops[1].resp.Result != greylist.Pass {
		t.Errorf("check that writes nothing, batched with a refused write: %+v, %v; want pass", ops[1].resp, ops[1].err)
	}
}
