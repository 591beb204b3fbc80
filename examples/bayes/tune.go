package main

import (
	"context"
	"fmt"

	"github.com/spamkit/spamkit/bayes"
)

// Training regimes of eval (-train).
const (
	trainEverything = "everything" // every training message registered once
	trainTune       = "tune"       // train until no error, as bogominitrain.pl
)

// Defaults of the tune regime's flags.
const (
	defaultTunePasses = 10 // as bayes.TrainUntilNoError
	defaultTuneChunk  = 50
)

// tuneConfig is the tune regime, the same for both filters: bogofilter's
// contrib/bogominitrain.pl -f ("train to exhaustion") with its "security
// margin" (bogofilter -o around the production cutoffs). A pass goes
// over the fold's training messages, ham and spam interleaved in
// proportion as bogominitrain.pl reads its two mboxes, in chunks of
// Chunk messages: each chunk is classified against the database as it
// is (one bulk run) and the ones not classified as their class under
// the training cutoffs (wrong, unsure, or inside the margin) are
// registered (one bulk run per class) before the next chunk is
// classified. Passes repeat until one registers nothing or Passes were
// made. bogominitrain.pl classifies and registers one message at a
// time (Chunk 1); chunks let bogofilter do a pass in bulk runs instead
// of two processes per message, and an empty database (no process can
// classify against it) calls every message unsure, as it would score
// it 0.5.
type tuneConfig struct {
	Passes int     // pass limit (>= 1)
	Chunk  int     // messages classified before the wrong ones are registered (>= 1)
	Margin float64 // in [0, 1): see trainingCutoffs
}

// trainingCutoffs are the cutoffs a tune pass classifies with: the
// production cutoffs moved Margin of the way to the ends, so that a spam
// counts as learnt only at or above spam+Margin·(1-spam) and a ham only
// at or below ham·(1-Margin) (bogominitrain.pl's suggested "-o 0.8,0.2"
// around a cutoff of 0.5 is Margin 0.6). Margin 0 is plain train on
// error and unsure.
func (tc tuneConfig) trainingCutoffs(spam, ham float64) (float64, float64) {
	return spam + tc.Margin*(1-spam), ham * (1 - tc.Margin)
}

func (tc tuneConfig) validate() error {
	if tc.Passes < 1 || tc.Chunk < 1 || !(tc.Margin >= 0 && tc.Margin < 1) {
		return fmt.Errorf("tune: passes %d and chunk %d must be at least 1, margin %v in [0, 1)", tc.Passes, tc.Chunk, tc.Margin)
	}
	return nil
}

// tuner is one filter's database as the tune regime drives it. Messages
// are indexes into the corpus.
type tuner interface {
	// classify returns the verdicts for msgs under the training cutoffs.
	classify(ctx context.Context, msgs []int) ([]bayes.Result, error)
	// train registers msgs as their classes.
	train(ctx context.Context, msgs []int) error
}

// tune runs the regime over order (the training messages in pass
// order) of classes (indexed as the corpus) and says what it did as
// bayes.TrainUntilNoError does: passes made, messages registered, and
// Errors, the messages the last pass registered (0: converged). It stops
// with ctx's error before any chunk once ctx has ended.
func tune(ctx context.Context, tc tuneConfig, t tuner, order []int, classes []bayes.Result) (bayes.Rounds, error) {
	if err := tc.validate(); err != nil {
		return bayes.Rounds{}, err
	}
	var st bayes.Rounds
	var wrong []int
	for st.Rounds < tc.Passes {
		st.Rounds++
		st.Errors = 0
		for lo := 0; lo < len(order); lo += tc.Chunk {
			if err := ctx.Err(); err != nil {
				return st, err // a tuner need not look at ctx itself
			}
			chunk := order[lo:min(lo+tc.Chunk, len(order))]
			wrong = wrong[:0]
			if st.Trained == 0 {
				wrong = append(wrong, chunk...) // empty database: all unsure
			} else {
				verdicts, err := t.classify(ctx, chunk)
				if err != nil {
					return st, err
				}
				if len(verdicts) != len(chunk) {
					return st, fmt.Errorf("tune: %d verdicts for %d messages", len(verdicts), len(chunk))
				}
				for i, m := range chunk {
					if verdicts[i] != classes[m] {
						wrong = append(wrong, m)
					}
				}
			}
			if len(wrong) == 0 {
				continue
			}
			if err := t.train(ctx, wrong); err != nil {
				return st, err
			}
			st.Errors += len(wrong)
			st.Trained += len(wrong)
		}
		if st.Errors == 0 {
			break
		}
	}
	return st, nil
}

