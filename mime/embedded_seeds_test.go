package mime

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// embeddedSeeds are the seed corpus of the fuzz targets of the readers
// of embedded content, written to testdata/fuzz with -update.
func embeddedSeeds() map[string]map[string][]byte {
	pe := mimetest.PE()
	return map[string]map[string][]byte{
		"FuzzUUDecode": {
			"pe":     pe,
			"text":   []byte("hello, world\n"),
			"blocks": append(append(uuEncode("a.exe", pe), base64Begin("b.exe", []byte("xyz"))...), "begin 644 c\nM\nend\n"...),
			"noend":  []byte("begin 644 a.exe\n#86)C\n"),
		},
		"FuzzTNEF": {
			"pe":       tnefStream(tnefFile{Title: "A~1.EXE", LongName: "invoice.pdf.exe", Data: pe}),
			"embedded": tnefStream(tnefFile{Title: "Fwd", Message: tnefStream(tnefFile{Title: "a.exe", Data: pe})}),
			"two":      tnefStream(tnefFile{Title: "a.txt", Data: []byte("hi")}, tnefFile{LongName: "b.js"}),
			"cut":      tnefStream(tnefFile{Title: "a.exe", Data: pe})[:100],
		},
		"FuzzPDF": {
			"js":      pdfFile(pdfObj(3, "<< /S /J#61vaScript /JS (x) >>", nil)),
			"objstm":  pdfFile(objStm(5, "<< /OpenAction 11 0 R >>", "<< /S /Launch /F (cmd.exe) >>")),
			"ef":      pdfFile(pdfObj(4, "<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>", nil), pdfObj(5, "/Type /EmbeddedFile /Filter /FlateDecode", deflate(pe))),
			"strings": []byte(`/URI (a\\b\051\)c\n) /F <6162 63> /UF (unterminated`),
		},
		"FuzzRTF": {
			"package":  []byte(`{\rtf1 ` + rtfObjectGroup("Package", ole1("Package", olePackage("a.exe", pe))) + `}`),
			"equation": []byte(`{\rtf1{\object\objupdate{\*\objclass Equation.3}{\*\objdata 0105000002000000{\*\x 1}\'41 0b000000}}}`),
			"bin":      []byte(`{\rtf1{\object{\*\objdata \bin4 abcd}}}{\*\objdata \bin99999999 x`),
		},
		"FuzzYEnc": {
			"pe":        pe,
			"critical":  []byte("\x00\n\r=\xd6\xe0\xe3\x13"),
			"blocks":    yEncode("a.exe", pe, 16),
			"multipart": []byte("=ybegin part=1 total=2 line=128 size=6 name=a.exe\r\n=ypart begin=1 end=3\r\nw\x84\x8b\r\n=yend size=3 part=1 pcrc32=deadbeef\r\n"),
		},
	}
}

// TestEmbeddedFuzzSeeds checks that testdata/fuzz holds the seeds of
// embeddedSeeds (and writes them with -update).
func TestEmbeddedFuzzSeeds(t *testing.T) {
	for target, seeds := range embeddedSeeds() {
		dir := filepath.Join("testdata", "fuzz", target)
		for name, v := range seeds {
			file := filepath.Join(dir, name)
			want := seedFile(target, v)
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("seed %s: %v (run go test -run TestEmbeddedFuzzSeeds -update)", file, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("seed %s is stale (run go test -run TestEmbeddedFuzzSeeds -update)", file)
			}
		}
	}
}
