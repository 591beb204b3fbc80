package authres

import (
	"fmt"
	"strings"
)

// MaxValueBytes bounds the field value Parse accepts.
const MaxValueBytes = 64 << 10

// Parse parses an Authentication-Results field value (the text after the
// colon, folding allowed): authserv-id, an optional version (which must
// be 1, RFC 8601 §2.2), then results or "none". Comments are ignored;
// quoted strings are unquoted. Method, result and property names are
// lower-cased.
func Parse(value string) (Header, error) {
	if len(value) > MaxValueBytes {
		return Header{}, fmt.Errorf("%w: value over %d bytes", ErrSyntax, MaxValueBytes)
	}
	segs, err := split(value)
	if err != nil {
		return Header{}, err
	}
	var h Header
	id := segs[0].words()
	switch {
	case len(id) == 0 || id[0].text == "":
		return Header{}, fmt.Errorf("%w: no authserv-id", ErrSyntax)
	case len(id) == 2 && id[1].text != "1":
		return Header{}, fmt.Errorf("%w: version %s", ErrSyntax, id[1].text)
	case len(id) > 2:
		return Header{}, fmt.Errorf("%w: authserv-id %q", ErrSyntax, segs[0].text)
	}
	h.ServID = id[0].text
	for i, seg := range segs[1:] {
		words := seg.words()
		if len(words) == 0 {
			continue
		}
		if len(words) == 1 && strings.EqualFold(words[0].text, "none") && len(segs) == 2 {
			break // RFC 8601 §2.2 no-result
		}
		r, err := parseResinfo(words)
		if err != nil {
			return Header{}, fmt.Errorf("%w (result %d)", err, i+1)
		}
		h.Results = append(h.Results, r)
	}
	return h, nil
}

// segment is a part of the value between top-level semicolons, with
// comments replaced by spaces and quoted strings marked.
type segment struct {
	text string
	// quotes maps the start offset of each quoted string in text to its
	// unquoted content.
	quotes map[int]string
}

type word struct {
	text   string
	quoted bool
}

// split removes comments and splits value at semicolons outside quoted
// strings and comments.
func split(value string) ([]segment, error) {
	var segs []segment
	var cur strings.Builder
	quotes := map[int]string{}
	depth := 0
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case depth > 0:
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					cur.WriteByte(' ')
				}
			}
		case c == '(':
			depth = 1
		case c == '"':
			start := cur.Len()
			var q strings.Builder
			j := i + 1
			for ; j < len(value) && value[j] != '"'; j++ {
				if value[j] == '\\' && j+1 < len(value) {
					j++
				}
				q.WriteByte(value[j])
			}
			if j >= len(value) {
				return nil, fmt.Errorf("%w: unterminated quoted string", ErrSyntax)
			}
			quotes[start] = q.String()
			cur.WriteByte('"')
			cur.WriteString(strings.Repeat("_", q.Len()))
			cur.WriteByte('"')
			i = j
		case c == ';':
			segs = append(segs, segment{text: cur.String(), quotes: quotes})
			cur.Reset()
			quotes = map[int]string{}
		case c == '\r' || c == '\n' || c == '\t':
			cur.WriteByte(' ')
		default:
			cur.WriteByte(c)
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("%w: unterminated comment", ErrSyntax)
	}
	segs = append(segs, segment{text: cur.String(), quotes: quotes})
	return segs, nil
}

// words splits a segment into key=value words, joining the whitespace
// allowed around '=', '.' and '/', and restoring quoted strings.
func (s segment) words() []word {
	t := s.text
	var out []word
	i := 0
	for i < len(t) {
		for i < len(t) && t[i] == ' ' {
			i++
		}
		if i >= len(t) {
			break
		}
		var b strings.Builder
		quoted := false
		key := true   // no '=' yet: in method/version or ptype.property
		var prev byte // the last character of the word, '"' after a quoted string
		for i < len(t) {
			c := t[i]
			if c == '"' {
				q := s.quotes[i]
				b.WriteString(q)
				quoted = true
				prev = '"'
				i += len(q) + 2
				continue
			}
			if c == ' ' {
				// Whitespace around '=' is inside the word, and so is
				// whitespace around the '.' of ptype.property and the '/'
				// of method/version, which come before the '=' (RFC 8601
				// §2.2); a value ending in '.' (a domain with its root
				// dot) ends the word.
				j := i
				for j < len(t) && t[j] == ' ' {
					j++
				}
				var next byte
				if j < len(t) {
					next = t[j]
				}
				if next == '=' || prev == '=' || key && (next == '.' || next == '/' || prev == '.' || prev == '/') {
					i = j
					continue
				}
				break
			}
			key = key && c != '='
			b.WriteByte(c)
			prev = c
			i++
		}
		out = append(out, word{text: b.String(), quoted: quoted})
	}
	return out
}

// parseResinfo parses method[/version]=result [reason=...] [props].
func parseResinfo(words []word) (Result, error) {
	var r Result
	k, v, ok := strings.Cut(words[0].text, "=")
	if !ok || k == "" || v == "" {
		return r, fmt.Errorf("%w: method %q", ErrSyntax, words[0].text)
	}
	method, _, _ := strings.Cut(k, "/")
	if !keyword(method) || !keyword(v) || words[0].quoted {
		return r, fmt.Errorf("%w: method %q", ErrSyntax, words[0].text)
	}
	r.Method, r.Value = strings.ToLower(method), strings.ToLower(v)
	for _, w := range words[1:] {
		k, v, ok := strings.Cut(w.text, "=")
		if !ok || k == "" {
			return r, fmt.Errorf("%w: property %q", ErrSyntax, w.text)
		}
		if strings.EqualFold(k, "reason") {
			r.Reason = v
			continue
		}
		ptype, prop, ok := strings.Cut(k, ".")
		if !ok || !keyword(ptype) || !keyword(prop) {
			return r, fmt.Errorf("%w: property %q", ErrSyntax, k)
		}
		r.Props = append(r.Props, Prop{Type: strings.ToLower(ptype), Property: strings.ToLower(prop), Value: v})
	}
	return r, nil
}

// keyword reports whether s is a Keyword (RFC 8601 §2.2, RFC 5321
// Ldh-str): letters, digits and hyphens, plus '_' seen in the wild.
func keyword(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
