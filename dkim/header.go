package dkim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spamkit/spamkit/internal/header"
)

// DefaultMaxHeaderBytes is the default bound on a message's header block.
const DefaultMaxHeaderBytes = 256 << 10

// Field is one header field as it appears in the message: Raw holds the
// name, the colon, the value with its folding, and the final CRLF. Line
// endings are normalized to CRLF when the header is read (a bare LF ends
// a line, as in mail stored on Unix systems).
type Field struct {
	Name string // the field name as written, without trailing whitespace
	Raw  string // the whole field, CRLF-terminated
}

// Value returns the field's unfolded value: the text after the colon,
// folding line breaks removed, leading and trailing whitespace trimmed.
// It costs one pass and one allocation (none for an unfolded field).
func (f Field) Value() string {
	_, v, _ := strings.Cut(f.Raw, ":")
	v = strings.Trim(v, " \t\r\n")
	if !strings.Contains(v, "\n") {
		return v
	}
	// v starts and ends with neither white space nor a line break:
	// removing its inner line breaks leaves it trimmed.
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\n':
		case v[i] == '\r' && i+1 < len(v) && v[i+1] == '\n':
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// Header is a message's header block, fields in message order.
type Header []Field

// ReadHeader reads a message's header block from br. It returns the
// fields and n, the number of bytes consumed from br: the body is what
// br reads next, and it starts at offset n of br's input.
//
// Where the header ends is the module's one rule (package
// internal/header): a leading mbox "From " line is skipped (RFC 4155);
// the header ends after the empty line, or at the end of input (a
// message may have no body), or before the first line that is neither a
// field nor a folded continuation (RFC 5322 §2.2), which is left unread
// in br: it is the first line of the body, and hashed as such. It fails
// with ErrHeaderTooLarge when the header takes more than max bytes (if
// max <= 0, DefaultMaxHeaderBytes).
//
// A line is classified by its first 998 octets (RFC 5322 §2.1.1): a
// field's colon must be among them, and a line starting with 998 octets
// of a field name and no colon is skipped as malformed, the header going
// on. With a buffer (br.Size()) at least that large, ReadHeader ends the
// header where every other reader of the module does; with a smaller
// one, a line with no colon in the buffer's worth is taken as the first
// line of the body.
//
// All fields' Raw strings share one allocation.
func ReadHeader(br *bufio.Reader, max int) (Header, int64, error) {
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	tooLarge := fmt.Errorf("%w: over %d bytes", ErrHeaderTooLarge, max)
	var buf []byte
	var ends []int // end offset of each field in buf
	var n int64
	first, inField := true, false
	for {
		line, complete, err := peekLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, n, err
		}
		if len(line) == 0 {
			break // the end of input ends the header
		}
		text := bytes.TrimSuffix(line, []byte("\n"))
		kind, _, _ := header.Classify(text, first, inField)
		first = false
		if kind == header.Body {
			break // not header: left in br as the first body line
		}
		consumed := len(line)
		if !complete {
			// A line longer than br's buffer: read it whole, within max.
			long := append([]byte(nil), line...)
			br.Discard(len(line))
			for {
				if n+int64(len(long)) > int64(max) {
					return nil, n, tooLarge
				}
				more, err := br.ReadSlice('\n')
				long = append(long, more...)
				if err == nil || errors.Is(err, io.EOF) {
					break
				}
				if !errors.Is(err, bufio.ErrBufferFull) {
					return nil, n, err
				}
			}
			line, consumed = long, 0
		}
		n += int64(len(line))
		if n > int64(max) {
			return nil, n, tooLarge
		}
		text = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		switch kind {
		case header.Field:
			buf = append(append(buf, text...), '\r', '\n')
			ends = append(ends, len(buf))
			inField = true
		case header.Continuation:
			buf = append(append(buf, text...), '\r', '\n')
			ends[len(ends)-1] = len(buf)
		}
		br.Discard(consumed) // line was peeked: consume it now it is copied
		if kind == header.End {
			break // the empty line: the body follows
		}
	}
	all := string(buf)
	h := make(Header, len(ends))
	prev := 0
	for i, end := range ends {
		raw := all[prev:end]
		name, _, _ := strings.Cut(raw, ":")
		h[i] = Field{Name: strings.TrimRight(name, " \t"), Raw: raw}
		prev = end
	}
	return h, n, nil
}

// peekLine returns the next line of br without consuming it: up to and
// including its LF, or what is left at the end of input (with io.EOF),
// or, for a line longer than br's buffer, the buffer's worth (complete
// false). Another error is returned with what was buffered.
func peekLine(br *bufio.Reader) (line []byte, complete bool, err error) {
	scanned := 0
	for {
		n := br.Buffered()
		p, _ := br.Peek(n)
		if i := bytes.IndexByte(p[scanned:], '\n'); i >= 0 {
			return p[:scanned+i+1], true, nil
		}
		scanned = n
		if n == br.Size() {
			return p, false, nil
		}
		if _, err := br.Peek(n + 1); err != nil {
			p, _ = br.Peek(br.Buffered())
			return p, errors.Is(err, io.EOF), err
		}
	}
}

// picker selects header fields for an h= list: each name takes the last
// instance not yet taken, going up the header (RFC 6376 §5.4.2). The
// fields are indexed by name once, so an h= list costs time linear in
// its length and the header's, however they repeat names.
type picker struct {
	h     Header
	index map[string][]int // lower-case name: field positions, top down
	taken map[string]int   // lower-case name: instances taken so far
}

func newPicker(h Header) picker {
	p := picker{h: h, index: make(map[string][]int), taken: make(map[string]int)}
	for i, f := range h {
		name := strings.ToLower(f.Name)
		p.index[name] = append(p.index[name], i)
	}
	return p
}

