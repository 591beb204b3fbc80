package boltstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/greylist/boltstore"
	"github.com/spamkit/spamkit/greylist/greylisttest"
	bolt "go.etcd.io/bbolt"
)

func open(t *testing.T, path string, opts *boltstore.Options) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSuite runs the behavioural suite on NoSync files (an fsync per
// sequential check would take seconds; the code path is the same but
// for the fsync), and the concurrent checks, which commit in groups, on
// a Sync file too.
func TestSuite(t *testing.T) {
	t.Parallel()
	greylisttest.Run(t, func(t *testing.T) greylist.Store {
		return open(t, filepath.Join(t.TempDir(), "grey.db"), &boltstore.Options{Durability: boltstore.NoSync})
	})
	t.Run("sync/race", func(t *testing.T) {
		greylisttest.Race(t, open(t, filepath.Join(t.TempDir(), "grey.db"), nil))
	})
}

// TestReopen: what a returned Record wrote is there after Close and Open.
func TestReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "grey.db")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := greylisttest.T0
	if r, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", "a@x b@y", t0)); err != nil || r.Result != greylist.Greylisted {
		t.Fatalf("first Record = %+v, %v", r, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", "a@x b@y", t0)); !errors.Is(err, greylist.ErrClosed) {
		t.Errorf("Record after Close: %v, want ErrClosed", err)
	}
	s = open(t, path, nil)
	r, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", "a@x b@y", t0.Add(10*time.Minute)))
	if err != nil || r.Result != greylist.Pass || !r.Passed || !r.First.Equal(t0) {
		t.Errorf("Record after reopening = %+v, %v; want the retry to pass, first %v", r, err, t0)
	}
}

func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grey.db")
	open(t, path, nil)
	_, err := boltstore.Open(path, &boltstore.Options{LockTimeout: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("Open of a file another Store holds succeeded, want a lock timeout")
	}
}

