package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/internal/testenv"
	bolt "go.etcd.io/bbolt"
)

func manyTokens(n int) []string {
	toks := make([]string, n)
	for i := range toks {
		toks[i] = fmt.Sprintf("tok%06d", i)
	}
	return toks
}

// TestLookupContextEnds: Lookup read every token whatever ctx did (in
// a read transaction, or from the cache of a ReadOnly store), so a
// classification whose time ran out while its tokens were read scored
// them all. It now looks at ctx as it goes: a ctx ending at its second
// look (the first is on entry) stops it.
func TestLookupContextEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	toks := manyTokens(20000)
	if _, err := s.Apply(context.Background(), []bayes.Update{{Tokens: toks, Ham: 1}}); err != nil {
		t.Fatal(err)
	}
	counts := make([]bayes.Count, len(toks))
	if _, err := s.Lookup(testenv.EndsAt(2), toks, counts); !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup = %v, want context.Canceled", err)
	}
	s.Close()
	for _, o := range []Options{{ReadOnly: true}, {ReadOnly: true, Preload: true}} {
		s, err := Open(path, &o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Lookup(testenv.EndsAt(1), toks, counts); !errors.Is(err, context.Canceled) {
			t.Errorf("%+v: Lookup with an ended ctx = %v, want context.Canceled", o, err)
		}
		if _, err := s.Lookup(testenv.EndsAt(2), toks, counts); !errors.Is(err, context.Canceled) {
			t.Errorf("%+v: Lookup = %v, want context.Canceled", o, err)
		}
		if _, err := s.Lookup(context.Background(), toks, counts); err != nil || counts[len(toks)-1].Ham != 1 {
			t.Errorf("%+v: Lookup = %v, %v", o, err, counts[len(toks)-1])
		}
		s.Close()
	}
}

// TestPutContextEnds: Put wrote every entry once past its first look;
// a ctx ending while it writes now rolls the whole Put back.
func TestPutContextEnds(t *testing.T) {
	s := open(t)
	toks := manyTokens(20000)
	ents := make([]bayes.Entry, len(toks))
	for i, tok := range toks {
		ents[i] = bayes.Entry{Token: tok, Count: bayes.Count{Spam: 1}}
	}
	if err := s.Put(testenv.EndsAt(2), ents); !errors.Is(err, context.Canceled) {
		t.Errorf("Put = %v, want context.Canceled", err)
	}
	n := 0
	s.Walk(context.Background(), func(bayes.Entry) bool { n++; return true })
	if n != 0 {
		t.Errorf("%d entries stored by a Put whose ctx ended", n)
	}
}

// TestApplyLooksWhileMerging: Apply merges the updates per token before
// its transaction; that pass, as long as the updates, never looked at
// ctx. One token many times over is a long merge and a short
// transaction.
func TestApplyLooksWhileMerging(t *testing.T) {
	s := open(t)
	toks := make([]string, 100000)
	for i := range toks {
		toks[i] = "same"
	}
	ctx := testenv.EndsAt(0)
	if _, err := s.Apply(ctx, []bayes.Update{{Tokens: toks, Spam: 1}}); err != nil {
		t.Fatal(err)
	}
	if got, want := ctx.Looks(), len(toks)/ctxEvery; got < want {
		t.Errorf("Apply of %d tokens looked at ctx %d times, want at least %d", len(toks), got, want)
	}
}

