package mailbox

import (
	"bytes"
	"strconv"
	"testing"
)

// FuzzSplit: in every variant no message is longer than the input and
// each message's data lies within it once unquoted; an mboxrd written back
// (From_ line, body lines quoted, an empty line between) splits into the
// same messages, and so does an mboxcl2 written with Content-Length.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("From a Mon\nSubject: x\n\nbody\n>From here\n\nFrom b Tue\nSubject: y\n\nz\n"))
	f.Add([]byte("From a\r\nX: y\r\n\r\nFrom  not a separator\r\n"))
	f.Add([]byte("From \n\nFrom \n"))
	f.Add([]byte("From a\nContent-Length: 19\n\nhi\n\nFrom the start\n\nFrom b\nS: y\n\nz\n"))
	f.Add([]byte("From a\nContent-Length: 99999999999999999999\n\n"))
	f.Add([]byte("junk\n\nFrom a\n>>>From x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []Format{MboxRD, MboxO, MboxCL, MboxCL2} {
			for _, m := range Split(b, format) {
				if len(m.Data) > len(b) {
					t.Fatalf("%s: a message of %d bytes from %d", format, len(m.Data), len(b))
				}
			}
		}
		msgs := Split(b, MboxRD)
		var rd, cl2 []byte
		for _, m := range msgs {
			if len(m.Data) > 0 && !bytes.HasSuffix(m.Data, []byte("\n")) {
				return // a last line without its end: the round trip needs one
			}
			rd = append(rd, "From x\n"...)
			for _, l := range bytes.SplitAfter(m.Data, []byte("\n")) {
				if q := bytes.TrimLeft(l, ">"); bytes.HasPrefix(q, []byte("From ")) {
					rd = append(rd, '>')
				}
				rd = append(rd, l...)
			}
			rd = append(rd, '\n')
			cl2 = append(cl2, "From x\nContent-Length: "+strconv.Itoa(len(m.Data))+"\n\n"...)
			cl2 = append(cl2, m.Data...)
			cl2 = append(cl2, '\n')
		}
		check := func(name string, again []Message, prefix func(Message) string) {
			if len(again) != len(msgs) {
				t.Fatalf("%s: %d messages, then %d after the round trip", name, len(msgs), len(again))
			}
			for i, m := range msgs {
				if want := prefix(m) + string(m.Data); string(again[i].Data) != want {
					t.Fatalf("%s: message %d: %q, then %q", name, i, want, again[i].Data)
				}
			}
		}
		check("mboxrd", Split(rd, MboxRD), func(Message) string { return "" })
		// The Content-Length field written before each message's own
		// header is a header of its own, ended by an empty line: the
		// message read back is that, then the message.
		check("mboxcl2", Split(cl2, MboxCL2), func(m Message) string {
			return "Content-Length: " + strconv.Itoa(len(m.Data)) + "\n\n"
		})
	})
}
