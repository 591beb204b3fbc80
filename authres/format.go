package authres

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of what a rendered field carries. Longer text is cut when
// rendered (and reported by Validate); the field stays well under the
// 998-octet line limit of RFC 5322 §2.1.1.
const (
	// MaxReasonBytes bounds a reason= text; a longer one is cut at a
	// character boundary and ends in "...".
	MaxReasonBytes = 200
	// MaxPropBytes bounds a property value and the authserv-id; a
	// longer one is cut at a character boundary (a cut header.b is still
	// a prefix of the signature, RFC 6008 §4; a valid address or domain
	// is never that long, RFC 5321 §4.5.3.1).
	MaxPropBytes = 256
)

// maxKeywordBytes bounds a method, result or property name; registered
// ones are far shorter.
const maxKeywordBytes = 64

// maxLine is the longest line Field writes (RFC 5322 §2.1.1).
const maxLine = 998

// String renders the result, e.g. `dkim=pass header.d=example.com`.
//
// Whatever the Result holds, the text is one valid resinfo that parses
// back as this one result (RFC 8601 §2.2): a method, result or property
// name that is no keyword has every other octet replaced by '-' ("" by
// "unknown"); in reason= and property values, control characters (CR
// and LF included) become spaces and invalid UTF-8 U+FFFD; a value that
// is neither a token nor an address is a quoted-string with '"' and '\'
// escaped; reason= is cut at MaxReasonBytes and values at MaxPropBytes.
// Properties with an empty value are left out. Validate reports what
// String would change.
func (r Result) String() string {
	var b strings.Builder
	for i, w := range r.words() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// words returns the words of the rendered result: method=value, reason=,
// then the properties.
func (r Result) words() []string {
	words := make([]string, 0, 2+len(r.Props))
	words = append(words, safeKeyword(r.Method)+"="+safeKeyword(r.Value))
	if reason := safeText(r.Reason, MaxReasonBytes, "..."); reason != "" {
		words = append(words, "reason="+quote(reason, false))
	}
	for _, p := range r.Props {
		v := safeText(p.Value, MaxPropBytes, "")
		if v == "" {
			continue
		}
		words = append(words, safeKeyword(p.Type)+"."+safeKeyword(p.Property)+"="+quote(v, true))
	}
	return words
}

// String renders the field value, unfolded, e.g. `mx.example.org;
// spf=pass smtp.mailfrom=example.com`, with "none" when there are no
// results. It holds no CR or LF whatever the Header holds (see
// Result.String).
func (h Header) String() string {
	var b strings.Builder
	b.WriteString(h.servID())
	if len(h.Results) == 0 {
		b.WriteString("; none")
	}
	for _, r := range h.Results {
		b.WriteString("; ")
		b.WriteString(r.String())
	}
	return b.String()
}

// Field renders the whole header field, ending in CRLF: one result per
// line, and a long result folded between its properties so that no line
// exceeds 998 octets (RFC 5322 §2.1.1, §2.2.3). Whatever the Header
// holds, the text is this one field (see Result.String).
func (h Header) Field() string {
	var b strings.Builder
	b.WriteString("Authentication-Results: ")
	b.WriteString(h.servID())
	if len(h.Results) == 0 {
		b.WriteString("; none\r\n")
		return b.String()
	}
	for i, r := range h.Results {
		b.WriteString(";\r\n\t")
		line := 1
		for j, w := range r.words() {
			if j > 0 {
				if line+1+len(w) > maxLine {
					b.WriteString("\r\n\t")
					line = 1
				} else {
					b.WriteByte(' ')
					line++
				}
			}
			b.WriteString(w)
			line += len(w)
		}
		if i == len(h.Results)-1 {
			b.WriteString("\r\n")
		}
	}
	return b.String()
}

func (h Header) servID() string { return quote(safeText(h.ServID, MaxPropBytes, ""), true) }

// safeKeyword returns s as a keyword (RFC 8601 §2.2: letters, digits,
// '-', and the '_' seen in the wild), every other octet replaced by '-',
// "" by "unknown", cut at maxKeywordBytes.
func safeKeyword(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > maxKeywordBytes {
		s = s[:maxKeywordBytes]
	}
	if keyword(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if !isAlnum(c) && c != '-' && c != '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

// safeText returns s with control characters (C0, DEL, C1, and the
// Unicode line and paragraph separators) replaced by spaces and invalid
// UTF-8 by U+FFFD, cut at a character boundary to at most max octets,
// ending in ellipsis if cut.
func safeText(s string, max int, ellipsis string) string {
	if len(s) <= max && cleanText(s) {
		return s
	}
	if len(s) > max+utf8.UTFMax {
		// Sanitising never shortens text, so what lies past this point
		// is cut anyway; a character split here starts past max.
		s = s[:max+utf8.UTFMax]
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case controlRune(r):
			b.WriteByte(' ')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + ellipsis
}

// cleanText reports whether s is valid UTF-8 without control characters.
func cleanText(s string) bool {
	for _, r := range s {
		if controlRune(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// controlRune reports whether r may not appear as it is in header text:
// a control character (C0, DEL, C1) or a line or paragraph separator.
func controlRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// quote returns v as a token (RFC 2045 §5.1) if it is one, or, for a
// property value, as an address or domain (RFC 8601 §2.2 pvalue,
// [ [ local-part ] "@" ] domain-name) if it is one; otherwise as a
// quoted-string (RFC 5322 §3.2.4) with '"' and '\' escaped. v holds no
// control characters (safeText).
func quote(v string, pvalue bool) string {
	if token(v) || pvalue && addressLike(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}

// token reports whether v is an RFC 2045 token: ASCII without space,
// controls and tspecials.
func token(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// addressLike reports whether v is local-part@domain or @domain, the
// local-part a token and the domain letters, digits, '-' and '_' in
// non-empty labels, with an optional final dot.
func addressLike(v string) bool {
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local != "" && !token(local) {
		return false
	}
	domain = strings.TrimSuffix(domain, ".")
	if domain == "" {
		return false
	}
	for label := range strings.SplitSeq(domain, ".") {
		if !keyword(label) {
			return false
		}
	}
	return true
}

// Validate reports, as an error wrapping ErrSyntax, the first thing in r
// that String cannot render as it is: a method, result or property name
// that is no keyword, text with control characters or invalid UTF-8, a
// reason over MaxReasonBytes or a property value over MaxPropBytes.
func (r Result) Validate() error {
	if err := validKeyword("method", r.Method); err != nil {
		return err
	}
	if err := validKeyword("result", r.Value); err != nil {
		return err
	}
	if err := validText("reason", r.Reason, MaxReasonBytes); err != nil {
		return err
	}
	for _, p := range r.Props {
		if err := validKeyword("property type", p.Type); err != nil {
			return err
		}
		if err := validKeyword("property", p.Property); err != nil {
			return err
		}
		if err := validText(p.Type+"."+p.Property, p.Value, MaxPropBytes); err != nil {
			return err
		}
	}
	return nil
}

// Validate reports, as an error wrapping ErrSyntax, the first thing in h
// that String or Field cannot render as it is: an empty authserv-id, or
// one Result.Validate rejects.
func (h Header) Validate() error {
	if h.ServID == "" {
		return fmt.Errorf("%w: empty authserv-id", ErrSyntax)
	}
	if err := validText("authserv-id", h.ServID, MaxPropBytes); err != nil {
		return err
	}
	for i, r := range h.Results {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("%w (result %d)", err, i+1)
		}
	}
	return nil
}

func validKeyword(what, s string) error {
	if !keyword(s) || len(s) > maxKeywordBytes {
		return fmt.Errorf("%w: %s %q is no keyword", ErrSyntax, what, s)
	}
	return nil
}

func validText(what, s string, max int) error {
	if !cleanText(s) {
		return fmt.Errorf("%w: %s %q holds a control character or invalid UTF-8", ErrSyntax, what, s)
	}
	if len(s) > max {
		return fmt.Errorf("%w: %s of %d bytes, over %d", ErrSyntax, what, len(s), max)
	}
	return nil
}
