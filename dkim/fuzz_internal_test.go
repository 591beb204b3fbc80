package dkim

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/header"
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

// FuzzReadHeader checks that every field read is CRLF-terminated, that
// the header ends where the module's rule (header.Split) says, and that
// the offset returned and the body left unread add up to the input.
func FuzzReadHeader(f *testing.F) {
	f.Add("A: 1\r\nB: 2\r\n\r\nbody")
	f.Add("A: 1\n\tcont\n\nx")
	f.Add("From x@example.com  Thu Aug 22 13:03:00 2002\nA: 1\nbody line\n")
	f.Fuzz(func(t *testing.T, in string) {
		// A buffer the input fits in: the rule is then followed exactly
		// (see ReadHeader on names longer than the buffer).
		br := bufio.NewReaderSize(strings.NewReader(in), len(in)+16)
		h, n, err := ReadHeader(br, 1<<16)
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
		if n+int64(rest.Len()) != int64(len(in)) {
			t.Fatalf("ReadHeader(%q): offset %d + body %d bytes != %d", in, n, rest.Len(), len(in))
		}
		if _, body, _ := header.Split([]byte(in)); int64(body) != n {
			t.Fatalf("ReadHeader(%q): offset %d, header.Split says %d", in, n, body)
		}
		// Normalizing line ends at most doubles the header's size, plus
		// the CRLF added to an unterminated last line.
		if total > 2*int(n)+2 {
			t.Fatalf("ReadHeader(%d bytes) = %d header bytes from %d", len(in), total, n)
		}
	})
}
