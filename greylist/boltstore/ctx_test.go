package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist/boltstore"
	"github.com/spamkit/spamkit/greylist/greylisttest"
	"github.com/spamkit/spamkit/internal/testenv"
)

// TestSweepContextEnds: a Sweep transaction ended after MaxSweepBatch
// deletions only, so over records that had not expired it read the
// whole bucket in one transaction (holding the file's write lock, every
// check that writes waiting) and looked at ctx only after. Live records
// come first in key order here, expired ones after them: a ctx ending
// at its second look (the first is before the first transaction) must
// stop the sweep before it reaches them.
func TestSweepContextEnds(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "grey.db"), &boltstore.Options{Durability: boltstore.NoSync})
	ctx := context.Background()
	t0 := greylisttest.T0
	const live, expired = 3 * boltstore.MaxSweepBatch * 4, 100
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < live+expired; i += 8 {
				client, at := "10.0.0.0/24", t0.Add(48*time.Hour)
				if i >= live {
					client, at = "203.0.113.0/24", t0
				}
				if _, err := s.Record(ctx, greylisttest.Request(client, fmt.Sprintf("a@x %d@y", i), at)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	now := t0.Add(49 * time.Hour) // the expired ones' retry window is over, the live ones' not
	n, err := s.Sweep(testenv.EndsAt(2), now)
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("Sweep = %d, %v; want 0 and context.Canceled before the expired records", n, err)
	}
	if l, _ := s.Len(); l != live+expired {
		t.Errorf("Len = %d after a stopped Sweep, want %d", l, live+expired)
	}
	if n, err := s.Sweep(ctx, now); n != expired || err != nil {
		t.Errorf("Sweep = %d, %v; want %d", n, err, expired)
	}
}
