// Command bayes is a bogofilter-like command over package bayes: it trains
// a database with messages as spam or ham, unregisters them, and
// classifies messages, with bogofilter's exit codes.
//
//	bayes -s spam/            # register every message under spam/ as spam
//	bayes -n ~/Maildir        # register a Maildir (cur/ and new/) as ham
//	bayes -S msg.eml          # unregister a message trained as spam (-N: ham)
//	bayes < msg.eml           # classify: exit 0 spam, 1 ham, 2 unsure, 3 error
//	bayes -v msg.eml          # classify and print the top clues
//
// Inputs are files, directories (every regular file under them), Maildirs
// (a directory with cur/ or new/), mbox files (a file starting with a
// "From " line: one message per "From " line after an empty line, mboxrd
// ">From " unquoted) and standard input ("-" or no argument). When several
// messages are classified, one line each is printed and the exit code is
// that of the last. A database that holds fewer than 200 spams or 200 hams
// (SpamAssassin's bayes_min_spam_num and bayes_min_ham_num) classifies
// nothing: "X-Bayes: unsure, not enough training", exit 2; -min N sets
// that minimum (negative: none). Long training shows a progress bar when standard error
// is a terminal and nothing otherwise.
//
// The database (-d, default $SPAMKIT_BAYES_DB or ~/.spamkit/bayes.db) is a
// bbolt file (package bayes/boltstore): durable once a command returned.
// A training that leaves more than a quarter of the file free pages
// compacts it when done (boltstore.Compact): train when no other command
// uses the database.
// -d :memory: uses an in-memory store that ends with the process (for
// trying the command).
//
// The eval subcommand runs a k-fold cross-validation over a corpus laid out
// as DIR/ham and DIR/spam (scripts/fetch-corpus lays out the public
// SpamAssassin corpus so), optionally beside bogofilter on the same folds;
// see evalUsage. The evaluation CI runs:
//
//	scripts/fetch-corpus ../corpus/spamassassin
//	go run ./examples/bayes eval -q -k 5 -peer bogofilter \
//		-neutralize-host spamassassin.taint.org -poison 200 \
//		-plot scores.png ../corpus/spamassassin
//
// Speeds are printed per wall-clock second and per CPU second: on a shared
// machine the second is the one to compare. spamkit's figures include
// tokenizing (each message is tokenized once per variant and that time is
// charged to each of its trainings and its classification); bogofilter's
// are those of its processes, which read and lex the files each time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
)

// Exit codes, as bogofilter's.
const (
	exitSpam   = 0
	exitHam    = 1
	exitUnsure = 2
	exitError  = 3
)

// exitCode maps a verdict to bogofilter's exit code.
func exitCode(r bayes.Result) int {
	switch r {
	case bayes.Spam:
		return exitSpam
	case bayes.Ham:
		return exitHam
	default:
		return exitUnsure
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "eval" {
		return runEval(ctx, args[1:], stdout, stderr)
	}
	fl := flag.NewFlagSet("bayes", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: bayes [-d db] [-s|-n|-S|-N] [-v] [file|dir|maildir|mbox|-]...\n       bayes eval [flags] corpus-dir\n")
		fl.PrintDefaults()
	}
	db := fl.String("d", defaultDB(), "database file (bbolt); :memory: for an in-memory store")
	spam := fl.Bool("s", false, "register the messages as spam")
	ham := fl.Bool("n", false, "register the messages as ham")
	unspam := fl.Bool("S", false, "unregister messages registered as spam")
	unham := fl.Bool("N", false, "unregister messages registered as ham")
	verbose := fl.Bool("v", false, "print the score and the clues (the tokens that weighed most)")
	quiet := fl.Bool("q", false, "no progress bar")
	minLearns := fl.Int("min", 0, "spam and ham messages each the database must hold before it classifies (below: unsure, \"not enough training\"); 0: SpamAssassin's 200, negative: none")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError
		}
		return exitError
	}
	modes := 0
	for _, b := range []bool{*spam, *ham, *unspam, *unham} {
		if b {
			modes++
		}
	}
	if modes > 1 {
		fmt.Fprintln(stderr, "bayes: -s, -n, -S and -N exclude each other")
		return exitError
	}
	msgs, err := readInputs(fl.Args(), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "bayes: %v\n", err)
		return exitError
	}
	store, closeStore, err := openStore(*db, modes == 0, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bayes: %v\n", err)
		return exitError
	}
	c := &bayes.Classifier{Store: store, MinSpam: *minLearns, MinHam: *minLearns}
	switch {
	case *spam, *ham:
		class := bayes.Spam
		if *ham {
			class = bayes.Ham
		}
		err = train(ctx, c, class, msgs, newProgress(stderr, *quiet, len(msgs), "training "+string(class)))
	case *unspam, *unham:
		class := bayes.Spam
		if *unham {
			class = bayes.Ham
		}
		err = untrain(ctx, c, class, msgs, newProgress(stderr, *quiet, len(msgs), "unregistering "+string(class)))
	default:
		code := exitError
		code, err = classify(ctx, c, msgs, *verbose, stdout)
		if cerr := closeStore(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "bayes: %v\n", err)
			return exitError
		}
		return code
	}
	if cerr := closeStore(); err == nil {
		err = cerr
	}
	if err == nil && (*spam || *ham) && *db != ":memory:" {
		err = compactIfFree(ctx, *db)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bayes: %v\n", err)
		return exitError
	}
	return 0
}

