package main

import (
	"bytes"
	"testing"
)

// FuzzSplitMbox: messages split from an mbox, written back as an mboxrd
// (From_ line, body lines quoted, an empty line between), split into the
// same messages; and no message is longer than the input.
func FuzzSplitMbox(f *testing.F) {
	f.Add([]byte("From a Mon\nSubject: x\n\nbody\n>From here\n\nFrom b Tue\nSubject: y\n\nz\n"))
	f.Add([]byte("From a\r\nX: y\r\n\r\nFrom  not a separator\r\n"))
	f.Add([]byte("From \n\nFrom \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs := splitMbox(b)
		var mbox []byte
		for _, m := range msgs {
			if len(m) > len(b) {
				t.Fatalf("a message of %d bytes from %d", len(m), len(b))
			}
			if !bytes.HasSuffix(m, []byte("\n")) && len(m) > 0 {
				// A last line without its end: the round trip needs one.
				return
			}
			mbox = append(mbox, "From x\n"...)
			for _, line := range bytes.SplitAfter(m, []byte("\n")) {
				if q := bytes.TrimLeft(line, ">"); bytes.HasPrefix(q, []byte("From ")) {
					mbox = append(mbox, '>')
				}
				mbox = append(mbox, line...)
			}
			mbox = append(mbox, '\n')
		}
		again := splitMbox(mbox)
		if len(again) != len(msgs) {
			t.Fatalf("%d messages, then %d after the round trip", len(msgs), len(again))
		}
		for i := range msgs {
			if !bytes.Equal(again[i], msgs[i]) {
				t.Fatalf("message %d: %q, then %q", i, msgs[i], again[i])
			}
		}
	})
}
