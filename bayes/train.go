package bayes

import (
	"context"
	"fmt"
	"math"
)

// Example is a message with its class, for batch training.
type Example struct {
	Class Result // Spam or Ham
	Msg   []byte
}

// Learned is what a conditional training did (TrainOnError, AutoLearn).
type Learned struct {
	// Outcome is the classification before training.
	Outcome Outcome
	// Trained is the class the message was trained as, or "" if it was
	// not trained.
	Trained Result
	// Totals are the store's message totals after the training (before
	// it, from Outcome, when nothing was trained).
	Totals Totals
}

// Rounds is what TrainUntilNoError did.
type Rounds struct {
	Rounds  int // passes over the examples
	Trained int // messages trained in all
	// Errors is the number of examples misclassified (or unsure) in
	// the last pass: zero when the training converged.
	Errors int
}

func checkClass(class Result) error {
	if class != Spam && class != Ham {
		return fmt.Errorf("%w: %q", ErrClass, class)
	}
	return nil
}

// update returns the Update training (sign 1) or untraining (sign -1)
// one message of class with tokens.
func (c *Classifier) update(class Result, sign int32, tokens []string) Update {
	u := Update{Tokens: tokens, Day: Day(c.now())}
	if class == Spam {
		u.Spam = sign
	} else {
		u.Ham = sign
	}
	return u
}

// Train registers msg as a message of class (Spam or Ham): each of its
// distinct tokens counts once more in that class, and so does the
// class's message total (bogofilter -s, -n). When it returns, the store
// holds the training (a durable store, on disk); the Totals are the
// store's after it.
func (c *Classifier) Train(ctx context.Context, class Result, msg []byte) (Totals, error) {
	return c.apply(ctx, class, 1, msg)
}

// Untrain unregisters msg from class, undoing a Train of the same
// message (bogofilter -S, -N). Counts do not go below zero.
func (c *Classifier) Untrain(ctx context.Context, class Result, msg []byte) (Totals, error) {
	return c.apply(ctx, class, -1, msg)
}

func (c *Classifier) apply(ctx context.Context, class Result, sign int32, msg []byte) (Totals, error) {
	if err := checkClass(class); err != nil {
		return Totals{}, err
	}
	toks := c.Tokenizer.Tokenize(ctx, msg)
	return c.applyTokens(ctx, []Update{c.update(class, sign, toks.List)})
}

// TrainTokens registers a message of class by its distinct tokens, as a
// Tokenizer gave them.
func (c *Classifier) TrainTokens(ctx context.Context, class Result, tokens []string) (Totals, error) {
	if err := checkClass(class); err != nil {
		return Totals{}, err
	}
	return c.applyTokens(ctx, []Update{c.update(class, 1, tokens)})
}

// TrainBatch registers each example as its class, in one Store.Apply:
// all or none are stored, with one commit for the batch.
func (c *Classifier) TrainBatch(ctx context.Context, examples []Example) (Totals, error) {
	updates := make([]Update, 0, len(examples))
	for _, e := range examples {
		if err := checkClass(e.Class); err != nil {
			return Totals{}, err
		}
		if err := ctx.Err(); err != nil {
			return Totals{}, err
		}
		updates = append(updates, c.update(e.Class, 1, c.Tokenizer.Tokenize(ctx, e.Msg).List))
	}
	return c.applyTokens(ctx, updates)
}

func (c *Classifier) applyTokens(ctx context.Context, updates []Update) (Totals, error) {
	t, err := c.store().Apply(ctx, updates)
	if err != nil {
		return t, fmt.Errorf("%w: %w", ErrStore, err)
	}
	c.trace("bayes: trained %d message(s): %d spam, %d ham in all", len(updates), t.Spam, t.Ham)
	return t, nil
}

