package mime

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// scanAttachment scans a message with one attachment.
func scanAttachment(t *testing.T, s *Scanner, name, typ string, data []byte) Report {
	t.Helper()
	return s.Scan(context.Background(), mimetest.Message("s", "x", mimetest.Attachment{Name: name, Type: typ, Data: data}))
}

func utf16LE(s string) []byte {
	b := []byte{0xff, 0xfe}
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func TestActiveMarkup(t *testing.T) {
	tests := []struct {
		name, file, typ, data string
		active                bool
	}{
		{"svg script", "chart.svg", "image/svg+xml", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>location='https://x'</script></svg>`, true},
		{"svg foreignObject", "a.svg", "image/svg+xml", `<svg><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><p>hi</p></body></foreignObject></svg>`, true},
		{"svg onload", "a.svg", "application/octet-stream", `<svg onload="fetch('x')"><rect/></svg>`, true},
		{"svg benign", "a.svg", "image/svg+xml", `<svg><rect width="1" height="1"/></svg>`, false},
		{"comment first", "a.bin", "application/octet-stream", "<!-- invoice -->\n<script>document.write(atob('x'))</script>", true},
		{"bom and unlisted tag", "page.shtml", "application/octet-stream", "\ufeff  \r\n<p onclick=\"x()\">hi</p>", true},
		{"no name", "", "application/octet-stream", "<!DOCTYPE x><p><iframe src=x></iframe>", true},
		{"hta", "update.hta", "application/octet-stream", "<hta:application id=x><b>hi</b>", true},
		{"xhtml", "a.xhtml", "application/xhtml+xml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body onload="x()"/></html>`, true},
		{"mht", "a.mht", "application/octet-stream", "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<script>x</script>\r\n--b--\r\n", true},
		{"txt", "notes.txt", "text/plain", "<!-- c --><script>x</script> is how a script starts", false},
		{"plain", "a.bin", "application/octet-stream", "hello <script>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanAttachment(t, new(Scanner), tt.file, tt.typ, []byte(tt.data))
			if got := r.Has(KindHTMLActive); got != tt.active {
				t.Errorf("%s finding = %v, want %v:\n%s", KindHTMLActive, got, tt.active, r)
			}
			if o := (Policy{}).Decide(r); tt.active && o.Result == ActionAccept {
				t.Errorf("Decide = %v, want no accept", o)
			}
		})
	}
	t.Run("utf-16", func(t *testing.T) {
		r := scanAttachment(t, new(Scanner), "a.dat", "application/octet-stream", utf16LE("<!-- x --><script>x</script>"))
		if !r.Has(KindHTMLActive) {
			t.Errorf("no %s finding for UTF-16 HTML:\n%s", KindHTMLActive, r)
		}
	})
}

