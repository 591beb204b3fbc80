package mime

import (
	"bytes"
	"fmt"
	"strings"

	hdr "github.com/spamkit/spamkit/internal/header"
)

// header holds the MIME fields of one entity header (RFC 2045 §3). Only
// the fields the scan uses are kept, so that a header of a million fields
// costs no memory.
type header struct {
	contentType string   // unfolded value of the first Content-Type
	disposition string   // of the first Content-Disposition
	encoding    string   // of the first Content-Transfer-Encoding
	subject     string   // of the first Subject (RFC 5322 §3.6.5), raw
	nType       int      // number of Content-Type fields
	nEncoding   int      // number of Content-Transfer-Encoding fields
	start       int      // where the first field starts: after a leading mbox From_ line
	cut         []string // names of the fields whose parameters were cut (MaxParamBytes)
	problems    []string
}

// The fields of an entity header the scan keeps, indexes of the values
// parseHeader unfolds.
const (
	fieldType = iota
	fieldDisposition
	fieldEncoding
	fieldSubject
	nFields
)

// parseHeader reads the header of the entity b (RFC 5322 §2.2, RFC 2045
// §3) and returns it with the offset of the body, by the module's one
// rule (package internal/header): the header ends at the first empty
// line; a line that is neither a field nor a continuation ends it too,
// and starts the body (a missing empty line, a problem reported); so
// does the end of b. message is true for a whole message (the scanned
// one, or the body of a message/rfc822 part), whose first line may be an
// mbox "From " line, skipped (RFC 4155); it is false for the body parts
// of a multipart.
func parseHeader(b []byte, message bool) (h header, body int) {
	return parseHeaderMax(b, message, 0)
}

// parseHeaderMax is parseHeader with the parameters of Content-Type and
// Content-Disposition bounded by boundParams(maxParam), if maxParam > 0.
// A value on one line is a slice of b until then: a long field costs one
// copy, of its bounded form (two if folded).
func parseHeaderMax(b []byte, message bool, maxParam int) (h header, body int) {
	var vals [nFields][]byte // unfolded values, appended to: linear in the lines
	var seen [nFields]bool
	cur := -1 // index in vals of the field being unfolded; -1 if not kept
	inField := false
	pos := 0
	defer func() {
		var cut bool
		if h.contentType, cut = boundParams(vals[fieldType], maxParam); cut {
			h.cut = append(h.cut, "Content-Type")
		}
		if h.disposition, cut = boundParams(vals[fieldDisposition], maxParam); cut {
			h.cut = append(h.cut, "Content-Disposition")
		}
		h.encoding = string(vals[fieldEncoding][:min(len(vals[fieldEncoding]), 1<<10)])
		h.subject = string(vals[fieldSubject])
	}()
	for pos < len(b) {
		end := bytes.IndexByte(b[pos:], '\n')
		next := len(b)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(b)
		}
		line := b[pos:end]
		kind, nameEnd, colon := hdr.Classify(line, message && pos == 0, inField)
		switch kind {
		case hdr.FromLine:
			h.start = next
		case hdr.End:
			return h, next
		case hdr.Body:
			// RFC 2046 §5.1.1: a part with no header starts with an
			// empty line; this one starts straight with its body.
			h.problems = append(h.problems, "header ends without an empty line")
			return h, pos
		case hdr.Orphan:
			// A folded line before any field continues nothing: skipped,
			// so that a stray leading space cannot hide the fields below.
			h.problems = append(h.problems, "continuation line without a field above it")
		case hdr.Continuation:
			// RFC 5322 §2.2.3: unfolding.
			if v := bytes.TrimSpace(line); cur >= 0 && len(v) > 0 {
				vals[cur] = append(append(vals[cur], ' '), v...)
			}
		case hdr.Field:
			inField = true
			cur = -1
			// RFC 5322 §4.5.3 (obs-optional): white space may stand
			// between the field name and the colon; Classify allows it.
			name := line[:nameEnd]
			f := -1
			switch {
			case asciiEqualFold(name, "content-type"):
				h.nType++
				f = fieldType
			case asciiEqualFold(name, "content-disposition"):
				f = fieldDisposition
			case asciiEqualFold(name, "subject"):
				f = fieldSubject
			case asciiEqualFold(name, "content-transfer-encoding"):
				h.nEncoding++
				f = fieldEncoding
			}
			// Only the first of each field counts (see walkEntity).
			if f >= 0 && !seen[f] {
				seen[f] = true
				cur = f
				// A slice of b, its capacity cut so that unfolding
				// copies it.
				v := bytes.TrimSpace(line[colon+1:])
				vals[f] = v[:len(v):len(v)]
			}
		}
		pos = next
	}
	return h, len(b)
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// splitter yields the body parts of a multipart body (RFC 2046 §5.1.1)
// one at a time, so that a body of a million parts costs nothing beyond
// the parts read.
type splitter struct {
	b      []byte
	delim  []byte // "--" boundary
	pos    int    // where the next part starts; -1 before the first delimiter
	done   bool
	closed bool // the close delimiter was seen
	// closeLike counts the lines that start with the close delimiter
	// but go on with more than transport padding.
	closeLike int
}

