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
