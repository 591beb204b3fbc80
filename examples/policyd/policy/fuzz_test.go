package policy

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// FuzzReadRequest reads requests from arbitrary input with small limits
// and checks, for every request read: it holds no more attributes than
// the limit, every line within the limit, valid distinct names and no
// NUL; written back as name=value lines it reads back the same, both
// with LF ends (CRLF for a value ending in CR) and with CRLF ends
// throughout; and an answer made of any of its values is one action
// line. A malformed request is a *RequestError, and reading goes on
// only when it is Synced. Reading always ends (EOF or an unsynced
// error) and never panics.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(postfixRequest))
	f.Add([]byte(postfixRequest + postfixRequest))
	f.Add([]byte("a=1\r\nb=2\r\n\r\n"))
	f.Add([]byte("a=1\nnoequals\n\nb=2\n\n"))
	f.Add([]byte("a=1\na=2\n\n"))
	f.Add([]byte("=x\n\n"))
	f.Add([]byte("a=\x00\n\n"))
	f.Add([]byte("a=" + strings.Repeat("x", 100) + "\n\nb=1\n\n"))
	f.Add([]byte("a=" + strings.Repeat("x", 62) + "\n\n")) // MaxLineBytes below
	f.Add([]byte("\n\n\n"))
	f.Add([]byte("a=1\nb="))
	lim := Limits{MaxLineBytes: 64, MaxAttributes: 8, MaxRequestBytes: 256}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), lim)
		for n := 0; ; n++ {
			if n > len(in) {
				t.Fatalf("read %d requests from %d octets", n, len(in))
			}
			req, err := r.ReadRequest()
			if err == io.EOF {
				return
			}
			var re *RequestError
			if errors.As(err, &re) {
				if re.Line < 1 {
					t.Errorf("RequestError.Line = %d", re.Line)
				}
				if !re.Synced {
					return
				}
				continue
			}
			if err != nil {
				t.Fatalf("ReadRequest error %v, neither io.EOF nor a *RequestError", err)
			}
			checkRequest(t, req, lim)
		}
	})
}

func checkRequest(t *testing.T, req Request, lim Limits) {
	t.Helper()
	attrs := req.Attrs()
	if len(attrs) > lim.maxAttrs() {
		t.Errorf("%d attributes, limit %d", len(attrs), lim.maxAttrs())
	}
	var back, crlf strings.Builder
	seen := map[string]bool{}
	for _, a := range attrs {
		if !validName([]byte(a.Name)) || a.Name == "" || strings.Contains(a.Name, "=") {
			t.Errorf("invalid name %q", a.Name)
		}
		if seen[a.Name] {
			t.Errorf("name %q twice", a.Name)
		}
		seen[a.Name] = true
		if strings.ContainsRune(a.Value, 0) || strings.ContainsRune(a.Value, '\n') {
			t.Errorf("value %q has a NUL or a newline", a.Value)
		}
		if n := len(a.Name) + 1 + len(a.Value); n > lim.maxLine() {
			t.Errorf("line of %d octets, limit %d", n, lim.maxLine())
		}
		if v, ok := req.Lookup(a.Name); !ok || v != a.Value {
			t.Errorf("Lookup(%q) = %q, %v, want %q", a.Name, v, ok, a.Value)
		}
		// LF ends a line as Postfix writes it; a value ending in CR
		// needs CRLF, since one CR before the LF is the line end's
		// (the package doc's Divergences).
		eol := "\n"
		if strings.HasSuffix(a.Value, "\r") {
			eol = "\r\n"
		}
		back.WriteString(a.Name + "=" + a.Value + eol)
		crlf.WriteString(a.Name + "=" + a.Value + "\r\n")

		var w bytes.Buffer
		if err := WriteResponse(&w, Reject(a.Value)); err != nil {
			t.Fatal(err)
		}
		out := w.Bytes()
		if !bytes.HasPrefix(out, []byte("action=REJECT")) || !bytes.HasSuffix(out, []byte("\n\n")) || bytes.Count(out, []byte("\n")) != 2 {
			t.Errorf("WriteResponse(Reject(%q)) = %q, not one action line", a.Value, out)
		}
	}
	back.WriteString("\n")
	crlf.WriteString("\r\n")
	// The CRLF ends add an octet a line to the request.
	crlfLim := lim
	crlfLim.MaxRequestBytes = lim.maxRequest() + len(attrs) + 1
	for i, w := range []string{back.String(), crlf.String()} {
		l := lim
		if i == 1 {
			l = crlfLim
		}
		again, err := NewReader(strings.NewReader(w), l).ReadRequest()
		if err != nil || !reflect.DeepEqual(again.Attrs(), attrs) {
			t.Errorf("written back as %q, read %q, %v; want %q", w, again.Attrs(), err, attrs)
		}
	}
}
