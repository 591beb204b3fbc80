package mime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Active markup in attachments that are not named or declared HTML:
// SVG images with scripts (SVG smuggling), and HTML under other
// extensions (.shtml, .xhtml, .hta, .mht) or none, found by its
// content after a byte order mark, white space, comments, an XML
// declaration or a doctype, whatever its first tag, as browsers and
// mshta.exe render it.

// markupExtensions are the extensions whose files a browser, mshta.exe
// or Internet Explorer's MHTML reader renders as markup that may run
// script.
var markupExtensions = map[string]bool{
	"shtml": true, "shtm": true, "xhtml": true, "xht": true, "hta": true,
	"mht": true, "mhtml": true, "svg": true,
}

// markupTypes are declared types rendered as markup.
var markupTypes = map[string]bool{
	"application/xhtml+xml": true, "image/svg+xml": true, "application/hta": true,
	"application/x-mimearchive": true,
}

// plainTextExtensions are the extensions whose markup is not rendered
// as a page: text a reader shows as text, and XML, which Office
// documents are made of (searching every part of every OOXML document
// would cost more than the rest of the scan).
var plainTextExtensions = map[string]bool{"txt": true, "csv": true, "log": true, "md": true, "json": true, "xml": true, "rels": true}

// maxMarkupScan bounds the bytes of a file searched for active markup.
const maxMarkupScan = 4 << 20

// checkMarkup reports active markup in the attachment at idx that the
// HTML check of inspect did not look at.
func (st *state) checkMarkup(idx int, data []byte) {
	p := st.report.Parts[idx]
	ext := extension(p.Filename)
	attachment := p.Disposition == "attachment" || p.Filename != "" || strings.Contains(p.Path, "/")
	html := p.DetectedType == typeHTML || p.DeclaredType == "text/html"
	if !attachment && html && st.inMHTML(p.Path) {
		// The page of an MHTML file, walked as the message it is: a
		// browser renders it, though it is no attachment there.
		if act := activeHTML(data); len(act) > 0 {
			st.find(KindHTMLActive, p.Path, fmt.Sprintf("a page of an MHTML file has %s", strings.Join(act, ", ")), nil)
		}
		return
	}
	if !attachment || html || ext == "html" || ext == "htm" {
		return // inspect's HTML check
	}
	text := data[:min(len(data), maxMarkupScan)]
	if u, ok := utf16Text(text); ok {
		text = u
	}
	sniffed := (p.DetectedType == typeText || p.DetectedType == typeUnknown) && markupStart(text) && !plainTextExtensions[ext]
	if !markupExtensions[ext] && !markupTypes[p.DeclaredType] && !sniffed {
		return
	}
	act := activeHTML(text)
	l := bytes.ToLower(text)
	svg := bytes.Contains(l, []byte("<svg"))
	if svg && bytes.Contains(l, []byte("<foreignobject")) {
		act = append(act, "foreignObject")
	}
	if ext == "hta" || bytes.Contains(l, []byte("<hta:application")) {
		act = append(act, "HTML application")
	}
	if len(act) == 0 {
		return
	}
	what := "markup"
	switch {
	case svg:
		what = "SVG"
	case ext != "":
		what = "." + ext
	}
	st.find(KindHTMLActive, p.Path, fmt.Sprintf("%q (%s) has %s", p.Filename, what, strings.Join(act, ", ")), nil)
}

// inMHTML reports whether the MIME part at path is inside a part named
// .mht or .mhtml. Ancestors are looked for among the last mhtLookback
// parts only, so that a multipart of many HTML parts costs linear time.
func (st *state) inMHTML(path string) bool {
	for path = parentPath(path); path != ""; path = parentPath(path) {
		for i := len(st.report.Parts) - 1; i >= max(0, len(st.report.Parts)-mhtLookback); i-- {
			if p := st.report.Parts[i]; p.Path == path {
				if e := extension(p.Filename); e == "mht" || e == "mhtml" {
					return true
				}
				break
			}
		}
	}
	return false
}

const mhtLookback = 256

// markupStart reports whether text starts with a tag, after a byte
// order mark, white space, comments, processing instructions (<?xml
// ...?>) and declarations (<!DOCTYPE ...>).
func markupStart(text []byte) bool {
	t := bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
	for range 64 {
		t = bytes.TrimLeft(t, " \t\r\n\f")
		switch {
		case bytes.HasPrefix(t, []byte("<!--")):
			i := bytes.Index(t[4:], []byte("-->"))
			if i < 0 {
				return false
			}
			t = t[4+i+3:]
		case bytes.HasPrefix(t, []byte("<?")), bytes.HasPrefix(t, []byte("<!")):
			i := bytes.IndexByte(t, '>')
			if i < 0 {
				return false
			}
			t = t[i+1:]
		default:
			return len(t) >= 2 && t[0] == '<' && (t[1]|0x20 >= 'a' && t[1]|0x20 <= 'z')
		}
	}
	return false
}

// utf16Text returns text that starts with a UTF-16 byte order mark as
// UTF-8, as browsers decode it.
func utf16Text(text []byte) ([]byte, bool) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(text, []byte("\xff\xfe")):
		order = binary.LittleEndian
	case bytes.HasPrefix(text, []byte("\xfe\xff")):
		order = binary.BigEndian
	default:
		return nil, false
	}
	u := make([]uint16, 0, len(text)/2)
	for i := 2; i+1 < len(text); i += 2 {
		u = append(u, order.Uint16(text[i:]))
	}
	return []byte(string(utf16.Decode(u))), true
}