// compactFixture is a database of n tokens at path.
func compactFixture(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(context.Background(), []bayes.Update{{Tokens: manyTokens(n), Spam: 1}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return path
}

// TestCompactContextEnds: Compact looked at ctx once, after bbolt's
// copy of the whole file, so a ctx ending during the copy was seen only
// at its end (and one ending at that look let the compaction through).
// The copy now looks every ctxEvery keys: a ctx ending at its second
// look (the first is on entry) stops the copy, leaves the file as it
// was and no copy beside it.
func TestCompactContextEnds(t *testing.T) {
	const n = 20000
	path := compactFixture(t, n)
	old, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(testenv.EndsAt(2), path, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Compact = %v, want context.Canceled", err)
	}
	// Opening the file commits (its buckets are made sure of), so its
	// bytes may change; it must not have been replaced.
	if now, err := os.Stat(path); err != nil || !os.SameFile(now, old) {
		t.Errorf("file replaced by a Compact whose ctx ended (%v)", err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*compact*")); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
	// A ctx that does not end is looked at as the copy goes.
	ctx := testenv.EndsAt(0)
	if _, _, err := Compact(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	if ctx.Looks() < n/ctxEvery {
		t.Errorf("Compact of %d keys looked at ctx %d times, want at least %d", n, ctx.Looks(), n/ctxEvery)
	}
}

// TestCompactCopy: the copy keeps every bucket, nested ones included,
// with their keys, values and sequences, across transactions (a bound
// of a few keys per transaction here).
func TestCompactCopy(t *testing.T) {
	dir := t.TempDir()
	src, err := bolt.Open(filepath.Join(dir, "src.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := map[string]string{}
	err = src.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"a", "b", "empty"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			if err := b.SetSequence(uint64(len(name)) * 7); err != nil {
				return err
			}
			if name == "empty" {
				continue
			}
			for i := range 50 {
				k, v := fmt.Sprintf("k%02d", i), fmt.Sprintf("%s-v%d", name, i)
				if err := b.Put([]byte(k), []byte(v)); err != nil {
					return err
				}
				want[name+"/"+k] = v
				if i == 20 {
					nb, err := b.CreateBucket([]byte("nested"))
					if err != nil {
						return err
					}
					nb.SetSequence(42)
					for j := range 30 {
						k, v := fmt.Sprintf("n%02d", j), fmt.Sprintf("%s-n%d", name, j)
						if err := nb.Put([]byte(k), []byte(v)); err != nil {
							return err
						}
						want[name+"/nested/"+k] = v
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := bolt.Open(filepath.Join(dir, "dst.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := compactCopy(context.Background(), dst, src, 64); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	seqs := map[string]uint64{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		seqs[prefix] = b.Sequence()
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(prefix+string(k)+"/", b.Bucket(k))
			}
			got[prefix+string(k)] = string(v)
			return nil
		})
	}
	err = dst.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(string(name)+"/", b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d keys copied, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	wantSeq := map[string]uint64{"a/": 7, "b/": 7, "empty/": 35, "a/nested/": 42, "b/nested/": 42}
	for k, v := range wantSeq {
		if s, ok := seqs[k]; !ok || s != v {
			t.Errorf("bucket %s: sequence %d (%v), want %d", k, s, ok, v)
		}
	}
	if len(seqs) != len(wantSeq) {
		t.Errorf("buckets %v, want %v", seqs, wantSeq)
	}
}

// TestCompactCopyPages: the copy fills pages as bbolt's Compact does,
// the pages of a bucket that holds only buckets too. compactCopy set
// FillPercent 1 on a bucket when it put a key there, never on the parent
// of a nested bucket it created, so a bucket of many small (inline)
// buckets was split at bbolt's default half fill: twice the leaf pages
// of bbolt's copy. Every bucket's page statistics must be bbolt's.
func TestCompactCopyPages(t *testing.T) {
	dir := t.TempDir()
	src, err := bolt.Open(filepath.Join(dir, "src.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	err = src.Update(func(tx *bolt.Tx) error {
		p, err := tx.CreateBucket([]byte("parent"))
		if err != nil {
			return err
		}
		for i := range 1500 {
			nb, err := p.CreateBucket(fmt.Appendf(nil, "nb%05d", i))
			if err != nil {
				return err
			}
			if err := nb.Put([]byte("k"), []byte("v")); err != nil {
				return err
			}
		}
		q, err := tx.CreateBucket([]byte("plain"))
		if err != nil {
			return err
		}
		for i := range 3000 {
			if err := q.Put(fmt.Appendf(nil, "k%06d", i), make([]byte, 40)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stats := func(db *bolt.DB) map[string]bolt.BucketStats {
		m := map[string]bolt.BucketStats{}
		db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				m[string(name)] = b.Stats()
				return nil
			})
		})
		return m
	}
	for _, maxTx := range []int64{0, 4096} {
		want, err := bolt.Open(filepath.Join(dir, fmt.Sprint("bbolt", maxTx)), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer want.Close()
		got, err := bolt.Open(filepath.Join(dir, fmt.Sprint("ours", maxTx)), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Close()
		if err := bolt.Compact(want, src, maxTx); err != nil {
			t.Fatal(err)
		}
		if err := compactCopy(context.Background(), got, src, maxTx); err != nil {
			t.Fatal(err)
		}
		ws, gs := stats(want), stats(got)
		for name, w := range ws {
			if g := gs[name]; g != w {
				t.Errorf("transactions of %d bytes: bucket %s: %+v, want bbolt's %+v", maxTx, name, g, w)
			}
		}
	}
}
