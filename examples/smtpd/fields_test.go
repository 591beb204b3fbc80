package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/session"
)

func TestRemoveFields(t *testing.T) {
	h := "Authentication-Results: mx.example.org; spf=pass\r\n\tsmtp.mailfrom=x@y\r\n" +
		"X-Spam-Status: No\r\n" +
		"Authentication-Results: other.example; dkim=pass\r\n" +
		"authentication-results: mx.example.org;\r\n dmarc=pass\r\n" +
		"Subject: hi\r\n\r\n"
	for _, tc := range []struct {
		refs []session.FieldRef
		want string
	}{
		{nil, h},
		{[]session.FieldRef{{Name: "Authentication-Results", Index: 3}, {Name: "Authentication-Results", Index: 1}, {Name: "X-Spam-Status", Index: 1}},
			"Authentication-Results: other.example; dkim=pass\r\nSubject: hi\r\n\r\n"},
		{[]session.FieldRef{{Name: "Subject", Index: 2}}, h},
		{[]session.FieldRef{{Name: "x-spam-status", Index: 1}}, strings.Replace(h, "X-Spam-Status: No\r\n", "", 1)},
	} {
		if got := string(removeFields([]byte(h), tc.refs)); got != tc.want {
			t.Errorf("removeFields(%v) = %q, want %q", tc.refs, got, tc.want)
		}
	}
}

// withoutFields keeps the body as it is, from a held message or a
// spool; a header longer than maxEditBytes is not edited.
func TestWithoutFields(t *testing.T) {
	msg := "X-Spam-Flag: YES\nSubject: hi\n\nbody\r\nX-Spam-Flag: not a field here\r\n"
	refs := []session.FieldRef{{Name: "X-Spam-Flag", Index: 1}}
	want := "Subject: hi\n\nbody\r\nX-Spam-Flag: not a field here\r\n"
	for _, m := range []message{heldMessage(msg), newSpool(t, 5, msg)} {
		out, ok, err := withoutFields(m, refs)
		if err != nil || !ok {
			t.Fatalf("withoutFields: %v, %v", ok, err)
		}
		for range 2 {
			b, _ := io.ReadAll(out.Reader())
			if string(b) != want || out.Size() != int64(len(want)) {
				t.Errorf("withoutFields(%T) = %q (size %d), want %q", m, b, out.Size(), want)
			}
		}
	}
	long := heldMessage("X-Spam-Flag: YES\n" + strings.Repeat("X-Filler: "+strings.Repeat("x", 100)+"\n", maxEditBytes/100) + "\nbody\n")
	if out, ok, err := withoutFields(long, refs); ok || err != nil || out.Size() != long.Size() {
		t.Errorf("a header over maxEditBytes: ok %v, err %v; want it unedited", ok, err)
	}
}

// FuzzRemoveFields checks that removing fields only ever removes whole
// lines of the header, never touches what follows it, and removes
// nothing for refs that name no field.
func FuzzRemoveFields(f *testing.F) {
	f.Add("Authentication-Results: a;\r\n b\r\nX-Spam-Status: No\r\n\r\nbody", "authentication-results", 1)
	f.Add("From x\nX-A: 1\n y\nX-A: 2\n\n", "X-A", 2)
	f.Add(" orphan\nX-A: 1\nbody line\nX-A: 2\n", "X-A", 2)
	f.Fuzz(func(t *testing.T, msg, name string, index int) {
		out := removeFields([]byte(msg), []session.FieldRef{{Name: name, Index: index}})
		if len(out) > len(msg) {
			t.Fatalf("output longer than input")
		}
		// The output is the input with one span cut out, at the start
		// of a line that starts with the name.
		cut := len(msg) - len(out)
		if cut == 0 {
			if string(out) != msg {
				t.Fatalf("removeFields(%q, %q, %d) = %q: changed without cutting", msg, name, index, out)
			}
			return
		}
		found := false
		for j := 0; j+cut <= len(msg) && !found; j++ {
			found = (j == 0 || msg[j-1] == '\n') && len(msg[j:]) >= len(name) && strings.EqualFold(msg[j:j+len(name)], name) &&
				msg[:j]+msg[j+cut:] == string(out)
		}
		if !found {
			t.Fatalf("removeFields(%q, %q, %d) = %q: not a field's lines cut", msg, name, index, out)
		}
	})
}
