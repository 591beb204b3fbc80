package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/bayes"
)

// endsAt is a context that ends at its n-th look (call of Err), never
// if n is 0: a deadline that passes while the work runs, at a point the
// test chooses without timing. looks counts the calls.
type endsAt struct {
	context.Context // Background: Deadline and Value
	mu              sync.Mutex
	n, looks        int
	done            chan struct{}
}

func newEndsAt(n int) *endsAt {
	return &endsAt{Context: context.Background(), n: n, done: make(chan struct{})}
}

func (c *endsAt) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.looks++
	if c.looks == c.n {
		close(c.done)
	}
	if c.n > 0 && c.looks >= c.n {
		return context.Canceled
	}
	return nil
}

func (c *endsAt) Done() <-chan struct{} { return c.done }

func (c *endsAt) Looks() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.looks
}

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
	if _, err := s.Lookup(newEndsAt(2), toks, counts); !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup = %v, want context.Canceled", err)
	}
	s.Close()
	for _, o := range []Options{{ReadOnly: true}, {ReadOnly: true, Preload: true}} {
		s, err := Open(path, &o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Lookup(newEndsAt(1), toks, counts); !errors.Is(err, context.Canceled) {
			t.Errorf("%+v: Lookup with an ended ctx = %v, want context.Canceled", o, err)
		}
		if _, err := s.Lookup(newEndsAt(2), toks, counts); !errors.Is(err, context.Canceled) {
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
	if err := s.Put(newEndsAt(2), ents); !errors.Is(err, context.Canceled) {
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
	ctx := newEndsAt(0)
	if _, err := s.Apply(ctx, []bayes.Update{{Tokens: toks, Spam: 1}}); err != nil {
		t.Fatal(err)
	}
	if got, want := ctx.Looks(), len(toks)/ctxEvery; got < want {
		t.Errorf("Apply of %d tokens looked at ctx %d times, want at least %d", len(toks), got, want)
	}
}