// TrainOnError classifies msg and trains it as class only if the
// verdict was not class (a wrong or Unsure verdict): training on error,
// which keeps a database small and focused on what it gets wrong.
func (c *Classifier) TrainOnError(ctx context.Context, class Result, msg []byte) (Learned, error) {
	if err := checkClass(class); err != nil {
		return Learned{}, err
	}
	p, err := c.params()
	if err != nil {
		return Learned{}, err
	}
	p.minSpam, p.minHam = 0, 0 // training is how the minimum is reached
	toks := c.Tokenizer.Tokenize(ctx, msg)
	o := c.classify(ctx, p, toks.List)
	l := Learned{Outcome: o, Totals: o.Totals}
	if o.Result == class {
		return l, nil
	}
	if o.Err != nil && errorsIs(o.Err, ErrStore) {
		return l, o.Err
	}
	t, err := c.applyTokens(ctx, []Update{c.update(class, 1, toks.List)})
	if err != nil {
		return l, err
	}
	l.Trained, l.Totals = class, t
	return l, nil
}

// TrainUntilNoError trains on error over the examples, pass after pass,
// until a pass trains nothing or maxRounds passes were made (bogofilter's
// bogominitrain.pl -f). If maxRounds is zero, 10. Each message is
// tokenized once.
func (c *Classifier) TrainUntilNoError(ctx context.Context, examples []Example, maxRounds int) (Rounds, error) {
	if maxRounds <= 0 {
		maxRounds = 10
	}
	p, err := c.params()
	if err != nil {
		return Rounds{}, err
	}
	p.minSpam, p.minHam = 0, 0 // training is how the minimum is reached
	toks := make([][]string, len(examples))
	for i, e := range examples {
		if err := checkClass(e.Class); err != nil {
			return Rounds{}, err
		}
		if err := ctx.Err(); err != nil {
			return Rounds{}, err
		}
		toks[i] = c.Tokenizer.Tokenize(ctx, e.Msg).List
	}
	var r Rounds
	for r.Rounds < maxRounds {
		r.Rounds++
		r.Errors = 0
		for i, e := range examples {
			if err := ctx.Err(); err != nil {
				return r, err
			}
			o := c.classify(ctx, p, toks[i])
			if o.Err != nil {
				return r, o.Err
			}
			if o.Result == e.Class {
				continue
			}
			r.Errors++
			if _, err := c.applyTokens(ctx, []Update{c.update(e.Class, 1, toks[i])}); err != nil {
				return r, err
			}
			r.Trained++
		}
		if r.Errors == 0 {
			break
		}
	}
	return r, nil
}

// AutoLearn classifies msg and trains it only when the score is beyond
// the auto-learn guard: as spam at or above AutoSpam, as ham at or below
// AutoHam. Messages between are left for a person to judge, so that the
// classifier does not teach itself its own mistakes (SpamAssassin's
// bayes_auto_learn thresholds).
func (c *Classifier) AutoLearn(ctx context.Context, msg []byte) (Learned, error) {
	p, err := c.params()
	if err != nil {
		return Learned{}, err
	}
	spamAt, hamAt := or(c.AutoSpam, DefaultAutoSpam), or(c.AutoHam, DefaultAutoHam)
	if math.IsNaN(spamAt) || math.IsNaN(hamAt) || hamAt >= spamAt {
		return Learned{}, fmt.Errorf("%w: AutoHam %v not below AutoSpam %v", ErrConfig, hamAt, spamAt)
	}
	if o, ok := c.untrained(ctx, p); ok {
		return Learned{Outcome: o, Totals: o.Totals}, nil // below MinSpam/MinHam its scores are not trusted
	}
	toks := c.Tokenizer.Tokenize(ctx, msg)
	o := c.classify(ctx, p, toks.List)
	l := Learned{Outcome: o, Totals: o.Totals}
	if o.Err != nil || o.Used == 0 {
		return l, nil // nothing to learn from: the store failed, or no evidence
	}
	var class Result
	switch {
	case o.Score >= spamAt:
		class = Spam
	case o.Score <= hamAt:
		class = Ham
	default:
		return l, nil
	}
	t, err := c.applyTokens(ctx, []Update{c.update(class, 1, toks.List)})
	if err != nil {
		return l, err
	}
	l.Trained, l.Totals = class, t
	return l, nil
}