// pick returns the next field named name from the bottom, or false when
// none is left (a name listed more often than it occurs contributes
// nothing, RFC 6376 §5.4).
func (p *picker) pick(name string) (Field, bool) {
	name = strings.ToLower(name)
	idx := p.index[name]
	n := p.taken[name]
	if n >= len(idx) {
		return Field{}, false
	}
	p.taken[name] = n + 1
	return p.h[idx[len(idx)-1-n]], true
}

// UnsignedFields returns, in lower case and in the order of names, each
// field name listed in names (a signature's h=) of which h has more
// instances than names lists: instances a signature over names does not
// cover, since it takes them from the bottom (RFC 6376 §5.4.2). Names
// compare without case. It costs time linear in len(h) + len(names).
func UnsignedFields(h Header, names []string) []string {
	if len(names) == 0 {
		return nil
	}
	signed := make(map[string]int, len(names))
	var order []string
	longest := 0
	for _, n := range names {
		n = strings.ToLower(n)
		longest = max(longest, len(n))
		if signed[n] == 0 {
			order = append(order, n)
		}
		signed[n]++
	}
	present := make(map[string]int, len(order))
	for _, f := range h {
		if len(f.Name) > longest {
			continue // no need to lower-case it
		}
		n := strings.ToLower(f.Name)
		if _, ok := signed[n]; ok {
			present[n]++
		}
	}
	var out []string
	for _, n := range order {
		if present[n] > signed[n] {
			out = append(out, n)
		}
	}
	return out
}

// HeaderBuilder builds a Header from fields given one at a time as a
// name and a value, as a milter's header callback (SMFIC_HEADER) gives
// them, rebuilding each field as it was in the message so that
// signatures over it verify. The value is what followed the colon, with
// the conventions of the MTAs:
//
//   - Sendmail and Postfix remove one space (not a tab) after the colon
//     unless the milter negotiated SMFIP_HDR_LEADSPC. Set LeadingSpace
//     when it did: each value is then taken as given. Otherwise one space
//     is put back after the colon, so a field written without one
//     ("Subject:x") is rebuilt with it: a signature with simple header
//     canonicalization over such a field does not verify (relaxed does),
//     as with every milter that cannot negotiate SMFIP_HDR_LEADSPC.
//   - White space between the name and the colon (RFC 5322 §4.5.3
//     obs-optional) is not passed on by the milter protocol and cannot
//     be rebuilt.
//   - Folded lines arrive separated by LF (Sendmail, Postfix) or CRLF;
//     both are rebuilt as CRLF.
//
// The zero value is ready to use (Postfix's default convention). A
// HeaderBuilder is not safe for concurrent use.
type HeaderBuilder struct {
	// LeadingSpace reports that values start with the white space that
	// followed the colon (SMFIP_HDR_LEADSPC was negotiated).
	LeadingSpace bool
	// MaxHeaderBytes bounds the header built; Add fails with
	// ErrHeaderTooLarge beyond it. If zero, DefaultMaxHeaderBytes.
	MaxHeaderBytes int

	h Header
	n int
}

// Add appends the field name: value. It fails, adding nothing, when name
// is not a field name (ErrFieldName), when value is not one field body
// (ErrFieldValue: a line break not followed by white space, a NUL, a
// lone CR; a final line break is dropped), or when the field would take the
// header over MaxHeaderBytes (ErrHeaderTooLarge). A header over the
// limit is a verdict, not a reason to skip verification: report it with
// HeaderTooLarge(err), the Outcome Verify gives such a message.
func (b *HeaderBuilder) Add(name, value string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrFieldName)
	}
	if len(name) >= 998 {
		// RFC 5322 §2.1.1: the colon must be within a line's 998 octets,
		// or ReadHeader (and every reader of the module) skips the line.
		return fmt.Errorf("%w: %d octets", ErrFieldName, len(name))
	}
	for i := 0; i < len(name); i++ {
		// RFC 5322 §2.2: printable US-ASCII other than the colon.
		if c := name[i]; c <= ' ' || c > '~' || c == ':' {
			return fmt.Errorf("%w: %q", ErrFieldName, name)
		}
	}
	value = strings.TrimRight(value, "\r\n")
	if err := checkValue(value); err != nil {
		return err
	}
	if strings.Contains(value, "\n") {
		value = strings.ReplaceAll(strings.ReplaceAll(value, "\r\n", "\n"), "\n", "\r\n")
	}
	sp := " "
	if b.LeadingSpace {
		sp = ""
	}
	raw := name + ":" + sp + value + "\r\n"
	max := b.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	if b.n+len(raw) > max {
		return fmt.Errorf("%w: over %d bytes", ErrHeaderTooLarge, max)
	}
	b.n += len(raw)
	b.h = append(b.h, Field{Name: name, Raw: raw})
	return nil
}

// checkValue reports whether v, a field value without its final line
// break, is one field body (RFC 5322 §2.2, §2.2.3): every line break (LF
// or CRLF, as milters pass them) is followed by white space, and there is
// no NUL and no CR outside a CRLF.
func checkValue(v string) error {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case 0:
			return fmt.Errorf("%w: NUL at offset %d", ErrFieldValue, i)
		case '\r':
			if i+1 >= len(v) || v[i+1] != '\n' {
				return fmt.Errorf("%w: CR without LF at offset %d", ErrFieldValue, i)
			}
		case '\n':
			if i+1 >= len(v) || (v[i+1] != ' ' && v[i+1] != '\t') {
				return fmt.Errorf("%w: line break not followed by white space at offset %d", ErrFieldValue, i)
			}
		}
	}
	return nil
}

// Header returns the fields added so far, in order.
func (b *HeaderBuilder) Header() Header { return b.h }