// deflate returns data zlib-compressed, as PDF's FlateDecode has it.
func deflate(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// pdfObj returns an indirect object; a stream object if stream is not
// nil, with dict's entries and the stream's /Length.
func pdfObj(n int, dict string, stream []byte) string {
	if stream == nil {
		return fmt.Sprintf("%d 0 obj\n%s\nendobj\n", n, dict)
	}
	return fmt.Sprintf("%d 0 obj\n<< %s /Length %d >>\nstream\r\n%s\r\nendstream\nendobj\n", n, dict, len(stream), stream)
}

// pdfFile returns a PDF of the objects, with a catalog as object 1.
func pdfFile(objs ...string) []byte {
	return []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + pdfObj(1, "<< /Type /Catalog /Pages 2 0 R >>", nil) + strings.Join(objs, "") + "trailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

// objStm returns an object stream (ISO 32000-1 §7.5.7) holding the
// objects numbered from 10, compressed.
func objStm(n int, objs ...string) string {
	var hdr, body strings.Builder
	for i, o := range objs {
		fmt.Fprintf(&hdr, "%d %d ", 10+i, body.Len())
		body.WriteString(o + "\n")
	}
	content := hdr.String() + body.String()
	return pdfObj(n, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", len(objs), hdr.Len()), deflate([]byte(content)))
}

func TestPDF(t *testing.T) {
	pe := mimetest.PE()
	filespec := func(name string, obj int) string {
		return pdfObj(4, fmt.Sprintf("<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>", name, name, obj), nil)
	}
	tests := []struct {
		name   string
		pdf    []byte
		active bool
		part   string // a nested part with an executable finding, or ""
	}{
		{"javascript", pdfFile(pdfObj(3, "<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>", nil)), true, ""},
		{"hex-escaped names", pdfFile(pdfObj(3, "<< /S /J#61vaScript /#4A#53 3 0 R >>", nil)), true, ""},
		{"object stream", pdfFile(objStm(5, "<< /OpenAction 11 0 R >>", "<< /S /JavaScript /JS (this.exportDataObject\\({cName: 'a'}\\)) >>")), true, ""},
		{"launch", pdfFile(pdfObj(3, "<< /OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >> >>", nil)), true, ""},
		{"uri to program", pdfFile(pdfObj(3, "<< /S /URI /URI (https://example.com/Invoice.EXE?x=1) >>", nil)), true, ""},
		{"uri hex string", pdfFile(pdfObj(3, "<< /S /URI /URI <68747470733a2f2f782f612e736372> >>", nil)), true, ""},
		{"uri to page", pdfFile(pdfObj(3, "<< /S /URI /URI (https://example.com/a.html) >>", nil)), false, ""},
		{"open view", pdfFile(pdfObj(3, "<< /OpenAction [2 0 R /Fit] /AA << >> >>", nil)), false, ""},
		{"embedded exe", pdfFile(filespec("invoice.exe", 5), pdfObj(5, "/Type /EmbeddedFile /Filter /FlateDecode", deflate(pe))), false, "2/doc.pdf:invoice.exe"},
		{"embedded stored", pdfFile(filespec("a.txt", 5), pdfObj(5, "/Type /EmbeddedFile", pe)), false, "2/doc.pdf:a.txt"},
		{"filespec in object stream", pdfFile(objStm(6, "<< /Type /Filespec /UF (run.scr) /EF << /F 5 0 R >> >>"), pdfObj(5, "/Type/EmbeddedFile/Filter/FlateDecode", deflate(pe))), false, "2/doc.pdf:run.scr"},
		{"embedded unreadable", pdfFile(filespec("a.exe", 5), pdfObj(5, "/Type /EmbeddedFile /Filter /ASCIIHexDecode", []byte(hex.EncodeToString(pe)))), true, ""},
		{"junk before header", append([]byte("junk\n"), pdfFile(pdfObj(3, "<< /JS (x) >>", nil))...), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanAttachment(t, new(Scanner), "doc.pdf", "application/pdf", tt.pdf)
			if got := hasFinding(r, KindActiveContent, "2"); got != tt.active {
				t.Errorf("%s finding = %v, want %v:\n%s", KindActiveContent, got, tt.active, r)
			}
			if tt.part != "" && !hasFinding(r, KindExecutable, tt.part) {
				t.Errorf("no %s finding at %s:\n%s", KindExecutable, tt.part, r)
			}
			if o := (Policy{}).Decide(r); (tt.active || tt.part != "") == (o.Result == ActionAccept) {
				t.Errorf("Decide = %v", o)
			}
		})
	}
}

func TestPDFLimits(t *testing.T) {
	pe := mimetest.PE()
	two := pdfFile(pdfObj(4, "<< /EF << /F 5 0 R /UF 6 0 R >> >>", nil), pdfObj(5, "/Type /EmbeddedFile /Filter /FlateDecode", deflate(pe)), pdfObj(6, "/Type /EmbeddedFile", pe))
	bomb := pdfFile(pdfObj(5, "/Type /ObjStm /Filter /FlateDecode", mimetest.ZlibZeros(4)))
	tests := []struct {
		name string
		s    Scanner
		pdf  []byte
		kind Kind
	}{
		{"MaxPartBytes", Scanner{MaxPartBytes: 100}, two, KindLimitPartBytes},
		{"MaxArchiveEntries", Scanner{MaxArchiveEntries: 1}, two, KindLimitArchiveEntries},
		{"MaxDepth", Scanner{MaxDepth: 1}, two, KindLimitDepth},
		{"MaxRatio", Scanner{}, bomb, KindLimitRatio},
		{"MaxHeldBytes", Scanner{MaxHeldBytes: 1 << 20}, bomb, KindLimitHeldBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanAttachment(t, &tt.s, "doc.pdf", "application/pdf", tt.pdf)
			if !r.Has(tt.kind) || !r.Truncated {
				t.Errorf("no %s finding or not Truncated:\n%s", tt.kind, r)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide = %v, want no accept", o)
			}
		})
	}
}

// ole1 returns an OLE1 embedded object ([MS-OLEDS] §2.2.4).
func ole1(class string, native []byte) []byte {
	lstr := func(b []byte, s string) []byte {
		if s == "" {
			return binary.LittleEndian.AppendUint32(b, 0)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)+1))
		return append(append(b, s...), 0)
	}
	b := binary.LittleEndian.AppendUint32(nil, 0x0501)
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = lstr(b, class)
	b = lstr(b, "")
	b = lstr(b, "")
	b = binary.LittleEndian.AppendUint32(b, uint32(len(native)))
	return append(b, native...)
}

