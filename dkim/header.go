package dkim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
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
func (f Field) Value() string {
	_, v, _ := strings.Cut(f.Raw, ":")
	if strings.Contains(v, "\n") {
		v = strings.NewReplacer("\r\n", "", "\n", "").Replace(v)
	}
	return strings.Trim(v, " \t\r\n")
}

// Header is a message's header block, fields in message order.
type Header []Field

// ReadHeader reads a header block from br, through the empty line that
// ends it (or the end of input: a message may have no body), and leaves
// br at the first byte of the body. It fails with ErrHeaderTooLarge
// when the block exceeds max bytes (if max <= 0, DefaultMaxHeaderBytes).
//
// All fields' Raw strings share one allocation.
func ReadHeader(br *bufio.Reader, max int) (Header, error) {
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	tooLarge := fmt.Errorf("%w: over %d bytes", ErrHeaderTooLarge, max)
	var buf, long []byte
	var ends []int // end offset of each field in buf
	read := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if read+len(long) > max {
					return nil, tooLarge
				}
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		read += len(line)
		if read > max {
			return nil, tooLarge
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		text := bytes.TrimSuffix(line, []byte("\n"))
		text = bytes.TrimSuffix(text, []byte("\r"))
		if len(text) == 0 {
			break // the empty line that ends the header, or the end of input
		}
		buf = append(append(buf, text...), '\r', '\n')
		if isWSP(text[0]) && len(ends) > 0 {
			ends[len(ends)-1] = len(buf) // a continuation line
		} else {
			ends = append(ends, len(buf))
		}
		if err != nil {
			break // io.EOF: a message without a body
		}
	}
	all := string(buf)
	h := make(Header, len(ends))
	prev := 0
	for i, end := range ends {
		raw := all[prev:end]
		name, _, ok := strings.Cut(raw, ":")
		if !ok || strings.ContainsAny(name, "\r\n") {
			name = "" // a line without a colon: nothing to sign or pick
		}
		h[i] = Field{Name: strings.TrimRight(name, " \t"), Raw: raw}
		prev = end
	}
	return h, nil
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

// Tag is one tag=value pair of a tag-list (RFC 6376 §3.2). Value keeps
// its inner folding whitespace; leading and trailing whitespace is
// removed.
type Tag struct {
	Name, Value string
}

// Tags is a parsed tag-list, in order.
type Tags []Tag

// Get returns the value of the tag named name (tag names are case
// sensitive, RFC 6376 §3.2).
func (t Tags) Get(name string) (string, bool) {
	for _, tag := range t {
		if tag.Name == name {
			return tag.Value, true
		}
	}
	return "", false
}

// ParseTags parses a tag-list (RFC 6376 §3.2): tag=value pairs separated
// by semicolons, with optional whitespace around names, the equal sign
// and values. Tag names must be ALPHA *(ALPHA / DIGIT / "_"); a name
// given twice is an error (ErrDuplicateTag). A trailing semicolon and
// empty values are allowed.
func ParseTags(s string) (Tags, error) {
	tags := make(Tags, 0, 12)
	for spec := range strings.SplitSeq(s, ";") {
		if isFWS(spec) {
			continue // empty spec: trailing semicolon
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("%w: tag without '=': %q", ErrSyntax, trimFWS(spec))
		}
		name = trimFWS(name)
		if !validTagName(name) {
			return nil, fmt.Errorf("%w: invalid tag name %q", ErrSyntax, name)
		}
		value = trimFWS(value)
		for i := 0; i < len(value); i++ {
			if c := value[i]; c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
				return nil, fmt.Errorf("%w: control character in tag %s", ErrSyntax, name)
			}
		}
		for _, t := range tags {
			if t.Name == name {
				return nil, fmt.Errorf("%w: %s", ErrDuplicateTag, name)
			}
		}
		tags = append(tags, Tag{Name: name, Value: value})
	}
	return tags, nil
}

func validTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !('0' <= c && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { u := c &^ 0x20; return 'A' <= u && u <= 'Z' }

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

func isFWS(s string) bool { return trimFWS(s) == "" }

func trimFWS(s string) string { return strings.Trim(s, " \t\r\n") }

// stripFWS removes all whitespace from s (base64 values and tag lists
// may be folded anywhere).
func stripFWS(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			b = append(b, c)
		}
	}
	return string(b)
}

// StripSignature returns the header field raw with the value of its b=
// tag removed, whitespace around it included, as it is hashed (RFC 6376
// §3.7). Other tags whose value contains "b=" are left alone.
func StripSignature(raw string) string {
	name, list, ok := strings.Cut(raw, ":")
	if !ok {
		return raw
	}
	off := len(name) + 1
	for {
		end := strings.IndexByte(list, ';')
		spec := list
		if end >= 0 {
			spec = list[:end]
		}
		if n, _, ok := strings.Cut(spec, "="); ok && trimFWS(n) == "b" {
			eq := off + len(n) + 1
			stop := off + len(spec)
			if end < 0 {
				// The last tag: its value runs to the end; keep the
				// field's final line break.
				return raw[:eq] + raw[len(strings.TrimRight(raw, "\r\n")):]
			}
			return raw[:eq] + raw[stop:]
		}
		if end < 0 {
			return raw
		}
		off += end + 1
		list = list[end+1:]
	}
}
