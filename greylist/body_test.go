package greylist_test

import (
	"testing"

	"github.com/spamkit/spamkit/greylist"
)

func digest(chunks ...string) greylist.BodyDigest {
	var h greylist.BodyHash
	for _, c := range chunks {
		h.Write([]byte(c))
	}
	return h.Sum()
}

func TestBodyHashNormalization(t *testing.T) {
	same := [][]string{
		{"a\nb\n", "a\r\nb\r\n", "a \t\nb\n\n\n", "a\nb"},
		{"a b\n", "a  b\n", "a\tb\n", "a \t b   \r\n"},
		{"", "\r\n\r\n", "   \n", " "},
		{"\n\na\n", "\r\n\r\na"},
	}
	for _, group := range same {
		want := digest(group[0])
		for _, in := range group[1:] {
			if got := digest(in); got != want {
				t.Errorf("digest(%q) != digest(%q): normalized alike", in, group[0])
			}
		}
	}
	// A CRLF split between two writes.
	if digest("a\r", "\nb\r\n\r\n") != digest("a\nb\n") {
		t.Error("a CRLF split between writes is not a line end")
	}
	differ := [][2]string{
		{"a\nb\n", "a\n\nb\n"},
		{"ab\n", "a b\n"},
		{"a\n", "\na\n"},
		{"a\rb\n", "a\nb\n"},
		{"", "x"},
		{"a\n", "A\n"},
	}
	for _, p := range differ {
		if digest(p[0]) == digest(p[1]) {
			t.Errorf("digest(%q) == digest(%q), want different", p[0], p[1])
		}
	}
}

func TestBodyHashChunks(t *testing.T) {
	body := "Hello  there,\r\n\r\nA  line with trailing space   \r\nlast\r\n\r\n"
	want := digest(body)
	var h greylist.BodyHash
	for i := 0; i < len(body); i++ {
		h.Write([]byte{body[i]})
		if i == 10 {
			h.Sum() // Sum midway does not disturb the running hash
		}
	}
	if got := h.Sum(); got != want || h.Sum() != want {
		t.Errorf("byte-by-byte digest %v, want %v", got, want)
	}
	// Past the internal buffer.
	big := make([]byte, 10000)
	for i := range big {
		big[i] = 'a' + byte(i%26)
		if i%70 == 69 {
			big[i] = '\n'
		}
	}
	if digest(string(big)) != digest(string(big[:5000]), string(big[5000:])) {
		t.Error("digest of a large body depends on its chunks")
	}
	if s := want.String(); len(s) != 64 {
		t.Errorf("String = %q, want 64 hex digits", s)
	}
}
