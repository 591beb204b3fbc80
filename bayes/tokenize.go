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
	// FieldNamesOnly makes the header fields not named in the package
	// documentation give their name only ("head:list-id"), not the words
	// of their values, as SpamBayes' tokenizer does: a block of list or
	// software fields is one fact, not twenty.
	FieldNamesOnly bool
	// MaxFieldTokens bounds the tokens one header field gives. If zero,
	// no bound.
	MaxFieldTokens int
	// Scanner walks the MIME structure and decodes the texts (see
	// package mime). If nil, a zero mime.Scanner whose MaxTextBytes is
	// MaxBytes.
	Scanner *mime.Scanner

	// wholeRuns keeps CJK runs whole instead of cutting them into
	// bigrams, as bogofilter and whitespace splitting do: the baseline of
	// TestJapanese.
	wholeRuns bool
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
	osb, wholeRuns                     bool
	fieldNames                         bool
	maxFieldTokens                     int
	fieldLeft                          int // tokens the current header field may still add; 0 = no bound

	seen  *tokenSet
	list  []string
	arena []byte
	prev  [4]string // the last body words, most recent first, for OSB
	full  bool      // MaxTokens reached
	long  bool      // a word over MaxTokenBytes
	cut   bool      // text of the MIME walk not read (see report)
}

var setPool = sync.Pool{New: func() any { return new(tokenSet) }}

// Tokenize returns the distinct tokens of msg, a message in Internet
// Message Format (RFC 5322) with MIME. It always runs: limits reached are
// in Tokens.Err, and the tokens are then those of what was read. The
// context bounds the MIME walk (see mime.Scanner.Scan).
func (t *Tokenizer) Tokenize(ctx context.Context, msg []byte) Tokens {
	return t.tokenize(msg, func(msg []byte, maxBytes int) mime.Report {
		sc := t.Scanner
		if sc == nil {
			sc = &mime.Scanner{MaxTextBytes: int64(maxBytes)}
		}
		return sc.Scan(ctx, msg)
	})
}

// TokenizeReport returns the tokens of msg whose MIME walk is r, for a
// caller that has already scanned msg with a mime.Scanner (a session
// running the mime policy): the header of msg, then r's parts and texts,
// without a second walk. For a message within MaxBytes it equals
// Tokenize when r is what Tokenize's own scan would give: t.Scanner.Scan
// of msg, or when t.Scanner is nil the scan of a mime.Scanner whose
// MaxTextBytes is at least t.MaxBytes (a one-part text message then
// takes Tokenize's fast path and r is not read). It reads r's texts up
// to MaxBytes in all; a msg longer than MaxBytes is cut there for its
// header, as Tokenize does, and ErrMessageBytes is reported, as it is
// when r's texts were cut by its Scanner (a MaxTextBytes below MaxBytes
// cuts the tokens short: the outcome then says so).
func (t *Tokenizer) TokenizeReport(msg []byte, r mime.Report) Tokens {
	return t.tokenize(msg, func([]byte, int) mime.Report { return r })
}

// tokenize is Tokenize with the MIME walk given by scan, called only
// when the message is not a single text part.
func (t *Tokenizer) tokenize(msg []byte, scan func(msg []byte, maxBytes int) mime.Report) Tokens {
	st := &state{
		minRunes:       orInt(t.MinWordRunes, DefaultMinWordRunes),
		maxTokens:      orInt(t.MaxTokens, DefaultMaxTokens),
		maxTokenBytes:  orInt(t.MaxTokenBytes, DefaultMaxTokenBytes),
		osb:            t.OSB,
		wholeRuns:      t.wholeRuns,
		fieldNames:     t.FieldNamesOnly,
		maxFieldTokens: max(t.MaxFieldTokens, 0),
		seen:           setPool.Get().(*tokenSet),
	}
	st.seen.reset()
	defer setPool.Put(st.seen)
	maxBytes := orInt(t.MaxBytes, DefaultMaxBytes)
	var errs []error
	over := len(msg) > maxBytes
	if over {
		msg = msg[:maxBytes]
	}
	st.list = make([]string, 0, 256)
	st.arena = make([]byte, 0, 4096)

	contentType, cte, bodyStart := st.header(msg)
	if typ, text, ok := singleText(contentType, cte, msg[bodyStart:]); ok && t.Scanner == nil {
		st.add("type:", typ, false)
		st.body(typ, text)
	} else {
		st.report(scan(msg, maxBytes), maxBytes)
	}
	if over || st.cut {
		errs = append(errs, ErrMessageBytes)
	}
	if st.full {
		errs = append(errs, ErrTokens)
	}
	if st.long {
		errs = append(errs, ErrTokenBytes)
	}
	return Tokens{List: st.list, Err: errors.Join(errs...)}
}

