// Package storetest is the behavioural suite every bayes.BulkStore
// passes: the in-memory bayes.MemStore, bayes/boltstore and
// bayes/redisstore run it, and so can a store of one's own.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/bayes"
)

// Run runs the suite, each case on a new empty store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) bayes.BulkStore) {
	t.Helper()
	cases := []struct {
		name string
		f    func(t *testing.T, s bayes.BulkStore)
	}{
		{"Empty", testEmpty},
		{"TrainAndLookup", testTrainAndLookup},
		{"BatchInOrder", testBatch},
		{"UntrainClampsAndDeletes", testUntrain},
		{"DayKeptOnUntrain", testDay},
		{"PutAndSetTotals", testPut},
		{"WalkStops", testWalkStops},
		{"OddTokens", testOddTokens},
		{"Concurrent", testConcurrent},
		{"CanceledApply", testCanceled},
		{"CanceledLookup", testCanceledLookup},
		{"CanceledBulk", testCanceledBulk},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f(t, newStore(t))
		})
	}
}

func lookup(t *testing.T, s bayes.Store, tokens ...string) ([]bayes.Count, bayes.Totals) {
	t.Helper()
	counts := make([]bayes.Count, len(tokens))
	tot, err := s.Lookup(context.Background(), tokens, counts)
	if err != nil {
		t.Fatalf("Lookup(%q) error: %v", tokens, err)
	}
	return counts, tot
}

func apply(t *testing.T, s bayes.Store, us ...bayes.Update) bayes.Totals {
	t.Helper()
	tot, err := s.Apply(context.Background(), us)
	if err != nil {
		t.Fatalf("Apply error: %v", err)
	}
	return tot
}

func walk(t *testing.T, s bayes.BulkStore) map[string]bayes.Count {
	t.Helper()
	m := map[string]bayes.Count{}
	if err := s.Walk(context.Background(), func(e bayes.Entry) bool {
		if _, dup := m[e.Token]; dup {
			t.Errorf("Walk gave %q twice", e.Token)
		}
		m[e.Token] = e.Count
		return true
	}); err != nil {
		t.Fatalf("Walk error: %v", err)
	}
	return m
}

func testEmpty(t *testing.T, s bayes.BulkStore) {
	counts, tot := lookup(t, s, "a", "b")
	if counts[0] != (bayes.Count{}) || counts[1] != (bayes.Count{}) || tot != (bayes.Totals{}) {
		t.Errorf("empty store: Lookup = %v %v, want zeros", counts, tot)
	}
	if _, tot := lookup(t, s); tot != (bayes.Totals{}) {
		t.Errorf("empty store: totals %v", tot)
	}
	if m := walk(t, s); len(m) != 0 {
		t.Errorf("empty store: Walk gave %v", m)
	}
}

func testTrainAndLookup(t *testing.T, s bayes.BulkStore) {
	tot := apply(t, s, bayes.Update{Tokens: []string{"cheap", "pills", "subj:offer"}, Spam: 1, Day: 20000})
	if tot != (bayes.Totals{Spam: 1}) {
		t.Errorf("after one spam: totals %v, want {1 0}", tot)
	}
	tot = apply(t, s, bayes.Update{Tokens: []string{"lunch", "cheap"}, Ham: 1, Day: 20001})
	if tot != (bayes.Totals{Spam: 1, Ham: 1}) {
		t.Errorf("after one ham: totals %v, want {1 1}", tot)
	}
	counts, tot := lookup(t, s, "cheap", "pills", "lunch", "absent", "cheap")
	want := []bayes.Count{cnt(1, 1, 20001), cnt(1, 0, 20000), cnt(0, 1, 20001), cnt(0, 0, 0), cnt(1, 1, 20001)}
	if !slices.Equal(counts, want) || tot != (bayes.Totals{Spam: 1, Ham: 1}) {
		t.Errorf("Lookup = %v %v, want %v {1 1}", counts, tot, want)
	}
	m := walk(t, s)
	if len(m) != 4 || m["subj:offer"] != (bayes.Count{Spam: 1, Day: 20000}) {
		t.Errorf("Walk = %v, want 4 tokens with subj:offer {1 0 20000}", m)
	}
}

func testBatch(t *testing.T, s bayes.BulkStore) {
	tot := apply(t, s,
		bayes.Update{Tokens: []string{"x"}, Spam: 1, Day: 5},
		bayes.Update{Tokens: []string{"x", "y"}, Spam: 1, Day: 6},
		bayes.Update{Tokens: []string{"y"}, Ham: 1, Day: 7},
		bayes.Update{Tokens: []string{"x"}, Spam: -1},
	)
	if tot != (bayes.Totals{Spam: 1, Ham: 1}) {
		t.Errorf("batch totals %v, want {1 1}", tot)
	}
	counts, _ := lookup(t, s, "x", "y")
	if want := []bayes.Count{cnt(1, 0, 6), cnt(1, 1, 7)}; !slices.Equal(counts, want) {
		t.Errorf("batch counts %v, want %v", counts, want)
	}
}

