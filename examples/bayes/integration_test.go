package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/testenv"
)

// TestEvalBogofilter runs the evaluation over the composed corpus in
// testdata/corpus (16 ham, 16 spam; the host leak.example.net in 12 ham
// and 4 spam) beside bogofilter.
func TestEvalBogofilter(t *testing.T) {
	bf := testenv.Program(t, "bogofilter")
	corpus := filepath.Join("testdata", "corpus")
	png := filepath.Join(t.TempDir(), "scores.png")
	const k = 3
	cfg := evalConfig{Dir: corpus, K: k, Peer: "bogofilter", Bogofilter: bf, Neutralize: "leak.example.net", Poison: 20, Seed: 1, Plot: png, Quiet: true}
	var out bytes.Buffer
	variants, err := evaluate(context.Background(), cfg, &out, io.Discard)
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"16 ham, 16 spam; 3 folds",
		"leak.example.net named in 12 ham (75.0%), 4 spam (25.0%)",
		"\nas-is\n", "\nneutralised (leak.example.net removed)\n",
		"spamkit         bogofilter",
		"poisoned test spam (+20 random words)",
		"FP (ham as spam)", "unsure spam", "1-AUC", "classify msg/s", "train msg/CPU-s", "database bytes",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("plot %s: %v, not a PNG", png, err)
	}

	// Every message is classified once by each filter, trained k-1
	// times, and each test spam once more poisoned.
	if len(variants) != 2 {
		t.Fatalf("%d variants, want 2", len(variants))
	}
	v := variants[1]
	for i, s := range v.Samples {
		if bytes.Contains(s.Data, []byte("leak.example.net")) {
			t.Errorf("neutralised %s still names the host", s.Name)
		}
		if p := v.Poisoned[i]; (s.Class == "spam") != (p != nil) {
			t.Errorf("%s (%s): poisoned %v", s.Name, s.Class, p != nil)
		}
	}
	for name, m := range map[string]*metrics{"spamkit": &v.Ours, "bogofilter": &v.Peer} {
		if m.hams() != 16 || m.spams() != 16 || m.ClassifyN != 32 || m.TrainN != (k-1)*32 || m.DBBytes == 0 {
			t.Errorf("%s: %d ham, %d spam, %d classified, %d trained, %d bytes; want 16, 16, 32, %d, >0", name, m.hams(), m.spams(), m.ClassifyN, m.TrainN, m.DBBytes, (k-1)*32)
		}
		// The composed classes share few words: no ham is called spam
		// and no spam ham by either filter.
		if cpuSeconds() > 0 && (m.ClassifyCPU <= 0 || m.TrainCPU <= 0) {
			t.Errorf("%s: CPU time classify %v, train %v", name, m.ClassifyCPU, m.TrainCPU)
		}
		if m.HamAsSpam != 0 || m.SpamAsHam != 0 {
			t.Errorf("%s: FP %d, FN %d on the composed corpus", name, m.HamAsSpam, m.SpamAsHam)
		}
	}
	for name, m := range map[string]*metrics{"spamkit": &v.OursP, "bogofilter": &v.PeerP} {
		if m.hams() != 0 || m.spams() != 16 {
			t.Errorf("%s poisoned: %d ham, %d spam; want 0, 16", name, m.hams(), m.spams())
		}
	}
}

// TestEvalErrors: a corpus without ham/ or spam/, bad flags.
func TestEvalErrors(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{empty},
		{"-k", "1", filepath.Join("testdata", "corpus")},
		{"-peer", "spamassassin", filepath.Join("testdata", "corpus")},
		{"-train", "once", filepath.Join("testdata", "corpus")},
		{"-train", "tune", "-tune-chunk", "0", filepath.Join("testdata", "corpus")},
		{"-train", "tune", "-tune-margin", "1", filepath.Join("testdata", "corpus")},
		{},
	} {
		if code := runEval(context.Background(), args, io.Discard, io.Discard); code != exitError {
			t.Errorf("eval %q = %d, want %d", args, code, exitError)
		}
	}
}

// TestEvalTuneFlags: each -tune-* flag's limit is refused before the
// corpus is read, with the limits in the error, under either regime.
func TestEvalTuneFlags(t *testing.T) {
	corpus := filepath.Join("testdata", "corpus")
	for _, args := range [][]string{
		{"-train", "tune", "-tune-passes", "0"},
		{"-train", "tune", "-tune-passes", "-3"},
		{"-train", "tune", "-tune-chunk", "0"},
		{"-train", "tune", "-tune-chunk", "-1"},
		{"-train", "tune", "-tune-margin", "1"},
		{"-train", "tune", "-tune-margin", "-0.1"},
		{"-train", "tune", "-tune-margin", "NaN"},
		{"-tune-chunk", "0"},
	} {
		var stdout, stderr bytes.Buffer
		code := runEval(context.Background(), append(args, corpus), &stdout, &stderr)
		if code != exitError || !strings.Contains(stderr.String(), "must be at least 1, margin") || stdout.Len() != 0 {
			t.Errorf("eval %q = %d, stdout %q, stderr %q; want %d, the limits in the error, nothing evaluated", args, code, stdout.String(), stderr.String(), exitError)
		}
	}
}

// TestEvalTune runs the evaluation with -train tune: both filters go
// through the regime on every fold, and the table says how.
func TestEvalTune(t *testing.T) {
	bf := testenv.Program(t, "bogofilter")
	const k = 3
	cfg := evalConfig{Dir: filepath.Join("testdata", "corpus"), K: k, Peer: "bogofilter", Bogofilter: bf, Quiet: true,
		Train: trainTune, Tune: tuneConfig{Passes: 10, Chunk: 4}}
	var out bytes.Buffer
	variants, err := evaluate(context.Background(), cfg, &out, io.Discard)
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, out.String())
	}
	for _, want := range []string{"tune passes per fold", "folds converged", "messages trained", "Training: -train tune", "chunks of 4", "cutoffs 0.99/0.45 (margin 0)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out.String())
		}
	}
	for name, m := range map[string]*metrics{"spamkit": &variants[0].Ours, "bogofilter": &variants[0].Peer} {
		// Each message is in the training set of k-1 folds; the regime
		// trains some of them, the first chunk of each fold at least.
		if len(m.TunePasses) != k || m.TrainN != (k-1)*32 || m.TuneTrained < k*4 || m.ClassifyN != 32 {
			t.Errorf("%s: passes %v, %d training messages, %d trained, %d classified; want %d folds, %d, >= %d, 32", name, m.TunePasses, m.TrainN, m.TuneTrained, m.ClassifyN, k, (k-1)*32, k*4)
		}
	}
}
