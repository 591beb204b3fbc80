package mime

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// findings renders a report's findings as "kind@path" for comparison.
func findings(r Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Kind)+"@"+f.Path)
	}
	return out
}

// scan scans msg and checks the properties every report has (see
// checkReport).
func scan(t *testing.T, s *Scanner, msg []byte) Report {
	t.Helper()
	r := s.Scan(context.Background(), msg)
	checkReport(t, s, r, len(msg))
	return r
}

func att(name, typ string, data []byte) mimetest.Attachment {
	return mimetest.Attachment{Name: name, Type: typ, Data: data}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sevenZip returns a 7z signature header pointing at an encoded header
// whose coders are LZMA, and 7zAES if aes.
func sevenZip(aes bool) []byte {
	next := []byte{0x17, 0x06, 0x00, 0x01, 0x09, 0x20, 0x00, 0x07, 0x0b, 0x01, 0x00, 0x01, 0x23, 0x03, 0x01, 0x01, 0x05, 0x5d}
	if aes {
		next = append(next, 0x24, 0x06, 0xf1, 0x07, 0x01, 0x0a, 0x53)
	}
	b := []byte("7z\xbc\xaf\x27\x1c\x00\x04")
	b = append(b, make([]byte, 24)...)
	b = append(b, "packed-stream"...)
	binary.LittleEndian.PutUint64(b[12:], uint64(len("packed-stream")))
	binary.LittleEndian.PutUint64(b[20:], uint64(len(next)))
	return append(b, next...)
}

func TestScanDetection(t *testing.T) {
	pe := mimetest.PE()
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	inner := mimetest.Message("fwd", "see attached", att("tool.scr", "", []byte("plain bytes")))
	tests := []struct {
		name string
		msg  []byte
		want []string // findings, in order
	}{
		{"clean pdf", mimetest.Message("s", "hello", att("report.pdf", "application/pdf", pdf)), nil},
		{"clean zip of pdf", mimetest.Message("s", "hello", att("r.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "docs/report.pdf", Data: pdf}))), nil},
		{"dangerous extension", mimetest.Message("s", "x", att("setup.scr", "", []byte("text"))), []string{"dangerous-extension@2"}},
		{"extension case", mimetest.Message("s", "x", att("RUN.BaT", "", []byte("echo"))), []string{"dangerous-extension@2"}},
		{"double extension", mimetest.Message("s", "x", att("invoice.pdf.exe", "", []byte("text"))), []string{"dangerous-extension@2", "double-extension@2"}},
		{"trailing dots and spaces", mimetest.Message("s", "x", att("invoice.pdf.exe . .", "", []byte("text"))), []string{"dangerous-extension@2", "double-extension@2"}},
		{"padded double extension", mimetest.Message("s", "x", att("invoice.pdf                    .js", "", []byte("text"))), []string{"dangerous-extension@2", "double-extension@2"}},
		{"version number is no double extension", mimetest.Message("s", "x", att("setup-1.2.exe", "", []byte("text"))), []string{"dangerous-extension@2"}},
		{"rtlo", mimetest.Message("s", "x", att("invoice\u202efdp.scr", "", []byte("text"))), []string{"rtlo@2", "dangerous-extension@2"}},
		{"lookalike", mimetest.Message("s", "x", att("inv\u043eice.pdf", "application/pdf", []byte("%PDF-1.4\n"))), []string{"lookalike@2"}},
		{"cyrillic name with latin extension", mimetest.Message("s", "x", att("\u0421\u0447\u0451\u0442.pdf", "application/pdf", []byte("%PDF-1.4\n"))), nil},
		{"japanese name", mimetest.Message("s", "x", att("請求書 Invoice.pdf", "application/pdf", []byte("%PDF-1.4\n"))), nil},
		{"pe named pdf", mimetest.Message("s", "x", att("invoice.pdf", "application/pdf", pe)), []string{"executable@2", "type-mismatch@2"}},
		{"pe named txt", mimetest.Message("s", "x", att("readme.txt", "application/octet-stream", pe)), []string{"executable@2"}},
		{"pe named jpg, declared octet-stream", mimetest.Message("s", "x", att("photo.jpg", "", pe)), []string{"executable@2", "type-mismatch@2"}},
		{"elf", mimetest.Message("s", "x", att("a.bin", "", []byte("\x7fELF\x02\x01\x01\x00rest"))), []string{"executable@2"}},
		{"docm", mimetest.Message("s", "x", att("report.docm", "application/vnd.ms-word.document.macroEnabled.12", mimetest.Docm())), []string{"macro@2"}},
		{"ole2 doc with vba", mimetest.Message("s", "x", att("report.doc", "application/msword", mimetest.OLE2VBA())), []string{"macro@2"}},
		{"encrypted zip", mimetest.Message("s", "x", att("secret.zip", "application/zip", mimetest.Zip(
			mimetest.ZipEntry{Name: "a.exe", Data: pe, Encrypted: true},
			mimetest.ZipEntry{Name: "b.txt", Data: []byte("hi"), Encrypted: true}))),
			[]string{"dangerous-extension@2/secret.zip:a.exe", "encrypted@2"}},
		{"html form attachment", mimetest.Message("s", "x", att("login.html", "text/html", []byte(`<html><body><form action="https://evil.example/"><input name=p></form></body></html>`))), []string{"html-active@2"}},
		{"inline html without attachment is not judged", []byte("Content-Type: text/html\r\n\r\n<html><script>x()</script></html>\r\n"), nil},
		{"7z", mimetest.Message("s", "x", att("a.7z", "", sevenZip(false))), []string{"unsupported-archive@2"}},
		// A header this reader cannot parse is content not inspected
		// (real encrypted 7z archives: TestSevenZipNotInspected).
		{"7z broken header naming 7zAES", mimetest.Message("s", "x", att("a.7z", "", sevenZip(true))), []string{"unsupported-archive@2"}},
		{"rar corrupt", mimetest.Message("s", "x", att("a.rar", "", []byte("Rar!\x1a\x07\x01\x00rest"))), []string{"malformed@2"}},
		{"rar", mimetest.Message("s", "x", att("a.rar", "", mimetest.RAR5(mimetest.ZipEntry{Name: "docs/invoice.pdf.exe", Data: pe}, mimetest.ZipEntry{Name: "b.txt", Data: []byte("hi")}))),
			[]string{"dangerous-extension@2/a.rar:docs/invoice.pdf.exe", "double-extension@2/a.rar:docs/invoice.pdf.exe", "executable@2/a.rar:docs/invoice.pdf.exe"}},
		{"rar encrypted entries", mimetest.Message("s", "x", att("a.rar", "", mimetest.RAR5(mimetest.ZipEntry{Name: "a.scr", Data: pe, Encrypted: true}))),
			[]string{"dangerous-extension@2/a.rar:a.scr", "encrypted@2"}},
		{"rar encrypted headers", mimetest.Message("s", "x", att("a.rar", "", mimetest.RAR5HeaderEncrypted())), []string{"encrypted@2"}},
		{"zip in zip", mimetest.Message("s", "x", att("a.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "b.zip", Data: mimetest.Zip(mimetest.ZipEntry{Name: "c.exe", Data: pe})}))),
			[]string{"dangerous-extension@2/a.zip:b.zip:c.exe", "executable@2/a.zip:b.zip:c.exe"}},
		{"gzip", mimetest.Message("s", "x", att("tool.gz", "", mimetest.Gzip("tool", pe))), []string{"executable@2/tool.gz:tool"}},
		{"tar", mimetest.Message("s", "x", att("a.tar", "", mimetest.Tar(mimetest.ZipEntry{Name: "bin/run.sh.exe", Data: pe}))),
			[]string{"dangerous-extension@2/a.tar:bin/run.sh.exe", "double-extension@2/a.tar:bin/run.sh.exe", "executable@2/a.tar:bin/run.sh.exe"}},
		{"tar.gz", mimetest.Message("s", "x", att("a.tgz", "", mimetest.Gzip("", mimetest.Tar(mimetest.ZipEntry{Name: "x.exe", Data: pe})))),
			[]string{"dangerous-extension@2/a.tgz:a.tar:x.exe", "executable@2/a.tgz:a.tar:x.exe"}},
		{"bzip2", mimetest.Message("s", "x", att("setup.exe.bz2", "application/x-bzip2", readFile(t, "testdata/setup.exe.bz2"))),
			[]string{"dangerous-extension@2/setup.exe.bz2:setup.exe", "executable@2/setup.exe.bz2:setup.exe"}},
		{"forwarded message", mimetest.Message("s", "x", att("fwd.eml", "message/rfc822", inner)), []string{"dangerous-extension@2.2"}},
		{"message/rfc822 7bit", bytes.ReplaceAll(mimetest.Message("s", "x"), []byte("--b1--"), append(append([]byte("--b1\r\nContent-Type: message/rfc822\r\n\r\n"), bytes.ReplaceAll(inner, []byte("b1"), []byte("b2"))...), "\r\n--b1--"...)),
			[]string{"dangerous-extension@2.2"}},
		{"message/rfc822 reusing the boundary", bytes.ReplaceAll(mimetest.Message("s", "x"), []byte("--b1--"), append(append([]byte("--b1\r\nContent-Type: message/rfc822\r\n\r\n"), inner...), "\r\n--b1--"...)),
			[]string{"malformed@2.0", "malformed@2.0", "dangerous-extension@4"}},
		{"zip declared as text", mimetest.Message("s", "x", att("notes.txt", "text/plain", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: []byte("hi")}))), []string{"type-mismatch@2"}},
		{"filename and name disagree", []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n" +
			"Content-Type: application/octet-stream; name=\"invoice.exe\"\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\n\r\ntext\r\n--b--\r\n"),
			[]string{"dangerous-extension@2"}},
		{"filename and name agree", []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n" +
			"Content-Type: application/octet-stream; name=\"run.exe\"\r\nContent-Disposition: attachment; filename=\"run.exe\"\r\n\r\ntext\r\n--b--\r\n"),
			[]string{"dangerous-extension@2"}},
		{"NUL in RFC 2231 filename", []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n" +
			"Content-Disposition: attachment; filename*=UTF-8''invoice.pdf.exe%00.pdf\r\n\r\ntext\r\n--b--\r\n"),
			[]string{"dangerous-extension@2", "double-extension@2"}},
		{"NUL in zip entry name", mimetest.Message("s", "x", att("a.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "run.scr\x00.txt", Data: []byte("hi")}))),
			[]string{"dangerous-extension@2/a.zip:run.scr\x00.txt"}},
		{"nested boundary extending the close delimiter", []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n" +
			"Content-Type: multipart/mixed; boundary=\"b--x\"\r\n\r\n--b--x\r\nContent-Disposition: attachment; filename=run.scr\r\n\r\ntext\r\n--b--x--\r\n\r\n--b--\r\n"),
			[]string{"dangerous-extension@2.1", "malformed@0"}},
		{"space before the colon", []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n" +
			"Content-Disposition : attachment; filename=run.scr\r\n\r\ntext\r\n--b--\r\n"),
			[]string{"dangerous-extension@2"}},
		{"boundary holding the word boundary", []byte("Content-Type: multipart/mixed; boundary=\"simple boundary\"\r\n\r\n--simple boundary\r\n\r\nhi\r\n--simple boundary--\r\n"), nil},
		{"two boundary parameters", []byte("Content-Type: multipart/mixed; boundary=a; boundary=b\r\n\r\n--a\r\n\r\nhi\r\n--a--\r\n"), []string{"malformed@0"}},
		{"encoding with a comment", []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n" +
			"Content-Type: image/jpeg; name=photo.jpg\r\nContent-Transfer-Encoding: base64 (photo)\r\n\r\n" + base64.StdEncoding.EncodeToString(pe) + "\r\n--b--\r\n"),
			[]string{"executable@2", "type-mismatch@2"}},
		{"encoding with a parameter", []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n" +
			"Content-Type: image/jpeg; name=photo.jpg\r\nContent-Transfer-Encoding: BASE64; x=y\r\n\r\n" + base64.StdEncoding.EncodeToString(pe) + "\r\n--b--\r\n"),
			[]string{"malformed@2", "executable@2", "type-mismatch@2"}},
		{"docm with names in another case", mimetest.Message("s", "x", att("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", mimetest.Zip(
			mimetest.ZipEntry{Name: "[CONTENT_TYPES].XML", Data: []byte(`<?xml version="1.0"?><Types/>`)},
			mimetest.ZipEntry{Name: "WORD/VBAPROJECT.BIN", Data: []byte("vba")}))),
			[]string{"macro@2"}},
		{"mislabelled zip", mimetest.Message("s", "x", att("photo.png", "image/png", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: []byte("hi")}))), []string{"type-mismatch@2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := scan(t, &Scanner{}, tt.msg)
			if got := findings(r); !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%s) findings = %q, want %q\n%s", tt.name, got, tt.want, r)
			}
			if r.Truncated {
				t.Errorf("Scan(%s).Truncated = true, want false", tt.name)
			}
		})
	}
}

