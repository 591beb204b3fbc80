package bayes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spamkit/spamkit/mime"
)

// Defaults of the Classifier's parameters: bogofilter 1.2.5's.
const (
	DefaultRobX       = 0.52   // Robinson's x: f(w) of a token never seen
	DefaultRobS       = 0.0178 // Robinson's s: the weight of x
	DefaultMinDev     = 0.375  // tokens with |f(w)-0.5| below it are ignored
	DefaultSpamCutoff = 0.99   // a score at or above it is Spam
	DefaultHamCutoff  = 0.45   // a score at or below it is Ham
	DefaultMaxClues   = 10     // clues kept in an Outcome
)

// Defaults of the training minimum (Classifier.MinSpam, MinHam):
// SpamAssassin's bayes_min_spam_num and bayes_min_ham_num
// (Mail::SpamAssassin::Conf: Bayes is not used before the database has
// learnt 200 of each); rspamd's classifier skips its statistics below
// min_learns, 200 too.
const (
	DefaultMinSpam = 200
	DefaultMinHam  = 200
)

// Defaults of the auto-learn guard (Classifier.AutoLearn).
const (
	DefaultAutoSpam = 0.999 // learn as spam at or above this score
	DefaultAutoHam  = 0.01  // learn as ham at or below this score
)

// ErrConfig reports a Classifier parameter out of its range (a cutoff
// outside [0, 1], a ham cutoff above the spam cutoff, ...): the operation
// does not run.
var ErrConfig = errors.New("bayes: invalid parameter")

// Classifier is a Bayesian spam classifier: Robinson's f(w) per token and
// Fisher's chi-square combining (Robinson 2003), as bogofilter computes
// them, over the tokens of a Tokenizer, with counts kept in a Store.
//
// Its zero value is ready to use: bogofilter's parameters, the default
// Tokenizer, and an in-memory store created on first use. A Classifier
// is safe for concurrent use by multiple goroutines once its fields are
// set; it must not be copied after first use.
type Classifier struct {
	// Store keeps the counts. If nil, a MemStore private to the
	// Classifier, created on first use.
	Store Store

	// Tokenizer turns a message into tokens; its zero value is the
	// default.
	Tokenizer Tokenizer

	// RobX is f(w) for a token never seen, and the value rare tokens
	// are pulled towards. If zero, DefaultRobX (0.52).
	RobX float64
	// RobS is the strength of RobX against the evidence of a token's
	// counts. If zero, DefaultRobS (0.0178).
	RobS float64
	// MinDev leaves out of the combination tokens whose f(w) is closer
	// than this to 0.5. If zero, DefaultMinDev (0.375); negative means
	// none is left out.
	MinDev float64
	// SpamCutoff: a score at or above it is Spam. If zero,
	// DefaultSpamCutoff (0.99).
	SpamCutoff float64
	// HamCutoff: a score at or below it is Ham, between the cutoffs
	// Unsure. If zero, DefaultHamCutoff (0.45); negative means no unsure
	// band (bogofilter's two-state mode: below SpamCutoff is Ham).
	HamCutoff float64
	// HamESF and SpamESF are Robinson's effective size factors
	// (bogofilter's ns_esf and sp_esf; Robinson 2004, "Handling
	// Redundancy in Email Token Probabilities"): n correlated tokens are
	// taken as the evidence of ESF·n independent ones in the ham-side
	// (H) and spam-side (S) chi-square. If zero, 1: no correction, as
	// bogofilter's default.
	HamESF  float64
	SpamESF float64
	// Degenerate counts each word once, by Graham's degeneration: its
	// as-written token ("FREE") when the store knows it, else its folded
	// one ("free"), instead of both.
	Degenerate bool
	// MinSpam and MinHam are the spam and ham messages the store must
	// have been trained on before a message is classified: below either,
	// Classify, ClassifyReport, ClassifyTokens and Stream return an
	// Unsure Outcome with Score 0.5 whose Err wraps ErrUntrained (Reason
	// "not enough training"), without tokenizing the message, and
	// AutoLearn learns nothing. A few trainings give confident scores on
	// too little evidence. If zero, DefaultMinSpam and DefaultMinHam
	// (SpamAssassin's 200 each); negative, no minimum. Training (Train,
	// TrainOnError, TrainUntilNoError) is not gated.
	MinSpam, MinHam int
	// MaxClues is how many clues an Outcome carries. If zero,
	// DefaultMaxClues (10); negative means none.
	MaxClues int

	// AutoSpam and AutoHam are the auto-learn guard of AutoLearn: a
	// message is learnt as spam only when its score is at or above
	// AutoSpam, as ham only at or below AutoHam. If zero,
	// DefaultAutoSpam (0.999) and DefaultAutoHam (0.01).
	AutoSpam float64
	AutoHam  float64

	// Now gives the time of training (the day kept for expiry). If nil,
	// time.Now.
	Now func() time.Time

	// Trace, if set, receives a line per classification and training.
	Trace func(format string, args ...any)

	memOnce sync.Once
	mem     *MemStore
	// trained is set once the store's totals were seen at the minimum:
	// the check before tokenizing is then skipped, the totals every
	// lookup returns being checked after it (a store untrained or
	// replaced since clears it).
	trained atomic.Bool
}

