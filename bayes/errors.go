package bayes

import "errors"

// Limits reached while reading a message. They are findings: the message
// is classified on what was read, and Outcome.Err (or Tokens.Err) wraps
// the ones reached, so that errors.Is tells them apart.
var (
	// ErrMessageBytes reports a message longer than Tokenizer.MaxBytes,
	// or text of its MIME walk not read: decoded text beyond MaxBytes, or
	// cut by the mime.Scanner (its MaxTextBytes or another limit, the
	// Text or Report marked Truncated; see TokenizeReport). The rest was
	// not read.
	ErrMessageBytes = errors.New("bayes: message longer than MaxBytes")
	// ErrTokens reports more distinct tokens than Tokenizer.MaxTokens:
	// the tokens after them were dropped.
	ErrTokens = errors.New("bayes: more tokens than MaxTokens")
	// ErrTokenBytes reports a word longer than Tokenizer.MaxTokenBytes:
	// it became one "skip:" token instead of itself.
	ErrTokenBytes = errors.New("bayes: word longer than MaxTokenBytes")
)

// Errors of the store. A Classifier fails open on them: Classify returns
// an Unsure Outcome whose Err wraps ErrStore (see the package
// documentation); training returns them as its error.
var (
	// ErrStore reports a store that could not be read or written
	// (Redis down, a bbolt file that cannot be opened...). The store's
	// own error is wrapped beside it.
	ErrStore = errors.New("bayes: store failed")
	// ErrUntrained reports a store trained on fewer messages than
	// Classifier.MinSpam spam or MinHam ham: the message was not
	// classified (nor tokenized), the Outcome is Unsure with Score 0.5.
	// Its Totals say how far the training is.
	ErrUntrained = errors.New("bayes: not enough training")
)

// Errors of the arguments: the operation does not run.
var (
	// ErrClass reports a training class other than Spam or Ham.
	ErrClass = errors.New("bayes: class must be spam or ham")
	// ErrStreamDone reports a Write or Close on a stream already closed,
	// or on a Stream that Classifier.Begin did not start.
	ErrStreamDone = errors.New("bayes: stream not started or already closed")
)

// Errors of dump parsing (ParseDump, Import).
var (
	// ErrDumpSyntax reports a dump line that is not of its format; the
	// wrapping error gives the line number.
	ErrDumpSyntax = errors.New("bayes: dump syntax error")
	// ErrDumpLine reports a dump line longer than MaxDumpLine.
	ErrDumpLine = errors.New("bayes: dump line too long")
	// ErrFormat reports an unknown dump Format.
	ErrFormat = errors.New("bayes: unknown dump format")
)