func testUntrain(t *testing.T, s bayes.BulkStore) {
	apply(t, s, bayes.Update{Tokens: []string{"a", "b"}, Spam: 1, Day: 1})
	apply(t, s, bayes.Update{Tokens: []string{"b"}, Ham: 1, Day: 1})
	tot := apply(t, s, bayes.Update{Tokens: []string{"a", "b"}, Spam: -1})
	if tot != (bayes.Totals{Ham: 1}) {
		t.Errorf("after untrain: totals %v, want {0 1}", tot)
	}
	// Untraining what was never trained clamps at zero.
	tot = apply(t, s, bayes.Update{Tokens: []string{"a", "c"}, Spam: -1})
	if tot != (bayes.Totals{Ham: 1}) {
		t.Errorf("after second untrain: totals %v, want {0 1}", tot)
	}
	counts, _ := lookup(t, s, "a", "b", "c")
	if want := []bayes.Count{cnt(0, 0, 0), cnt(0, 1, 1), cnt(0, 0, 0)}; !slices.Equal(counts, want) {
		t.Errorf("after untrain: counts %v, want %v", counts, want)
	}
	if m := walk(t, s); len(m) != 1 {
		t.Errorf("tokens with zero counts were kept: %v", m)
	}
}

func testDay(t *testing.T, s bayes.BulkStore) {
	apply(t, s, bayes.Update{Tokens: []string{"a"}, Spam: 2, Day: 100})
	apply(t, s, bayes.Update{Tokens: []string{"a"}, Spam: -1, Day: 200})
	apply(t, s, bayes.Update{Tokens: []string{"a"}, Ham: 1, Day: 50}) // an older day does not go back
	counts, _ := lookup(t, s, "a")
	if want := (bayes.Count{Spam: 1, Ham: 1, Day: 100}); counts[0] != want {
		t.Errorf("count %v, want %v", counts[0], want)
	}
}

func testPut(t *testing.T, s bayes.BulkStore) {
	ctx := context.Background()
	apply(t, s, bayes.Update{Tokens: []string{"old", "gone"}, Spam: 1, Day: 1})
	err := s.Put(ctx, []bayes.Entry{
		{Token: "old", Count: bayes.Count{Spam: 7, Ham: 3, Day: 9}},
		{Token: "new", Count: bayes.Count{Ham: 4294967295}},
		{Token: "gone"},
	})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := s.SetTotals(ctx, bayes.Totals{Spam: 1 << 40, Ham: 12}); err != nil {
		t.Fatalf("SetTotals: %v", err)
	}
	counts, tot := lookup(t, s, "old", "new", "gone")
	want := []bayes.Count{cnt(7, 3, 9), cnt(0, 4294967295, 0), cnt(0, 0, 0)}
	if !slices.Equal(counts, want) || tot != (bayes.Totals{Spam: 1 << 40, Ham: 12}) {
		t.Errorf("after Put: %v %v, want %v {%d 12}", counts, tot, want, uint64(1<<40))
	}
	// Counts saturate rather than wrap.
	apply(t, s, bayes.Update{Tokens: []string{"new"}, Ham: 1})
	if counts, _ := lookup(t, s, "new"); counts[0].Ham != 4294967295 {
		t.Errorf("count wrapped: %v", counts[0])
	}
	if m := walk(t, s); len(m) != 2 {
		t.Errorf("after Put: Walk %v, want old and new", m)
	}
}

func testWalkStops(t *testing.T, s bayes.BulkStore) {
	var toks []string
	for i := range 50 {
		toks = append(toks, fmt.Sprint("t", i))
	}
	apply(t, s, bayes.Update{Tokens: toks, Spam: 1})
	n := 0
	if err := s.Walk(context.Background(), func(bayes.Entry) bool { n++; return n < 3 }); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Walk went on after false: %d calls", n)
	}
}

