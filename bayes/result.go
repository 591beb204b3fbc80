package bayes

import (
	"fmt"
	"strings"
)

// Result is a verdict of the classifier, and the class a message is
// trained as (Spam or Ham).
type Result string

// Results. The tokens are bogofilter's X-Bogosity words, lower case.
const (
	// Spam: the score is at or above Classifier.SpamCutoff.
	Spam Result = "spam"
	// Ham: the score is at or below Classifier.HamCutoff.
	Ham Result = "ham"
	// Unsure: the score is between the cutoffs, or the store could not be
	// read (Outcome.Err wraps ErrStore), or it was trained on too few
	// messages (ErrUntrained: the message was not classified).
	Unsure Result = "unsure"
)

// String returns the result's token.
func (r Result) String() string { return string(r) }

// Clue is one token of the explanation of a score: the token, its counts
// and its Robinson probability f(w).
type Clue struct {
	Token string
	Spam  uint32 // spam messages the token occurred in
	Ham   uint32 // ham messages the token occurred in
	F     float64
}

// String renders the clue as bogofilter -vv does, roughly: the token,
// its counts and f(w).
func (c Clue) String() string {
	return fmt.Sprintf("%q %d %d %.6f", c.Token, c.Spam, c.Ham, c.F)
}

// Outcome is the classification of one message.
type Outcome struct {
	// Result is the verdict: Spam, Ham or Unsure by the cutoffs.
	Result Result
	// Score is Robinson's indicator I in [0, 1] (bogofilter's
	// spamicity): near 1 spam, near 0 ham, 0.5 when no token is
	// significant.
	Score float64
	// Clues are the significant tokens that weighed most (farthest from
	// 0.5), at most Classifier.MaxClues, farthest first: the
	// explanation of Score.
	Clues []Clue
	// Tokens is the number of distinct tokens of the message, and Used
	// the number of them whose f(w) passed MinDev and entered the
	// combination.
	Tokens int
	Used   int
	// Totals are the message totals of the store when it was read.
	Totals Totals
	// Err is why the result is not a definitive one: the store could not
	// be read (ErrStore: Result is then Unsure, the fail-open choice),
	// it was trained on fewer messages than Classifier.MinSpam or MinHam
	// (ErrUntrained: Unsure, Score 0.5, the message not classified), or
	// a limit of the Tokenizer was reached (ErrMessageBytes, ErrTokens,
	// ErrTokenBytes: the message was classified on what was read). It is
	// for logs: it may carry addresses of servers.
	Err error
}

// String renders the outcome on one line: the result, the score, and the
// first clues.
func (o Outcome) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s score=%.6f tokens=%d used=%d", o.Result, o.Score, o.Tokens, o.Used)
	for i, c := range o.Clues {
		if i == 3 {
			b.WriteString(" ...")
			break
		}
		fmt.Fprintf(&b, " %q=%.3f", c.Token, c.F)
	}
	if o.Err != nil {
		fmt.Fprintf(&b, " err=%q", o.Err.Error())
	}
	return b.String()
}

// Reason returns a short stable phrase for a header or an SMTP reply:
// empty for a definitive result, "statistics unavailable" when the
// store failed, "not enough training" below Classifier.MinSpam or MinHam
// (ErrUntrained), "message too large" when a limit cut what was read.
func (o Outcome) Reason() string {
	switch {
	case o.Err == nil:
		return ""
	case errorsIs(o.Err, ErrStore):
		return "statistics unavailable"
	case errorsIs(o.Err, ErrUntrained):
		return "not enough training"
	case errorsIs(o.Err, ErrMessageBytes), errorsIs(o.Err, ErrTokens):
		return "message too large"
	case errorsIs(o.Err, ErrTokenBytes):
		return "long words skipped"
	}
	return ""
}
