package main

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
)

const evalUsage = `usage: bayes eval [flags] corpus-dir

Cross-validates the classifier over corpus-dir/ham and corpus-dir/spam (one
message per file; mbox files split): each message goes to fold
FNV-1a(file name) mod k; for each fold a fresh bbolt database is trained
on the other folds (commits of 5000 messages, compacted when a quarter
of the file is free pages, as the command trains) and classifies this one. Prints FP, FN, unsure ham and
spam, spam caught, 1-AUC, messages/s for classify and train (tokenizing
included; per wall-clock and per CPU second) and fold 1's database size. With -peer bogofilter, Debian's
bogofilter runs on the same folds (training with -s/-n -b, classifying
with -T -b, a fresh -d directory per fold) and both are printed side by
side. With -neutralize DOMAIN the evaluation runs again with every host
name in DOMAIN deleted from the messages (a label leak: in the
SpamAssassin corpus ham mostly went through spamassassin.taint.org).
With -poison N, N random dictionary words are appended to each test spam
and classified against the same training. -plot draws the score
distributions with the cutoffs. With -train tune both filters train
until no error instead of on every training message once (bogofilter's
bogominitrain.pl -f, with -tune-margin as its -o margin): see the
table's note.

`

// evalConfig are the eval flags.
type evalConfig struct {
	Dir        string
	K          int
	Peer       string
	Bogofilter string
	Neutralize string
	Poison     int
	PoisonList string
	Seed       uint64
	Plot       string
	OSB        bool
	Quiet      bool
	Train      string     // trainEverything or trainTune
	Tune       tuneConfig // -train tune
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("bayes eval", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, evalUsage); fl.PrintDefaults() }
	var cfg evalConfig
	fl.IntVar(&cfg.K, "k", 5, "number of folds (2 or more)")
	fl.StringVar(&cfg.Peer, "peer", "", `peer filter run on the same folds: "bogofilter"`)
	fl.StringVar(&cfg.Bogofilter, "bogofilter", "bogofilter", "bogofilter program")
	fl.StringVar(&cfg.Neutralize, "neutralize-host", "", "also evaluate with every host name in this domain removed from the messages (e.g. spamassassin.taint.org)")
	fl.IntVar(&cfg.Poison, "poison", 0, "also classify each test spam with this many random dictionary words appended")
	fl.StringVar(&cfg.PoisonList, "poison-words", "", "word list for -poison, one word a line (default: a built-in list of common English words)")
	fl.Uint64Var(&cfg.Seed, "seed", 1, "seed of the poisoning words")
	fl.StringVar(&cfg.Plot, "plot", "", "write the score distributions to this PNG file")
	fl.BoolVar(&cfg.OSB, "osb", false, "tokenize with OSB word pairs too")
	fl.BoolVar(&cfg.Quiet, "q", false, "no progress bar")
	fl.StringVar(&cfg.Train, "train", trainEverything, `training regime of both filters: "everything" (each training message once) or "tune" (train until no error, as bogominitrain.pl -f)`)
	fl.IntVar(&cfg.Tune.Passes, "tune-passes", defaultTunePasses, "-train tune: most passes over a fold's training messages")
	fl.IntVar(&cfg.Tune.Chunk, "tune-chunk", defaultTuneChunk, "-train tune: messages classified (one bulk run) before the wrong ones are registered")
	fl.Float64Var(&cfg.Tune.Margin, "tune-margin", 0, "-train tune: train a message until it scores this fraction of the way beyond its cutoff toward 0 or 1 (bogominitrain.pl's -o margin; 0: train on error and unsure)")
	if err := fl.Parse(args); err != nil {
		return exitError
	}
	if fl.NArg() != 1 || cfg.K < 2 || (cfg.Peer != "" && cfg.Peer != "bogofilter") || (cfg.Train != trainEverything && cfg.Train != trainTune) {
		fl.Usage()
		return exitError
	}
	if err := cfg.Tune.validate(); err != nil {
		fmt.Fprintf(stderr, "bayes eval: %v\n", err)
		return exitError
	}
	cfg.Dir = fl.Arg(0)
	if _, err := evaluate(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "bayes eval: %v\n", err)
		return exitError
	}
	return 0
}

