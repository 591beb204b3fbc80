package mime

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// TestEmbeddedBombMemory: the readers of embedded content keep the
// package's 64 MiB peak heap bound on their bombs: PDF object streams
// and embedded files of zeros (each stopped by MaxRatio), RTF object
// data of megabytes of hex, yEnc blocks, and TNEF attachments nested
// in embedded messages.
func TestEmbeddedBombMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("bomb memory measured without -short")
	}
	zeros := mimetest.ZlibZeros(32)
	var objs []string
	for i := range 6 {
		objs = append(objs, pdfObj(5+i, "/Type /ObjStm /Filter /FlateDecode", zeros))
		objs = append(objs, pdfObj(100+i, "/Type /EmbeddedFile /Filter /FlateDecode", zeros))
	}
	pdf := pdfFile(objs...)
	hexZeros := strings.Repeat("00", 8<<20)
	rtf := []byte(`{\rtf1{\object{\*\objdata ` + hexZeros + `}}{\object{\*\objdata ` + hexZeros + `}}}`)
	var yenc bytes.Buffer
	for i := range 4 {
		yenc.Write(yEncode(fmt.Sprintf("f%d.bin", i), make([]byte, 6<<20), 4096))
	}
	tnef := tnefStream(tnefFile{Title: "a", Data: make([]byte, 16<<20)})
	for range 6 {
		tnef = tnefStream(tnefFile{Title: "m", Message: tnef}, tnefFile{Title: "b", Data: make([]byte, 4<<20)})
	}
	tests := []struct {
		name string
		msg  []byte
		kind Kind
	}{
		{"pdf", mimetest.Message("s", "x", mimetest.Attachment{Name: "a.pdf", Data: pdf}), KindLimitRatio},
		{"rtf", mimetest.Message("s", "x", mimetest.Attachment{Name: "a.rtf", Data: rtf}), KindActiveContent},
		{"yenc", mimetest.Message("s", "x", mimetest.Attachment{Type: "text/plain", Data: yenc.Bytes()}), KindLimitTextBytes},
		{"tnef", mimetest.Message("s", "x", mimetest.Attachment{Name: "winmail.dat", Data: tnef}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Report
			m := mimetest.Measure(func() { r = new(Scanner).Scan(context.Background(), tt.msg) })
			t.Logf("%s: %d-byte message: %v", tt.name, len(tt.msg), m)
			if m.Peak > 64<<20 {
				t.Errorf("peak heap %d MiB, want at most 64 MiB", m.Peak>>20)
			}
			if tt.kind != "" && !r.Has(tt.kind) {
				t.Errorf("no %s finding:\n%.3000s", tt.kind, r)
			}
		})
	}
}
