package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
	"github.com/spamkit/spamkit/internal/testenv"
)

func TestTuneOrder(t *testing.T) {
	// 4 ham, 2 spam in fold 0; one ham and one spam in fold 1 left out.
	samples := []sample{
		{Name: "h0", Class: bayes.Ham}, {Name: "s0", Class: bayes.Spam}, {Name: "h1", Class: bayes.Ham},
		{Name: "hx", Class: bayes.Ham, Fold: 1}, {Name: "h2", Class: bayes.Ham}, {Name: "sx", Class: bayes.Spam, Fold: 1},
		{Name: "h3", Class: bayes.Ham}, {Name: "s1", Class: bayes.Spam},
	}
	// bogominitrain.pl's rule: a ham while hams·2 <= spams·4, then a
	// spam while spams·4 <= hams·2: h0 s0 h1 s1 h2 h3.
	var got []string
	for _, i := range tuneOrder(samples, 1) {
		got = append(got, samples[i].Name)
	}
	if want := []string{"h0", "s0", "h1", "s1", "h2", "h3"}; !slices.Equal(got, want) {
		t.Errorf("tuneOrder = %q, want %q", got, want)
	}
	for _, only := range []bayes.Result{bayes.Ham, bayes.Spam} {
		var one []sample
		for _, s := range samples {
			if s.Class == only {
				one = append(one, s)
			}
		}
		if got := tuneOrder(one, 1); len(got) != len(one)-1 {
			t.Errorf("tuneOrder(only %s) = %v, want %d messages", only, got, len(one)-1)
		}
	}
}

// fakeTuner calls message m wrong until it has been trained need[m]
// times, and records what it was asked.
type fakeTuner struct {
	need       []int
	trained    []int
	chunks     [][]int // classify calls
	trainCalls [][]int
	err        error // returned by classify when set
}

func (f *fakeTuner) classify(_ context.Context, msgs []int) ([]bayes.Result, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.chunks = append(f.chunks, slices.Clone(msgs))
	out := make([]bayes.Result, len(msgs))
	for i, m := range msgs {
		out[i] = classOf(m)
		if f.trained[m] < f.need[m] {
			out[i] = bayes.Unsure
		}
	}
	return out, nil
}

func (f *fakeTuner) train(_ context.Context, msgs []int) error {
	f.trainCalls = append(f.trainCalls, slices.Clone(msgs))
	for _, m := range msgs {
		f.trained[m]++
	}
	return nil
}

// classOf: even messages ham, odd spam.
func classOf(m int) bayes.Result {
	if m%2 == 0 {
		return bayes.Ham
	}
	return bayes.Spam
}

