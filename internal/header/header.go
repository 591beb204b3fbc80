// Package header is the one rule, shared by every spamkit package that
// reads a message, for where a message's header block begins and ends and
// what each of its lines is (RFC 5322 §2.2, §2.2.3).
//
// The rule, stated once so that dkim, mime, spf, rbl and the examples
// agree on what the header of a message is:
//
//   - The first line of the input may be an mbox separator, "From " (five
//     octets, case as written) followed by anything that does not make it
//     a From field ("From : a@b" is the field): it is skipped, being
//     neither a header field nor body (mbox files and many corpora start
//     every message so; RFC 4155). Only the first line is looked at.
//   - A line "name: value", where name is one or more printable US-ASCII
//     octets other than ':' (optionally followed by spaces or tabs before
//     the colon, RFC 5322 §4.5.3 obs-optional), starts a field, provided
//     the colon is within the first MaxNameBytes octets of the line (RFC
//     5322 §2.1.1 limits a line to 998 octets), so that a reader holding
//     a bounded prefix of a line (dkim.ReadHeader) classifies it as every
//     other reader does.
//   - A line whose first MaxNameBytes octets are all name octets, with no
//     colon among them, is a field name too long for any line: it is
//     skipped as malformed and the header goes on, as for a folded line
//     before any field, so that a long junk name cannot turn the fields
//     below it (a From, a part's Content-Type) into body text for some
//     readers while others take them as fields.
//   - A line starting with a space or a tab continues the field above it
//     (folding, RFC 5322 §2.2.3). Before any field it continues nothing:
//     it is skipped as malformed and the header goes on (as Python's email
//     package does), so that a stray leading space cannot turn the header
//     of a part, and the attachment it names, into body text.
//   - The empty line ends the header; the body starts after it.
//   - Any other line (text without a colon, a name with control or
//     non-ASCII octets or inner white space)
//     ends the header without an empty line: that line is the first line
//     of the body, as Postfix's cleanup(8) and most mail readers treat it.
//     Readers report this as malformed where they report problems.
//   - The end of the input ends the header: a message may have no body.
//
// Line ends are LF or CRLF; a CR before the LF belongs to the line end.
package header

import "bytes"

// MaxNameBytes bounds where the colon of a field may be: a line whose
// first colon is not within its first MaxNameBytes octets is not a field
// (RFC 5322 §2.1.1 limits a line to 998 octets). A reader needs no more
// than this prefix of a line to classify it.
const MaxNameBytes = 998

// Kind is what one line of a header block is.
type Kind int

const (
	// Field is a line that starts a header field.
	Field Kind = iota
	// Continuation is a folded line continuing the field above it.
	Continuation
	// End is the empty line that ends the header; the body follows it.
	End
	// Body is a line that is not part of the header: the header ended
	// without an empty line, and this line is the first of the body.
	Body
	// FromLine is a leading mbox "From " separator, skipped.
	FromLine
	// Orphan is a folded line (starting with white space) before any
	// field, which continues nothing, or a line starting with a field
	// name longer than MaxNameBytes allows. It is skipped, and readers
	// that report problems report it as malformed; the header goes on
	// after it.
	Orphan
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Field:
		return "field"
	case Continuation:
		return "continuation"
	case End:
		return "end"
	case Body:
		return "body"
	case FromLine:
		return "from-line"
	case Orphan:
		return "orphan"
	}
	return "unknown"
}

// Classify reports what line is. line is one line without its line end
// (a trailing CR is ignored). first is true for the first line of the
// input; inField is true when a field has started above (so a folded line
// continues it). For a Field, nameEnd is the length of the field name
// (without white space before the colon) and colon the offset of the
// colon; both are 0 otherwise.
func Classify(line []byte, first, inField bool) (k Kind, nameEnd, colon int) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return End, 0, 0
	}
	if line[0] == ' ' || line[0] == '\t' {
		if inField {
			return Continuation, 0, 0
		}
		return Orphan, 0, 0
	}
	if nameEnd, colon, ok := fieldName(line); ok {
		// Checked before the From_ line: "From : a@b" (white space before
		// the colon, RFC 5322 §4.5.3) is the From field, not a separator
		// to skip: skipping it would hide the author from DMARC.
		return Field, nameEnd, colon
	}
	if first && bytes.HasPrefix(line, []byte("From ")) {
		return FromLine, 0, 0
	}
	if longName(line) {
		return Orphan, 0, 0
	}
	return Body, 0, 0
}

// longName reports whether line starts with MaxNameBytes name octets
// (printable US-ASCII but the colon), a field name no line can hold.
func longName(line []byte) bool {
	if len(line) < MaxNameBytes {
		return false
	}
	for _, c := range line[:MaxNameBytes] {
		if c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// fieldName reports whether line starts a field, with the end of its name
// and the offset of the colon.
func fieldName(line []byte) (nameEnd, colon int, ok bool) {
	colon = bytes.IndexByte(line[:min(len(line), MaxNameBytes)], ':')
	if colon <= 0 {
		return 0, 0, false
	}
	nameEnd = colon
	for nameEnd > 0 && (line[nameEnd-1] == ' ' || line[nameEnd-1] == '\t') {
		nameEnd--
	}
	if nameEnd == 0 {
		return 0, 0, false
	}
	for _, c := range line[:nameEnd] {
		if c <= ' ' || c > '~' {
			return 0, 0, false
		}
	}
	return nameEnd, colon, true
}

// Split returns the offset in msg where the header ends and the body
// begins, by the rule of the package: after the empty line, at the first
// line that is not header, or len(msg). start is where the header's first
// field begins (after a leading mbox From_ line, if any). malformed
// reports that the header ended without an empty line before a body line.
func Split(msg []byte) (start, body int, malformed bool) {
	pos := 0
	inField := false
	for pos < len(msg) {
		end := bytes.IndexByte(msg[pos:], '\n')
		next := len(msg)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(msg)
		}
		k, _, _ := Classify(msg[pos:end], pos == 0, inField)
		switch k {
		case FromLine:
			start = next
		case End:
			return start, next, false
		case Body:
			return start, pos, true
		default:
			inField = true
		}
		pos = next
	}
	return start, len(msg), false
}
