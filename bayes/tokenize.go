package bayes

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/spamkit/spamkit/mime"
)

// Defaults of the Tokenizer's limits.
const (
	// DefaultMaxBytes bounds the bytes of a message read (1 MiB).
	DefaultMaxBytes = 1 << 20
	// DefaultMaxTokens bounds the distinct tokens of a message.
	DefaultMaxTokens = 20000
	// DefaultMaxTokenBytes bounds a word, in bytes of UTF-8 (bogofilter
	// drops tokens over 30 characters; 45 bytes keep 15 Cyrillic or
	// Greek letters).
	DefaultMaxTokenBytes = 45
	// DefaultMinWordRunes is the shortest word kept, in characters
	// (bogofilter's 3). CJK bigrams are not words and are always kept.
	DefaultMinWordRunes = 3
)

// Tokenizer turns a message into the distinct tokens the classifier
// counts. Its zero value is ready to use with the documented defaults;
// it is safe for concurrent use by multiple goroutines once its fields
// are set. See the package documentation for the tokens it makes.
type Tokenizer struct {
	// MaxBytes bounds the bytes of a message read: the rest is ignored
	// (ErrMessageBytes). If zero, DefaultMaxBytes (1 MiB).
	MaxBytes int
	// MaxTokens bounds the distinct tokens of a message: those after are
	// dropped (ErrTokens). If zero, DefaultMaxTokens (20 000).
	MaxTokens int
	// MaxTokenBytes bounds a word in bytes: a longer one becomes a
	// "skip:" token of its length in tens (ErrTokenBytes), as
	// SpamAssassin's "sk:" tokens. If zero, DefaultMaxTokenBytes (45).
	MaxTokenBytes int
	// MinWordRunes is the shortest word kept, in characters. If zero,
	// DefaultMinWordRunes (3).
	MinWordRunes int
	// OSB adds orthogonal sparse bigrams of the body's words (CRM114,
	// rspamd): each word paired with each of the 4 words before it
	// (a window of 5), with the distance, as "osb:" tokens.
	OSB bool
	// Scanner walks the MIME structure and decodes the texts (see
	// package mime). If nil, a zero mime.Scanner whose MaxTextBytes is
	// MaxBytes.
	Scanner *mime.Scanner
}

// Tokens are the distinct tokens of a message.
type Tokens struct {
	// List holds each distinct token once, in the order first met.
	List []string
	// Err joins the limits reached (ErrMessageBytes, ErrTokens,
	// ErrTokenBytes); the tokens are those of what was read.
	Err error
}

// state is one tokenization in progress.
type state struct {
	minRunes, maxTokens, maxTokenBytes int
	osb                                bool

	seen  map[string]struct{}
	list  []string
	arena []byte
	prev  [4]string // the last body words, most recent first, for OSB
	full  bool      // MaxTokens reached
	long  bool      // a word over MaxTokenBytes
}

var seenPool = sync.Pool{New: func() any { return make(map[string]struct{}, 512) }}

// Tokenize returns the distinct tokens of msg, a message in Internet
// Message Format (RFC 5322) with MIME. It always runs: limits reached are
// in Tokens.Err, and the tokens are then those of what was read. The
// context bounds the MIME walk (see mime.Scanner.Scan).
func (t *Tokenizer) Tokenize(ctx context.Context, msg []byte) Tokens {
	st := &state{
		minRunes:      orInt(t.MinWordRunes, DefaultMinWordRunes),
		maxTokens:     orInt(t.MaxTokens, DefaultMaxTokens),
		maxTokenBytes: orInt(t.MaxTokenBytes, DefaultMaxTokenBytes),
		osb:           t.OSB,
		seen:          seenPool.Get().(map[string]struct{}),
	}
	defer func() {
		clear(st.seen)
		seenPool.Put(st.seen)
	}()
	maxBytes := orInt(t.MaxBytes, DefaultMaxBytes)
	var errs []error
	if len(msg) > maxBytes {
		msg = msg[:maxBytes]
		errs = append(errs, ErrMessageBytes)
	}
	st.list = make([]string, 0, 256)
	st.arena = make([]byte, 0, 4096)

	st.header(msg)
	sc := t.Scanner
	if sc == nil {
		sc = &mime.Scanner{MaxTextBytes: int64(maxBytes)}
	}
	report := sc.Scan(ctx, msg)
	for _, p := range report.Parts {
		st.part(p)
	}
	for _, tx := range report.Texts {
		body := tx.Body
		if strings.Contains(body[:min(len(body), 4096)], esc2022) {
			body = decodeISO2022JP(body)
		}
		if tx.Type == "text/html" {
			st.html(body)
		} else {
			st.text(body)
		}
	}
	if st.full {
		errs = append(errs, ErrTokens)
	}
	if st.long {
		errs = append(errs, ErrTokenBytes)
	}
	return Tokens{List: st.list, Err: errors.Join(errs...)}
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// add adds the token prefix+w if it is new. body marks a word of the
// body, which enters the OSB pairs.
func (st *state) add(prefix, w string, body bool) {
	if st.full || w == "" || len(w) > 2*st.maxTokenBytes+16 {
		return // no token is empty or unbounded, whatever its source
	}
	tok := w
	if prefix != "" {
		start := len(st.arena)
		st.arena = append(st.arena, prefix...)
		st.arena = append(st.arena, w...)
		tok = st.arenaString(start)
		if _, ok := st.seen[tok]; ok {
			st.arena = st.arena[:start] // not kept: reuse the bytes
		} else {
			st.insert(tok)
		}
	} else if _, ok := st.seen[tok]; !ok {
		st.insert(tok)
	}
	if body && st.osb {
		st.pairs(w)
	}
}

func (st *state) insert(tok string) {
	if len(st.list) >= st.maxTokens {
		st.full = true
		return
	}
	st.seen[tok] = struct{}{}
	st.list = append(st.list, tok)
}

// pairs adds the OSB tokens of w with the words before it, and makes w
// the most recent word.
func (st *state) pairs(w string) {
	for d, p := range st.prev {
		if p == "" {
			break
		}
		start := len(st.arena)
		st.arena = append(st.arena, "osb:"...)
		st.arena = append(st.arena, p...)
		st.arena = append(st.arena, ' ', byte('1'+d), ' ')
		st.arena = append(st.arena, w...)
		tok := st.arenaString(start)
		if _, ok := st.seen[tok]; ok {
			st.arena = st.arena[:start]
			continue
		}
		st.insert(tok)
		if st.full {
			return
		}
	}
	copy(st.prev[1:], st.prev[:3])
	st.prev[0] = w
}