func TestTuneRegime(t *testing.T) {
	const n = 10
	classes := make([]bayes.Result, n)
	order := make([]int, n)
	for i := range n {
		classes[i], order[i] = classOf(i), i
	}
	tests := []struct {
		name string
		tc   tuneConfig
		need []int
		want bayes.Rounds
	}{
		// The first chunk (3) is trained unasked (empty database); of
		// the rest, 4 and 7 need one training, 9 two: pass 1 trains
		// 3+3, pass 2 trains 9 again, pass 3 nothing.
		{"converges", tuneConfig{Passes: 10, Chunk: 3}, []int{1, 1, 1, 0, 1, 0, 0, 1, 0, 2}, bayes.Rounds{Rounds: 3, Trained: 7}},
		{"pass limit", tuneConfig{Passes: 2, Chunk: 3}, []int{1, 1, 1, 0, 1, 0, 0, 1, 0, 5}, bayes.Rounds{Rounds: 2, Trained: 7, Errors: 1}},
		// Chunk 1 is bogominitrain.pl's one message at a time.
		{"chunk 1", tuneConfig{Passes: 10, Chunk: 1}, []int{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, bayes.Rounds{Rounds: 2, Trained: 2}},
		{"chunk over all", tuneConfig{Passes: 10, Chunk: 100}, make([]int, n), bayes.Rounds{Rounds: 2, Trained: n}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTuner{need: tt.need, trained: make([]int, n)}
			got, err := tune(context.Background(), tt.tc, f, order, classes)
			if err != nil || got != tt.want {
				t.Fatalf("tune = %+v, %v, want %+v", got, err, tt.want)
			}
			// The database starts empty: the first chunk is trained
			// without a classification; after that every chunk is
			// classified, no bigger than Chunk, and only messages it
			// called wrong are trained, before the next chunk.
			first := order[:min(tt.tc.Chunk, n)]
			if len(f.trainCalls) == 0 || !slices.Equal(f.trainCalls[0], first) {
				t.Errorf("first training %v, want %v", f.trainCalls, first)
			}
			for _, c := range f.chunks {
				if len(c) == 0 || len(c) > tt.tc.Chunk {
					t.Errorf("classified a chunk of %d, want 1 to %d", len(c), tt.tc.Chunk)
				}
			}
			sum := 0
			for _, k := range f.trained {
				sum += k
			}
			if sum != got.Trained {
				t.Errorf("tuner trained %d messages, stats say %d", sum, got.Trained)
			}
			wantPasses := (n - len(first)) + (got.Rounds-1)*n // messages classified
			classified := 0
			for _, c := range f.chunks {
				classified += len(c)
			}
			if classified != wantPasses {
				t.Errorf("classified %d messages in %d passes, want %d", classified, got.Rounds, wantPasses)
			}
		})
	}

	boom := errors.New("boom")
	f := &fakeTuner{need: make([]int, n), trained: make([]int, n), err: boom}
	if _, err := tune(context.Background(), tuneConfig{Passes: 3, Chunk: 3}, f, order, classes); !errors.Is(err, boom) {
		t.Errorf("tune with a failing classify = %v, want %v", err, boom)
	}
	for _, tc := range []tuneConfig{{Passes: 0, Chunk: 1}, {Passes: 1, Chunk: 0}, {Passes: 1, Chunk: 1, Margin: 1}, {Passes: 1, Chunk: 1, Margin: -0.1}} {
		if _, err := tune(context.Background(), tc, f, order, classes); err == nil {
			t.Errorf("tune(%+v): no error", tc)
		}
	}
}

