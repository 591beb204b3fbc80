package dkim

import (
	"bytes"
	"fmt"
	"hash"
	"strings"
)

// Canonicalization is a canonicalization algorithm (RFC 6376 §3.4).
type Canonicalization string

// The canonicalization algorithms.
const (
	// Simple tolerates almost no modification (RFC 6376 §3.4.1, §3.4.3).
	Simple Canonicalization = "simple"
	// Relaxed tolerates whitespace changes and header field name case
	// (RFC 6376 §3.4.2, §3.4.4).
	Relaxed Canonicalization = "relaxed"
)

// String returns the algorithm's name as written in c=.
func (c Canonicalization) String() string { return string(c) }

// parseCanon parses a c= value, "header[/body]", each defaulting to
// simple (RFC 6376 §3.5).
func parseCanon(s string) (hc, bc Canonicalization, err error) {
	h, b, _ := strings.Cut(stripFWS(s), "/")
	hc, bc = Simple, Simple
	if h != "" {
		hc = Canonicalization(strings.ToLower(h))
	}
	if b != "" {
		bc = Canonicalization(strings.ToLower(b))
	}
	if hc != Simple && hc != Relaxed || bc != Simple && bc != Relaxed {
		return "", "", fmt.Errorf("%w: c=%s", ErrCanonicalization, s)
	}
	return hc, bc, nil
}

// AppendHeader appends the canonical form of the header field raw (as in
// Field.Raw, CRLF-terminated) to dst.
//
// Simple leaves the field unchanged (RFC 6376 §3.4.1). Relaxed lower-cases
// the name, unfolds the value, reduces each run of whitespace to one
// space, removes whitespace at the ends of the value and around the colon,
// and ends the field with CRLF (RFC 6376 §3.4.2).
func (c Canonicalization) AppendHeader(dst []byte, raw string) []byte {
	if c != Relaxed {
		return append(dst, raw...)
	}
	name, value, ok := strings.Cut(raw, ":")
	name = strings.TrimRight(name, " \t\r\n")
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	dst = append(dst, ':')
	if !ok {
		return append(dst, '\r', '\n')
	}
	space := false
	wrote := false
	for i := 0; i < len(value); i++ {
		switch ch := value[i]; ch {
		case ' ', '\t':
			space = true
		case '\r', '\n':
			// Unfold: the line break goes, the WSP after it is a run.
		default:
			if space && wrote {
				dst = append(dst, ' ')
			}
			space = false
			wrote = true
			dst = append(dst, ch)
		}
	}
	return append(dst, '\r', '\n')
}

// bodyHasher canonicalizes a message body as it is written and feeds the
// result to a hash (RFC 6376 §3.4.3, §3.4.4), optionally stopping after
// limit canonical bytes (the l= tag, §3.5). A bare LF is taken as a line
// end, as CRLF. It buffers at most one partial line (up to maxCarry bytes)
// and the count of pending empty lines.
type bodyHasher struct {
	h       hash.Hash
	relaxed bool
	limit   int64 // -1: no limit
	n       int64 // canonical bytes produced (hashed or not)
	pending int   // empty lines held back: dropped if nothing follows
	carry   []byte
	scratch []byte
	midLine bool // part of the current line was emitted by flushCarry
}

// maxCarry bounds the partial line held between writes; a longer line
// is emitted in pieces.
const maxCarry = 4096

var crlfs = bytes.Repeat([]byte("\r\n"), 64)

func newBodyHasher(h hash.Hash, c Canonicalization, limit int64) *bodyHasher {
	return &bodyHasher{h: h, relaxed: c == Relaxed, limit: limit}
}

// emit hashes canonical bytes, up to the limit.
func (b *bodyHasher) emit(p []byte) {
	if b.limit >= 0 {
		if rest := b.limit - b.n; int64(len(p)) > rest {
			if rest > 0 {
				b.h.Write(p[:rest])
			}
			b.n += int64(len(p))
			return
		}
	}
	b.n += int64(len(p))
	b.h.Write(p)
}

// flushPending emits the empty lines held back, now that content follows.
func (b *bodyHasher) flushPending() {
	for b.pending > 0 {
		k := min(b.pending, len(crlfs)/2)
		b.emit(crlfs[:2*k])
		b.pending -= k
	}
}

// Write canonicalizes p. It never fails.
func (b *bodyHasher) Write(p []byte) (int, error) {
	n := len(p)
	if len(b.carry) > 0 || b.midLine {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.carry = append(b.carry, p...)
			if len(b.carry) > maxCarry {
				b.flushCarry()
			}
			return n, nil
		}
		b.carry = append(b.carry, p[:i+1]...)
		b.line(b.carry)
		b.carry = b.carry[:0]
		p = p[i+1:]
	}
	b.scan(p)
	return n, nil
}