func testOddTokens(t *testing.T, s bayes.BulkStore) {
	toks := []string{"a b", "tab\there", "nl\nx", "nul\x00x", "\xff\xfe", "日本語", "*?[glob]", "{tag}", strings.Repeat("L", 1000), "%41"}
	apply(t, s, bayes.Update{Tokens: toks, Ham: 1, Day: 3})
	counts, _ := lookup(t, s, toks...)
	for i, c := range counts {
		if c != (bayes.Count{Ham: 1, Day: 3}) {
			t.Errorf("token %q: %v, want {0 1 3}", toks[i], c)
		}
	}
	if m := walk(t, s); len(m) != len(toks) {
		t.Errorf("Walk gave %d tokens, want %d", len(m), len(toks))
	} else {
		for _, tok := range toks {
			if _, ok := m[tok]; !ok {
				t.Errorf("Walk lost %q", tok)
			}
		}
	}
}

func testConcurrent(t *testing.T, s bayes.BulkStore) {
	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				u := bayes.Update{Tokens: []string{"shared", fmt.Sprint("own", w)}, Spam: 1}
				if i%2 == 1 {
					u = bayes.Update{Tokens: []string{"shared", fmt.Sprint("own", w)}, Ham: 1}
				}
				if _, err := s.Apply(context.Background(), []bayes.Update{u}); err != nil {
					errs <- err
					return
				}
				counts := make([]bayes.Count, 1)
				if _, err := s.Lookup(context.Background(), []string{"shared"}, counts); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	counts, tot := lookup(t, s, "shared", "own0")
	if counts[0].Spam+counts[0].Ham != workers*each || tot.Spam+tot.Ham != workers*each {
		t.Errorf("concurrent updates lost: shared %v totals %v, want %d in all", counts[0], tot, workers*each)
	}
	if counts[1] != (bayes.Count{Spam: each / 2, Ham: each / 2}) {
		t.Errorf("own0 = %v", counts[1])
	}
}

func testCanceled(t *testing.T, s bayes.BulkStore) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Apply(ctx, []bayes.Update{{Tokens: []string{"a"}, Spam: 1}})
	if err == nil {
		t.Fatal("Apply with a canceled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Logf("Apply error does not wrap context.Canceled: %v", err)
	}
	counts, tot := lookup(t, s, "a")
	if counts[0] != (bayes.Count{}) || tot != (bayes.Totals{}) {
		t.Errorf("a canceled Apply was applied: %v %v", counts[0], tot)
	}
}

// testCanceledLookup: a Lookup whose ctx has ended is its error, not
// counts: a classification then is Unsure (bayes.ErrStore), never the
// verdict of counts read after the caller's time was over. Many tokens,
// so that a store reading them in batches reaches its look at ctx.
func testCanceledLookup(t *testing.T, s bayes.BulkStore) {
	apply(t, s, bayes.Update{Tokens: []string{"a"}, Ham: 1})
	toks := make([]string, 10000)
	for i := range toks {
		toks[i] = fmt.Sprint("a", i)
	}
	toks[0] = "a"
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Lookup(ctx, toks, make([]bayes.Count, len(toks)))
	if err == nil {
		t.Fatal("Lookup with a canceled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Logf("Lookup error does not wrap context.Canceled: %v", err)
	}
}

// testCanceledBulk: Walk, Put and SetTotals with an ended ctx fail, Put
// and SetTotals change nothing, and Walk does not go over the whole
// store (a store may give a batch before it looks at ctx: fewer than
// the 10 000 tokens here).
func testCanceledBulk(t *testing.T, s bayes.BulkStore) {
	const n = 10000
	toks := make([]string, n)
	for i := range toks {
		toks[i] = fmt.Sprint("t", i)
	}
	apply(t, s, bayes.Update{Tokens: toks, Spam: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := s.Walk(ctx, func(bayes.Entry) bool { calls++; return true })
	if err == nil || calls >= n {
		t.Errorf("Walk with a canceled context: %v after %d of %d tokens; want an error before the end", err, calls, n)
	} else if !errors.Is(err, context.Canceled) {
		t.Logf("Walk error does not wrap context.Canceled: %v", err)
	}
	if err := s.Put(ctx, []bayes.Entry{{Token: "t0", Count: cnt(0, 9, 0)}, {Token: "t1"}}); err == nil {
		t.Error("Put with a canceled context succeeded")
	}
	if err := s.SetTotals(ctx, bayes.Totals{Ham: 9}); err == nil {
		t.Error("SetTotals with a canceled context succeeded")
	}
	counts, tot := lookup(t, s, "t0", "t1")
	if counts[0] != cnt(1, 0, 0) || counts[1] != cnt(1, 0, 0) || tot != (bayes.Totals{Spam: 1}) {
		t.Errorf("after canceled Put and SetTotals: %v %v, want unchanged", counts, tot)
	}
}

func cnt(spam, ham, day uint32) bayes.Count { return bayes.Count{Spam: spam, Ham: ham, Day: day} }
