package dkim

import (
	"bytes"
	"testing"
)

// FuzzBodyHasher checks the streaming body canonicalizer against the
// whole-body reference, whatever the split of the writes, and that the
// partial line it holds stays bounded.
func FuzzBodyHasher(f *testing.F) {
	f.Add([]byte(" C \r\nD \t E\r\n\r\n\r\n"), uint16(3), true)
	f.Add([]byte("a\nb\r\n\r\n"), uint16(1), false)
	f.Fuzz(func(t *testing.T, body []byte, split uint16, relaxed bool) {
		c := Simple
		if relaxed {
			c = Relaxed
		}
		want := refBody(body, c)
		chunk := int(split)%64 + 1
		got, n := canonChunks(body, c, -1, chunk)
		if !bytes.Equal(got, want) || n != int64(len(want)) {
			t.Fatalf("canon %s(%q) in %d-byte writes = %q (n=%d), want %q", c, body, chunk, got, n, want)
		}
		var out capture
		b := newBodyHasher(&out, c, -1)
		for range 3 {
			b.Write(body)
			if len(b.carry) > maxCarry+len(body) {
				t.Fatalf("carry grew to %d bytes", len(b.carry))
			}
		}
	})
}

// FuzzReadHeader checks that every field read is CRLF-terminated and
// that the fields and the body together hold the input's text.
func FuzzReadHeader(f *testing.F) {
	f.Add("A: 1\r\nB: 2\r\n\r\nbody")
	f.Add("A: 1\n\tcont\n\nx")
	f.Fuzz(func(t *testing.T, in string) {
		br := bufioReader(in)
		h, err := ReadHeader(br, 1<<16)
		if err != nil {
			return
		}
		total := 0
		for _, f := range h {
			if len(f.Raw) < 2 || f.Raw[len(f.Raw)-2:] != "\r\n" {
				t.Fatalf("field %q not CRLF-terminated", f.Raw)
			}
			total += len(f.Raw)
		}
		var rest bytes.Buffer
		rest.ReadFrom(br)
		// Normalizing line ends at most doubles the header's size, plus
		// the CRLF added to an unterminated last line.
		if total > 2*len(in)+2 || rest.Len() > len(in) {
			t.Fatalf("ReadHeader(%d bytes) = %d header bytes, %d body bytes", len(in), total, rest.Len())
		}
	})
}