func TestScanParts(t *testing.T) {
	pe := mimetest.PE()
	z := mimetest.Zip(mimetest.ZipEntry{Name: "docs/a.exe", Data: pe})
	msg := mimetest.Message("s", "hello", att("a.zip", "application/zip", z))
	r := scan(t, &Scanner{}, msg)
	type row struct {
		Path, Declared, Detected, Filename string
		Size                               int64
		Depth                              int
		Container                          bool
	}
	var got []row
	for _, p := range r.Parts {
		got = append(got, row{p.Path, p.DeclaredType, p.DetectedType, p.Filename, p.Size, p.Depth, p.Container})
	}
	want := []row{
		{"0", "multipart/mixed", "", "", 0, 0, true},
		{"1", "text/plain", "text/plain", "", 5, 1, false},
		{"2", "application/zip", "application/zip", "a.zip", 0, 1, true},
		{"2/a.zip:docs/a.exe", "", typePE, "docs/a.exe", int64(len(pe)), 2, false},
	}
	want[2].Size = int64(len(z))
	if !slices.Equal(got, want) {
		t.Errorf("Scan parts = %+v,\nwant %+v", got, want)
	}
	if want := sha256.Sum256(pe); r.Parts[3].SHA256 != want {
		t.Errorf("SHA256 of a.exe = %x, want %x", r.Parts[3].SHA256, want)
	}
	if want := sha256.Sum256([]byte("hello")); r.Parts[1].SHA256 != want {
		t.Errorf("SHA256 of the text = %x, want %x", r.Parts[1].SHA256, want)
	}
	if want := sha256.Sum256(z); r.Parts[2].SHA256 != want {
		t.Errorf("SHA256 of the zip = %x, want %x", r.Parts[2].SHA256, want)
	}
	if r.Parts[0].SHA256 != ([32]byte{}) {
		t.Errorf("SHA256 of the multipart = %x, want zero", r.Parts[0].SHA256)
	}
	if r.Parts[1].TextDigest != textDigest([]byte("hello"), "utf-8", false) || r.Parts[3].TextDigest != ([32]byte{}) {
		t.Errorf("TextDigest = %x (text), %x (exe); want that of \"hello\", zero", r.Parts[1].TextDigest, r.Parts[3].TextDigest)
	}
	if !strings.Contains(r.String(), "part 2/a.zip:docs/a.exe (detected "+typePE+") \"docs/a.exe\" 256 bytes") {
		t.Errorf("Report.String() =\n%s\nlacks the exe's line", r)
	}
}

