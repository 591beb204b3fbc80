package mime

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"strconv"
)

// Files carried in the text of a body rather than as MIME parts, as
// mail and news clients wrote them before MIME and as Outlook Express,
// Thunderbird and newsreaders still show them: uuencode (POSIX.1-2008
// uuencode, "begin 644 name" ... "end"), its base64 variant
// ("begin-base64 644 name" ... "===="), and yEnc (yEnc 1.3, "=ybegin"
// ... "=yend"). Each block found in a text part is decoded under the
// limits and inspected as a nested part, named like an archive entry.

// Formats of a textBlock.
const (
	formatUU     = "uuencode"
	formatBase64 = "begin-base64"
	formatYEnc   = "yEnc"
)

// textBlock is one encoded file found in a text.
type textBlock struct {
	format    string
	name      string
	body, end int  // data lines [body, end) of the text
	next      int  // offset after the block (after its end line, if any)
	closed    bool // the end line was found
	size      int64
	crc       uint32 // yEnc: the =yend crc32 (or pcrc32 of a part)
	hasSize   bool
	hasCRC    bool
	multipart bool // yEnc: one part of a file split over messages
}

// line returns the line of text starting at off, without its line end,
// and the offset of the next line.
func line(text []byte, off int) ([]byte, int) {
	i := bytes.IndexByte(text[off:], '\n')
	if i < 0 {
		return trimCR(text[off:]), len(text)
	}
	return trimCR(text[off : off+i]), off + i + 1
}

func trimCR(l []byte) []byte {
	if len(l) > 0 && l[len(l)-1] == '\r' {
		return l[:len(l)-1]
	}
	return l
}

// findBlock returns the first encoded file in text at or after off whose
// begin line starts a line.
func findBlock(text []byte, off int) (textBlock, bool) {
	for off < len(text) {
		i := bytes.Index(text[off:], []byte("begin"))
		if i < 0 {
			return textBlock{}, false
		}
		i += off
		off = i + 5
		switch {
		case i >= 2 && string(text[i-2:i]) == "=y" && (i == 2 || text[i-3] == '\n'):
			if b, ok := yencBlock(text, i-2); ok {
				return b, true
			}
		case i == 0 || text[i-1] == '\n':
			if b, ok := uuBlock(text, i); ok {
				return b, true
			}
		}
	}
	return textBlock{}, false
}

// uuBlock reads a uuencode or begin-base64 block whose begin line is at
// off: "begin" or "begin-base64", the octal mode, a space, the name.
// The first data line must be valid, else prose such as "begin 100
// days" would start a block.
func uuBlock(text []byte, off int) (textBlock, bool) {
	l, next := line(text, off)
	b := textBlock{format: formatUU}
	rest := l[len("begin"):]
	if bytes.HasPrefix(rest, []byte("-base64")) {
		b.format, rest = formatBase64, rest[len("-base64"):]
	}
	if len(rest) < 2 || rest[0] != ' ' {
		return b, false
	}
	rest = rest[1:]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '7' {
		n++
	}
	if n == 0 || n > 4 || n >= len(rest) || rest[n] != ' ' {
		return b, false
	}
	name := bytes.TrimRight(rest[n+1:], " \t")
	if len(name) == 0 {
		return b, false
	}
	b.name = blockName(name)
	b.body = next
	first := true
	for off = next; off < len(text); {
		l, next := line(text, off)
		if b.format == formatBase64 {
			if string(bytes.TrimRight(l, " \t")) == "====" {
				b.end, b.next, b.closed = off, next, true
				return b, true
			}
			if first && !base64Line(l) {
				return b, false
			}
		} else {
			if string(bytes.TrimRight(l, " \t")) == "end" {
				b.end, b.next, b.closed = off, next, true
				return b, !first
			}
			if !uuLine(l) {
				if first {
					return b, false
				}
				break
			}
		}
		first = false
		off = next
	}
	b.end, b.next = off, off
	return b, !first
}

