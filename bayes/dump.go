package bayes

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Format is a dump format.
type Format string

// Dump formats.
const (
	// FormatSpamkit is this package's own text dump (WriteDump):
	//
	//	# spamkit bayes dump 1
	//	totals <spam messages> <ham messages>
	//	<spam> <ham> <day> <token>
	//
	// one token per line, day as in Count.Day, the token with %, bytes
	// below 0x21, 0x7F and bytes that are not UTF-8 as %XX.
	FormatSpamkit Format = "spamkit"
	// FormatBogofilter is the output of bogofilter's `bogoutil -d`:
	// "token spamcount hamcount [YYYYMMDD]" lines, the message counts
	// in the ".MSG_COUNT" line. A token with capitals is imported as
	// written and also added to its case-folded token (the tokenizer
	// makes both for such a word; a message holding two spellings is
	// then counted twice in the folded one); bogofilter's header
	// prefixes (subj:, from:, to:, rcvd:, head:) are this package's.
	FormatBogofilter Format = "bogofilter"
	// FormatSpamAssassin is the output of `sa-learn --backup`: "v"
	// lines with db_version, num_spam and num_nonspam, "t" lines with
	// spam count, ham count, access time and the token. SpamAssassin
	// keeps tokens as the hex of 40-bit hashes, which no tokenizer here
	// produces: they are imported as "sa:<hex>" tokens, so that the
	// totals and the dump survive a move (and a round trip), but they do
	// not weigh in classifications. "s" (seen message) lines are
	// skipped.
	FormatSpamAssassin Format = "spamassassin"
)

// MaxDumpLine bounds a line of a dump (ErrDumpLine).
const MaxDumpLine = 64 << 10

const spamkitHeader = "# spamkit bayes dump 1"

// ParseDump reads a dump of format f from r, calls fn for each token
// entry as read (tokens as the format has them, not folded), and returns
// the message totals it declares. It stops at fn's first error and
// returns it. Entries with zero counts are passed on.
func ParseDump(r io.Reader, f Format, fn func(Entry) error) (Totals, error) {
	var parse func(line string, t *Totals) (Entry, bool, error)
	switch f {
	case FormatSpamkit:
		parse = parseSpamkit
	case FormatBogofilter:
		parse = parseBogofilter
	case FormatSpamAssassin:
		parse = parseSpamAssassin
	default:
		return Totals{}, fmt.Errorf("%w: %q", ErrFormat, f)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxDumpLine)
	var t Totals
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if f == FormatSpamkit && n == 1 {
			if line != spamkitHeader {
				return t, fmt.Errorf("%w: line 1: not a spamkit dump", ErrDumpSyntax)
			}
			continue
		}
		if line == "" {
			continue
		}
		e, ok, err := parse(line, &t)
		if err != nil {
			return t, fmt.Errorf("%w: line %d: %w", ErrDumpSyntax, n, err)
		}
		if !ok {
			continue
		}
		if err := fn(e); err != nil {
			return t, err
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return t, fmt.Errorf("%w: line %d", ErrDumpLine, n+1)
		}
		return t, err
	}
	if f == FormatSpamkit && n == 0 {
		return t, fmt.Errorf("%w: empty dump", ErrDumpSyntax)
	}
	return t, nil
}

func parseSpamkit(line string, t *Totals) (Entry, bool, error) {
	if strings.HasPrefix(line, "#") {
		return Entry{}, false, nil
	}
	fs := strings.Split(line, " ")
	if fs[0] == "totals" {
		if len(fs) != 3 {
			return Entry{}, false, fmt.Errorf("totals: want 2 numbers")
		}
		s, err1 := strconv.ParseUint(fs[1], 10, 64)
		h, err2 := strconv.ParseUint(fs[2], 10, 64)
		if err1 != nil || err2 != nil {
			return Entry{}, false, fmt.Errorf("totals: bad number")
		}
		t.Spam, t.Ham = s, h
		return Entry{}, false, nil
	}
	if len(fs) != 4 {
		return Entry{}, false, fmt.Errorf("want spam ham day token")
	}
	var c [3]uint32
	for i := range c {
		v, err := strconv.ParseUint(fs[i], 10, 32)
		if err != nil {
			return Entry{}, false, fmt.Errorf("bad number %q", fs[i])
		}
		c[i] = uint32(v)
	}
	tok, err := unescapeToken(fs[3])
	if err != nil {
		return Entry{}, false, err
	}
	return Entry{Token: tok, Count: Count{Spam: c[0], Ham: c[1], Day: c[2]}}, true, nil
}

func parseBogofilter(line string, t *Totals) (Entry, bool, error) {
	fs := strings.Fields(line)
	if len(fs) != 3 && len(fs) != 4 {
		return Entry{}, false, fmt.Errorf("want token spamcount hamcount [date]")
	}
	s, err1 := strconv.ParseUint(fs[1], 10, 32)
	h, err2 := strconv.ParseUint(fs[2], 10, 32)
	if err1 != nil || err2 != nil {
		return Entry{}, false, fmt.Errorf("bad count")
	}
	var day uint32
	if len(fs) == 4 {
		d, err := time.Parse("20060102", fs[3])
		if err != nil {
			return Entry{}, false, fmt.Errorf("bad date %q", fs[3])
		}
		day = Day(d)
	}
	switch fs[0] {
	case ".MSG_COUNT":
		t.Spam, t.Ham = s, h
		return Entry{}, false, nil
	case ".ENCODING", ".WORDLIST_VERSION", ".ROBX":
		return Entry{}, false, nil
	}
	return Entry{Token: fs[0], Count: Count{Spam: uint32(s), Ham: uint32(h), Day: day}}, true, nil
}