func TestScanFile(t *testing.T) {
	z := mimetest.Zip(mimetest.ZipEntry{Name: "a.pif", Data: []byte("x")})
	r := new(Scanner).ScanFile(context.Background(), "x.zip", z)
	if got, want := findings(r), []string{"dangerous-extension@x.zip:a.pif"}; !slices.Equal(got, want) {
		t.Errorf("ScanFile(x.zip) = %q, want %q", got, want)
	}
}

func TestDangerousExtensionsOverride(t *testing.T) {
	msg := mimetest.Message("s", "x", att("a.exe", "", []byte("t")), att("b.xyz", "", []byte("t")))
	r := scan(t, &Scanner{DangerousExtensions: []string{".XYZ"}}, msg)
	if got, want := findings(r), []string{"dangerous-extension@3"}; !slices.Equal(got, want) {
		t.Errorf("Scan with DangerousExtensions [.XYZ] = %q, want %q", got, want)
	}
}

func TestTextDigestCollides(t *testing.T) {
	a := "Dear  Friend,\r\nClaim your prize at https://win.example/claim?id=1234&u=bob now!"
	b := "dear friend,\nCLAIM your\u200b prize at https://win.example/claim?id=9876#x  now!"
	c := "Dear friend, claim your prize at https://other.example/claim now!"
	if textDigest([]byte(a), "", false) != textDigest([]byte(b), "", false) {
		t.Errorf("textDigest of two randomized copies differ, want equal")
	}
	if textDigest([]byte(a), "", false) == textDigest([]byte(c), "", false) {
		t.Errorf("textDigest of different URLs are equal, want different")
	}
	h := "<html><style>p{}</style><p>Dear friend,</p><p>claim your prize at <a href=x>https://win.example/claim?id=5</a> now!</p>"
	if textDigest([]byte(h), "", true) != textDigest([]byte(a), "", false) {
		t.Errorf("textDigest of the HTML copy differs from the text copy, want equal")
	}
}