// uuLine reports whether l is a uuencoded line: a length character,
// then characters of the uuencode alphabet (0x20 to 0x60), enough for
// the length. Trailing spaces (zeros) may have been stripped on the way.
func uuLine(l []byte) bool {
	if len(l) == 0 {
		return false
	}
	for _, c := range l {
		if c < 0x20 || c > 0x60 {
			return false
		}
	}
	n := int(l[0]-0x20) & 0x3f
	return n <= 45 && (n == 0 || len(l) > 1+(n-1)/3*4)
}

// base64Line reports whether l holds base64 alphabet characters only.
func base64Line(l []byte) bool {
	if len(l) == 0 {
		return false
	}
	for _, c := range l {
		if base64Table[c] >= 64 && c != '=' {
			return false
		}
	}
	return true
}

// yencBlock reads a yEnc block whose =ybegin line is at off (yEnc 1.3:
// "=ybegin [part=n total=n] line=n size=n name=...", name last, then
// "=ypart begin=n end=n" in multipart files, the data, "=yend size=n
// [part=n pcrc32=x] [crc32=x]").
func yencBlock(text []byte, off int) (textBlock, bool) {
	l, next := line(text, off)
	b := textBlock{format: formatYEnc}
	i := bytes.Index(l, []byte(" name="))
	if len(l) < 8 || l[7] != ' ' || i < 0 {
		return b, false
	}
	b.name = blockName(bytes.TrimSpace(l[i+len(" name="):]))
	if b.name == "" {
		return b, false
	}
	if _, ok := yencField(l[:i], "part"); ok {
		b.multipart = true
	}
	if next < len(text) {
		if l, n := line(text, next); bytes.HasPrefix(l, []byte("=ypart ")) {
			next = n
		}
	}
	b.body = next
	for off = next; off < len(text); {
		l, next := line(text, off)
		if bytes.HasPrefix(l, []byte("=yend")) {
			b.end, b.next, b.closed = off, next, true
			if v, ok := yencField(l, "size"); ok {
				if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
					b.size, b.hasSize = n, true
				}
			}
			key := "crc32"
			if b.multipart {
				key = "pcrc32"
			}
			if v, ok := yencField(l, key); ok {
				if n, err := strconv.ParseUint(string(v), 16, 32); err == nil {
					b.crc, b.hasCRC = uint32(n), true
				}
			}
			return b, true
		}
		off = next
	}
	b.end, b.next = off, off
	return b, true
}

// blockName returns the name of a begin line, its beginning and its
// end (where the extension is) if it is longer than maxTNEFName, so
// that a line of megabytes is not copied whole.
func blockName(b []byte) string {
	if len(b) > maxTNEFName {
		return string(b[:maxTNEFName/2]) + "..." + string(b[len(b)-maxTNEFName/2:])
	}
	return string(b)
}

// yencField returns the value of keyword key in a yEnc control line.
func yencField(l []byte, key string) ([]byte, bool) {
	for _, f := range bytes.Fields(l) {
		if k, v, ok := bytes.Cut(f, []byte("=")); ok && string(k) == key {
			return v, true
		}
	}
	return nil, false
}

// decode decodes the block's data, at most limit bytes; full is false
// if limit stopped it. problem describes a malformed block (no end
// line, a size or CRC that disagrees).
//
// The bytes are appended to dst[:0] if it has room for them, so that a
// buffer serves the blocks of a text in turn.
func (b textBlock) decode(text []byte, limit int64, dst []byte) (data []byte, full bool, problem string) {
	src := text[b.body:b.end]
	bound := int64(len(src))
	if b.format != formatYEnc {
		bound = bound/4*3 + 3
	}
	if need := min(bound, limit); int64(cap(dst)) >= need {
		data = dst[:0]
	} else {
		data = make([]byte, 0, need)
	}
	full = true
	switch b.format {
	case formatUU:
		data, full = decodeUU(data, src, limit)
	case formatBase64:
		data, _, full = decodeBase64(data, src, limit)
	case formatYEnc:
		data, full = decodeYEnc(data, src, limit)
	}
	switch {
	case !b.closed:
		problem = fmt.Sprintf("%s block %q has no end line", b.format, b.name)
	case !full:
	case b.hasSize && b.size != int64(len(data)):
		problem = fmt.Sprintf("%s block %q: %d bytes, its end line says %d", b.format, b.name, len(data), b.size)
	case b.hasCRC && crc32.ChecksumIEEE(data) != b.crc:
		problem = fmt.Sprintf("%s block %q: CRC-32 mismatch", b.format, b.name)
	}
	return data, full, problem
}

