package boltstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/bayes"
)

// TestReadOnlyCache: a store opened ReadOnly answers a token it read
// once from memory (no read transaction: the file cannot change while
// it is open for reading), with the counts the file holds, keeps at most
// CacheTokens, and is safe for concurrent lookups.
func TestReadOnlyCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bayes.db")
	w, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for i := range 50 {
		tokens = append(tokens, fmt.Sprintf("tok%02d", i))
	}
	if _, err := w.Apply(ctx, []bayes.Update{{Tokens: tokens, Spam: 1, Day: 9}, {Tokens: tokens[:10], Ham: 1, Day: 9}}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	s, err := Open(path, &Options{ReadOnly: true, CacheTokens: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	query := append([]string{"unknown", ""}, tokens[:15]...)
	check := func(round int) {
		t.Helper()
		counts := make([]bayes.Count, len(query))
		tot, err := s.Lookup(ctx, query, counts)
		if err != nil || tot != (bayes.Totals{Spam: 1, Ham: 1}) {
			t.Fatalf("round %d: totals %v, %v", round, tot, err)
		}
		for i, tok := range query {
			want := bayes.Count{}
			if i >= 2 {
				want = bayes.Count{Spam: 1, Day: 9}
				if i-2 < 10 {
					want.Ham = 1
				}
			}
			if counts[i] != want {
				t.Errorf("round %d: %q = %v, want %v", round, tok, counts[i], want)
			}
		}
	}
	check(1)
	txs := s.db.Stats().TxN
	check(2) // all of query read before: no transaction
	if n := s.db.Stats().TxN - txs; n != 0 {
		t.Errorf("second lookup of the same tokens ran %d read transactions, want 0", n)
	}
	// The bound: 17 tokens cached, then 3 more of 35 new ones.
	counts := make([]bayes.Count, len(tokens))
	if _, err := s.Lookup(ctx, tokens, counts); err != nil {
		t.Fatal(err)
	}
	if n := len(s.cache.counts); n != 20 {
		t.Errorf("%d tokens cached, want CacheTokens (20)", n)
	}
	for i, c := range counts {
		if c.Spam != 1 {
			t.Errorf("%q = %v past the cache's bound", tokens[i], c)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c := make([]bayes.Count, len(tokens))
			for range 50 {
				if _, err := s.Lookup(ctx, tokens, c); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	// A writable store keeps nothing: its file changes.
	w, err = Open(filepath.Join(t.TempDir(), "w.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.cache != nil {
		t.Error("a writable store has a cache")
	}
}