func newSplitter(body []byte, boundary string) *splitter {
	return &splitter{b: body, delim: []byte("--" + boundary), pos: -1}
}

// findDelim finds the next delimiter line at or after from: it starts
// at a line start with "--" boundary, and is followed by "--" (close
// delimiter), then only transport padding (RFC 2046 §5.1.1: linear
// white space) up to the line end. It returns the start of the line,
// where the next part starts, and whether it is the close delimiter.
func (s *splitter) findDelim(from int) (at, next int, isClose, ok bool) {
	for from <= len(s.b) {
		i := bytes.Index(s.b[from:], s.delim)
		if i < 0 {
			return 0, 0, false, false
		}
		at = from + i
		from = at + 1
		if at > 0 && s.b[at-1] != '\n' {
			continue
		}
		p := at + len(s.delim)
		isClose = bytes.HasPrefix(s.b[p:], []byte("--"))
		if isClose {
			p += 2
		}
		for p < len(s.b) && (s.b[p] == ' ' || s.b[p] == '\t') {
			p++
		}
		switch {
		case p == len(s.b):
			return at, p, isClose, true
		case s.b[p] == '\n':
			return at, p + 1, isClose, true
		case s.b[p] == '\r' && (p+1 == len(s.b) || s.b[p+1] == '\n'):
			return at, min(p+2, len(s.b)), isClose, true
		}
		// "--boundaryX": a longer line, not a delimiter. "--boundary--X"
		// is not a close delimiter either (RFC 2046 §5.1.1: only
		// transport padding may follow it), though it ends the
		// multipart for a parser matching prefixes: it is the
		// delimiter of a nested multipart whose boundary extends ours
		// ("b--x" inside "b"), which such a parser would cut short and
		// a strict one (Go's mime/multipart, Thunderbird) would show.
		if isClose {
			s.closeLike++
		}
	}
	return 0, 0, false, false
}

// next returns the offsets in the body of the next part; ok is false
// when there are no more. found is false if the body has no delimiter
// at all.
func (s *splitter) next() (start, end int, ok bool) {
	if s.done {
		return 0, 0, false
	}
	if s.pos < 0 {
		_, nx, isClose, found := s.findDelim(0)
		if !found || isClose {
			s.done = true
			s.closed = isClose
			return 0, 0, false
		}
		s.pos = nx
	}
	at, nx, isClose, found := s.findDelim(s.pos)
	if !found {
		// No close delimiter: the last part runs to the end.
		s.done = true
		return s.pos, len(s.b), true
	}
	start, end = s.pos, at
	// RFC 2046 §5.1.1: the line break before a delimiter belongs to it.
	if end > start && s.b[end-1] == '\n' {
		end--
		if end > start && s.b[end-1] == '\r' {
			end--
		}
	}
	if isClose {
		s.done = true
		s.closed = true
	}
	s.pos = nx
	return start, end, true
}

// base64Table maps a byte to its value in the base64 alphabet (RFC 2045
// §6.8), 0xFE for white space and 0xFF for anything else.
var base64Table = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	for _, c := range []byte(" \t\r\n") {
		t[c] = 0xFE
	}
	return t
}()

// decodeBase64 decodes src into dst (appending), at most limit bytes. It
// is lenient as RFC 2045 §6.8 asks decoders to be: characters outside
// the alphabet are ignored and counted in bad; a padded quantum ends a
// block, and decoding resumes after it (concatenated blocks). full is
// false if limit stopped it.
func decodeBase64(dst, src []byte, limit int64) (out []byte, bad int, full bool) {
	out, bad, _, full = decodeBase64Lines(dst, src, limit)
	return out, bad, full
}