// tuneOrder is the training messages of fold (those of the other folds)
// in pass order: ham and spam interleaved in proportion to their numbers,
// as bogominitrain.pl reads a ham while hams read·spams ≤ spams read·hams
// and then a spam while spams read·hams ≤ hams read·spams, each class in
// corpus order.
func tuneOrder(samples []sample, fold int) []int {
	var ham, spam []int
	for i, s := range samples {
		if s.Fold == fold {
			continue
		}
		if s.Class == bayes.Spam {
			spam = append(spam, i)
		} else {
			ham = append(ham, i)
		}
	}
	out := make([]int, 0, len(ham)+len(spam))
	var h, s int
	for h < len(ham) || s < len(spam) {
		if h < len(ham) && h*len(spam) <= s*len(ham) {
			out = append(out, ham[h])
			h++
		}
		if s < len(spam) && s*len(ham) <= h*len(spam) {
			out = append(out, spam[s])
			s++
		}
	}
	return out
}

// splitClasses splits msgs into spam and ham.
func splitClasses(msgs []int, classes []bayes.Result) (spam, ham []int) {
	for _, m := range msgs {
		if classes[m] == bayes.Spam {
			spam = append(spam, m)
		} else {
			ham = append(ham, m)
		}
	}
	return spam, ham
}

// sampleClasses are the classes of samples, indexed as they are.
func sampleClasses(samples []sample) []bayes.Result {
	classes := make([]bayes.Result, len(samples))
	for i, s := range samples {
		classes[i] = s.Class
	}
	return classes
}

// oursTuner is package bayes's side of the tune regime: a classifier
// with the training cutoffs over a writable store, the messages
// tokenized once beforehand.
type oursTuner struct {
	c       *bayes.Classifier
	toks    []tokenized
	classes []bayes.Result
	day     uint32
}

// newOursTuner is the tune regime tc over db for messages tokenized as
// toks, of classes, registered on day.
func newOursTuner(tc tuneConfig, db bayes.Store, toks []tokenized, classes []bayes.Result, day uint32) *oursTuner {
	spam, ham := tc.trainingCutoffs(bayes.DefaultSpamCutoff, bayes.DefaultHamCutoff)
	return &oursTuner{
		c:       &bayes.Classifier{Store: db, MinSpam: -1, MinHam: -1, SpamCutoff: spam, HamCutoff: ham},
		toks:    toks,
		classes: classes,
		day:     day,
	}
}

func (t *oursTuner) classify(ctx context.Context, msgs []int) ([]bayes.Result, error) {
	out := make([]bayes.Result, len(msgs))
	for i, m := range msgs {
		o, err := t.c.ClassifyTokens(ctx, t.toks[m].List)
		if err != nil {
			return nil, err
		}
		if o.Err != nil {
			return nil, o.Err // the store failed: no verdict to train on
		}
		out[i] = o.Result
	}
	return out, nil
}

// train registers msgs in one commit.
func (t *oursTuner) train(ctx context.Context, msgs []int) error {
	ups := make([]bayes.Update, len(msgs))
	for i, m := range msgs {
		ups[i] = trainUpdate(t.toks[m].List, t.classes[m], t.day)
	}
	_, err := t.c.Store.Apply(ctx, ups)
	return err
}

// tuneOurs trains db on fold's training messages with the tune regime
// (-train tune). Each training message's tokenizing is charged to
// training once; the classifying and registering of the passes are in
// the caller's time of the training.
func tuneOurs(ctx context.Context, cfg evalConfig, v *variant, db bayes.Store, toks []tokenized, fold int, day uint32) error {
	classes := sampleClasses(v.Samples)
	order := tuneOrder(v.Samples, fold)
	st, err := tune(ctx, cfg.Tune, newOursTuner(cfg.Tune, db, toks, classes, day), order, classes)
	if err != nil {
		return err
	}
	v.Ours.addTune(st)
	for _, i := range order {
		v.Ours.TrainN++
		v.Ours.TrainSec += toks[i].Sec
		v.Ours.TrainCPU += toks[i].CPU
	}
	return nil
}

// trainUpdate is the Update registering a message of class (Spam or
// Ham) with tokens on day, as both regimes train.
func trainUpdate(tokens []string, class bayes.Result, day uint32) bayes.Update {
	u := bayes.Update{Tokens: tokens, Day: day}
	if class == bayes.Spam {
		u.Spam = 1
	} else {
		u.Ham = 1
	}
	return u
}