// TestScanConcurrent scans from many goroutines with one Scanner, as its
// documentation allows; run under -race.
func TestScanConcurrent(t *testing.T) {
	s := &Scanner{DangerousExtensions: []string{"exe", "js"}}
	msg := mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "b.js", Data: []byte("x")})))
	want := findings(scan(t, s, msg))
	done := make(chan []string)
	for range 8 {
		go func() {
			r := s.Scan(context.Background(), msg)
			done <- findings(r)
		}()
	}
	for range 8 {
		if got := <-done; !slices.Equal(got, want) {
			t.Errorf("concurrent Scan findings = %q, want %q", got, want)
		}
	}
}

// TestZip64LocatorShortArchive: a zip64 end-of-central-directory locator
// pointing at an end record that would run past the end of a 50-byte
// archive is malformed input, not a panic.
func TestZip64LocatorShortArchive(t *testing.T) {
	d := make([]byte, 50)
	copy(d, "PK\x03\x04")
	copy(d[8:], "PK\x06\x07")                 // zip64 locator, 20 bytes before the end record
	binary.LittleEndian.PutUint64(d[16:], 24) // offset of the zip64 end record
	copy(d[24:], "PK\x06\x06")                // its signature, with 26 bytes after it, not 56
	copy(d[28:], "PK\x05\x06")                // end of central directory
	binary.LittleEndian.PutUint16(d[38:], 0xFFFF)
	r := (&Scanner{}).ScanFile(context.Background(), "a.zip", d)
	if len(r.Parts) == 0 || r.Parts[0].Path != "a.zip" || r.Parts[0].DetectedType != typeZip {
		t.Fatalf("ScanFile(short zip64) parts = %v, want a.zip detected as zip", r.Parts)
	}
	if len(r.Findings) == 0 {
		t.Errorf("ScanFile(short zip64) findings = none, want the archive reported\n%s", r)
	}
}

