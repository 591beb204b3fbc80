package mime

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// PDF active content (ISO 32000-1): actions that run script or
// programs (§12.6.4.16 JavaScript, §12.6.4.5 Launch), the triggers
// that run actions on opening (§12.6.2 /OpenAction in the catalog,
// §12.6.3 /AA additional actions), links to programs (§12.6.4.7 URI),
// and embedded files (§7.11.4), which are inspected as nested parts.
// Names may be written with #xx escapes (§7.3.5: /J#61vaScript is
// /JavaScript), and objects may sit in compressed object streams
// (§7.5.7, /Type /ObjStm), which are inflated (FlateDecode, §7.4.4)
// under the limits to look inside.

// pdfActive are the names that make a PDF active content by
// themselves; pdfTriggers only say when an action runs.
var (
	pdfActive   = []string{"JavaScript", "JS", "Launch", "RichMedia", "GoToE"}
	pdfTriggers = []string{"OpenAction", "AA"}
)

// pdfNameMax bounds a decoded name: longer than any name looked for.
const pdfNameMax = 64

// maxPDFString bounds a PDF string read for a URI or a file name.
const maxPDFString = 4096

// pdfFacts is what the objects of a PDF say.
type pdfFacts struct {
	names   map[string]int // interesting names, decoded, and their counts
	uris    []string       // /URI strings
	strings []pdfString    // /F and /UF strings (file names)
	efRefs  []pdfRef       // objects named by /EF dictionaries
}

type pdfString struct {
	at int // offset in its buffer
	s  string
}

type pdfRef struct {
	at  int // offset of the /EF in its buffer
	obj int
	buf int // which buffer (0: the file, n: the n-th object stream)
}

// pdfInteresting are the names pdfFacts counts.
var pdfInteresting = map[string]bool{
	"JavaScript": true, "JS": true, "Launch": true, "RichMedia": true, "GoToE": true,
	"OpenAction": true, "AA": true, "EmbeddedFile": true, "EmbeddedFiles": true, "URI": true,
}

// pdfDelimiter reports whether c ends a PDF name (§7.2.2: white space
// and delimiters).
func pdfDelimiter(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ', '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// pdfName reads the name after the '/' at b[i], decoding #xx escapes
// (§7.3.5) into buf's memory, and returns it and the offset after it.
// A name without escapes is a slice of b; a decoded name is cut at
// cap(buf) bytes (the names looked for are short), so that scanning
// allocates nothing.
func pdfName(b []byte, i int, buf []byte) ([]byte, int) {
	j := i + 1
	for j < len(b) && !pdfDelimiter(b[j]) && j-i < 128 {
		j++
	}
	raw := b[i+1 : j]
	if bytes.IndexByte(raw, '#') < 0 {
		return raw, j
	}
	out := buf[:0]
	for k := 0; k < len(raw) && len(out) < cap(out); k++ {
		if raw[k] == '#' && k+2 < len(raw) {
			if hi, lo := unhex(raw[k+1]), unhex(raw[k+2]); hi < 16 && lo < 16 {
				out = append(out, hi<<4|lo)
				k += 2
				continue
			}
		}
		out = append(out, raw[k])
	}
	return out, j
}

// pdfValueString reads the string object (literal or hexadecimal,
// §7.3.4) that follows offset i after white space, if any.
func pdfValueString(b []byte, i int) (string, bool) {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n' || b[i] == '\f' || b[i] == 0) {
		i++
	}
	if i >= len(b) {
		return "", false
	}
	var out []byte
	switch {
	case b[i] == '(':
		depth := 0
		for i++; i < len(b) && len(out) < maxPDFString; i++ {
			c := b[i]
			switch c {
			case '\\':
				i++
				if i == len(b) {
					return string(out), true
				}
				switch e := b[i]; e {
				case 'n':
					out = append(out, '\n')
				case 'r':
					out = append(out, '\r')
				case 't':
					out = append(out, '\t')
				case 'b':
					out = append(out, '\b')
				case 'f':
					out = append(out, '\f')
				case '\r', '\n':
					// A line continuation.
				default:
					if e >= '0' && e <= '7' {
						v := 0
						for k := 0; k < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7'; k++ {
							v = v*8 + int(b[i]-'0')
							i++
						}
						i--
						out = append(out, byte(v))
					} else {
						out = append(out, e)
					}
				}
				continue
			case '(':
				depth++
			case ')':
				if depth == 0 {
					return string(out), true
				}
				depth--
			}
			out = append(out, c)
		}
		return string(out), true
	case b[i] == '<' && (i+1 >= len(b) || b[i+1] != '<'):
		var hi byte
		half := false
		for i++; i < len(b) && b[i] != '>' && len(out) < maxPDFString; i++ {
			v := unhex(b[i])
			if v > 15 {
				continue
			}
			if half {
				out = append(out, hi<<4|v)
			} else {
				hi = v
			}
			half = !half
		}
		if half {
			out = append(out, hi<<4)
		}
		return string(out), true
	}
	return "", false
}