// params are a Classifier's parameters with the defaults applied.
type params struct {
	robx, robs, minDev, spam, ham float64
	hamESF, spamESF               float64
	clues                         int
	degenerate                    bool
	minSpam, minHam               uint64 // 0: no minimum
}

func (c *Classifier) params() (params, error) {
	p := params{
		robx: or(c.RobX, DefaultRobX), robs: or(c.RobS, DefaultRobS),
		minDev: or(c.MinDev, DefaultMinDev), spam: or(c.SpamCutoff, DefaultSpamCutoff),
		ham: or(c.HamCutoff, DefaultHamCutoff), clues: c.MaxClues,
		hamESF: or(c.HamESF, 1), spamESF: or(c.SpamESF, 1), degenerate: c.Degenerate,
		minSpam: minLearns(c.MinSpam, DefaultMinSpam), minHam: minLearns(c.MinHam, DefaultMinHam),
	}
	if p.minDev < 0 {
		p.minDev = 0
	}
	if p.ham < 0 {
		p.ham = -1 // two-state: no score is <= it, see verdict
	}
	if p.clues == 0 {
		p.clues = DefaultMaxClues
	}
	for _, v := range [...]float64{p.robx, p.robs, p.minDev, p.spam, p.ham, p.hamESF, p.spamESF} {
		// NaN compares false to every bound below, and an infinite RobS
		// makes f(w) NaN: the Score would be NaN.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return p, fmt.Errorf("%w: %v not a finite number", ErrConfig, v)
		}
	}
	switch {
	case p.robx <= 0 || p.robx >= 1:
		return p, fmt.Errorf("%w: RobX %v not in (0, 1)", ErrConfig, p.robx)
	case p.robs < 0:
		return p, fmt.Errorf("%w: RobS %v negative", ErrConfig, p.robs)
	case p.minDev >= 0.5:
		return p, fmt.Errorf("%w: MinDev %v not below 0.5", ErrConfig, p.minDev)
	case p.spam <= 0 || p.spam > 1:
		return p, fmt.Errorf("%w: SpamCutoff %v not in (0, 1]", ErrConfig, p.spam)
	case p.hamESF <= 0 || p.hamESF > 1 || p.spamESF <= 0 || p.spamESF > 1:
		return p, fmt.Errorf("%w: ESF %v, %v not in (0, 1]", ErrConfig, p.hamESF, p.spamESF)
	case p.ham > p.spam:
		return p, fmt.Errorf("%w: HamCutoff %v above SpamCutoff %v", ErrConfig, p.ham, p.spam)
	}
	return p, nil
}

// minLearns is a MinSpam or MinHam with its default applied: 0 for none.
func minLearns(v, def int) uint64 {
	switch {
	case v == 0:
		return uint64(def)
	case v < 0:
		return 0
	}
	return uint64(v)
}

// enough reports whether totals t reach the training minimum.
func (p params) enough(t Totals) bool {
	return t.Spam >= p.minSpam && t.Ham >= p.minHam
}

// untrainedOutcome is the Outcome of a message not classified for want
// of training.
func (p params) untrainedOutcome(t Totals, tokens int) Outcome {
	return Outcome{Result: Unsure, Score: 0.5, Tokens: tokens, Totals: t,
		Err: fmt.Errorf("%w: %d spam and %d ham messages trained, %d and %d needed", ErrUntrained, t.Spam, t.Ham, p.minSpam, p.minHam)}
}

// untrained checks the store's totals against the training minimum
// before a message is tokenized: the Outcome to return and true when
// they are below it (or the store cannot be read: ErrStore, as a lookup
// would give). Once they were seen at the minimum it only returns false:
// classify checks the totals of each lookup.
func (c *Classifier) untrained(ctx context.Context, p params) (Outcome, bool) {
	if (p.minSpam == 0 && p.minHam == 0) || c.trained.Load() {
		return Outcome{}, false
	}
	t, err := c.store().Lookup(ctx, nil, nil)
	if err != nil {
		if !errors.Is(err, ErrStore) {
			err = fmt.Errorf("%w: %w", ErrStore, err)
		}
		return Outcome{Result: Unsure, Score: 0.5, Err: err}, true
	}
	if !p.enough(t) {
		return p.untrainedOutcome(t, 0), true
	}
	c.trained.Store(true)
	return Outcome{}, false
}

