package boltstore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/spamkit/spamkit/bayes"
)

// TestMain lets the test binary act as the child of TestKill9: with
// BOLTSTORE_KILL_CHILD set to a file name, it trains in a loop and
// prints the spam total each Apply returned, until it is killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("BOLTSTORE_KILL_CHILD"); path != "" {
		child(path)
		return
	}
	if path := os.Getenv("BOLTSTORE_COMPACT_CHILD"); path != "" {
		compactChild(path)
		return
	}
	os.Exit(m.Run())
}

func child(path string) {
	s, err := Open(path, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		t, err := s.Apply(ctx, []bayes.Update{{Tokens: []string{"always", "tok" + strconv.Itoa(i)}, Spam: 1, Day: 1}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		// Written unbuffered: once the parent reads it, Apply had returned.
		fmt.Println(t.Spam)
	}
}

// TestKill9 kills a process that is training with SIGKILL and checks
// that every training whose Apply had returned is in the file.
func TestKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bayes.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BOLTSTORE_KILL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var last uint64
	for sc.Scan() {
		n, err := strconv.ParseUint(sc.Text(), 10, 64)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %s", sc.Text())
		}
		last = n
		if n >= 25 {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	if last < 25 {
		t.Fatalf("child stopped after %d trainings", last)
	}

	s, err := Open(path, nil)
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	counts := make([]bayes.Count, 2)
	tot, err := s.Lookup(context.Background(), []string{"always", "tok" + strconv.FormatUint(last-1, 10)}, counts)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Spam < last || uint64(counts[0].Spam) != tot.Spam || counts[1].Spam != 1 {
		t.Errorf("after kill -9: totals %v, always %v, last token %v; the child had reported %d trained", tot, counts[0], counts[1], last)
	}
}

// compactChild compacts the file at path in a loop, printing a line after
// each, until it is killed.
func compactChild(path string) {
	if os.Getenv("BOLTSTORE_COMPACT_STOP") != "" {
		// Stop between the copy and its rename, to be killed there.
		beforeRename = func() {
			fmt.Println("copied")
			select {}
		}
	}
	for {
		if _, _, err := Compact(context.Background(), path, nil); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("compacted")
	}
}

// TestKill9Compact kills a process that is compacting the database with
// SIGKILL, at whatever point it has reached and once between a finished
// copy and its rename: the file must open with every count and the totals
// (the copy replaces it by a rename, or not at all), and the next Compact
// removes the copy left behind.
func TestKill9Compact(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a database of 50 000 tokens")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bayes.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ups []bayes.Update
	for i := range 500 {
		u := bayes.Update{Spam: 1, Day: 1}
		for j := range 100 {
			u.Tokens = append(u.Tokens, fmt.Sprintf("tok%d-%d", i, j))
		}
		ups = append(ups, u)
	}
	for i := 0; i < len(ups); i += 50 { // many commits: free pages to compact
		if _, err := s.Apply(ctx, ups[i:i+50]); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	// Rounds 0-2 kill it after 1, 2 and 3 compactions (in the next),
	// round 3 between a copy and its rename.
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "BOLTSTORE_COMPACT_CHILD="+path)
		want := "compacted"
		if round == 3 {
			cmd.Env = append(cmd.Env, "BOLTSTORE_COMPACT_STOP=1")
			want = "copied"
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		// Wait for round+1 compactions, then kill it in the next.
		for n := 0; n <= round%3 && sc.Scan(); n++ {
			if sc.Text() != want {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child: %s", sc.Text())
			}
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()
		left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*compact*"))
		t.Logf("round %d: killed, %d copies beside the file", round, len(left))
		if round == 3 && len(left) != 1 {
			t.Fatalf("killed between copy and rename: copies %v, want one", left)
		}

		s, err := Open(path, &Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("round %d: open after kill -9 of Compact: %v", round, err)
		}
		n := 0
		err = s.Walk(ctx, func(e bayes.Entry) bool {
			if e.Count != (bayes.Count{Spam: 1, Day: 1}) {
				t.Errorf("round %d: %q = %v", round, e.Token, e.Count)
				return false
			}
			n++
			return true
		})
		tot, _ := s.Lookup(ctx, nil, nil)
		s.Close()
		if err != nil || n != 50000 || tot != (bayes.Totals{Spam: 500}) {
			t.Fatalf("round %d: after kill -9 of Compact: %d tokens, totals %v, %v; want 50000, {500 0}", round, n, tot, err)
		}
	}
	if _, _, err := Compact(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*compact*")); len(m) != 0 {
		t.Errorf("copies left after a Compact: %v", m)
	}
}
