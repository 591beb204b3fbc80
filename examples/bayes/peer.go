package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spamkit/spamkit/bayes"
)

// evalBogofilter runs bogofilter on the folds of v: the messages are
// written to files under dir (the bytes package bayes saw), and for each
// fold a fresh wordlist directory is trained with "-s -b" and "-n -b"
// (file names on standard input, one message each) and the fold is
// classified with "-T -b". -C keeps bogofilter on its built-in defaults
// (no /etc/bogofilter.cf or ~/.bogofilter.cf).
func evalBogofilter(ctx context.Context, cfg evalConfig, v *variant, dir string, stderr io.Writer) error {
	paths := make([]string, len(v.Samples))
	ppaths := make([]string, len(v.Samples))
	for _, d := range []string{"msgs", "poison"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	for i, s := range v.Samples {
		paths[i] = filepath.Join(dir, "msgs", strconv.Itoa(i))
		if err := os.WriteFile(paths[i], s.Data, 0o600); err != nil {
			return err
		}
		if v.Poisoned != nil && v.Poisoned[i] != nil {
			ppaths[i] = filepath.Join(dir, "poison", strconv.Itoa(i))
			if err := os.WriteFile(ppaths[i], v.Poisoned[i], 0o600); err != nil {
				return err
			}
		}
	}
	p := newProgress(stderr, cfg.Quiet, cfg.K, "bogofilter "+v.Name)
	defer p.Finish()
	for fold := range cfg.K {
		db := filepath.Join(dir, fmt.Sprintf("db%d", fold))
		if err := os.Mkdir(db, 0o700); err != nil {
			return err
		}
		if cfg.Train == trainTune {
			if err := tuneBogofilter(ctx, cfg, v, db, paths, fold); err != nil {
				return err
			}
		} else {
			for _, class := range []bayes.Result{bayes.Spam, bayes.Ham} {
				var list []string
				for i, s := range v.Samples {
					if s.Fold != fold && s.Class == class {
						list = append(list, paths[i])
					}
				}
				start := time.Now()
				cpu, err := bogofilterTrain(ctx, cfg.Bogofilter, db, class, list)
				if err != nil {
					return err
				}
				v.Peer.TrainCPU += cpu
				v.Peer.TrainSec += time.Since(start).Seconds()
				v.Peer.TrainN += len(list)
			}
		}
		if fold == 0 {
			if fi, err := os.Stat(filepath.Join(db, "wordlist.db")); err == nil {
				v.Peer.DBBytes = fi.Size()
			}
		}
		var test, ptest []string
		var classes, pclasses []bayes.Result
		for i, s := range v.Samples {
			if s.Fold != fold {
				continue
			}
			test = append(test, paths[i])
			classes = append(classes, s.Class)
			if ppaths[i] != "" {
				ptest = append(ptest, ppaths[i])
				pclasses = append(pclasses, s.Class)
			}
		}
		start := time.Now()
		res, cpu, err := bogofilter(ctx, cfg.Bogofilter, test, "-C", "-d", db, "-T", "-b")
		if err != nil {
			return err
		}
		v.Peer.ClassifyCPU += cpu
		v.Peer.ClassifySec += time.Since(start).Seconds()
		v.Peer.ClassifyN += len(test)
		if err := addBogofilter(&v.Peer, res, test, classes); err != nil {
			return err
		}
		if len(ptest) > 0 {
			res, _, err := bogofilter(ctx, cfg.Bogofilter, ptest, "-C", "-d", db, "-T", "-b")
			if err != nil {
				return err
			}
			if err := addBogofilter(&v.PeerP, res, ptest, pclasses); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(db); err != nil {
			return err
		}
		p.Add(1)
	}
	return nil
}

// bogofilterTrain registers files as class in the wordlist directory db
// ("-s -b" or "-n -b") and returns the CPU time it took.
func bogofilterTrain(ctx context.Context, prog, db string, class bayes.Result, files []string) (float64, error) {
	flag := "-s"
	if class == bayes.Ham {
		flag = "-n"
	}
	_, cpu, err := bogofilter(ctx, prog, files, "-C", "-d", db, flag, "-b")
	return cpu, err
}

// peerTuner is bogofilter's side of the tune regime: each chunk
// classified by one "-T -b" run with the training cutoffs (-o, as
// bogominitrain.pl passes its margin), the wrong ones registered by one
// "-s -b" and one "-n -b" run. cpu sums the processes' CPU time.
type peerTuner struct {
	prog, db string
	paths    []string
	classes  []bayes.Result
	cutoffs  string // -o spam_cutoff,ham_cutoff
	cpu      float64
}

// newPeerTuner is the tune regime tc run by prog over the wordlist
// directory db for the messages in paths, of classes. Its production
// cutoffs are package bayes's defaults, which are bogofilter's built-in
// ones under -C (TestBogofilterCutoffs).
func newPeerTuner(tc tuneConfig, prog, db string, paths []string, classes []bayes.Result) *peerTuner {
	spam, ham := tc.trainingCutoffs(bayes.DefaultSpamCutoff, bayes.DefaultHamCutoff)
	return &peerTuner{
		prog:    prog,
		db:      db,
		paths:   paths,
		classes: classes,
		cutoffs: strconv.FormatFloat(spam, 'g', -1, 64) + "," + strconv.FormatFloat(ham, 'g', -1, 64),
	}
}

func (t *peerTuner) classify(ctx context.Context, msgs []int) ([]bayes.Result, error) {
	files := t.files(msgs)
	out, cpu, err := bogofilter(ctx, t.prog, files, "-C", "-d", t.db, "-o", t.cutoffs, "-T", "-b")
	t.cpu += cpu
	if err != nil {
		return nil, err
	}
	res, err := bogofilterOutcomes(out, files)
	if err != nil {
		return nil, err
	}
	verdicts := make([]bayes.Result, len(res))
	for i, o := range res {
		verdicts[i] = o.Result
	}
	return verdicts, nil
}

// files are the paths of msgs.
func (t *peerTuner) files(msgs []int) []string {
	files := make([]string, len(msgs))
	for i, m := range msgs {
		files[i] = t.paths[m]
	}
	return files
}

func (t *peerTuner) train(ctx context.Context, msgs []int) error {
	spam, ham := splitClasses(msgs, t.classes)
	for _, c := range []struct {
		class bayes.Result
		msgs  []int
	}{{bayes.Spam, spam}, {bayes.Ham, ham}} {
		if len(c.msgs) == 0 {
			continue
		}
		cpu, err := bogofilterTrain(ctx, t.prog, t.db, c.class, t.files(c.msgs))
		t.cpu += cpu
		if err != nil {
			return err
		}
	}
	return nil
}

// tuneBogofilter trains the wordlist directory db on fold's training
// messages with the tune regime (-train tune).
func tuneBogofilter(ctx context.Context, cfg evalConfig, v *variant, db string, paths []string, fold int) error {
	classes := sampleClasses(v.Samples)
	t := newPeerTuner(cfg.Tune, cfg.Bogofilter, db, paths, classes)
	order := tuneOrder(v.Samples, fold)
	start := time.Now()
	st, err := tune(ctx, cfg.Tune, t, order, classes)
	if err != nil {
		return err
	}
	v.Peer.TrainCPU += t.cpu
	v.Peer.TrainSec += time.Since(start).Seconds()
	v.Peer.TrainN += len(order)
	v.Peer.addTune(st)
	return nil
}

// bogofilter runs the program with the file names on its standard input
// and returns its output. Its exit codes 0, 1 and 2 are verdicts; 3 is an
// error.
func bogofilter(ctx context.Context, prog string, files []string, args ...string) ([]byte, float64, error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Stdin = strings.NewReader(strings.Join(files, "\n") + "\n")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() >= 0 && ee.ExitCode() <= 2 {
		err = nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w: %s", prog, strings.Join(args, " "), err, bytes.TrimSpace(errb.Bytes()))
	}
	cpu := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return out, cpu, nil
}

// parseBogofilter reads the lines of "bogofilter -T -b": the file name,
// S, H or U, and the score.
func parseBogofilter(out []byte) (map[string]bayes.Outcome, error) {
	res := make(map[string]bayes.Outcome)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		// The name may hold spaces (kept as they are); the verdict and
		// the score are the last two fields.
		line := strings.TrimRight(sc.Text(), "\r")
		i := strings.LastIndexByte(line, ' ')
		j := -1
		if i > 0 {
			j = strings.LastIndexByte(line[:i], ' ')
		}
		if j <= 0 {
			return nil, fmt.Errorf("bogofilter: unexpected line %q", sc.Text())
		}
		name, verdict := line[:j], line[j+1:i]
		score, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("bogofilter: unexpected line %q", sc.Text())
		}
		var r bayes.Result
		switch verdict {
		case "S":
			r = bayes.Spam
		case "H":
			r = bayes.Ham
		case "U":
			r = bayes.Unsure
		default:
			return nil, fmt.Errorf("bogofilter: unexpected verdict in %q", sc.Text())
		}
		res[name] = bayes.Outcome{Result: r, Score: score}
	}
	return res, sc.Err()
}

// bogofilterOutcomes are the outcomes of "bogofilter -T -b" (its output
// out) for files, in their order; a file it gave no verdict for is an
// error.
func bogofilterOutcomes(out []byte, files []string) ([]bayes.Outcome, error) {
	res, err := parseBogofilter(out)
	if err != nil {
		return nil, err
	}
	outs := make([]bayes.Outcome, len(files))
	for i, f := range files {
		o, ok := res[f]
		if !ok {
			return nil, fmt.Errorf("bogofilter gave no verdict for %s", f)
		}
		outs[i] = o
	}
	return outs, nil
}

// addBogofilter counts bogofilter's verdicts for files (of classes).
func addBogofilter(m *metrics, out []byte, files []string, classes []bayes.Result) error {
	res, err := bogofilterOutcomes(out, files)
	if err != nil {
		return err
	}
	for i, o := range res {
		m.add(classes[i], o.Result, o.Score)
	}
	return nil
}