// pdfFileName returns a PDF text string (§7.9.2.2) as a file name:
// UTF-16BE after its byte order mark, else PDFDocEncoding, read as
// windows-1252 (they agree on the printable ASCII and most letters).
func pdfFileName(s string) string {
	if strings.HasPrefix(s, "\xfe\xff") {
		if u, ok := utf16Text([]byte(s)); ok {
			return string(u)
		}
	}
	t, _ := textUTF8([]byte(s), "windows-1252", maxPDFString*4)
	return t
}

// scan records the facts of the PDF objects in b, buffer number buf.
func (f *pdfFacts) scan(b []byte, buf int) {
	var nb [pdfNameMax]byte
	for i := 0; i < len(b); {
		k := bytes.IndexByte(b[i:], '/')
		if k < 0 {
			return
		}
		at := i + k
		name, next := pdfName(b, at, nb[:])
		i = next
		switch string(name) {
		case "URI":
			if s, ok := pdfValueString(b, next); ok {
				f.uris = append(f.uris, s)
			}
		case "F", "UF":
			if s, ok := pdfValueString(b, next); ok && len(f.strings) < 10000 {
				f.strings = append(f.strings, pdfString{at, pdfFileName(s)})
			}
		case "EF":
			// << /F 12 0 R /UF 12 0 R >>
			end := min(len(b), next+256)
			seg := b[next:end]
			if j := bytes.Index(seg, []byte(">>")); j >= 0 {
				seg = seg[:j]
			}
			for _, m := range pdfRefs(seg) {
				if len(f.efRefs) < 10000 {
					f.efRefs = append(f.efRefs, pdfRef{at: at, obj: m, buf: buf})
				}
			}
		}
		if pdfInteresting[string(name)] {
			if f.names == nil {
				f.names = make(map[string]int)
			}
			f.names[string(name)]++
		}
	}
}

// pdfRefs returns the object numbers of the indirect references ("12 0
// R", §7.3.10) in b.
func pdfRefs(b []byte) []int {
	var refs []int
	fields := bytes.Fields(b)
	for i := 2; i < len(fields); i++ {
		if string(fields[i]) != "R" {
			continue
		}
		n, err1 := strconv.Atoi(string(fields[i-2]))
		_, err2 := strconv.Atoi(string(fields[i-1]))
		if err1 == nil && err2 == nil {
			refs = append(refs, n)
		}
	}
	return refs
}

// pdfStream is one stream object of a PDF (§7.3.8).
type pdfStream struct {
	obj        int    // object number, -1 if not found
	dict       []byte // its dictionary's text
	start, end int    // its data
}

// pdfStreams finds the streams of the PDF b: "stream" after a
// dictionary, its data up to /Length bytes if "endstream" follows
// there, else up to the next "endstream".
func pdfStreams(b []byte, most int) []pdfStream {
	var out []pdfStream
	for i := 0; i < len(b) && len(out) < most; {
		k := bytes.Index(b[i:], []byte("stream"))
		if k < 0 {
			break
		}
		at := i + k
		i = at + 6
		if at > 0 && b[at-1] == 'd' { // endstream
			continue
		}
		before := bytes.TrimRight(b[max(0, at-4096):at], " \t\r\n\f\x00")
		if !bytes.HasSuffix(before, []byte(">>")) {
			continue
		}
		start := at + 6
		if start < len(b) && b[start] == '\r' {
			start++
		}
		if start < len(b) && b[start] == '\n' {
			start++
		}
		s := pdfStream{obj: -1, start: start}
		// The dictionary and object number: back to "obj".
		if o := bytes.LastIndex(before, []byte("obj")); o >= 0 {
			s.dict = before[o+3:]
			hdr := bytes.Fields(before[max(0, o-24):o])
			if len(hdr) >= 2 {
				if n, err := strconv.Atoi(string(hdr[len(hdr)-2])); err == nil {
					s.obj = n
				}
			}
		} else {
			s.dict = before[max(0, len(before)-1024):]
		}
		e := -1
		if n, ok := pdfLength(s.dict); ok && n >= 0 && n <= len(b)-start {
			if rest := bytes.TrimLeft(b[start+n:min(len(b), start+n+16)], " \t\r\n\f"); bytes.HasPrefix(rest, []byte("endstream")) {
				e = start + n
			}
		}
		if e < 0 {
			if j := bytes.Index(b[start:], []byte("endstream")); j >= 0 {
				e = start + j
			} else {
				e = len(b)
			}
		}
		s.end = e
		out = append(out, s)
		i = e
	}
	return out
}

