package policy

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkReadRequest reads a Postfix RCPT request (16 attributes).
func BenchmarkReadRequest(b *testing.B) {
	in := []byte(postfixRequest)
	rd := bytes.NewReader(in)
	r := NewReader(rd, Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		rd.Reset(in)
		r.br.Reset(rd)
		if _, err := r.ReadRequest(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteResponse writes a greylisting answer.
func BenchmarkWriteResponse(b *testing.B) {
	action := DeferIfPermit("Greylisted, see https://example.org/greylisting")
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteResponse(io.Discard, action); err != nil {
			b.Fatal(err)
		}
	}
}