// scan canonicalizes p, which starts at a line start. Lines already in
// canonical form are found with few per-line operations and hashed in
// long runs: a CRLF-terminated line is canonical for simple, and for
// relaxed too when it has no tab, no double space and no space before
// the CRLF (a CR inside a line is content, not whitespace, §3.4.4). Tabs
// and double spaces are searched over the whole buffer at once (the
// stdlib's vectorized search). Empty lines within a run are canonical
// too; those at its end are held back (pending), as they may end the
// body.
func (b *bodyHasher) scan(p []byte) {
	last := bytes.LastIndexByte(p, '\n')
	if last < 0 {
		b.carry = append(b.carry, p...)
		if len(b.carry) > maxCarry {
			b.flushCarry()
		}
		return
	}
	nextTab, nextDbl := -1, -1 // positions of the next tab and double space; -1: search again
	run := 0                   // start of the canonical bytes not yet hashed
	held, heldFrom := 0, 0     // raw empty lines at the end of the run
	for start := 0; start <= last; {
		i := bytes.IndexByte(p[start:], '\n')
		end := start + i + 1
		ok := i >= 1 && p[end-2] == '\r'
		if ok && i == 1 {
			// An empty line: canonical if content follows (§3.4.3).
			if held == 0 {
				heldFrom = start
			}
			held++
			start = end
			continue
		}
		if ok && b.relaxed {
			if nextTab < start {
				nextTab = indexFrom(p, start, "\t")
			}
			if nextDbl < start {
				nextDbl = indexFrom(p, start, "  ")
			}
			ok = p[end-3] != ' ' && nextTab >= end && nextDbl >= end
		}
		if ok {
			held = 0
			if b.pending > 0 {
				b.flushPending()
			}
			start = end
			continue
		}
		stop := start
		if held > 0 {
			stop = heldFrom
		}
		b.emit(p[run:stop])
		b.pending += held
		held = 0
		b.line(p[start:end])
		start, run = end, end
	}
	stop := last + 1
	if held > 0 {
		stop = heldFrom
	}
	b.emit(p[run:stop])
	b.pending += held
	if rest := p[last+1:]; len(rest) > 0 {
		b.carry = append(b.carry, rest...)
		if len(b.carry) > maxCarry {
			b.flushCarry()
		}
	}
}

// indexFrom returns the position of the first sep in p at or after
// start, or len(p).
func indexFrom(p []byte, start int, sep string) int {
	var i int
	if len(sep) == 1 {
		i = bytes.IndexByte(p[start:], sep[0])
	} else {
		i = bytes.Index(p[start:], []byte(sep))
	}
	if i < 0 {
		return len(p)
	}
	return start + i
}

// line canonicalizes one whole line, with its LF.
func (b *bodyHasher) line(line []byte) {
	content := line[:len(line)-1]
	b.content(bytes.TrimSuffix(content, []byte("\r")))
}

// content canonicalizes the content of one line, without its line break.
func (b *bodyHasher) content(content []byte) {
	if b.relaxed {
		content = b.reduce(content)
	}
	if b.midLine {
		b.midLine = false
		b.emit(content)
		b.emit(crlfs[:2])
		return
	}
	if len(content) == 0 {
		b.pending++ // maybe a trailing empty line: hold it (§3.4.3, §3.4.4)
		return
	}
	b.flushPending()
	if b.relaxed {
		// content is b.scratch: one write with its line break.
		b.scratch = append(content, '\r', '\n')
		b.emit(b.scratch)
		return
	}
	b.emit(content)
	b.emit(crlfs[:2])
}

// reduce applies relaxed body canonicalization to a line's content:
// whitespace at its end goes, inner runs become one space (§3.4.4).
func (b *bodyHasher) reduce(content []byte) []byte {
	out := b.scratch[:0]
	space := false
	for _, c := range content {
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, c)
	}
	b.scratch = out
	return out
}

// flushCarry emits the part of an over-long partial line that cannot
// change: the line is not empty, so the held empty lines go out first.
// What stays is at most a final CR (which may start a CRLF) and, for
// relaxed, the whitespace run before it, reduced to one space: the carry
// stays bounded whatever the line.
func (b *bodyHasher) flushCarry() {
	c := b.carry
	end := len(c)
	if end > 0 && c[end-1] == '\r' {
		end--
	}
	keep := end
	if b.relaxed {
		for keep > 0 && isWSP(c[keep-1]) {
			keep--
		}
	}
	if keep > 0 {
		head := c[:keep]
		if b.relaxed {
			head = b.reduce(head)
		}
		b.flushPending()
		b.emit(head)
		b.midLine = true
	}
	held := c[keep:]
	if b.relaxed && end-keep > 1 {
		// A whitespace run reduces to one space (§3.4.4).
		c[keep] = ' '
		held = append(c[keep:keep+1], c[end:]...)
	}
	b.carry = append(b.carry[:0], held...)
}

// close ends the body: a final line without a line break is completed,
// trailing empty lines are dropped, and an empty body is a single CRLF
// for simple (§3.4.3) and nothing for relaxed (§3.4.4). It returns the
// canonical length of the whole body, including any part beyond limit.
func (b *bodyHasher) close() int64 {
	if len(b.carry) > 0 || b.midLine {
		// A last line without a line break gets one (§3.4.3, §3.4.4);
		// a CR at its end is content, not half a CRLF.
		b.content(b.carry)
		b.carry = b.carry[:0]
	}
	if b.n == 0 && !b.relaxed {
		b.emit(crlfs[:2])
	}
	return b.n
}