// maxLine is the longest line RFC 5322 §2.1.1 allows, without its CRLF.
const maxLine = 998

// decodeBase64Lines is decodeBase64 that also counts the lines longer
// than maxLine.
func decodeBase64Lines(dst, src []byte, limit int64) (out []byte, bad, long int, full bool) {
	var q uint32
	n := 0       // sextets in q
	lineAt := -1 // index of the last line feed
	defer func() {
		if len(src)-lineAt-1 > maxLine+1 {
			long++
		}
	}()
	for i := 0; i < len(src); i++ {
		// Fast path: four alphabet characters in a row.
		if n == 0 && i+4 <= len(src) {
			a, b, c, d := base64Table[src[i]], base64Table[src[i+1]], base64Table[src[i+2]], base64Table[src[i+3]]
			if a|b|c|d < 64 {
				if int64(len(dst))+3 > limit {
					return dst, bad, long, false
				}
				v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
				dst = append(dst, byte(v>>16), byte(v>>8), byte(v))
				i += 3
				continue
			}
		}
		ch := src[i]
		v := base64Table[ch]
		switch {
		case v < 64:
			q = q<<6 | uint32(v)
			n++
			if n == 4 {
				if int64(len(dst))+3 > limit {
					return dst, bad, long, false
				}
				dst = append(dst, byte(q>>16), byte(q>>8), byte(q))
				q, n = 0, 0
			}
		case v == 0xFE:
			if ch == '\n' {
				if i-lineAt-1 > maxLine+1 {
					long++
				}
				lineAt = i
			}
		case ch == '=':
			// Padding: flush the partial quantum.
			switch n {
			case 1:
				bad++
			case 2:
				if int64(len(dst))+1 > limit {
					return dst, bad, long, false
				}
				dst = append(dst, byte(q>>4))
			case 3:
				if int64(len(dst))+2 > limit {
					return dst, bad, long, false
				}
				dst = append(dst, byte(q>>10), byte(q>>2))
			}
			q, n = 0, 0
		default:
			bad++
		}
	}
	if n != 0 {
		// Unpadded end: decode what there is, report the damage.
		bad++
		switch n {
		case 2:
			if int64(len(dst))+1 <= limit {
				dst = append(dst, byte(q>>4))
			}
		case 3:
			if int64(len(dst))+2 <= limit {
				dst = append(dst, byte(q>>10), byte(q>>2))
			}
		}
	}
	return dst, bad, long, true
}

// decodeBody decodes a body by its Content-Transfer-Encoding (RFC 2045
// §6), at most limit bytes. For identity encodings it returns body
// itself (truncated to limit). problem describes damage found; full is
// false if limit stopped the decoding.
func decodeBody(body []byte, cte string, limit int64) (data []byte, problem string, full bool) {
	switch cte {
	case "", "7bit", "8bit", "binary":
		if int64(len(body)) > limit {
			return body[:limit], "", false
		}
		return body, "", true
	case "base64":
		out, bad, long, full := decodeBase64Lines(make([]byte, 0, min(int64(len(body))/4*3+3, limit)), body, limit)
		if bad > 0 {
			problem = fmt.Sprintf("bad base64: %d characters outside the alphabet or quanta cut short (RFC 2045 §6.8)", bad)
		}
		if long > 0 {
			if problem != "" {
				problem += "; "
			}
			problem += fmt.Sprintf("%d base64 lines longer than %d characters (RFC 5322 §2.1.1; RFC 2045 §6.8 asks for 76)", long, maxLine)
		}
		return out, problem, full
	case "quoted-printable":
		out, bad, full := decodeQP(make([]byte, 0, min(int64(len(body)), limit)), body, limit)
		if bad > 0 {
			problem = fmt.Sprintf("bad quoted-printable: %d \"=\" not followed by two hex digits or a line break (RFC 2045 §6.7)", bad)
		}
		return out, problem, full
	default:
		// RFC 2045 §6.4: an unrecognized encoding is treated as
		// application/octet-stream; we inspect the bytes as they are.
		if int64(len(body)) > limit {
			body = body[:limit]
			return body, "unknown Content-Transfer-Encoding " + fmt.Sprintf("%q", cte), false
		}
		return body, "unknown Content-Transfer-Encoding " + fmt.Sprintf("%q", cte), true
	}
}