// olePackage returns the OLE Packager's native data for a file.
func olePackage(label string, data []byte) []byte {
	b := []byte{2, 0}
	b = append(append(b, label...), 0)
	b = append(append(b, `C:\Users\x\`+label...), 0)
	b = append(b, 0, 0, 3, 0)
	tmp := `C:\Temp\` + label + "\x00"
	b = binary.LittleEndian.AppendUint32(b, uint32(len(tmp)))
	b = append(b, tmp...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// rtfObjectGroup returns an RTF \object group with the class and data.
func rtfObjectGroup(class string, data []byte) string {
	return `{\object\objemb{\*\objclass ` + class + `}\objw10\objh10{\*\objdata ` + hex.EncodeToString(data) + "}}"
}

func TestRTF(t *testing.T) {
	pe := mimetest.PE()
	pkg := hex.EncodeToString(ole1("Package", olePackage("invoice.exe", pe)))
	var spaced strings.Builder
	for i, c := range pkg {
		spaced.WriteRune(c)
		if i%7 == 3 {
			spaced.WriteString("\r\n{\\*\\junk 1}\\'41 ")
		}
	}
	tests := []struct {
		name   string
		rtf    string
		active bool
		part   string // a nested part, or ""
		kind   Kind   // its finding
	}{
		{"package", `{\rtf1\ansi ` + rtfObjectGroup("Package", ole1("Package", olePackage("invoice.exe", pe))) + `}`, true, "2/doc.rtf:invoice.exe", KindExecutable},
		{"obfuscated", `{\rtf1{\object\objupdate{\*\objdata ` + spaced.String() + `}}}`, true, "2/doc.rtf:invoice.exe", KindDangerousExtension},
		{"bin", `{\rtf1{\object{\*\objdata \bin` + fmt.Sprint(len(ole1("Package", olePackage("a.js", []byte("x"))))) + " " + string(ole1("Package", olePackage("a.js", []byte("x")))) + `}}}`, true, "2/doc.rtf:a.js", KindDangerousExtension},
		{"equation", `{\rtxyz ` + rtfObjectGroup("Equation.3", ole1("Equation.3", []byte("\x1c\x00junk"))) + `}`, true, "", ""},
		{"word object", `{\rtf1 ` + rtfObjectGroup("Word.Document.8", ole1("Word.Document.8", mimetest.OLE2VBA())) + `}`, false, "2/doc.rtf:object-1", KindMacro},
		{"objclass only", `{\rtf1{\object{\*\objclass OLE2Link}}}`, true, "", ""},
		{"unreadable objdata", `{\rtf1{\object{\*\objdata 0102}}}`, true, "", ""},
		{"plain", `{\rtf1\ansi {\b hello} \par}`, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanAttachment(t, new(Scanner), "doc.rtf", "application/rtf", []byte(tt.rtf))
			if got := hasFinding(r, KindActiveContent, "2"); got != tt.active {
				t.Errorf("%s finding = %v, want %v:\n%s", KindActiveContent, got, tt.active, r)
			}
			if tt.part != "" && !hasFinding(r, tt.kind, tt.part) {
				t.Errorf("no %s finding at %s:\n%s", tt.kind, tt.part, r)
			}
			if o := (Policy{}).Decide(r); (tt.active || tt.part != "") == (o.Result == ActionAccept) {
				t.Errorf("Decide = %v", o)
			}
		})
	}
}

func TestRTFLimits(t *testing.T) {
	pe := mimetest.PE()
	g := rtfObjectGroup("Package", ole1("Package", olePackage("a.txt", pe)))
	two := []byte(`{\rtf1 ` + g + g + `}`)
	tests := []struct {
		name string
		s    Scanner
		kind Kind
	}{
		{"MaxHeldBytes", Scanner{MaxHeldBytes: int64(len(two)) + 300}, KindLimitHeldBytes},
		{"MaxArchiveEntries", Scanner{MaxArchiveEntries: 1}, KindLimitArchiveEntries},
		{"MaxDepth", Scanner{MaxDepth: 1}, KindLimitDepth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanAttachment(t, &tt.s, "doc.rtf", "application/rtf", two)
			if !r.Has(tt.kind) || !r.Truncated {
				t.Errorf("no %s finding or not Truncated:\n%s", tt.kind, r)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide = %v, want no accept", o)
			}
		})
	}
}

// FuzzPDF checks that names written with #xx escapes decode to
// themselves, that a JavaScript action hidden so is found, and scans
// the input as a PDF within the limits.
func FuzzPDF(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		name := strings.Map(func(r rune) rune {
			if r < 0x21 || r > 0x7e {
				return -1
			}
			return r
		}, string(data[:min(len(data), 40)]))
		var esc strings.Builder
		for i := range len(name) {
			fmt.Fprintf(&esc, "#%02X", name[i])
		}
		got, next := pdfName([]byte("/"+esc.String()+" "), 0, make([]byte, 0, 128))
		if string(got) != name || next != 1+esc.Len() {
			t.Fatalf("pdfName(/%s) = %q, %d; want %q", esc.String(), got, next, name)
		}
		var f pdfFacts
		f.scan([]byte("<< /S /"+esc.String()+" >>"), 0)
		if pdfInteresting[name] && f.names[name] != 1 {
			t.Fatalf("scan(/%s) counted %q %d times, want 1", esc.String(), name, f.names[name])
		}
		s := fuzzScanner()
		r := s.ScanFile(context.Background(), "a.pdf", append([]byte("%PDF-1.7\n"), data...))
		checkReport(t, s, r, len(data))
	})
}

// FuzzRTF round-trips data through an OLE Package in a hexadecimal
// \objdata group, whitespace and control words mixed in, and scans
// the input as RTF within the limits.
func FuzzRTF(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		obj := ole1("Package", olePackage("f.bin", data))
		h := hex.EncodeToString(obj)
		var mixed strings.Builder
		for i := range len(h) {
			mixed.WriteByte(h[i])
			if i < len(data) && data[i]%5 == 0 {
				mixed.WriteString(" \\par{\\*\\x}\r\n")
			}
		}
		_, objs, _ := rtfControls([]byte(`{\rtf1{\object{\*\objdata `+mixed.String()+`}}}`), 1<<30)
		if len(objs) != 1 || !bytes.Equal(objs[0].data, obj) {
			t.Fatalf("rtfControls did not give the object back: %d objects", len(objs))
		}
		o, ok := parseOLE1(objs[0].data)
		if !ok || !o.isFile || !bytes.Equal(o.file, data) || o.label != "f.bin" {
			t.Fatalf("parseOLE1 = %+v, %v; want the package of %q", o, ok, data)
		}
		_, objs, _ = rtfControls(data, 64)
		for _, o := range objs {
			if len(o.data) > 64 {
				t.Fatalf("rtfControls(limit 64) = %d bytes", len(o.data))
			}
		}
		s := fuzzScanner()
		r := s.ScanFile(context.Background(), "a.rtf", append([]byte(`{\rtf1`), data...))
		checkReport(t, s, r, len(data))
	})
}

// TestPDFInArchive: a PDF inside a zip is searched whole, as the same PDF
// attached: archive entries of these types were streamed through their
// digest and searched in their first 32 KiB only, so JavaScript placed
// after 40 KiB of padding, or a packaged .exe, passed unseen.
func TestPDFInArchive(t *testing.T) {
	pad := pdfObj(2, "<< /Length 40960 >>", bytes.Repeat([]byte("%"), 40<<10))
	pe := mimetest.PE()
	for _, tt := range []struct {
		name string
		pdf  []byte
		kind Kind
	}{
		{"script after padding", pdfFile(pad, pdfObj(3, "<< /S /JavaScript /JS (app.alert\\(1\\)) >>", nil)), KindActiveContent},
		{"embedded exe after padding", pdfFile(pad,
			pdfObj(4, "<< /Type /Filespec /F (run.exe) /UF (run.exe) /EF << /F 5 0 R >> >>", nil),
			pdfObj(5, "/Type /EmbeddedFile /Filter /FlateDecode", deflate(pe))), KindExecutable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			z := mimetest.Zip(mimetest.ZipEntry{Name: "doc.pdf", Data: tt.pdf})
			r := scanAttachment(t, new(Scanner), "docs.zip", "application/zip", z)
			if !r.Has(tt.kind) {
				t.Errorf("Scan(zip of PDF, %s): no %s finding:\n%s", tt.name, tt.kind, r)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide = %v, want strip or reject", o)
			}
		})
	}
}