func TestBadOptions(t *testing.T) {
	_, err := boltstore.Open(filepath.Join(t.TempDir(), "grey.db"), &boltstore.Options{Durability: 7})
	if !errors.Is(err, boltstore.ErrDurability) {
		t.Errorf("Open with Durability 7: %v, want ErrDurability", err)
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "grey.db"), &boltstore.Options{Durability: boltstore.NoSync})
	ctx := context.Background()
	t0 := greylisttest.T0
	// 2500 first sights (more than two sweep transactions) expire after
	// the retry window; one passed triplet stays MaxAge.
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			for i := g; i < 2500; i += 10 {
				if _, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", fmt.Sprintf("a@x %d@y", i), t0)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	s.Record(ctx, greylisttest.Request("198.51.100.0/24", "a@x b@y", t0))
	s.Record(ctx, greylisttest.Request("198.51.100.0/24", "a@x b@y", t0.Add(time.Hour)))
	if n, _ := s.Len(); n != 2502 { // 2501 triplets and one client
		t.Fatalf("Len = %d, want 2502", n)
	}
	if n, err := s.Sweep(ctx, t0.Add(time.Hour)); n != 0 || err != nil {
		t.Errorf("Sweep before expiry = %d, %v; want 0", n, err)
	}
	n, err := s.Sweep(ctx, t0.Add(49*time.Hour))
	if n != 2500 || err != nil {
		t.Errorf("Sweep after the retry window = %d, %v; want 2500", n, err)
	}
	if n, _ := s.Len(); n != 2 {
		t.Errorf("Len after Sweep = %d, want 2", n)
	}
	r, _ := s.Record(ctx, greylisttest.Request("198.51.100.0/24", "a@x b@y", t0.Add(50*time.Hour)))
	if r.Result != greylist.Pass {
		t.Errorf("passed triplet after Sweep: %s, want pass", r.Result)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Sweep(cctx, t0.Add(100*24*time.Hour)); !errors.Is(err, context.Canceled) {
		t.Errorf("Sweep with a canceled context: %v", err)
	}
}

// killEnv makes the test binary a child that records until killed.
const killEnv = "GREYLIST_BOLTSTORE_KILL_CHILD"

// TestKillChild is the child of TestKill9, not a test of its own: it
// opens the file named by the environment, records distinct triplets
// from 8 goroutines, and prints "ack N" after each Record returned,
// until it is killed.
func TestKillChild(t *testing.T) {
	spec := os.Getenv(killEnv)
	if spec == "" {
		t.Skip("child of TestKill9 only")
	}
	mode, path, _ := strings.Cut(spec, ":")
	d := boltstore.Sync
	if mode == "nosync" {
		d = boltstore.NoSync
	}
	s, err := boltstore.Open(path, &boltstore.Options{Durability: d})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; ; i += 8 {
				if _, err := s.Record(context.Background(), greylisttest.Request("192.0.2.0/24", fmt.Sprintf("s@x %d@y", i), greylisttest.T0)); err != nil {
					fmt.Println("record error:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d\n", i)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestKill9 kills a process with SIGKILL while it records, then opens
// its file and finds every triplet whose Record had returned (it had
// printed "ack"), in both durability modes: kill -9 loses nothing
// acknowledged.
func TestKill9(t *testing.T) {
	t.Parallel()
	if os.Getenv(killEnv) != "" {
		t.Skip("in the child")
	}
	for _, mode := range []string{"sync", "nosync"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "grey.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), killEnv+"="+mode+":"+path)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			acked := map[int]bool{}
			sc := bufio.NewScanner(stdout)
			for sc.Scan() && len(acked) < 400 {
				line := sc.Text()
				n, ok := strings.CutPrefix(line, "ack ")
				if !ok {
					continue // the test framework's own lines
				}
				i, err := strconv.Atoi(n)
				if err != nil {
					t.Fatalf("child said %q", line)
				}
				acked[i] = true
			}
			// Mid-stream: the child is still recording.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			if len(acked) < 400 {
				t.Fatalf("child acknowledged %d records before it ended, want 400", len(acked))
			}
			// Reading back needs no fsync per check.
			s := open(t, path, &boltstore.Options{Durability: boltstore.NoSync})
			later := greylisttest.T0.Add(10 * time.Minute)
			for i := range acked {
				r, err := s.Record(context.Background(), greylisttest.Request("192.0.2.0/24", fmt.Sprintf("s@x %d@y", i), later))
				if err != nil {
					t.Fatal(err)
				}
				if r.Result != greylist.Pass || !r.First.Equal(greylisttest.T0) {
					t.Errorf("acknowledged triplet %d after kill -9: %s first %v, want pass first T0 (lost)", i, r.Result, r.First)
				}
			}
		})
	}
}

// TestCorrupt: a record that does not decode fails the checks that touch
// it (ErrCorrupt), not others, and Sweep deletes it.
func TestCorrupt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "grey.db")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("triplets")).Put([]byte("192.0.2.0/24 a@x b@y"), []byte("garbage")); err != nil {
			return err
		}
		return tx.Bucket([]byte("clients")).Put([]byte("198.51.100.0/24"), []byte{9, 9})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open(t, path, nil)
	ctx := context.Background()
	t0 := greylisttest.T0
	for _, c := range []string{"192.0.2.0/24", "198.51.100.0/24"} {
		if _, err := s.Record(ctx, greylisttest.Request(c, "a@x b@y", t0)); !errors.Is(err, boltstore.ErrCorrupt) {
			t.Errorf("Record on a corrupt %s record: %v, want ErrCorrupt", c, err)
		}
	}
	if r, err := s.Record(ctx, greylisttest.Request("203.0.113.0/24", "a@x b@y", t0)); err != nil || r.Result != greylist.Greylisted {
		t.Errorf("Record beside a corrupt record = %+v, %v", r, err)
	}
	if n, err := s.Sweep(ctx, t0); n != 2 || err != nil {
		t.Errorf("Sweep = %d, %v; want the 2 corrupt records deleted", n, err)
	}
	if r, err := s.Record(ctx, greylisttest.Request("192.0.2.0/24", "a@x b@y", t0)); err != nil || r.Result != greylist.Greylisted {
		t.Errorf("Record after Sweep = %+v, %v", r, err)
	}
}
