package mime

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// mboxLine is the first line of a message in an mbox file (RFC 4155),
// as 5453 of the 6046 messages of the SpamAssassin public corpus start.
const mboxLine = "From 12a1mailbot1@web.de  Thu Aug 22 13:03:00 2002\n"

// TestScanMboxFromLine: a message starting with an mbox From_ line is
// read past it (internal/header's rule): its header and attachments are
// found. Before, the line ended the header and the whole message was
// one text/plain part, its attachment invisible.
func TestScanMboxFromLine(t *testing.T) {
	msg := mimetest.Message("Invoice", "x", att("a.exe", "", []byte("t")))
	for _, tt := range []struct {
		name string
		msg  []byte
	}{
		{"lf", append([]byte(mboxLine), msg...)},
		{"crlf", append([]byte("From MAILER-DAEMON Fri Jul  8 12:08:34 2011\r\n"), msg...)},
		{"lf message", append([]byte(mboxLine), bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n"))...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := scan(t, &Scanner{}, tt.msg)
			if got, want := findings(r), []string{"dangerous-extension@2"}; !slices.Equal(got, want) {
				t.Errorf("Scan(mbox %s) findings = %q, want %q\n%s", tt.name, got, want, r)
			}
			if r.Subject != "Invoice" {
				t.Errorf("Scan(mbox %s).Subject = %q, want Invoice", tt.name, r.Subject)
			}
			if len(r.Parts) != 3 || r.Parts[0].start != 0 {
				t.Errorf("Scan(mbox %s) parts = %v, want 3 with the root at 0", tt.name, r.Parts)
			}
			// Stripping keeps the From_ line with the rest of the header.
			out, err := Strip(tt.msg, r, func(p Part) bool { return p.Path == "2" })
			if err != nil || !bytes.HasPrefix(out, tt.msg[:bytes.IndexByte(tt.msg, '\n')+1]) {
				t.Errorf("Strip(mbox %s) = %q..., %v; want the From_ line kept", tt.name, out[:min(len(out), 60)], err)
			}
		})
	}
}

// TestParseHeaderRule checks parseHeader against the module's rule for
// where a header ends (internal/header).
func TestParseHeaderRule(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		message  bool
		typ      string
		start    int
		body     string
		problems int
	}{
		{"from line skipped", mboxLine + "Content-Type: text/html\n\nbody", true, "text/html", len(mboxLine), "body", 0},
		{"from line in a part is body", mboxLine + "Content-Type: text/html\n\nbody", false, "", 0, mboxLine + "Content-Type: text/html\n\nbody", 1},
		{"only the first line", "Content-Type: text/html\n" + mboxLine + "\nbody", true, "text/html", 0, mboxLine + "\nbody", 1},
		{"from with colon is a field", "From: a@example.org\nContent-Type: text/html\n\nbody", true, "text/html", 0, "body", 0},
		{"text line ends the header", "Content-Type: text/html\nthis is body\n\nmore", false, "text/html", 0, "this is body\n\nmore", 1},
		{"continuation first is skipped", " folded\r\nContent-Type: text/html\r\n\r\nhi", true, "text/html", 0, "hi", 1},
		{"From field with space first", "From : a@example.org\nContent-Type: text/html\n\nbody", true, "text/html", 0, "body", 0},
		{"folded", "Content-Type: text/html;\r\n charset=utf-8\r\n\t \r\n\r\nhi", false, "text/html; charset=utf-8", 0, "hi", 0},
		{"no body", "Content-Type: text/html\r\n", false, "text/html", 0, "", 0},
		{"empty", "", true, "", 0, "", 0},
		{"only a from line", mboxLine, true, "", len(mboxLine), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, bo := parseHeader([]byte(tt.in), tt.message)
			if h.contentType != tt.typ || h.start != tt.start || tt.in[bo:] != tt.body || len(h.problems) != tt.problems {
				t.Errorf("parseHeader(%q, %v) = type %q, start %d, body %q, problems %q; want %q, %d, %q, %d problems",
					tt.in, tt.message, h.contentType, h.start, tt.in[bo:], h.problems, tt.typ, tt.start, tt.body, tt.problems)
			}
		})
	}
}

// foldedMessage returns a message whose attachment's Content-Type is
// folded over n continuation lines, each a parameter, the last naming
// the file a.exe.
func foldedMessage(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/octet-stream;\r\n")
	for i := range n {
		fmt.Fprintf(&b, "\tx%d=y;\r\n", i)
	}
	b.WriteString("\tname=\"a.exe\"\r\n\r\nt\r\n--b--\r\n")
	return b.Bytes()
}

// TestUnfoldLinear: unfolding a field folded over many lines costs
// memory linear in its length (issue 11). Unfolding by string
// concatenation allocated 21 GB (and 23 s) for 64k continuation lines in
// a message of 775 kB.
func TestUnfoldLinear(t *testing.T) {
	msg := foldedMessage(1 << 16)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h, _ := parseHeader(msg[bytes.Index(msg, []byte("--b\r\n"))+5:], false)
	runtime.ReadMemStats(&after)
	if alloc, bound := after.TotalAlloc-before.TotalAlloc, uint64(8*len(msg)); alloc > bound {
		t.Errorf("parseHeader allocated %d bytes for a %d-byte header, want at most %d", alloc, len(msg), bound)
	}
	if want := "x65535=y; name=\"a.exe\""; !bytes.HasSuffix([]byte(h.contentType), []byte(want)) {
		t.Errorf("parseHeader Content-Type ends %q, want %q", h.contentType[max(0, len(h.contentType)-40):], want)
	}
	runtime.ReadMemStats(&before)
	r := scan(t, &Scanner{}, msg)
	runtime.ReadMemStats(&after)
	if alloc, bound := after.TotalAlloc-before.TotalAlloc, uint64(1<<20+32*len(msg)); alloc > bound {
		t.Errorf("Scan allocated %d bytes for a %d-byte message, want at most %d", alloc, len(msg), bound)
	}
	// 64k parameters are past MaxParamBytes (8 x 16 KiB in all): the
	// middle ones are dropped, the name at the end is still checked.
	if got, want := findings(r), []string{"limit-param-bytes@1", "dangerous-extension@1"}; !slices.Equal(got, want) {
		t.Errorf("Scan(folded) findings = %q, want %q", got, want)
	}
}
