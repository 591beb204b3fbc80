package main

import (
	"bytes"
	"testing"
)

// FuzzSplitFile: an input that is not an mbox is one message, unchanged;
// an mbox splits into messages that each start with "From " and, without
// mboxrd quoting, concatenate back to the input.
func FuzzSplitFile(f *testing.F) {
	f.Add([]byte("Subject: a\n\nbody\n"))
	f.Add([]byte("From a Mon\nSubject: 1\n\nx\nFrom inside\n\nFrom b\n\n>From q\n"))
	f.Add([]byte("From \r\n\r\nFrom \r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms := splitFile("f", b)
		if len(ms) == 0 {
			t.Fatalf("splitFile(%q): no message", b)
		}
		if !bytes.HasPrefix(b, []byte("From ")) {
			if len(ms) != 1 || !bytes.Equal(ms[0].Data, b) {
				t.Fatalf("splitFile(%q) = %d messages, want the input", b, len(ms))
			}
			return
		}
		var all []byte
		for _, m := range ms {
			if !bytes.HasPrefix(m.Data, []byte("From ")) {
				t.Fatalf("message %q does not start with a From line", m.Data)
			}
			all = append(all, m.Data...)
		}
		if !bytes.Contains(b, []byte(">From ")) && !bytes.Equal(all, b) {
			t.Fatalf("messages %q do not add up to %q", all, b)
		}
		if len(all) > len(b) {
			t.Fatalf("messages (%d bytes) longer than the input (%d)", len(all), len(b))
		}
	})
}

// FuzzParseBogofilter: bogofilter's output lines either parse into
// verdicts or give an error, never a panic; each name parsed appears in
// the input.
func FuzzParseBogofilter(f *testing.F) {
	f.Add([]byte("/tmp/a S 1\n/tmp/b H 0.01\n"))
	f.Add([]byte("/x U 0.5\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := parseBogofilter(b)
		if err != nil {
			return
		}
		for name, o := range res {
			if !bytes.Contains(b, []byte(name)) {
				t.Fatalf("name %q not in the input", name)
			}
			if o.Result != "spam" && o.Result != "ham" && o.Result != "unsure" {
				t.Fatalf("result %q", o.Result)
			}
		}
	})
}