// pdfLength returns the direct /Length of a stream dictionary.
func pdfLength(dict []byte) (int, bool) {
	i := bytes.Index(dict, []byte("/Length"))
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(dict[i+7 : min(len(dict), i+40)])
	if len(f) == 0 {
		return 0, false
	}
	if len(f) >= 3 && bytes.HasPrefix(f[2], []byte("R")) {
		return 0, false // an indirect length
	}
	n, err := strconv.Atoi(string(bytes.TrimRight(f[0], "/>")))
	return n, err == nil
}

// dictNames returns the decoded names of a dictionary's text.
func dictNames(dict []byte) map[string]bool {
	m := make(map[string]bool)
	var nb [pdfNameMax]byte
	for i := 0; i < len(dict); {
		k := bytes.IndexByte(dict[i:], '/')
		if k < 0 {
			break
		}
		var n []byte
		n, i = pdfName(dict, i+k, nb[:])
		m[string(n)] = true
	}
	return m
}

// maxPDFStreams bounds the streams of one PDF examined.
const maxPDFStreams = 10000

// walkPDF looks for active content in the PDF data held by the part at
// idx, inflating its object streams and embedded files under the
// limits, and inspects the embedded files as nested parts.
func (st *state) walkPDF(idx int, data []byte, prefix string, depth int) {
	path := st.report.Parts[idx].Path
	var f pdfFacts
	f.scan(data, 0)
	streams := pdfStreams(data, maxPDFStreams)
	var problems []string
	// The file name of each embedded file: the nearest /UF or /F string
	// to the /EF naming it, in the same buffer.
	nameOf := map[int]string{}
	for _, r := range f.efRefs {
		if _, ok := nameOf[r.obj]; !ok {
			nameOf[r.obj] = nearestString(f.strings, r.at)
		}
	}
	embedded := make(map[int]bool)
	for _, r := range f.efRefs {
		embedded[r.obj] = true
	}
	// One buffer serves the streams in turn: an object stream is read
	// for its facts and dropped, an embedded file once inspected.
	var scratch []byte
	for _, s := range streams {
		names := dictNames(s.dict)
		if names["EmbeddedFile"] {
			embedded[s.obj] = true
		}
		if !names["ObjStm"] {
			continue
		}
		content, ok := st.pdfDecode(path, data[s.start:s.end], names, &problems, scratch)
		if !ok {
			continue
		}
		scratch = content
		var g pdfFacts
		g.scan(content, 1)
		for n, c := range g.names {
			if f.names == nil {
				f.names = make(map[string]int)
			}
			f.names[n] += c
		}
		f.uris = append(f.uris, g.uris[:min(len(g.uris), 1000)]...)
		for _, r := range g.efRefs {
			embedded[r.obj] = true
			if nameOf[r.obj] == "" {
				nameOf[r.obj] = nearestString(g.strings, r.at)
			}
		}
	}
	files, unread := 0, 0
	for _, s := range streams {
		if !embedded[s.obj] && !dictNames(s.dict)["EmbeddedFile"] {
			continue
		}
		if !st.alive(path) {
			return
		}
		if files++; files > st.maxEntries {
			st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d embedded files", st.maxEntries), ErrArchiveEntries)
			break
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("PDF embedded file nested deeper than %d", st.maxDepth), ErrDepth)
			break
		}
		name := nameOf[s.obj]
		if name == "" {
			name = fmt.Sprintf("embedded-%d", files)
		}
		p := Part{Path: prefix + ":" + name, Depth: depth + 1, Filename: name}
		names := dictNames(s.dict)
		raw := data[s.start:s.end]
		if !names["Filter"] {
			st.entryBytes(p, raw)
			continue
		}
		buf, ok := st.pdfDecodeEntry(raw, names, p, scratch)
		if !ok {
			unread++
		}
		scratch = buf
	}
	var evidence []string
	for _, n := range pdfActive {
		if f.names[n] > 0 {
			evidence = append(evidence, "/"+n)
		}
	}
	for _, u := range f.uris {
		if st.dangerous[extension(uriPath(u))] {
			evidence = append(evidence, fmt.Sprintf("/URI to a program %q", cut(u, 200)))
			break
		}
	}
	if unread > 0 || (f.names["EmbeddedFile"] > 0 && files == 0) {
		evidence = append(evidence, "an embedded file that could not be read")
	}
	for _, p := range problems {
		st.find(KindMalformed, path, "PDF: "+p, fmt.Errorf("%w: PDF: %s", ErrMalformedArchive, p))
	}
	if len(evidence) == 0 {
		return
	}
	for _, n := range pdfTriggers {
		if f.names[n] > 0 {
			evidence = append(evidence, "/"+n)
		}
	}
	st.find(KindActiveContent, path, fmt.Sprintf("PDF %q has %s", st.report.Parts[idx].Filename, strings.Join(evidence, ", ")), nil)
}