func TestActiveHTML(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`<p>plain text</p>`, nil},
		{`<form action=x>`, []string{"form"}},
		{`<body onload="x()">`, []string{"onload handler"}},
		{`<img src=x onerror = "x()">`, []string{"onerror handler"}},
		{`<!-- xonerror --><img src=x onerror=x()>`, []string{"onerror handler"}},
		{`<img src="x"onerror=x()>`, []string{"onerror handler"}},
		{"<img src=x\r\nonerror=x()>", []string{"onerror handler"}},
		{`<p>download onload files</p>`, nil},
		{`<a href="javascript:x()">`, []string{"javascript: URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := activeHTML([]byte(tt.in)); !slices.Equal(got, tt.want) {
				t.Errorf("activeHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestTarEntryTypes: tar entries of types other than '0' with content
// (contiguous '7', unknown types, which GNU tar extracts as regular
// files) are inspected; links and directories have none.
func TestTarEntryTypes(t *testing.T) {
	pe := mimetest.PE()
	for _, tt := range []struct {
		flag byte
		want []string
	}{
		{tar.TypeReg, []string{"dangerous-extension@a.tar:x.exe", "executable@a.tar:x.exe"}},
		{tar.TypeCont, []string{"dangerous-extension@a.tar:x.exe", "executable@a.tar:x.exe"}},
		{'Q', []string{"dangerous-extension@a.tar:x.exe", "executable@a.tar:x.exe"}},
		{tar.TypeSymlink, nil},
		{tar.TypeDir, nil},
	} {
		t.Run(string(tt.flag), func(t *testing.T) {
			var b bytes.Buffer
			w := tar.NewWriter(&b)
			h := &tar.Header{Name: "x.exe", Mode: 0o644, Typeflag: tt.flag, Format: tar.FormatGNU}
			data := pe
			switch tt.flag {
			case tar.TypeSymlink, tar.TypeDir:
				h.Linkname, data = "y", nil
			}
			h.Size = int64(len(data))
			if err := w.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			w.Write(data)
			w.Close()
			r := (&Scanner{}).ScanFile(context.Background(), "a.tar", b.Bytes())
			if got := findings(r); !slices.Equal(got, tt.want) {
				t.Errorf("ScanFile(tar type %q) findings = %q, want %q\n%s", tt.flag, got, tt.want, r)
			}
		})
	}
}

// TestZipUnicodePath: a zip entry whose Info-ZIP Unicode Path extra
// field (which 7-Zip and WinRAR extract under) names an .exe while its
// header names a .pdf is reported; a field whose CRC-32 does not match
// the header name is ignored, as those tools ignore it.
func TestZipUnicodePath(t *testing.T) {
	for _, tt := range []struct {
		name string
		crc  uint32
		want []string
	}{
		{"matching", crc32.ChecksumIEEE([]byte("invoice.pdf")), []string{"dangerous-extension@a.zip:invoice.pdf"}},
		{"stale", crc32.ChecksumIEEE([]byte("other")), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			field := binary.LittleEndian.AppendUint16(nil, 0x7075)
			field = binary.LittleEndian.AppendUint16(field, uint16(5+len("invoice.exe")))
			field = append(field, 1)
			field = binary.LittleEndian.AppendUint32(field, tt.crc)
			field = append(field, "invoice.exe"...)
			var b bytes.Buffer
			w := zip.NewWriter(&b)
			f, err := w.CreateHeader(&zip.FileHeader{Name: "invoice.pdf", Method: zip.Deflate, Extra: field})
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte("%PDF-1.4\n"))
			w.Close()
			r := (&Scanner{}).ScanFile(context.Background(), "a.zip", b.Bytes())
			if got := findings(r); !slices.Equal(got, tt.want) {
				t.Errorf("ScanFile(zip with %s Unicode Path) findings = %q, want %q\n%s", tt.name, got, tt.want, r)
			}
		})
	}
}
