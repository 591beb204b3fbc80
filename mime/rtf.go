package mime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// RTF objects (Rich Text Format 1.9.1, "Objects"): \object groups
// carry OLE objects, their class in \objclass and their data in
// \objdata as hexadecimal (or \bin raw bytes), an OLE1 object
// ([MS-OLEDS] §2.2.4 ObjectHeader and EmbeddedObject). Class "Package"
// (the OLE Packager) carries a file with its name; "Equation.3" is the
// Equation Editor of CVE-2017-11882; "OLE2Link" fetches a URL on
// opening (CVE-2017-0199); \objupdate makes Word load the object
// without a click. Word reads a file as RTF from "{\rt" on, whatever
// its name.

// rtfActiveClasses are the OLE classes whose objects are active
// content by themselves (prefixes, without case).
var rtfActiveClasses = []string{"package", "equation", "ole2link", "htmlfile", "script", "scriptlet"}

// maxRTFObjects bounds the \objdata groups of one RTF read.
const maxRTFObjects = 1000

// rtfObject is one \objdata group's content, hex-decoded.
type rtfObject struct {
	data []byte
	full bool // not cut by the limit
}

// rtfControls scans the RTF text for object control words: the
// \objclass names, the \objdata groups (decoded up to limit bytes in
// all), and whether \objupdate occurs.
func rtfControls(text []byte, limit int64) (classes []string, objs []rtfObject, update bool) {
	for i := 0; i < len(text); {
		k := bytes.IndexByte(text[i:], '\\')
		if k < 0 {
			break
		}
		i += k + 1
		j := i
		for j < len(text) && text[j] >= 'a' && text[j] <= 'z' && j-i < 32 {
			j++
		}
		word := string(text[i:j])
		// The parameter and the space that may end the control word.
		for j < len(text) && (text[j] == '-' || text[j] >= '0' && text[j] <= '9') {
			j++
		}
		if j < len(text) && text[j] == ' ' {
			j++
		}
		switch word {
		case "objclass":
			end := bytes.IndexByte(text[j:min(len(text), j+256)], '}')
			if end < 0 {
				end = min(len(text), j+256) - j
			}
			if len(classes) < maxRTFObjects {
				classes = append(classes, strings.TrimSpace(string(text[j:j+end])))
			}
		case "objupdate":
			update = true
		case "objdata":
			if len(objs) >= maxRTFObjects {
				break
			}
			var o rtfObject
			// Counted first, so that the buffer is allocated once.
			_, n, _, _ := rtfHex(text, j, limit, nil, true)
			o.data, _, o.full, j = rtfHex(text, j, limit, make([]byte, 0, n), false)
			limit -= int64(len(o.data))
			objs = append(objs, o)
		}
		i = j
	}
	return classes, objs, update
}

// rtfHex decodes the hexadecimal data from text[i] to the end of the
// group that holds it, skipping nested groups' braces, ignorable
// destinations, control words, \'hh characters, white space and other
// characters, and taking \binN's N raw bytes, up to limit bytes
// appended to out. If counting, nothing is stored: n is how many bytes
// there are (up to limit). It returns the offset after the group.
func rtfHex(text []byte, i int, limit int64, out []byte, counting bool) (_ []byte, n int64, full bool, next int) {
	add := func(b ...byte) bool {
		if n+int64(len(b)) > limit {
			b = b[:limit-n]
			full = false
		}
		n += int64(len(b))
		if !counting {
			out = append(out, b...)
		}
		return full
	}
	full = true
	depth := 0
	var hi byte
	half := false
	for ; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '{' && bytes.HasPrefix(text[i+1:], []byte(`\*`)):
			// An ignorable destination: Word skips what it does not
			// know, text included.
			i = rtfGroupEnd(text, i) - 1
		case c == '{':
			depth++
		case c == '}':
			if depth == 0 {
				return out, n, true, i + 1
			}
			depth--
		case c == '\\' && i+1 < len(text) && text[i+1] == '\'':
			i += 3 // \'hh, a character, not object data
		case c == '\\':
			j := i + 1
			for j < len(text) && text[j] >= 'a' && text[j] <= 'z' && j-i < 33 {
				j++
			}
			word := string(text[i+1 : j])
			p := j
			for j < len(text) && (text[j] == '-' || text[j] >= '0' && text[j] <= '9') && j-p < 10 {
				j++
			}
			param := string(text[p:j])
			if j < len(text) && text[j] == ' ' {
				j++
			}
			if j == i+1 && j < len(text) {
				j++ // a control symbol: \\, \{, ...
			}
			if word == "bin" {
				k, _ := strconv.Atoi(param)
				k = max(0, min(k, len(text)-j))
				if !add(text[j : j+k]...) {
					return out, n, false, j + k
				}
				j += k
			}
			i = j - 1
		default:
			v := unhex(c)
			if v > 15 {
				continue
			}
			if half && !add(hi<<4|v) {
				return out, n, false, i
			}
			hi = v
			half = !half
		}
	}
	return out, n, true, i
}

// rtfGroupEnd returns the offset after the group that starts at
// text[i] ('{'), or len(text).
func rtfGroupEnd(text []byte, i int) int {
	depth := 0
	for ; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return len(text)
}