// nearestString returns the string of ss nearest to offset at, within
// 1 KiB.
func nearestString(ss []pdfString, at int) string {
	i := sort.Search(len(ss), func(i int) bool { return ss[i].at >= at })
	best, dist := "", 1024
	for _, j := range []int{i - 1, i, i + 1} {
		if j >= 0 && j < len(ss) {
			if d := abs(ss[j].at - at); d < dist && ss[j].s != "" {
				best, dist = ss[j].s, d
			}
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// uriPath returns the path of a URI, without query and fragment.
func uriPath(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// pdfInflater returns a reader of the FlateDecode stream raw (zlib,
// §7.4.4; some writers omit the zlib header), or nil if the filter is
// another one, which is not decoded.
func pdfInflater(raw []byte, names map[string]bool) io.Reader {
	if !names["FlateDecode"] && !names["Fl"] {
		return nil
	}
	for _, other := range []string{"ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "LZWDecode", "LZW", "RunLengthDecode", "RL", "Crypt", "DecodeParms", "DP"} {
		if names[other] {
			return nil
		}
	}
	if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
		return zr
	}
	return flate.NewReader(bytes.NewReader(raw))
}

// inflateInto inflates raw into dst[:0] (or a new buffer if dst is
// too small for the first bytes) up to limit bytes, through a meter of
// the ratio bound. It returns what it read and the error that stopped
// it: errLimit at limit, the meter's limit, or a broken stream.
func (st *state) inflateInto(zr io.Reader, raw []byte, limit int64, dst []byte) ([]byte, *meter, error) {
	m := &meter{r: zr, st: st, max: st.ratioMax(int64(len(raw)))}
	want := min(limit, 4*int64(len(raw))+512)
	if int64(cap(dst)) >= want {
		dst = dst[:0]
	} else {
		dst = make([]byte, 0, want)
	}
	buf, err := readLimited(dst, m, limit)
	return buf, m, err
}

// pdfDecode inflates an object stream under the limits into dst's
// memory if it fits; the bytes are counted in the scan's total.
func (st *state) pdfDecode(path string, raw []byte, names map[string]bool, problems *[]string, dst []byte) ([]byte, bool) {
	zr := pdfInflater(raw, names)
	if zr == nil {
		*problems = append(*problems, "an object stream with a filter not decoded")
		return nil, false
	}
	limit, k := st.budget(true)
	buf, m, err := st.inflateInto(zr, raw, limit, dst)
	st.total += int64(len(buf))
	switch {
	case err == errLimit:
		st.overBudget(k, path)
	case m.err != nil:
		st.classify(m.err, path)
	case err != nil:
		*problems = append(*problems, "object stream: "+err.Error())
	}
	return buf, true
}

// pdfDecodeEntry inflates an embedded file stream into the nested part
// p (in dst's memory if it fits) and inspects it; false if its filter
// is not decoded.
func (st *state) pdfDecodeEntry(raw []byte, names map[string]bool, p Part, dst []byte) ([]byte, bool) {
	zr := pdfInflater(raw, names)
	if zr == nil {
		return dst, false
	}
	limit, k := st.budget(true)
	buf, m, err := st.inflateInto(zr, raw, limit, dst)
	var cause error
	switch {
	case err == errLimit:
	case m.err != nil:
		cause = m.err
	case err != nil:
		cause = fmt.Errorf("PDF embedded file: %w", err)
	}
	st.nestedDecoded(p, buf, err == nil, k, "", cause)
	return buf, true
}