// compactIfFree compacts the bbolt file at path (boltstore.Compact) when
// more than a quarter of it is free pages: bbolt writes the pages a
// commit changes to free space and never shrinks the file, so training
// into a trained database leaves it growing with free pages.
func compactIfFree(ctx context.Context, path string) error {
	s, err := boltstore.Open(path, nil)
	if err != nil {
		return err
	}
	free, size, err := s.Free()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil || free <= size/4 {
		return err
	}
	_, _, err = boltstore.Compact(ctx, path, nil)
	return err
}

// defaultDB is $SPAMKIT_BAYES_DB, else ~/.spamkit/bayes.db.
func defaultDB() string {
	if p := os.Getenv("SPAMKIT_BAYES_DB"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "bayes.db"
	}
	return filepath.Join(home, ".spamkit", "bayes.db")
}

// openStore opens the database: a bbolt file (read-only when only
// classifying: several classifications may run at once), or an in-memory
// store for ":memory:", said on stderr.
func openStore(path string, readOnly bool, stderr io.Writer) (bayes.Store, func() error, error) {
	if path == ":memory:" {
		fmt.Fprintln(stderr, "bayes: using an in-memory store: nothing is kept after this command")
		return bayes.NewMemStore(), func() error { return nil }, nil
	}
	if readOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, nil, fmt.Errorf("database %s: %w (train it first with -s and -n)", path, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	s, err := boltstore.Open(path, &boltstore.Options{ReadOnly: readOnly})
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}

// trainChunk is the number of messages trained in one store commit:
// each commit rewrites every page holding a token of its messages, so
// fewer, larger commits write less (the SpamAssassin corpus's 4837
// messages in commits of 500 took a third more CPU than in one and left
// a 21.6 MB file for 6.9 MB); memory grows with the distinct tokens of a
// chunk.
const trainChunk = 5000

func train(ctx context.Context, c *bayes.Classifier, class bayes.Result, msgs []message, p progress) error {
	defer p.Finish()
	ex := make([]bayes.Example, 0, trainChunk)
	for i := 0; i < len(msgs); i += trainChunk {
		ex = ex[:0]
		for _, m := range msgs[i:min(i+trainChunk, len(msgs))] {
			ex = append(ex, bayes.Example{Class: class, Msg: m.Data})
		}
		if _, err := c.TrainBatch(ctx, ex); err != nil {
			return err
		}
		p.Add(len(ex))
	}
	return nil
}

func untrain(ctx context.Context, c *bayes.Classifier, class bayes.Result, msgs []message, p progress) error {
	defer p.Finish()
	for _, m := range msgs {
		if _, err := c.Untrain(ctx, class, m.Data); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		p.Add(1)
	}
	return nil
}

// classify prints the verdict of each message (with -v its clues) and
// returns the exit code of the last.
func classify(ctx context.Context, c *bayes.Classifier, msgs []message, verbose bool, w io.Writer) (int, error) {
	code := exitError
	for _, m := range msgs {
		o, err := c.Classify(ctx, m.Data)
		if err != nil {
			return exitError, fmt.Errorf("%s: %w", m.Name, err)
		}
		if len(msgs) > 1 {
			fmt.Fprintf(w, "%s: ", m.Name)
		}
		if errors.Is(o.Err, bayes.ErrUntrained) {
			fmt.Fprintf(w, "X-Bayes: %s, %s\n", o.Result, o.Reason())
		} else {
			fmt.Fprintf(w, "X-Bayes: %s, score=%.6f\n", o.Result, o.Score)
		}
		if verbose {
			fmt.Fprintf(w, "  tokens %d, used %d, trained %d spam / %d ham\n", o.Tokens, o.Used, o.Totals.Spam, o.Totals.Ham)
			if o.Err != nil {
				fmt.Fprintf(w, "  note: %v\n", o.Err)
			}
			for _, cl := range o.Clues {
				fmt.Fprintf(w, "  %-40q f=%.6f spam=%d ham=%d\n", cl.Token, cl.F, cl.Spam, cl.Ham)
			}
		}
		code = exitCode(o.Result)
	}
	return code, nil
}
