package boltstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/spamkit/spamkit/bayes"
)

// sizeCorpus is n synthetic messages of 60 tokens each, drawn from a
// vocabulary with a long tail (many tokens seen once, as mail has).
func sizeCorpus(n int) []bayes.Update {
	r := rand.New(rand.NewPCG(1, 2))
	ups := make([]bayes.Update, n)
	for i := range ups {
		toks := make([]string, 60)
		for j := range toks {
			toks[j] = fmt.Sprintf("tok%x", int(r.ExpFloat64()*20000))
		}
		ups[i] = bayes.Update{Tokens: toks, Day: 20000}
		if i%3 == 0 {
			ups[i].Spam = 1
		} else {
			ups[i].Ham = 1
		}
	}
	return ups
}

// dataBytes is what the entries of s weigh in a bbolt leaf: key, value
// and bbolt's 16-byte element header each.
func dataBytes(t *testing.T, s *Store) (n int64, entries map[string]bayes.Count) {
	t.Helper()
	entries = map[string]bayes.Count{}
	err := s.Walk(context.Background(), func(e bayes.Entry) bool {
		entries[e.Token] = e.Count
		n += int64(len(e.Token) + len(encode(nil, e.Count)) + 16)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, entries
}

// TestPutFileSize: a database loaded with Put (an import, the copy the
// evaluation measures) is a file not much bigger than its data. bbolt's
// defaults (pages split half full, and a file under 16 MiB grown to the
// next power of two) made it two to four times as big.
func TestPutFileSize(t *testing.T) {
	ctx := context.Background()
	src := bayes.NewMemStore()
	if _, err := src.Apply(ctx, sizeCorpus(3000)); err != nil {
		t.Fatal(err)
	}
	var all []bayes.Entry
	src.Walk(ctx, func(e bayes.Entry) bool { all = append(all, e); return true }) // map order
	path := filepath.Join(t.TempDir(), "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, all); err != nil {
		t.Fatal(err)
	}
	data, got := dataBytes(t, s)
	s.Close()
	if len(got) != len(all) {
		t.Fatalf("%d entries stored, want %d", len(got), len(all))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Pages full but for their headers and page ends, branch pages, the
	// meta and free-list pages, and at most one growth step.
	if limit := data*5/4 + DefaultAllocSize + 64<<10; fi.Size() > limit {
		t.Errorf("file %d bytes for %d bytes of entries (%d tokens); want at most %d", fi.Size(), data, len(all), limit)
	}
}

// TestCompact: a database trained in many batches holds free pages that
// bbolt never gives back; Compact rewrites it into a file close to its
// data, with every count and the totals kept.
func TestCompact(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ups := sizeCorpus(3000)
	for i := 0; i < len(ups); i += 100 {
		if _, err := s.Apply(ctx, ups[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	data, want := dataBytes(t, s)
	wantTotals, _ := s.Lookup(ctx, nil, nil)
	if free, size, err := s.Free(); err != nil || free < size/4 {
		t.Errorf("Free after 30 commits = %d of %d bytes, %v; want a good part of the file", free, size, err)
	}
	s.Close()

	before, after, err := Compact(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != after {
		t.Fatalf("stat after compact: %v, %v; Compact said %d", fi, err, after)
	}
	if limit := data*5/4 + DefaultAllocSize + 64<<10; after > limit || after >= before {
		t.Errorf("compacted %d -> %d bytes for %d bytes of entries; want less than before and at most %d", before, after, data, limit)
	}
	s, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if free, size, err := s.Free(); err != nil || free > 4*4096 || size != after {
		t.Errorf("Free after Compact = %d of %d bytes, %v; want a few pages of %d", free, size, err, after)
	}
	_, got := dataBytes(t, s)
	if len(got) != len(want) {
		t.Fatalf("%d tokens after compact, want %d", len(got), len(want))
	}
	for tok, c := range want {
		if got[tok] != c {
			t.Fatalf("%q = %v after compact, want %v", tok, got[tok], c)
		}
	}
	if tot, _ := s.Lookup(ctx, nil, nil); tot != wantTotals {
		t.Errorf("totals %v after compact, want %v", tot, wantTotals)
	}
	// No temporary file is left beside it.
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*compact*")); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
}

// TestCompactNotADatabase: Compact of a file that is not a database
// fails and leaves it as it was.
func TestCompactNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bayes.db")
	if err := os.WriteFile(path, []byte("not a bbolt file, far too short to be one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(context.Background(), path, nil); err == nil {
		t.Error("Compact of a text file succeeded")
	}
	b, _ := os.ReadFile(path)
	if string(b) != "not a bbolt file, far too short to be one" {
		t.Error("Compact changed a file it could not read")
	}
}

// TestCompactRemovesStale: a compaction killed before its rename leaves
// its copy beside the file (as large as the database); the next Compact,
// holding the file's lock (so no other compaction of it runs), removes
// such copies.
func TestCompactRemovesStale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, sizeCorpus(10)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	stale := filepath.Join(dir, ".bayes.db.compact-12345")
	other := filepath.Join(dir, ".other.db.compact-12345") // another database's
	for _, p := range []string{stale, other} {
		if err := os.WriteFile(p, []byte("half a copy"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := Compact(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale copy %s left after Compact: %v", stale, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another database's copy removed: %v", err)
	}
}

// TestCompactDirSyncFails: Compact returns the error of the fsync of the
// directory after its rename: until that is on disk, a crash may bring
// back the old file, and trainings written into the new one since would
// be lost with it, so the caller must hear of it.
func TestCompactDirSyncFails(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, sizeCorpus(10)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	errSync := errors.New("input/output error")
	old := syncDir
	syncDir = func(string) error { return errSync }
	defer func() { syncDir = old }()
	if _, _, err := Compact(ctx, path, nil); !errors.Is(err, errSync) {
		t.Errorf("Compact with the directory's fsync failing: %v, want its error", err)
	}
}

// TestCompactKeepsMode: the compacted file has the permissions of the
// file it replaces (a database made group-readable for a daemon that
// classifies stays so; the copy was 0600).
func TestCompactKeepsMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, sizeCorpus(10)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o640 {
		t.Errorf("mode after Compact %o, want 640", m)
	}
}