// decodeUU appends the uudecoded lines of src to dst, at most limit
// bytes in all. Each line is a length character and groups of four
// characters for three bytes, each character 0x20 + a 6-bit value
// ('`' for 0); characters missing at the end of a line count as zero.
func decodeUU(dst, src []byte, limit int64) ([]byte, bool) {
	for off := 0; off < len(src); {
		l, next := line(src, off)
		off = next
		if !uuLine(l) {
			continue
		}
		n := int(l[0]-0x20) & 0x3f
		l = l[1:]
		for i := 0; n > 0; i += 4 {
			var q [4]byte
			for j := range q {
				if i+j < len(l) {
					q[j] = (l[i+j] - 0x20) & 0x3f
				}
			}
			v := uint32(q[0])<<18 | uint32(q[1])<<12 | uint32(q[2])<<6 | uint32(q[3])
			out := []byte{byte(v >> 16), byte(v >> 8), byte(v)}[:min(n, 3)]
			if int64(len(dst)+len(out)) > limit {
				return append(dst, out[:limit-int64(len(dst))]...), false
			}
			dst = append(dst, out...)
			n -= len(out)
		}
	}
	return dst, true
}

// decodeYEnc appends the yEnc-decoded src to dst, at most limit bytes:
// each byte is the encoded byte minus 42 modulo 256, after '=' also
// minus 64; line ends are not data.
func decodeYEnc(dst, src []byte, limit int64) ([]byte, bool) {
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '\r', '\n':
			continue
		case '=':
			i++
			if i == len(src) || src[i] == '\r' || src[i] == '\n' {
				continue
			}
			c = src[i] - 64
		}
		if int64(len(dst)) >= limit {
			return dst, false
		}
		dst = append(dst, c-42)
	}
	return dst, true
}

// walkTextFiles decodes the files encoded in text, the content of the
// text part at idx, and inspects each as a nested part named
// prefix:name; it counts them against MaxArchiveEntries. One buffer
// serves the blocks in turn: a block's content is no longer used once
// it was inspected.
func (st *state) walkTextFiles(idx int, text []byte, prefix string, depth int) {
	path := st.report.Parts[idx].Path
	n := 0
	var scratch []byte
	for off := 0; off < len(text); {
		b, ok := findBlock(text, off)
		if !ok || !st.alive(path) {
			return
		}
		off = b.next
		if n++; n > st.maxEntries {
			st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d encoded files in the text", st.maxEntries), ErrArchiveEntries)
			return
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("%s file %q nested deeper than %d", b.format, b.name, st.maxDepth), ErrDepth)
			return
		}
		limit, k := st.budget(true)
		data, full, problem := b.decode(text, limit, scratch)
		scratch = data
		p := Part{Path: prefix + ":" + b.name, Depth: depth + 1, Filename: b.name}
		st.nestedDecoded(p, data, full, k, problem, nil)
	}
}

// nestedDecoded reports p, whose content was decoded into a buffer of
// its own within the budget of limit kind k, and inspects it. full is
// false if the decoding stopped before the end: at the budget if cause
// is nil, else for cause (a meter's limit, a broken stream). problem,
// if any, is reported as a malformed container.
func (st *state) nestedDecoded(p Part, content []byte, full bool, k Kind, problem string, cause error) {
	idx := st.addPart(p)
	if idx < 0 {
		return
	}
	st.checkName(p.Path, p.Filename)
	if problem != "" {
		st.find(KindMalformed, p.Path, problem, fmt.Errorf("%w: %s", ErrMalformedArchive, problem))
	}
	st.total += int64(len(content))
	st.held += int64(len(content))
	defer func(n int64) { st.held -= n }(int64(len(content)))
	part := &st.report.Parts[idx]
	part.Size = int64(len(content))
	part.SHA256 = sha256.Sum256(content)
	switch {
	case cause != nil:
		part.Truncated = true
		st.classify(cause, p.Path)
	case !full:
		part.Truncated = true
		st.overBudget(k, p.Path)
	}
	st.inspect(idx, content, full, p.Path, p.Depth)
}