// sample is one labelled message of the corpus.
type sample struct {
	Name  string // file name (the fold key)
	Class bayes.Result
	Fold  int
	Data  []byte
}

// foldOf is the fold of a message: FNV-1a of its file name mod k.
func foldOf(name string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % uint32(k))
}

// loadCorpus reads dir/ham and dir/spam.
func loadCorpus(dir string, k int) ([]sample, error) {
	var out []sample
	for _, class := range []bayes.Result{bayes.Ham, bayes.Spam} {
		sub := filepath.Join(dir, string(class))
		msgs, err := readDir(sub, true)
		if err != nil {
			return nil, err
		}
		if len(msgs) == 0 {
			return nil, fmt.Errorf("%s: no messages", sub)
		}
		for _, m := range msgs {
			rel, _ := filepath.Rel(sub, m.Name)
			out = append(out, sample{Name: rel, Class: class, Fold: foldOf(rel, k), Data: m.Data})
		}
	}
	return out, nil
}

// variant is one run of the evaluation over transformed messages.
type variant struct {
	Name     string
	Samples  []sample // messages as both filters see them
	Poisoned [][]byte // per sample: the poisoned spam (nil for ham or without -poison)
	Ours     metrics
	OursP    metrics // poisoned test spam
	Peer     metrics
	PeerP    metrics
}