// report adds the tokens of a MIME walk: each part's types and file
// name, then the texts, up to maxBytes of text in all.
func (st *state) report(r mime.Report, maxBytes int) {
	for _, p := range r.Parts {
		st.part(p)
	}
	// A text the scan cut (its MaxTextBytes, a decoding limit) or one
	// cut here is text not read: reported as ErrMessageBytes.
	st.cut = r.Truncated
	room := maxBytes
	for _, tx := range r.Texts {
		st.cut = st.cut || tx.Truncated
		if room <= 0 {
			st.cut = st.cut || tx.Body != ""
			continue
		}
		body := tx.Body
		if len(body) > room {
			body = strings.ToValidUTF8(body[:room], "")
			st.cut = true
		}
		room -= len(body)
		st.body(tx.Type, body)
	}
}

// body adds the tokens of one text part.
func (st *state) body(typ, text string) {
	if strings.Contains(text[:min(len(text), 4096)], esc2022) {
		text = decodeISO2022JP(text)
	}
	if typ == "text/html" {
		st.html(text)
	} else {
		st.text(text)
	}
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
	h := hashOf(prefix, w)
	if i, found := st.seen.find(h, prefix, w); !found && st.fieldLeft < 0 {
		return // the header field gave MaxFieldTokens tokens
	} else if !found && len(st.list) < st.maxTokens {
		if st.fieldLeft > 0 {
			if st.fieldLeft--; st.fieldLeft == 0 {
				st.fieldLeft = -1
			}
		}
		tok := w
		if prefix != "" {
			start := len(st.arena)
			st.arena = append(st.arena, prefix...)
			st.arena = append(st.arena, w...)
			tok = st.arenaString(start)
		}
		st.seen.put(i, h, tok)
		st.list = append(st.list, tok)
	} else if !found {
		st.full = true
		return
	}
	if body && st.osb {
		st.pairs(w)
	}
}

// pairs adds the OSB tokens of w with the words before it, and makes w
// the most recent word.
func (st *state) pairs(w string) {
	var buf [64 + 2*DefaultMaxTokenBytes]byte
	for d, p := range st.prev {
		if p == "" {
			break
		}
		// The pair's prefix "osb:<p> <d> " is built on the stack: it is
		// copied into the arena only when the pair is new.
		pre := append(append(append(buf[:0], "osb:"...), p...), ' ', byte('1'+d), ' ')
		if len(pre) > len(buf) {
			continue
		}
		st.addRaw(unsafeString(pre), w)
		if st.full {
			return
		}
	}
	copy(st.prev[1:], st.prev[:3])
	st.prev[0] = w
}

// addRaw adds prefix+w if new, as add does for a token of no OSB pairs.
// prefix may point to memory that is reused: it is copied when kept.
func (st *state) addRaw(prefix, w string) {
	h := hashOf(prefix, w)
	i, found := st.seen.find(h, prefix, w)
	if found {
		return
	}
	if len(st.list) >= st.maxTokens {
		st.full = true
		return
	}
	start := len(st.arena)
	st.arena = append(st.arena, prefix...)
	st.arena = append(st.arena, w...)
	tok := st.arenaString(start)
	st.seen.put(i, h, tok)
	st.list = append(st.list, tok)
}
