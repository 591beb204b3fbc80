package main

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/bayes"
)

func TestFoldOf(t *testing.T) {
	const k = 5
	seen := make([]int, k)
	for i := range 1000 {
		name := fmt.Sprintf("spam-1.%05d", i)
		f := foldOf(name, k)
		if f < 0 || f >= k {
			t.Fatalf("foldOf(%q, %d) = %d, out of range", name, k, f)
		}
		if g := foldOf(name, k); g != f {
			t.Fatalf("foldOf(%q) = %d then %d", name, f, g)
		}
		seen[f]++
	}
	// 1000 names over 5 folds: each near 200 (a hash that put
	// everything in one fold would fail).
	for f, n := range seen {
		if n < 150 || n > 250 {
			t.Errorf("fold %d has %d of 1000 names, want about 200 (%v)", f, n, seen)
		}
	}
	// FNV-1a 32 of "a" is 0xe40c292c = 3826002220; mod 5 = 0, mod 7 = 5
	// (7·546571745 = 3826002215).
	if got := foldOf("a", 5); got != 0 {
		t.Errorf(`foldOf("a", 5) = %d, want 0`, got)
	}
	if got := foldOf("a", 7); got != 5 {
		t.Errorf(`foldOf("a", 7) = %d, want 5`, got)
	}
}