// evaluate runs the evaluation, prints its table and returns its figures.
func evaluate(ctx context.Context, cfg evalConfig, stdout, stderr io.Writer) ([]*variant, error) {
	corpus, err := loadCorpus(cfg.Dir, cfg.K)
	if err != nil {
		return nil, err
	}
	var nham, nspam int
	for _, s := range corpus {
		if s.Class == bayes.Ham {
			nham++
		} else {
			nspam++
		}
	}
	dict := words(poisonWords)
	if cfg.PoisonList != "" {
		b, err := os.ReadFile(cfg.PoisonList)
		if err != nil {
			return nil, err
		}
		dict = words(string(b))
	}
	variants := []*variant{{Name: "as-is", Samples: corpus}}
	fmt.Fprintf(stdout, "corpus %s: %d ham, %d spam; %d folds by FNV-1a of the file name\n", cfg.Dir, nham, nspam, cfg.K)
	if z := newNeutralizer(cfg.Neutralize); z != nil {
		n := &variant{Name: "neutralised (" + cfg.Neutralize + " removed)"}
		var hit [2]int
		for _, s := range corpus {
			b, had := z.bytes(s.Data)
			if had {
				hit[boolInt(s.Class == bayes.Spam)]++
			}
			s.Data = b
			n.Samples = append(n.Samples, s)
		}
		fmt.Fprintf(stdout, "label leak: %s named in %d ham (%.1f%%), %d spam (%.1f%%)\n",
			cfg.Neutralize, hit[0], pct(hit[0], nham), hit[1], pct(hit[1], nspam))
		variants = append(variants, n)
	}
	peerDir := ""
	if cfg.Peer != "" {
		if peerDir, err = os.MkdirTemp("", "bayes-eval-peer-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(peerDir)
	}
	for vi, v := range variants {
		if cfg.Poison > 0 {
			v.Poisoned = make([][]byte, len(v.Samples))
			for i, s := range v.Samples {
				if s.Class == bayes.Spam {
					v.Poisoned[i] = poison(s.Data, s.Name, cfg.Poison, dict, cfg.Seed)
				}
			}
		}
		var z *neutralizer
		if vi > 0 {
			z = newNeutralizer(cfg.Neutralize)
		}
		if err := evalOurs(ctx, cfg, v, z, stderr); err != nil {
			return nil, err
		}
		if cfg.Peer != "" {
			if err := evalBogofilter(ctx, cfg, v, filepath.Join(peerDir, fmt.Sprint(vi)), stderr); err != nil {
				return nil, err
			}
		}
	}
	printTable(stdout, cfg, variants)
	if cfg.Plot != "" {
		if err := plotScores(cfg.Plot, variants, cfg.Peer != ""); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "score distributions: %s\n", cfg.Plot)
	}
	return variants, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tokenized is a message's tokens and the wall and CPU time tokenizing
// took.
type tokenized struct {
	List     []string
	Sec, CPU float64
}

func tokenizeAll(ctx context.Context, t *bayes.Tokenizer, msgs [][]byte, z *neutralizer) []tokenized {
	out := make([]tokenized, len(msgs))
	for i, m := range msgs {
		if m == nil {
			continue
		}
		start, cpu := time.Now(), cpuSeconds()
		toks := t.Tokenize(ctx, m)
		list := z.tokens(toks.List)
		out[i] = tokenized{List: list, Sec: time.Since(start).Seconds(), CPU: cpuSeconds() - cpu}
	}
	return out
}

// evalOurs runs the k folds with package bayes as the CLI runs it: each
// message tokenized once (timed, and the time charged to every training
// and classification of it); for each fold a fresh bbolt file
// (bayes/boltstore, what bogofilter's Berkeley DB file is compared
// with) trained in commits of trainChunk messages and compacted when a
// quarter of it is free pages (compactIfFree, as the command does after
// training; its time charged to training), then the fold classified
// against it opened ReadOnly with Preload (the open and preload charged
// to classifying).
func evalOurs(ctx context.Context, cfg evalConfig, v *variant, z *neutralizer, stderr io.Writer) error {
	tk := &bayes.Tokenizer{OSB: cfg.OSB}
	msgs := make([][]byte, len(v.Samples))
	for i, s := range v.Samples {
		msgs[i] = s.Data
	}
	p := newProgress(stderr, cfg.Quiet, len(msgs)*(1+boolInt(v.Poisoned != nil))+cfg.K, "spamkit "+v.Name)
	toks := tokenizeAll(ctx, tk, msgs, z)
	p.Add(len(msgs))
	var ptoks []tokenized
	if v.Poisoned != nil {
		ptoks = tokenizeAll(ctx, tk, v.Poisoned, z)
		p.Add(len(msgs))
	}
	dir, err := os.MkdirTemp("", "bayes-eval-db-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	day := bayes.Day(time.Now())
	for fold := range cfg.K {
		path := filepath.Join(dir, fmt.Sprintf("fold%d.db", fold))
		start, cpu := time.Now(), cpuSeconds()
		db, err := boltstore.Open(path, nil)
		if err != nil {
			return err
		}
		if cfg.Train == trainTune {
			err = tuneOurs(ctx, cfg, v, db, toks, fold, day)
		} else {
			err = trainOurs(ctx, v, db, toks, fold, day)
		}
		if err != nil {
			db.Close()
			return err
		}
		if err := db.Close(); err != nil {
			return err
		}
		before, err := fileSize(path)
		if err != nil {
			return err
		}
		if err := compactIfFree(ctx, path); err != nil {
			return err
		}
		v.Ours.TrainSec += time.Since(start).Seconds()
		v.Ours.TrainCPU += cpuSeconds() - cpu
		if fold == 0 {
			after, err := fileSize(path)
			if err != nil {
				return err
			}
			v.Ours.DBBytes = after
			if after != before {
				v.Ours.DBBytesTrained = before
			}
		}
		start, cpu = time.Now(), cpuSeconds()
		db, err = boltstore.Open(path, &boltstore.Options{ReadOnly: true, Preload: true})
		if err != nil {
			return err
		}
		// No minimum of training (MinSpam, MinHam): the evaluation
		// measures the classifier on whatever a fold trains, small
		// corpora (the Japanese set: 12 of each) included.
		c := &bayes.Classifier{Store: db, Tokenizer: *tk, MinSpam: -1, MinHam: -1}
		for i, s := range v.Samples {
			if s.Fold != fold {
				continue
			}
			o, err := c.ClassifyTokens(ctx, toks[i].List)
			if err != nil {
				db.Close()
				return err
			}
			v.Ours.add(s.Class, o.Result, o.Score)
			v.Ours.ClassifyN++
			v.Ours.ClassifySec += toks[i].Sec
			v.Ours.ClassifyCPU += toks[i].CPU
		}
		v.Ours.ClassifySec += time.Since(start).Seconds()
		v.Ours.ClassifyCPU += cpuSeconds() - cpu
		for i, s := range v.Samples {
			if s.Fold != fold || ptoks == nil || ptoks[i].List == nil {
				continue
			}
			o, err := c.ClassifyTokens(ctx, ptoks[i].List)
			if err != nil {
				db.Close()
				return err
			}
			v.OursP.add(s.Class, o.Result, o.Score)
		}
		if err := db.Close(); err != nil {
			return err
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		p.Add(1)
	}
	p.Finish()
	return nil
}

// trainOurs registers every training message of fold once (-train
// everything), in commits of trainChunk messages.
func trainOurs(ctx context.Context, v *variant, db bayes.Store, toks []tokenized, fold int, day uint32) error {
	ups := make([]bayes.Update, 0, trainChunk)
	flush := func() error {
		if len(ups) == 0 {
			return nil
		}
		_, err := db.Apply(ctx, ups)
		ups = ups[:0]
		return err
	}
	for i, s := range v.Samples {
		if s.Fold == fold {
			continue
		}
		if ups = append(ups, trainUpdate(toks[i].List, s.Class, day)); len(ups) == trainChunk {
			if err := flush(); err != nil {
				return err
			}
		}
		v.Ours.TrainN++
		v.Ours.TrainSec += toks[i].Sec
		v.Ours.TrainCPU += toks[i].CPU
	}
	return flush()
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// printTable prints each variant's figures, ours and the peer's side by
// side.
func printTable(w io.Writer, cfg evalConfig, variants []*variant) {
	cols := []string{"spamkit"}
	if cfg.Peer != "" {
		cols = append(cols, cfg.Peer)
	}
	line := func(name string, vals ...string) {
		fmt.Fprintf(w, "  %-26s", name)
		for _, v := range vals {
			fmt.Fprintf(w, " %18s", v)
		}
		fmt.Fprintln(w)
	}
	// section prints rows named names, ours beside the peer's if run.
	section := func(names, ours, peer []string) {
		for i, name := range names {
			if cfg.Peer != "" {
				line(name, ours[i], peer[i])
			} else {
				line(name, ours[i])
			}
		}
	}
	for _, v := range variants {
		fmt.Fprintf(w, "\n%s\n", v.Name)
		line("", cols...)
		section(rowNames, v.Ours.rows(), v.Peer.rows())
		if cfg.Train == trainTune {
			section(tuneRowNames, v.Ours.tuneRows(), v.Peer.tuneRows())
		}
		if cfg.Poison > 0 {
			fmt.Fprintf(w, "  poisoned test spam (+%d random words):\n", cfg.Poison)
			section(poisonRowNames, v.OursP.poisonRows(), v.PeerP.poisonRows())
		}
	}
	fmt.Fprintln(w, "\nBoth filters train a database file per fold and classify against it. spamkit: a bbolt file (bayes/boltstore) trained in commits of 5000 messages and compacted when over a quarter of it is free pages (as the command does after training), then opened read-only with Preload (its counts read into memory at open, as a daemon or a bulk run would; the open is charged to classifying), msg/s include tokenizing (each message tokenized once, its time charged to each use), CPU from getrusage of this process; database bytes: fold 1's file (before compaction in parentheses, if compacted). bogofilter: wall and CPU time of its processes (-s/-n -b and -T -b bulk modes), fold 1's Berkeley DB wordlist.db. Wall-clock msg/s depend on the machine's load; msg/CPU-s is the comparison that a loaded machine does not decide.")
	if cfg.Train == trainTune {
		spam, ham := cfg.Tune.trainingCutoffs(bayes.DefaultSpamCutoff, bayes.DefaultHamCutoff)
		fmt.Fprintf(w, "\nTraining: -train tune, the same for both filters (bogominitrain.pl -f): passes over each fold's training messages, ham and spam interleaved, in chunks of %d classified in one run against the database so far with cutoffs %g/%g (margin %g) and the ones not classified as their class registered before the next chunk (spamkit: one commit per chunk, not commits of 5000; bogofilter: one -s -b and one -n -b run); at most %d passes, ending with one that registers nothing. train msg/s count each training message once per fold, over the time of all passes.\n",
			cfg.Tune.Chunk, spam, ham, cfg.Tune.Margin, cfg.Tune.Passes)
	}
}