// ole1Object is an OLE1 object ([MS-OLEDS] §2.2.4, §2.2.5).
type ole1Object struct {
	class  string
	native []byte // EmbeddedObject NativeData
	// The OLE Packager's file (class "Package"): its label and path,
	// and its content.
	label, path string
	file        []byte
	isFile      bool
}

// parseOLE1 reads an OLE1 ObjectHeader (OLEVersion, FormatID, the
// length-prefixed ClassName, TopicName, ItemName) and, for an embedded
// object (FormatID 2), its NativeData; every length is checked.
func parseOLE1(b []byte) (ole1Object, bool) {
	var o ole1Object
	r := tnefReader{b: b}
	r.u32() // OLEVersion
	format := r.u32()
	lstr := func() string {
		n := r.u32()
		s := r.bytes(n)
		return string(bytes.TrimRight(s, "\x00"))
	}
	o.class = lstr()
	if r.err || (format != 1 && format != 2) || o.class == "" {
		return o, false
	}
	lstr() // TopicName
	lstr() // ItemName
	if format == 2 {
		n := r.u32()
		o.native = r.bytes(n)
	}
	if r.err {
		return o, false
	}
	if strings.EqualFold(o.class, "Package") {
		o.label, o.path, o.file, o.isFile = parsePackage(o.native)
	}
	return o, true
}

// parsePackage reads the OLE Packager's native data: a 2-byte header,
// the label and the original path (NUL-terminated), 4 bytes (the type,
// 3 for an embedded file), the temporary path (length-prefixed), then
// the file's size and content.
func parsePackage(b []byte) (label, path string, file []byte, ok bool) {
	if len(b) < 2 {
		return "", "", nil, false
	}
	rest := b[2:]
	cstr := func() string {
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			i = len(rest)
		}
		s := rest[:i]
		rest = rest[min(len(rest), i+1):]
		return string(s)
	}
	label, path = cstr(), cstr()
	if len(rest) < 4 || binary.LittleEndian.Uint16(rest[2:]) != 3 {
		return label, path, nil, false
	}
	r := tnefReader{b: rest[4:]}
	r.bytes(r.u32()) // the temporary path
	n := r.u32()
	file = r.bytes(n)
	if r.err {
		return label, path, nil, false
	}
	s, _ := textUTF8([]byte(label), "windows-1252", maxTNEFName*4)
	p, _ := textUTF8([]byte(path), "windows-1252", maxTNEFName*4)
	return s, p, file, true
}

// isRTF reports whether data is read as RTF by Word: "{\rt" and
// anything, not only "{\rtf1".
func isRTF(data []byte) bool { return bytes.HasPrefix(data, []byte(`{\rt`)) }

// walkRTF looks for OLE objects in the RTF data held by the part at
// idx, reports active ones, and inspects their payloads (the Packager's
// file, other objects' native data) as nested parts.
func (st *state) walkRTF(idx int, data []byte, prefix string, depth int) {
	path := st.report.Parts[idx].Path
	limit, k := st.budget(true)
	classes, objs, update := rtfControls(data, limit)
	var evidence []string
	for _, c := range classes {
		if rtfActiveClass(c) {
			evidence = append(evidence, fmt.Sprintf("an OLE object of class %q", cut(c, 64)))
		}
	}
	var held int64
	defer func() { st.held -= held }()
	for i, o := range objs {
		held += int64(len(o.data))
		st.held += int64(len(o.data))
		st.total += int64(len(o.data))
		if !o.full {
			st.overBudget(k, path)
		}
		obj, ok := parseOLE1(o.data)
		if !ok {
			evidence = append(evidence, "object data that could not be read as an OLE1 object")
			continue
		}
		if rtfActiveClass(obj.class) {
			evidence = append(evidence, fmt.Sprintf("an OLE object of class %q", cut(obj.class, 64)))
		}
		if !st.alive(path) {
			return
		}
		if i >= st.maxEntries {
			st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d OLE objects", st.maxEntries), ErrArchiveEntries)
			break
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("RTF object nested deeper than %d", st.maxDepth), ErrDepth)
			break
		}
		p := Part{Depth: depth + 1}
		content := obj.native
		switch {
		case obj.isFile:
			name := obj.label
			if name == "" || extension(name) == "" {
				name = baseName(obj.path)
			}
			p.Filename, content = name, obj.file
			evidence = append(evidence, fmt.Sprintf("a packaged file %q", name))
		case strings.EqualFold(obj.class, "Package"):
			evidence = append(evidence, "a package that could not be read")
		}
		p.Path = prefix + ":" + archiveLabel(p.Filename)
		if p.Filename == "" {
			p.Path = prefix + ":" + fmt.Sprintf("object-%d", i+1)
		}
		st.entryBytes(p, content)
	}
	if update && (len(objs) > 0 || len(classes) > 0) {
		evidence = append(evidence, `\objupdate`)
	}
	if len(evidence) > 0 {
		st.find(KindActiveContent, path, fmt.Sprintf("RTF %q has %s", st.report.Parts[idx].Filename, strings.Join(dedupe(evidence), ", ")), nil)
	}
}

func rtfActiveClass(c string) bool {
	c = strings.ToLower(c)
	for _, a := range rtfActiveClasses {
		if strings.HasPrefix(c, a) {
			return true
		}
	}
	return false
}

// dedupe returns ss without repeated strings, in order.
func dedupe(ss []string) []string {
	var out []string
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
