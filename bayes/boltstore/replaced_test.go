package boltstore

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/spamkit/spamkit/bayes"
)

// openFDs counts this process's descriptors open on path (Linux).
func openFDs(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && l == path {
			n++
		}
	}
	return n
}

// TestOpenWhileReplaced: Compact renames the compacted copy over the
// file while it holds the old file's lock. A writer that opened the old
// file meanwhile and waited for its lock must not write to it (unlinked:
// every training it returned would be lost); Open takes the file that
// path names once it holds the lock. The lock holder and the rename here
// are what Compact does.
func TestOpenWhileReplaced(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc/self/fd to see the waiting Open")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "bayes.db")
	holder, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	type opened struct {
		s   *Store
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		s, err := Open(path, &Options{Timeout: time.Minute})
		ch <- opened{s, err}
	}()
	// Wait until the second Open has the old file open (it then waits
	// for the lock).
	for openFDs(t, path) < 2 {
		time.Sleep(time.Millisecond)
	}
	// The replacement: another database, renamed over path.
	repl := filepath.Join(dir, "copy.db")
	r, err := Open(repl, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := os.Rename(repl, path); err != nil {
		t.Fatal(err)
	}
	holder.Close()
	o := <-ch
	if o.err != nil {
		t.Fatal(o.err)
	}
	if _, err := o.s.Apply(ctx, []bayes.Update{{Spam: 1, Tokens: []string{"viagra"}}}); err != nil {
		t.Fatal(err)
	}
	o.s.Close()

	s, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts := make([]bayes.Count, 1)
	tot, err := s.Lookup(ctx, []string{"viagra"}, counts)
	if err != nil {
		t.Fatal(err)
	}
	if counts[0].Spam != 1 || tot.Spam != 1 {
		t.Errorf("the training applied by a store that waited for the lock while the file was replaced: %+v, totals %+v in %s, want spam 1 (it went to the unlinked old file)", counts[0], tot, path)
	}
}

// TestReadOnlyExcludesWriters guards the premise of the ReadOnly cache:
// while a store has the file open ReadOnly no store can open it for
// writing, and while one has it open for writing none opens it ReadOnly
// (each waits its Timeout, then fails), so cached counts never go stale.
func TestReadOnlyExcludesWriters(t *testing.T) {
	switch runtime.GOOS {
	case "solaris", "illumos", "aix":
		t.Skip("bbolt locks with fcntl here: no exclusion within one process (see the cache's doc)")
	}
	path := filepath.Join(t.TempDir(), "bayes.db")
	w, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := Open(path, &Options{ReadOnly: true, Timeout: 50 * time.Millisecond}); err == nil {
		r.Close()
		t.Error("opened ReadOnly while a writer has the file")
	}
	w.Close()
	r, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r2, err := Open(path, &Options{ReadOnly: true, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Errorf("a second reader: %v", err)
	} else {
		r2.Close()
	}
	if w, err := Open(path, &Options{Timeout: 50 * time.Millisecond}); err == nil {
		w.Close()
		t.Error("opened for writing while a reader has the file")
	}
}