func parseSpamAssassin(line string, t *Totals) (Entry, bool, error) {
	fs := strings.Split(line, "\t")
	switch fs[0] {
	case "v":
		if len(fs) < 3 {
			return Entry{}, false, fmt.Errorf("v: want value and name")
		}
		v, err := strconv.ParseUint(fs[1], 10, 64)
		if err != nil {
			return Entry{}, false, fmt.Errorf("v: bad number %q", fs[1])
		}
		name, _, _ := strings.Cut(strings.TrimSpace(fs[2]), " ")
		switch name {
		case "num_spam":
			t.Spam = v
		case "num_nonspam":
			t.Ham = v
		}
		return Entry{}, false, nil
	case "s":
		return Entry{}, false, nil
	case "t":
		if len(fs) != 5 {
			return Entry{}, false, fmt.Errorf("t: want 4 fields")
		}
		s, err1 := strconv.ParseUint(fs[1], 10, 32)
		h, err2 := strconv.ParseUint(fs[2], 10, 32)
		at, err3 := strconv.ParseInt(fs[3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || at < 0 {
			return Entry{}, false, fmt.Errorf("t: bad number")
		}
		if _, err := hex.DecodeString(fs[4]); err != nil || fs[4] == "" {
			return Entry{}, false, fmt.Errorf("t: token %q is not hex", fs[4])
		}
		return Entry{Token: "sa:" + strings.ToLower(fs[4]), Count: Count{
			Spam: uint32(s), Ham: uint32(h), Day: Day(time.Unix(at, 0)),
		}}, true, nil
	}
	return Entry{}, false, fmt.Errorf("unknown line type %q", fs[0])
}

// WriteDump writes the tokens and totals of s to w in FormatSpamkit, in
// no particular order.
func WriteDump(ctx context.Context, w io.Writer, s BulkStore) error {
	t, err := s.Lookup(ctx, nil, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\ntotals %d %d\n", spamkitHeader, t.Spam, t.Ham)
	var buf []byte
	if err := s.Walk(ctx, func(e Entry) bool {
		buf = buf[:0]
		buf = strconv.AppendUint(buf, uint64(e.Spam), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendUint(buf, uint64(e.Ham), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendUint(buf, uint64(e.Day), 10)
		buf = append(buf, ' ')
		buf = appendEscaped(buf, e.Token)
		buf = append(buf, '\n')
		_, err = bw.Write(buf)
		return err == nil
	}); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// appendEscaped appends tok with '%', bytes up to ' ', 0x7F and bytes
// not part of valid UTF-8 as %XX.
func appendEscaped(b []byte, tok string) []byte {
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(tok); {
		c := tok[i]
		if c > ' ' && c < 0x7F && c != '%' {
			b = append(b, c)
			i++
			continue
		}
		if c >= 0x80 {
			r, size := decodeRune(tok[i:])
			if r != unicode.ReplacementChar || size > 1 {
				b = append(b, tok[i:i+size]...)
				i += size
				continue
			}
		}
		b = append(b, '%', hexd[c>>4], hexd[c&15])
		i++
	}
	if len(tok) == 0 {
		b = append(b, '%', '-') // the empty token, which no tokenizer makes
	}
	return b
}

func unescapeToken(s string) (string, error) {
	if s == "%-" {
		return "", nil
	}
	if !strings.Contains(s, "%") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b = append(b, byte(v))
		i += 2
	}
	return string(b), nil
}

// Import reads a dump of format f from r into s: its entries replace the
// counts s had for those tokens (Put, in batches), and its totals replace
// s's totals. A bogofilter dump's tokens are also case-folded and merged
// first (see FormatBogofilter). It returns the number of tokens stored.
func Import(ctx context.Context, s BulkStore, r io.Reader, f Format) (int, error) {
	const batch = 4096
	var pending []Entry
	merged := map[string]Count(nil)
	if f == FormatBogofilter {
		merged = make(map[string]Count)
	}
	n := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := s.Put(ctx, pending); err != nil {
			return fmt.Errorf("%w: %w", ErrStore, err)
		}
		n += len(pending)
		pending = pending[:0]
		return ctx.Err()
	}
	// ParseDump reads through ctxReader: a dump is read only while ctx
	// lasts, whatever its lines give (a bogofilter dump's entries are
	// merged in memory before any is stored; blank lines give none).
	t, err := ParseDump(ctxReader{ctx, r}, f, func(e Entry) error {
		if merged != nil {
			tok := strings.ToLower(e.Token)
			if tok != e.Token {
				// Kept as written too, as the tokenizer keeps a word
				// written with capitals.
				c := merged[e.Token]
				c.Spam = addClamp32(c.Spam, int32(min(e.Spam, 1<<31-1)))
				c.Ham = addClamp32(c.Ham, int32(min(e.Ham, 1<<31-1)))
				c.Day = max(c.Day, e.Day)
				merged[e.Token] = c
			}
			c := merged[tok]
			c.Spam = addClamp32(c.Spam, int32(min(e.Spam, 1<<31-1)))
			c.Ham = addClamp32(c.Ham, int32(min(e.Ham, 1<<31-1)))
			c.Day = max(c.Day, e.Day)
			merged[tok] = c
			return nil
		}
		pending = append(pending, e)
		if len(pending) >= batch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	for tok, c := range merged {
		pending = append(pending, Entry{Token: tok, Count: c})
		if len(pending) >= batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	if err := s.SetTotals(ctx, t); err != nil {
		return n, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return n, nil
}

// ctxReader reads r while ctx lasts: a Read after ctx ended returns its
// error. bufio.Scanner reads 4 KiB or more at a time, so the look costs
// nothing beside the parsing of what it read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
