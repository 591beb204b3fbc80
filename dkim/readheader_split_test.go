package dkim

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/header"
)

// TestReadHeaderAgreesWithSplit checks that ReadHeader ends the header
// where the module's one rule (header.Split, which mime and rbl follow)
// does, for lines longer than ReadHeader's buffer too: a field name
// longer than the buffer made ReadHeader take the line as body while
// Split read it as a field, so a From below it was the author for mime
// and rbl and no field at all for dkim and dmarc.
func TestReadHeaderAgreesWithSplit(t *testing.T) {
	long := strings.Repeat("a", 5000)
	msgs := []string{
		long + ": v\r\nFrom: ceo@bank.example\r\n\r\nbody\r\n",
		"X: 1\r\n" + long + ": v\r\nFrom: ceo@bank.example\r\n\r\nbody\r\n",
		strings.Repeat("b", 997) + ": v\r\nFrom: ceo@bank.example\r\n\r\nbody\r\n",
		strings.Repeat("b", 998) + ": v\r\nFrom: ceo@bank.example\r\n\r\nbody\r\n",
		"From x\r\n" + long + ": v\r\nFrom: ceo@bank.example\r\n\r\nbody\r\n",
		"X: " + long + "\r\nFrom: ceo@bank.example\r\n\r\nbody\r\n",
		"From " + long + "\r\nFrom: ceo@bank.example\r\n\r\nbody\r\n",
	}
	for i, msg := range msgs {
		_, want, _ := header.Split([]byte(msg))
		for _, size := range []int{1024, 4096, 64 << 10} {
			h, n, err := ReadHeader(bufio.NewReaderSize(bytes.NewReader([]byte(msg)), size), 0)
			if err != nil {
				t.Fatalf("msg %d, buffer %d: ReadHeader: %v", i, size, err)
			}
			if int(n) != want {
				t.Errorf("msg %d, buffer %d: ReadHeader's body offset = %d (%d fields), want %d (header.Split)", i, size, n, len(h), want)
			}
			if strings.Contains(msg, "\r\nFrom: ") && len(fromFieldsOf(h)) != 1 {
				t.Errorf("msg %d, buffer %d: ReadHeader found %d From fields, want the one below the long line", i, size, len(fromFieldsOf(h)))
			}
		}
	}
}

// fromFieldsOf returns the From fields of h.
func fromFieldsOf(h Header) []Field {
	var fs []Field
	for _, f := range h {
		if strings.EqualFold(f.Name, "From") {
			fs = append(fs, f)
		}
	}
	return fs
}
