package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/bayes/boltstore"
)

// cli runs the command and returns its exit code and outputs.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sub", "bayes.db")
	corpus := filepath.Join("testdata", "corpus")
	spamDir, hamDir := filepath.Join(corpus, "spam"), filepath.Join(corpus, "ham")

	// Classifying before any training is an error: there is no database.
	if code, _, stderr := cli(t, "Subject: x\n\nhello\n", "-d", db); code != exitError || !strings.Contains(stderr, "train it first") {
		t.Fatalf("classify without a database = %d (%s), want %d", code, stderr, exitError)
	}
	if code, _, stderr := cli(t, "", "-d", db, "-s", spamDir); code != 0 {
		t.Fatalf("bayes -s = %d: %s", code, stderr)
	}
	if code, _, stderr := cli(t, "", "-d", db, "-n", hamDir); code != 0 {
		t.Fatalf("bayes -n = %d: %s", code, stderr)
	}
	spamMsg := "From: promo@example.biz\nSubject: free money offer\n\nviagra casino winner prize free money offer cheap pills loan credit mortgage jackpot lottery\n"
	hamMsg := "From: alice@example.org\nSubject: meeting agenda\n\nmeeting agenda project schedule review kernel patch release notes build compiler library\n"
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  int
	}{
		{"spam", spamMsg, nil, exitSpam},
		{"ham", hamMsg, nil, exitHam},
		{"no known token", "Subject: zzqx\n\nqwzx vbnq\n", nil, exitUnsure},
		{"missing file", "", []string{"/nonexistent/msg"}, exitError},
		{"two modes", "", []string{"-s", "-n"}, exitError},
		{"bad flag", "", []string{"-bogus"}, exitError},
	}
	// 16 spams and 16 hams are below the default minimum of training
	// (SpamAssassin's 200 each): unsure, not classified.
	if code, stdout, _ := cli(t, spamMsg, "-d", db); code != exitUnsure || !strings.Contains(stdout, "X-Bayes: unsure, not enough training") {
		t.Errorf("classify below the minimum = %d: %s", code, stdout)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.stdin, append([]string{"-d", db, "-min", "-1"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.want, stdout, stderr)
			}
		})
	}

	// -v explains: the clues of a spam are spam words.
	code, stdout, _ := cli(t, spamMsg, "-d", db, "-min", "16", "-v")
	if code != exitSpam || !strings.Contains(stdout, "X-Bayes: spam") || !strings.Contains(stdout, "trained 16 spam / 16 ham") || !strings.Contains(stdout, `"viagra"`) {
		t.Errorf("bayes -v = %d:\n%s", code, stdout)
	}

	// Several messages: one line each, the exit code of the last.
	dir := t.TempDir()
	write(t, filepath.Join(dir, "1"), spamMsg)
	write(t, filepath.Join(dir, "2"), hamMsg)
	code, stdout, _ = cli(t, "", "-d", db, "-min", "-1", dir)
	if code != exitHam || strings.Count(stdout, "X-Bayes:") != 2 {
		t.Errorf("bayes dir = %d:\n%s", code, stdout)
	}

	// -S unregisters: after all the spam is removed, no spam is trained.
	if code, _, stderr := cli(t, "", "-d", db, "-S", spamDir); code != 0 {
		t.Fatalf("bayes -S = %d: %s", code, stderr)
	}
	if _, stdout, _ := cli(t, spamMsg, "-d", db, "-v"); !strings.Contains(stdout, "trained 0 spam / 16 ham") {
		t.Errorf("after -S:\n%s", stdout)
	}
	if code, _, stderr := cli(t, "", "-d", db, "-N", filepath.Join(hamDir, "ham-00.eml")); code != 0 {
		t.Fatalf("bayes -N = %d: %s", code, stderr)
	}
	if _, stdout, _ := cli(t, spamMsg, "-d", db, "-v"); !strings.Contains(stdout, "trained 0 spam / 15 ham") {
		t.Errorf("after -N:\n%s", stdout)
	}

	// :memory: says so.
	if _, _, stderr := cli(t, hamMsg, "-d", ":memory:"); !strings.Contains(stderr, "in-memory store") {
		t.Errorf(":memory: stderr = %q", stderr)
	}
	if fi, err := os.Stat(db); err != nil || fi.Size() == 0 {
		t.Errorf("database %s: %v", db, err)
	}
}

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		r    string
		want int
	}{{"spam", 0}, {"ham", 1}, {"unsure", 2}, {"", 2}} {
		if got := exitCode(resultOf(tt.r)); got != tt.want {
			t.Errorf("exitCode(%q) = %d, want %d", tt.r, got, tt.want)
		}
	}
}

// TestTrainCompacts: training into a trained database rewrites its pages
// elsewhere in the file and frees the old ones, which bbolt never gives
// back; the command compacts the file when more than a quarter of it is
// free pages. Before it did, three trainings of 600 messages each (two
// commits of 500 then) left the file a good part free pages.
func TestTrainCompacts(t *testing.T) {
	tmp := t.TempDir()
	db := filepath.Join(tmp, "bayes.db")
	r := rand.New(rand.NewPCG(3, 4))
	const n = 600
	for round := range 3 {
		dir := filepath.Join(tmp, fmt.Sprint("spam", round))
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			var b strings.Builder
			fmt.Fprintf(&b, "Subject: offer %d\n\n", i)
			for range 40 {
				fmt.Fprintf(&b, "w%x ", int(r.ExpFloat64()*5000))
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if code, _, stderr := cli(t, "", "-d", db, "-q", "-s", dir); code != 0 {
			t.Fatalf("bayes -s = %d: %s", code, stderr)
		}
		s, err := boltstore.Open(db, nil) // bbolt reads the free list of a writable file only
		if err != nil {
			t.Fatal(err)
		}
		free, size, err := s.Free()
		tot, lerr := s.Lookup(context.Background(), nil, nil)
		s.Close()
		if err != nil || lerr != nil {
			t.Fatal(err, lerr)
		}
		t.Logf("round %d free %d size %d", round, free, size)
		if free > size/4 {
			t.Errorf("after training %d: %d bytes of %d free, more than a quarter: not compacted", round, free, size)
		}
		if tot.Spam != uint64((round+1)*n) {
			t.Errorf("totals %v after training %d; want %d spam", tot, round, (round+1)*n)
		}
	}
}