func TestTrainingCutoffs(t *testing.T) {
	for _, tt := range []struct {
		margin, spam, ham float64
	}{{0, 0.99, 0.45}, {0.5, 0.995, 0.225}, {0.6, 0.8, 0.2}} {
		// bogominitrain.pl's example: -o 0.8,0.2 around 0.5 is margin 0.6.
		inSpam, inHam := 0.99, 0.45
		if tt.margin == 0.6 {
			inSpam, inHam = 0.5, 0.5
		}
		spam, ham := tuneConfig{Margin: tt.margin}.trainingCutoffs(inSpam, inHam)
		if !near(spam, tt.spam) || !near(ham, tt.ham) {
			t.Errorf("trainingCutoffs(%v, %v) margin %v = %v, %v, want %v, %v", inSpam, inHam, tt.margin, spam, ham, tt.spam, tt.ham)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }

// TestTuneFilters runs the tune regime with each filter on fold 0 of the
// composed corpus (testdata/corpus, 3 folds) and checks what the regime
// promises: a converged run left every training message classified as
// its class under the training cutoffs, and trained at least the first
// chunk and at most every message once per pass.
func TestTuneFilters(t *testing.T) {
	const k = 3
	corpus, err := loadCorpus(filepath.Join("testdata", "corpus"), k)
	if err != nil {
		t.Fatal(err)
	}
	classes := sampleClasses(corpus)
	order := tuneOrder(corpus, 0)
	for _, margin := range []float64{0, 0.5} {
		tc := tuneConfig{Passes: 10, Chunk: 4, Margin: margin}
		spam, ham := tc.trainingCutoffs(bayes.DefaultSpamCutoff, bayes.DefaultHamCutoff)
		check := func(t *testing.T, tu tuner, st bayes.Rounds) {
			t.Helper()
			if st.Errors != 0 || st.Rounds < 2 || st.Trained < tc.Chunk || st.Trained > st.Rounds*len(order) {
				t.Fatalf("tune = %+v over %d messages, want converged, 2 passes or more, %d to passes·%d trained", st, len(order), tc.Chunk, len(order))
			}
			verdicts, err := tu.classify(context.Background(), order)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range order {
				if verdicts[i] != classes[m] {
					t.Errorf("after tuning, %s (%s) classified %s under cutoffs %v/%v", corpus[m].Name, classes[m], verdicts[i], spam, ham)
				}
			}
		}
		t.Run(fmt.Sprint("spamkit/margin=", margin), func(t *testing.T) {
			ctx := context.Background()
			db, err := boltstore.Open(filepath.Join(t.TempDir(), "tune.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tk := &bayes.Tokenizer{}
			toks := make([]tokenized, len(corpus))
			for i, s := range corpus {
				toks[i].List = tk.Tokenize(ctx, s.Data).List
			}
			tu := newOursTuner(tc, db, toks, classes, 20000)
			st, err := tune(ctx, tc, tu, order, classes)
			if err != nil {
				t.Fatal(err)
			}
			check(t, tu, st)
			tot, err := db.Lookup(ctx, nil, nil)
			if err != nil || tot.Spam+tot.Ham != uint64(st.Trained) {
				t.Errorf("store totals %+v, %v; want %d messages", tot, err, st.Trained)
			}
		})
		t.Run(fmt.Sprint("bogofilter/margin=", margin), func(t *testing.T) {
			bf := testenv.Program(t, "bogofilter")
			dir := t.TempDir()
			paths := make([]string, len(corpus))
			for i, s := range corpus {
				paths[i] = filepath.Join(dir, strconv.Itoa(i))
				if err := os.WriteFile(paths[i], s.Data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			db := filepath.Join(dir, "db")
			if err := os.Mkdir(db, 0o700); err != nil {
				t.Fatal(err)
			}
			tu := newPeerTuner(tc, bf, db, paths, classes)
			st, err := tune(context.Background(), tc, tu, order, classes)
			if err != nil {
				t.Fatal(err)
			}
			check(t, tu, st)
		})
	}
}

// TestTuneStopsWithContext: the regime checks ctx before each chunk, so
// a tuner that does not look at ctx (a store that ignores it) does not
// keep passes over thousands of messages going once ctx has ended.
func TestTuneStopsWithContext(t *testing.T) {
	const n = 10
	classes := make([]bayes.Result, n)
	order := make([]int, n)
	for i := range n {
		classes[i], order[i] = classOf(i), i
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeTuner{need: make([]int, n), trained: make([]int, n)}
	st, err := tune(ctx, tuneConfig{Passes: 10, Chunk: 3}, f, order, classes)
	if !errors.Is(err, context.Canceled) || st.Trained != 0 || len(f.chunks)+len(f.trainCalls) != 0 {
		t.Errorf("tune(cancelled) = %+v, %v after %d classify and %d train calls, want %v and no call", st, err, len(f.chunks), len(f.trainCalls), context.Canceled)
	}
}

// TestTuneBogofilterFails: a bogofilter run that fails (exit 3, its
// error on stderr; killed; or one that gives no verdict for a file),
// classifying or registering, ends the regime with an error naming it,
// never a verdict made up for it nor a registration taken as done.
func TestTuneBogofilterFails(t *testing.T) {
	dir := t.TempDir()
	classes := []bayes.Result{bayes.Ham, bayes.Spam, bayes.Ham, bayes.Spam}
	paths := make([]string, len(classes))
	for i := range paths {
		paths[i] = filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(paths[i], []byte("Subject: x\n\nbody\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Registering (-s/-n) does as register says, classifying (-T) as
	// classify says. The first chunk (0, 1) is registered unasked.
	const ok = "cat >/dev/null; exit 0"
	for _, tt := range []struct{ name, register, classify, want string }{
		{"classify exit 3", ok, "echo 'wordlist broken' >&2; exit 3", "wordlist broken"},
		{"no verdict", ok, "exit 0", "no verdict for " + paths[2]},
		{"other file", ok, "read f; echo \"$f H 0.1\"; echo \"/elsewhere S 0.9\"", "no verdict for " + paths[3]},
		{"register exit 3", "echo 'cannot write wordlist' >&2; exit 3", ok, "cannot write wordlist"},
		{"register killed", "kill -9 $$", ok, "signal: killed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prog := filepath.Join(t.TempDir(), "bogofilter")
			sh := "#!/bin/sh\ncase \" $* \" in *' -T '*) " + tt.classify + ";; esac\n" + tt.register + "\n"
			if err := os.WriteFile(prog, []byte(sh), 0o700); err != nil {
				t.Fatal(err)
			}
			tu := &peerTuner{prog: prog, db: dir, paths: paths, classes: classes, cutoffs: "0.99,0.45"}
			_, err := tune(context.Background(), tuneConfig{Passes: 3, Chunk: 2}, tu, []int{0, 1, 2, 3}, classes)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("tune with a bogofilter that fails (%s) = %v, want an error with %q", tt.name, err, tt.want)
			}
		})
	}
}

// TestBogofilterCutoffs: the tune regime gives bogofilter training
// cutoffs computed from package bayes's default cutoffs, so those must be
// bogofilter's own under -C (its built-in configuration, which eval
// classifies with).
func TestBogofilterCutoffs(t *testing.T) {
	bf := testenv.Program(t, "bogofilter")
	out, err := exec.Command(bf, "-C", "-Q").Output()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, l := range strings.Split(string(out), "\n") {
		name, val, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		f, _, _ := strings.Cut(strings.TrimSpace(val), " ")
		if x, err := strconv.ParseFloat(f, 64); err == nil {
			got[strings.TrimSpace(name)] = x
		}
	}
	for name, want := range map[string]float64{"spam_cutoff": bayes.DefaultSpamCutoff, "ham_cutoff": bayes.DefaultHamCutoff} {
		if x, ok := got[name]; !ok || !near(x, want) {
			t.Errorf("bogofilter -C -Q: %s = %v (found %v), want bayes's %v", name, x, ok, want)
		}
	}
}

// TestNewPeerTuner: bogofilter's -o is the training cutoffs, spam first.
func TestNewPeerTuner(t *testing.T) {
	for _, tt := range []struct {
		margin float64
		want   string
	}{{0, "0.99,0.45"}, {0.5, "0.995,0.225"}} {
		if got := newPeerTuner(tuneConfig{Passes: 1, Chunk: 1, Margin: tt.margin}, "bogofilter", "db", nil, nil).cutoffs; got != tt.want {
			t.Errorf("newPeerTuner(margin %v).cutoffs = %q, want %q", tt.margin, got, tt.want)
		}
	}
}

// TestTrainUpdate: a training registers one message of its class, and
// none of the other, with its tokens and day.
func TestTrainUpdate(t *testing.T) {
	toks := []string{"a", "b"}
	for _, tt := range []struct {
		class     bayes.Result
		spam, ham int32
	}{{bayes.Spam, 1, 0}, {bayes.Ham, 0, 1}} {
		u := trainUpdate(toks, tt.class, 20000)
		if u.Spam != tt.spam || u.Ham != tt.ham || u.Day != 20000 || !slices.Equal(u.Tokens, toks) {
			t.Errorf("trainUpdate(%q, %s, 20000) = %+v, want spam %d, ham %d", toks, tt.class, u, tt.spam, tt.ham)
		}
	}
}