func or(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// store returns the Store to use.
func (c *Classifier) store() Store {
	if c.Store != nil {
		return c.Store
	}
	c.memOnce.Do(func() { c.mem = NewMemStore() })
	return c.mem
}

func (c *Classifier) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Classifier) trace(format string, args ...any) {
	if c.Trace != nil {
		c.Trace(format, args...)
	}
}

// Classify classifies msg, a message in Internet Message Format (RFC
// 5322). The error is non-nil only when it cannot run (ErrConfig, or ctx
// ended before it began); a store that cannot be read gives an Unsure
// Outcome whose Err wraps ErrStore, one trained on fewer messages than
// MinSpam or MinHam an Unsure Outcome whose Err wraps ErrUntrained (msg
// not tokenized), and limits of the Tokenizer are in Err too. A ctx that
// ends while it runs is a store not read in time: Unsure, Err wrapping
// ErrStore and ctx's error (never the verdict of the part of msg read).
func (c *Classifier) Classify(ctx context.Context, msg []byte) (Outcome, error) {
	p, err := c.params()
	if err != nil {
		return Outcome{Result: Unsure, Score: 0.5}, err
	}
	if err := ctx.Err(); err != nil {
		return Outcome{Result: Unsure, Score: 0.5}, err
	}
	if o, ok := c.untrained(ctx, p); ok {
		c.trace("bayes: %v", o)
		return o, nil
	}
	toks := c.Tokenizer.Tokenize(ctx, msg)
	o := c.classify(ctx, p, toks.List)
	o.Err = errors.Join(o.Err, toks.Err)
	c.trace("bayes: %v", o)
	return o, nil
}

// ClassifyReport is Classify for a caller that has already walked msg's
// MIME structure with a mime.Scanner: r is that walk, and the tokens are
// those of Tokenizer.TokenizeReport (the same as Classify's when r is
// what the Tokenizer's own scan would give).
func (c *Classifier) ClassifyReport(ctx context.Context, msg []byte, r mime.Report) (Outcome, error) {
	p, err := c.params()
	if err != nil {
		return Outcome{Result: Unsure, Score: 0.5}, err
	}
	if err := ctx.Err(); err != nil {
		return Outcome{Result: Unsure, Score: 0.5}, err
	}
	if o, ok := c.untrained(ctx, p); ok {
		c.trace("bayes: %v", o)
		return o, nil
	}
	toks := c.Tokenizer.TokenizeReport(msg, r)
	o := c.classify(ctx, p, toks.List)
	o.Err = errors.Join(o.Err, toks.Err)
	c.trace("bayes: %v", o)
	return o, nil
}

// ClassifyTokens classifies a message by its distinct tokens, as a
// Tokenizer gave them (a corpus evaluation tokenizes each message once
// and classifies it in several folds). Below MinSpam or MinHam it
// returns the Unsure Outcome of ErrUntrained, and on a ctx that ended
// before it began ctx's error, as Classify does.
func (c *Classifier) ClassifyTokens(ctx context.Context, tokens []string) (Outcome, error) {
	p, err := c.params()
	if err != nil {
		return Outcome{Result: Unsure, Score: 0.5}, err
	}
	if err := ctx.Err(); err != nil {
		return Outcome{Result: Unsure, Score: 0.5}, err
	}
	return c.classify(ctx, p, tokens), nil
}

// classify scores tokens by the store's counts. A ctx that ended before
// the lookup (while the message was tokenized, its MIME walk perhaps cut
// short) is a store not read: the tokens may be those of part of the
// message, and a store that ignores ctx would score them.
func (c *Classifier) classify(ctx context.Context, p params, tokens []string) Outcome {
	if err := ctx.Err(); err != nil {
		return Outcome{Result: Unsure, Score: 0.5, Tokens: len(tokens), Err: fmt.Errorf("%w: %w", ErrStore, err)}
	}
	counts := make([]Count, len(tokens))
	totals, err := c.store().Lookup(ctx, tokens, counts)
	if err != nil {
		if !errors.Is(err, ErrStore) {
			err = fmt.Errorf("%w: %w", ErrStore, err)
		}
		return Outcome{Result: Unsure, Score: 0.5, Tokens: len(tokens), Err: err}
	}
	if !p.enough(totals) {
		c.trained.Store(false) // untrained (or another store) since: check before tokenizing again
		return p.untrainedOutcome(totals, len(tokens))
	}
	return score(p, tokens, counts, totals)
}