// decodeQP decodes quoted-printable (RFC 2045 §6.7) from src, appending
// to dst, at most limit bytes, in one pass whatever the line lengths
// (mime/quotedprintable stops at an escape cut by its 4 KiB line
// buffer). It is lenient as §6.7 asks: an "=" not followed by two hex
// digits or a line break is kept as it is and counted in bad; white
// space at the end of a line is dropped (rule 3).
func decodeQP(dst, src []byte, limit int64) (out []byte, bad int, full bool) {
	lineStart := len(dst)
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '=':
			// Soft line break: "=", optional white space, line end.
			j := i + 1
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			if j == len(src) {
				i = j
				continue
			}
			if src[j] == '\n' || (src[j] == '\r' && j+1 < len(src) && src[j+1] == '\n') {
				if src[j] == '\r' {
					j++
				}
				i = j
				lineStart = len(dst)
				continue
			}
			if i+2 < len(src) && unhex(src[i+1]) < 16 && unhex(src[i+2]) < 16 {
				c = unhex(src[i+1])<<4 | unhex(src[i+2])
				i += 2
			} else {
				bad++
			}
		case c == '\r' || c == '\n':
			// Rule 3: trailing white space is not part of the data.
			for len(dst) > lineStart && (dst[len(dst)-1] == ' ' || dst[len(dst)-1] == '\t') {
				dst = dst[:len(dst)-1]
			}
			if int64(len(dst)) >= limit {
				return dst, bad, false
			}
			dst = append(dst, c)
			if c == '\n' {
				lineStart = len(dst)
			}
			continue
		}
		if int64(len(dst)) >= limit {
			return dst, bad, false
		}
		dst = append(dst, c)
	}
	return dst, bad, true
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 255
}

// hasCRLF reports whether the message's first line ends in CRLF.
func hasCRLF(msg []byte) bool {
	i := bytes.IndexByte(msg, '\n')
	return i <= 0 || msg[i-1] == '\r'
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// boundParams returns the header value v (a Content-Type or
// Content-Disposition) with each parameter (and the media type) longer
// than max bytes cut to its first and last max/2 bytes, and, past 8*max
// bytes in all, the parameters in the middle dropped: the first and the
// last 4*max bytes of parameters are kept, so that a name padded with
// parameters before or after it is still seen. cut reports either. A
// quoted value keeps its quotes, being at its ends. max <= 0 means no
// bound.
func boundParams(v []byte, max int) (s string, cut bool) {
	if max <= 0 || len(v) <= max {
		return string(v), false
	}
	out := make([]byte, 0, min(len(v), 9*max))
	first := true
	add := func(seg []byte) {
		if !first {
			out = append(out, ';')
		}
		first = false
		if len(seg) > max {
			out = append(append(out, seg[:max/2]...), seg[len(seg)-max/2:]...)
			cut = true
			return
		}
		out = append(out, seg...)
	}
	// The tail: the starts of the last segments, from q[qi], whose bounded
	// lengths sum to tailLen.
	var q []int
	qi, tailLen := 0, 0
	segEnd := func(k int) int {
		if k+1 < len(q) {
			return q[k+1] - 1
		}
		return len(v)
	}
	quoted, start := false, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) {
			switch v[i] {
			case '\\':
				if i+1 < len(v) {
					i++
				}
				continue
			case '"':
				quoted = !quoted
				continue
			case ';':
				if quoted {
					continue
				}
			default:
				continue
			}
		}
		if len(out) < 4*max && len(q) == 0 {
			add(v[start:i])
		} else {
			q = append(q, start)
			tailLen += min(i-start, max) + 1
			for tailLen > 4*max && qi < len(q)-1 {
				tailLen -= min(segEnd(qi)-q[qi], max) + 1
				qi++
				cut = true
			}
			if qi > 1024 && qi > len(q)/2 {
				q = q[:copy(q, q[qi:])]
				qi = 0
			}
		}
		start = i + 1
	}
	for k := qi; k < len(q); k++ {
		add(v[q[k]:segEnd(k)])
	}
	return string(out), cut
}