func TestAUC(t *testing.T) {
	tests := []struct {
		name      string
		ham, spam []float64
		want      float64
	}{
		{"perfect", []float64{0.1, 0.2}, []float64{0.9, 0.8}, 1},
		{"reversed", []float64{0.9}, []float64{0.1, 0.2}, 0},
		// pairs (spam, ham): (.35,.1) win, (.35,.4) loss, (.8,.1) win, (.8,.4) win: 3/4.
		{"three of four pairs", []float64{0.1, 0.4}, []float64{0.35, 0.8}, 0.75},
		// (.5,.5) tie 1/2, (.5,.2) win, (1,.5) win, (1,.2) win: 3.5/4.
		{"tie counts half", []float64{0.5, 0.2}, []float64{0.5, 1}, 0.875},
		{"all equal", []float64{0.5, 0.5}, []float64{0.5}, 0.5},
		{"no ham", nil, []float64{0.5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auc(tt.ham, tt.spam); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("auc(%v, %v) = %v, want %v", tt.ham, tt.spam, got, tt.want)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	var m metrics
	for _, o := range []struct {
		class, verdict bayes.Result
		score          float64
	}{
		{bayes.Ham, bayes.Ham, 0.01}, {bayes.Ham, bayes.Ham, 0.02}, {bayes.Ham, bayes.Unsure, 0.6}, {bayes.Ham, bayes.Spam, 0.995},
		{bayes.Spam, bayes.Spam, 1}, {bayes.Spam, bayes.Spam, 0.999}, {bayes.Spam, bayes.Spam, 0.99}, {bayes.Spam, bayes.Unsure, 0.5}, {bayes.Spam, bayes.Ham, 0.3},
	} {
		m.add(o.class, o.verdict, o.score)
	}
	m.ClassifyN, m.ClassifySec = 9, 0.5
	m.TrainN, m.TrainSec = 30, 2
	m.ClassifyCPU, m.TrainCPU = 0.25, 3
	m.DBBytes = 4096
	// 4 ham: 1 FP (25%), 1 unsure (25%); 5 spam: 1 FN (20%), 1 unsure
	// (20%), 3 caught (60%). Pairs (spam, ham), 20: spam 1 and .999
	// beat all 4 ham (8); .99 beats .01, .02, .6 (3); .5 and .3 beat
	// .01, .02 (4): 15/20 = 0.75, 1-AUC 0.25. 9/0.5 = 18 msg/s, 30/2 = 15;
	// CPU: 9/0.25 = 36, 30/3 = 10.
	want := []string{"1 (25.000%)", "1 (20.000%)", "1 (25.00%)", "1 (20.00%)", "3 (60.00%)", "0.250000", "18", "15", "36", "10", "4096"}
	if got := m.rows(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rows = %q, want %q", got, want)
	}
	if got, want := m.poisonRows(), []string{"1 (20.000%)", "1 (20.00%)", "3 (60.00%)"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("poisonRows = %q, want %q", got, want)
	}
	var empty metrics
	if got := empty.rows(); got[0] != "0 (0.000%)" || got[6] != "0" || got[8] != "0" || got[10] != "-" {
		t.Errorf("empty rows = %q", got)
	}
}

func TestPoison(t *testing.T) {
	dict := []string{"alpha", "beta", "gamma"}
	msg := []byte("Subject: x\n\nbuy now")
	a := poison(msg, "m1", 50, dict, 1)
	if string(a[:len(msg)]) != string(msg) {
		t.Fatalf("poison changed the message: %q", a)
	}
	added := strings.Fields(string(a[len(msg):]))
	if len(added) != 50 {
		t.Errorf("poison added %d words, want 50", len(added))
	}
	for _, w := range added {
		if w != "alpha" && w != "beta" && w != "gamma" {
			t.Errorf("poison added %q, not from the dictionary", w)
		}
	}
	for _, line := range strings.Split(string(a), "\n") {
		if len(line) > 72 {
			t.Errorf("poison line of %d bytes: %q", len(line), line)
		}
	}
	if b := poison(msg, "m1", 50, dict, 1); string(b) != string(a) {
		t.Error("poison is not deterministic for the same name and seed")
	}
	if b := poison(msg, "m1", 50, dict, 2); string(b) == string(a) {
		t.Error("poison gives the same words for another seed")
	}
	if b := poison(msg, "m1", 0, dict, 1); string(b) != string(msg) {
		t.Error("poison with 0 words changed the message")
	}
	if n := len(words(poisonWords)); n < 300 {
		t.Errorf("built-in word list has %d words", n)
	}
}

func TestNeutralizer(t *testing.T) {
	z := newNeutralizer("spamassassin.taint.org")
	in := "Received: from a by phobos.labs.SpamAssassin.taint.org (Postfix)\nDelivered-To: zzzz@localhost.spamassassin.taint.org\n\nsee spamassassin.taint.org\n"
	got, had := z.bytes([]byte(in))
	want := "Received: from a by  (Postfix)\nDelivered-To: zzzz@\n\nsee \n"
	if !had || string(got) != want {
		t.Errorf("bytes = %q, %v, want %q, true", got, had, want)
	}
	if got, had := z.bytes([]byte("Subject: clean\n")); had || string(got) != "Subject: clean\n" {
		t.Errorf("bytes(clean) = %q, %v", got, had)
	}
	toks := z.tokens([]string{"rcvd:phobos.labs.spamassassin.taint.org", "subj:hello", "url:spamassassin.taint.org"})
	if strings.Join(toks, " ") != "subj:hello" {
		t.Errorf("tokens = %q, want [subj:hello]", toks)
	}
	var none *neutralizer = newNeutralizer("")
	if got, had := none.bytes([]byte(in)); had || string(got) != in {
		t.Error("a nil neutralizer changed the message")
	}
}

func TestParseBogofilter(t *testing.T) {
	out := "/tmp/a S 1\n/tmp/b  c H 0.0123\n/tmp/d U 0.52\r\n"
	res, err := parseBogofilter([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bayes.Outcome{"/tmp/a": {Result: bayes.Spam, Score: 1}, "/tmp/b  c": {Result: bayes.Ham, Score: 0.0123}, "/tmp/d": {Result: bayes.Unsure, Score: 0.52}}
	for k, w := range want {
		if g := res[k]; g.Result != w.Result || g.Score != w.Score {
			t.Errorf("%s: %v %v, want %v %v", k, g.Result, g.Score, w.Result, w.Score)
		}
	}
	for _, bad := range []string{"x\n", "/a X 0.5\n", "/a S zero\n"} {
		if _, err := parseBogofilter([]byte(bad)); err == nil {
			t.Errorf("parseBogofilter(%q): no error", bad)
		}
	}
}

func resultOf(s string) bayes.Result { return bayes.Result(s) }

// TestPrintTable: each section's rows (the main figures, the tune
// regime's, the poisoned spam's) have one column per filter, spamkit's
// value first, and none for a peer not run.
func TestPrintTable(t *testing.T) {
	v := &variant{Name: "as-is"}
	v.Ours.TrainN, v.Peer.TrainN = 40, 40
	for _, st := range []bayes.Rounds{{Rounds: 2, Trained: 4}, {Rounds: 3, Trained: 6, Errors: 1}} {
		v.Ours.addTune(st)
	}
	v.Peer.addTune(bayes.Rounds{Rounds: 7, Trained: 9})
	v.Peer.addTune(bayes.Rounds{Rounds: 8, Trained: 11})
	v.OursP.add(bayes.Spam, bayes.Ham, 0.1)
	v.PeerP.add(bayes.Spam, bayes.Spam, 0.9)
	// name: spamkit's value, bogofilter's.
	rows := map[string][2]string{
		"tune passes per fold": {"2,3", "7,8"},
		"folds converged":      {"1/2", "2/2"},
		"messages trained":     {"10 (25.00%)", "20 (50.00%)"},
		"FN (spam as ham)":     {"1 (100.000%)", "0 (0.000%)"},
	}
	for _, peer := range []string{"", "bogofilter"} {
		var b strings.Builder
		printTable(&b, evalConfig{Peer: peer, Train: trainTune, Poison: 5, Tune: tuneConfig{Passes: 10, Chunk: 50}}, []*variant{v})
		// The poisoned rows repeat names of the main ones: each is
		// looked for in its own section.
		main, poisoned, ok := strings.Cut(b.String(), "poisoned test spam")
		if !ok {
			t.Fatalf("peer %q: no poisoned section:\n%s", peer, b.String())
		}
		for name, vals := range rows {
			section := main
			if name == "FN (spam as ham)" {
				section = poisoned
			}
			var found []string
			for _, l := range strings.Split(section, "\n") {
				if strings.HasPrefix(l, "  "+name+" ") {
					found = append(found, l)
				}
			}
			if len(found) != 1 {
				t.Errorf("peer %q: %d lines for %q, want 1:\n%s", peer, len(found), name, b.String())
				continue
			}
			got := strings.Fields(strings.TrimPrefix(found[0], "  "+name))
			want := vals[:1]
			if peer != "" {
				want = vals[:]
			}
			if strings.Join(got, " ") != strings.Join(strings.Fields(strings.Join(want, " ")), " ") {
				t.Errorf("peer %q: %q row = %q, want %q", peer, name, got, want)
			}
		}
	}
}
