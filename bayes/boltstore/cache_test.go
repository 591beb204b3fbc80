package boltstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"path/filepath"
	"strings"
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

// TestPreload: a ReadOnly store opened with Preload holds every token
// after Open and answers every Lookup, known tokens or not, without a
// read transaction, with the file's counts; with CacheTokens below the
// file's size it holds that many and looks the others up.
func TestPreload(t *testing.T) {
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
	if _, err := w.Apply(ctx, []bayes.Update{{Tokens: tokens, Spam: 1, Day: 9}, {Tokens: tokens[:10], Ham: 2, Day: 9}}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	query := append([]string{"unknown", "", "tok99"}, tokens...)
	want := func(i int) bayes.Count {
		if i < 3 {
			return bayes.Count{}
		}
		c := bayes.Count{Spam: 1, Day: 9}
		if i-3 < 10 {
			c.Ham = 2
		}
		return c
	}
	for _, tt := range []struct {
		cacheTokens, cached int
		txs                 uint64
	}{
		{0, 50, 0},  // all preloaded: no transaction
		{20, 20, 1}, // 20 preloaded, the others read in one transaction
	} {
		s, err := Open(path, &Options{ReadOnly: true, Preload: true, CacheTokens: tt.cacheTokens})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(s.cache.pre.ents); n != tt.cached {
			t.Errorf("CacheTokens %d: %d tokens preloaded, want %d", tt.cacheTokens, n, tt.cached)
		}
		txs := s.db.Stats().TxN
		counts := make([]bayes.Count, len(query))
		tot, err := s.Lookup(ctx, query, counts)
		if err != nil || tot != (bayes.Totals{Spam: 1, Ham: 2}) {
			t.Fatalf("totals %v, %v", tot, err)
		}
		for i, tok := range query {
			if counts[i] != want(i) {
				t.Errorf("CacheTokens %d: %q = %v, want %v", tt.cacheTokens, tok, counts[i], want(i))
			}
		}
		if n := uint64(s.db.Stats().TxN - txs); n != tt.txs {
			t.Errorf("CacheTokens %d: lookup ran %d read transactions, want %d", tt.cacheTokens, n, tt.txs)
		}
		s.Close()
	}
}

// TestPreloadedHashCollision: a token whose hash is another key's is not
// given that key's counts.
func TestPreloadedHashCollision(t *testing.T) {
	p := &preloaded{seed: maphash.MakeSeed(), index: map[uint64]uint32{}, keys: []byte("alpha")}
	p.ents = []preEntry{{off: 0, n: 5, count: bayes.Count{Spam: 7}}}
	p.index[maphash.String(p.seed, "alpha")] = 0
	p.index[maphash.String(p.seed, "beta")] = 0 // as if "beta" hashed like "alpha"
	if c, ok := p.get("alpha"); !ok || c.Spam != 7 {
		t.Errorf("get(alpha) = %v, %v; want {7 0 0}, true", c, ok)
	}
	if c, ok := p.get("beta"); ok || c != (bayes.Count{}) {
		t.Errorf("get(beta) = %v, %v; want zero, false", c, ok)
	}
}

// TestCacheKeyBytes: the cache of a ReadOnly store is bounded in bytes
// too (CacheTokens·64 bytes of keys), not only in tokens: a file of long
// tokens (bbolt keys go to 32 KiB; an import, a hostile file) must not
// make Preload or the cache hold CacheTokens·32 KiB. Tokens left out are
// still looked up with their counts.
func TestCacheKeyBytes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bayes.db")
	w, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for i := range 40 {
		tokens = append(tokens, fmt.Sprintf("%02d%s", i, strings.Repeat("x", 2000)))
	}
	if _, err := w.Apply(ctx, []bayes.Update{{Tokens: tokens, Spam: 1, Day: 3}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	const cacheTokens = 100 // 6400 bytes of keys: 3 of these tokens
	for _, preload := range []bool{true, false} {
		s, err := Open(path, &Options{ReadOnly: true, Preload: preload, CacheTokens: cacheTokens})
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]bayes.Count, len(tokens))
		if _, err := s.Lookup(ctx, tokens, counts); err != nil {
			t.Fatal(err)
		}
		for i := range tokens {
			if counts[i] != (bayes.Count{Spam: 1, Day: 3}) {
				t.Errorf("preload %v: token %d = %v", preload, i, counts[i])
			}
		}
		held := 0
		if s.cache.pre != nil {
			held += len(s.cache.pre.keys)
		}
		for k := range s.cache.counts {
			held += len(k)
		}
		if held > cacheTokens*64 {
			t.Errorf("preload %v: the cache holds %d bytes of keys, want at most %d", preload, held, cacheTokens*64)
		}
		s.Close()
	}
}
