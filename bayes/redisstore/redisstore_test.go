package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/storetest"
	"github.com/spamkit/spamkit/internal/testenv"
)

func client(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestSuite(t *testing.T) {
	srv := testenv.Redis(t)
	rdb := client(t, srv.Addr)
	n := 0
	storetest.Run(t, func(t *testing.T) bayes.BulkStore {
		// One server, a namespace per case: the suite also shows that
		// namespaces do not see each other's keys.
		n++
		return (&Store{Client: rdb}).ForUser(string(rune('a' + n)))
	})
	// And the global namespace.
	storetest.Run(t, func(t *testing.T) bayes.BulkStore {
		n++
		return &Store{Client: rdb, Prefix: "g" + string(rune('a'+n)) + ":"}
	})
}

func TestNamespaces(t *testing.T) {
	srv := testenv.Redis(t)
	rdb := client(t, srv.Addr)
	ctx := context.Background()
	site := &Store{Client: rdb}
	alice := site.ForUser("alice{x}%")
	bob := site.ForUser("bob")
	if _, err := site.Apply(ctx, []bayes.Update{{Tokens: []string{"w"}, Spam: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Apply(ctx, []bayes.Update{{Tokens: []string{"w"}, Ham: 1}}); err != nil {
		t.Fatal(err)
	}
	counts := make([]bayes.Count, 1)
	for _, tt := range []struct {
		name  string
		s     *Store
		count bayes.Count
		tot   bayes.Totals
	}{
		{"global", site, bayes.Count{Spam: 1}, bayes.Totals{Spam: 1}},
		{"alice", alice, bayes.Count{Ham: 1}, bayes.Totals{Ham: 1}},
		{"bob", bob, bayes.Count{}, bayes.Totals{}},
		{"alice+global", &Store{Client: rdb, User: "alice{x}%", Global: true}, bayes.Count{Spam: 1, Ham: 1}, bayes.Totals{Spam: 1, Ham: 1}},
		{"bob+global", &Store{Client: rdb, User: "bob", Global: true}, bayes.Count{Spam: 1}, bayes.Totals{Spam: 1}},
	} {
		tot, err := tt.s.Lookup(ctx, []string{"w"}, counts)
		if err != nil {
			t.Fatal(err)
		}
		if counts[0] != tt.count || tot != tt.tot {
			t.Errorf("%s: Lookup = %v %v, want %v %v", tt.name, counts[0], tot, tt.count, tt.tot)
		}
	}
}

// TestFailOpen stops Redis: the store's calls fail with the client's
// error, and a Classifier on it fails open (Unsure, ErrStore, no error)
// while training reports the failure.
func TestFailOpen(t *testing.T) {
	srv := testenv.Redis(t)
	rdb := client(t, srv.Addr)
	s := &Store{Client: rdb, Timeout: 200 * time.Millisecond}
	c := &bayes.Classifier{Store: s}
	ctx := context.Background()
	msg := []byte("Subject: hello\r\n\r\nsome words here\r\n")
	if _, err := c.Train(ctx, bayes.Spam, msg); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	o, err := c.Classify(ctx, msg)
	if err != nil {
		t.Fatalf("Classify with Redis down: error %v, want fail-open", err)
	}
	if o.Result != bayes.Unsure || !errors.Is(o.Err, bayes.ErrStore) || o.Reason() != "statistics unavailable" {
		t.Errorf("Classify with Redis down = %v (reason %q), want unsure with ErrStore", o, o.Reason())
	}
	if _, err := c.Train(ctx, bayes.Ham, msg); !errors.Is(err, bayes.ErrStore) {
		t.Errorf("Train with Redis down: %v, want ErrStore", err)
	}
}

// countHook counts the commands the client was asked to send.
type countHook struct{ cmds int }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.cmds++
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.cmds += len(cmds)
		return next(ctx, cmds)
	}
}

// TestCanceledBuildsNothing: Lookup with an ended ctx built its whole
// pipeline, a command per token, and handed it to the client, which
// then refused it for the ctx; Apply and Put look at ctx before they
// build. Nothing reaches the client now.
func TestCanceledBuildsNothing(t *testing.T) {
	srv := testenv.Redis(t)
	rdb := client(t, srv.Addr)
	h := &countHook{}
	rdb.AddHook(h)
	s := &Store{Client: rdb}
	toks := make([]string, 5000)
	for i := range toks {
		toks[i] = string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Lookup(ctx, toks, make([]bayes.Count, len(toks))); !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup = %v, want context.Canceled", err)
	}
	if h.cmds != 0 {
		t.Errorf("Lookup with an ended ctx handed %d commands to the client", h.cmds)
	}
}
