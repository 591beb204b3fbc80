package bayes

import (
	"context"
)

// Stream is a classification fed by writes, from Classifier.Begin: an
// io.Writer for the message (header, empty line, body, as it arrives:
// a milter's chunks), and Close for the Outcome. It keeps at most the
// Tokenizer's MaxBytes of the message; the bytes after are counted and
// dropped, and the Outcome reports ErrMessageBytes. It is not safe for
// concurrent use.
type Stream struct {
	c    *Classifier
	ctx  context.Context
	buf  []byte
	max  int
	over bool
	done bool
	// untrained is the Outcome of a store below the training minimum
	// when Begin ran: nothing is kept, Close returns it.
	untrained *Outcome
}

// Begin starts a classification fed by writes. A store trained below
// MinSpam or MinHam when it begins gives the Outcome of ErrUntrained at
// Close, and the writes are not kept.
func (c *Classifier) Begin(ctx context.Context) *Stream {
	s := &Stream{c: c, ctx: ctx, max: orInt(c.Tokenizer.MaxBytes, DefaultMaxBytes)}
	if p, err := c.params(); err == nil && ctx.Err() == nil {
		if o, ok := c.untrained(ctx, p); ok && errorsIs(o.Err, ErrUntrained) {
			s.untrained = &o
		}
	}
	return s
}

// Write adds p to the message. It never fails before Close (bytes past
// MaxBytes are dropped); after Close it returns ErrStreamDone.
func (s *Stream) Write(p []byte) (int, error) {
	if s.c == nil || s.done {
		return 0, ErrStreamDone
	}
	if s.untrained != nil {
		return len(p), nil
	}
	if room := s.max - len(s.buf); room < len(p) {
		s.over = true
		s.buf = append(s.buf, p[:max(room, 0)]...)
		return len(p), nil
	}
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// Close classifies the message written, as Classifier.Classify does, and
// ends the stream.
func (s *Stream) Close() (Outcome, error) {
	if s.c == nil || s.done {
		return Outcome{Result: Unsure, Score: 0.5}, ErrStreamDone
	}
	s.done = true
	if s.untrained != nil {
		s.c.trace("bayes: %v", *s.untrained)
		return *s.untrained, nil
	}
	msg := s.buf
	if s.over {
		// One byte more than MaxBytes makes the Tokenizer report the
		// limit, as for a message given whole.
		msg = append(msg, '\n')
	}
	o, err := s.c.Classify(s.ctx, msg)
	s.buf = nil
	return o, err
}
