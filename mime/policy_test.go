package mime

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

func TestDecide(t *testing.T) {
	pe := mimetest.PE()
	tests := []struct {
		name   string
		policy Policy
		msg    []byte
		action Action
		paths  []string
	}{
		{"clean", Policy{}, mimetest.Message("s", "x", att("a.pdf", "application/pdf", []byte("%PDF-1.4\n"))), ActionAccept, nil},
		{"executable rejects", Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.exe", Data: pe}))), ActionReject, nil},
		{"dangerous extension strips", Policy{}, mimetest.Message("s", "x", att("a.js", "", []byte("x()")), att("b.txt", "", []byte("t"))), ActionStrip, []string{"2"}},
		{"archive entry strips the archive", Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.vbs", Data: []byte("x")}))), ActionStrip, []string{"2"}},
		{"macro strips", Policy{}, mimetest.Message("s", "x", att("a.docm", "", mimetest.Docm())), ActionStrip, []string{"2"}},
		{"encrypted passes by default", Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: []byte("x"), Encrypted: true}))), ActionAccept, nil},
		{"encrypted rejected by choice", Policy{Reject: []Kind{KindEncrypted}}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: []byte("x"), Encrypted: true}))), ActionReject, nil},
		{"nothing rejected", Policy{Reject: []Kind{}}, mimetest.Message("s", "x", att("a.exe", "", pe)), ActionStrip, []string{"2"}},
		{"single part cannot be stripped", Policy{}, []byte("Content-Type: application/javascript; name=a.js\r\n\r\nx()\r\n"), ActionReject, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := scan(t, &Scanner{}, tt.msg)
			d := tt.policy.Decide(r)
			if d.Action != tt.action || !slices.Equal(d.Paths, tt.paths) {
				t.Errorf("Decide(%s) = %v paths %q, want %s paths %q", tt.name, d, d.Paths, tt.action, tt.paths)
			}
			if d.Action != ActionAccept && len(d.Reasons) == 0 {
				t.Errorf("Decide(%s) = %v without reasons", tt.name, d)
			}
		})
	}
}

// partBytes returns the bytes of the part at path in msg.
func partBytes(t *testing.T, r *Report, msg []byte, path string) []byte {
	t.Helper()
	i, ok := r.byPath()[path]
	if !ok {
		t.Fatalf("no part %s", path)
	}
	return msg[r.Parts[i].start:r.Parts[i].end]
}

func TestStrip(t *testing.T) {
	for _, lf := range []bool{false, true} {
		name := "crlf"
		if lf {
			name = "lf"
		}
		t.Run(name, func(t *testing.T) {
			msg := mimetest.Message("Invoice", "Please find the invoice attached.",
				att("invoice.pdf", "application/pdf", []byte("%PDF-1.4\n%%EOF\n")),
				att("payload.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "run.vbs", Data: []byte("x")})),
				att("notes.txt", "text/plain", []byte("notes")))
			if lf {
				msg = bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n"))
			}
			r := scan(t, &Scanner{}, msg)
			d := Policy{}.Decide(r)
			if d.Action != ActionStrip {
				t.Fatalf("Decide = %v, want strip", d)
			}
			out, err := Strip(msg, r, d.Match)
			if err != nil {
				t.Fatalf("Strip() error = %v", err)
			}
			// Everything before and after the removed part is identical.
			zip := r.Parts[r.byPath()["3"]]
			if !bytes.Equal(out[:zip.start], msg[:zip.start]) {
				t.Errorf("Strip changed the bytes before the removed part")
			}
			tail := msg[zip.end:]
			if !bytes.HasSuffix(out, tail) {
				t.Errorf("Strip changed the bytes after the removed part")
			}
			notice := out[zip.start : len(out)-len(tail)]
			if !bytes.HasSuffix(notice, []byte(`removed this attachment as dangerous: "payload.zip".`)) {
				t.Errorf("notice = %q, want it to name payload.zip", notice)
			}
			byEntry, err := Strip(msg, r, func(p Part) bool { return p.Filename == "run.vbs" })
			if err != nil || !bytes.Contains(byEntry, []byte(`dangerous: "payload.zip" (holding "run.vbs").`)) {
				t.Errorf("Strip(match run.vbs) = %v, want a notice naming payload.zip holding run.vbs", err)
			}
			if lf == bytes.Contains(notice, []byte("\r\n")) {
				t.Errorf("notice = %q, want the message's line ends", notice)
			}
			// The result scans clean, with the other parts unchanged.
			r2 := scan(t, &Scanner{}, out)
			if len(r2.Findings) != 0 {
				t.Errorf("Scan(Strip()) findings = %q, want none", findings(r2))
			}
			for _, p := range []string{"1", "2", "4"} {
				if !bytes.Equal(partBytes(t, r, msg, p), partBytes(t, r2, out, p)) {
					t.Errorf("part %s changed by Strip", p)
				}
			}
			if got := r2.Parts[r2.byPath()["3"]].DeclaredType; got != "text/plain" {
				t.Errorf("part 3 after Strip is %s, want text/plain", got)
			}
		})
	}
}

func TestStripNested(t *testing.T) {
	inner := mimetest.Message("fwd", "see", att("tool.js", "", []byte("x()")))
	inner = bytes.ReplaceAll(inner, []byte("b1"), []byte("b2"))
	// 7bit message/rfc822: the inner part itself is removed.
	msg := bytes.ReplaceAll(mimetest.Message("s", "x"), []byte("--b1--"), append(append([]byte("--b1\r\nContent-Type: message/rfc822\r\n\r\n"), inner...), "\r\n--b1--"...))
	r := scan(t, &Scanner{}, msg)
	d := Policy{}.Decide(r)
	if !slices.Equal(d.Paths, []string{"2.2"}) {
		t.Fatalf("Decide paths = %q, want [2.2]\n%s", d.Paths, r)
	}
	out, err := Strip(msg, r, d.Match)
	if err != nil {
		t.Fatal(err)
	}
	if r2 := scan(t, &Scanner{}, out); len(r2.Findings) != 0 || len(r2.Parts) != len(r.Parts) {
		t.Errorf("Scan(Strip()) = %d parts, findings %q; want %d parts, none", len(r2.Parts), findings(r2), len(r.Parts))
	}
	// base64 message/rfc822: the whole forwarded message goes.
	msg = mimetest.Message("s", "x", att("fwd.eml", "message/rfc822", inner))
	r = scan(t, &Scanner{}, msg)
	d = Policy{}.Decide(r)
	if !slices.Equal(d.Paths, []string{"2"}) {
		t.Fatalf("Decide paths = %q, want [2]\n%s", d.Paths, r)
	}
}

func TestStripErrors(t *testing.T) {
	single := []byte("Content-Type: application/javascript; name=a.js\r\n\r\nx()\r\n")
	r := scan(t, &Scanner{}, single)
	if _, err := Strip(single, r, func(Part) bool { return true }); !errors.Is(err, ErrStripRoot) {
		t.Errorf("Strip(single part) error = %v, want ErrStripRoot", err)
	}
	if _, err := Strip(append(single, 'x'), r, func(Part) bool { return false }); !errors.Is(err, ErrReportMismatch) {
		t.Errorf("Strip(other message) error = %v, want ErrReportMismatch", err)
	}
	out, err := Strip(single, r, func(Part) bool { return false })
	if err != nil || !bytes.Equal(out, single) {
		t.Errorf("Strip(match nothing) = %q, %v, want the message unchanged", out, err)
	}
	if !strings.Contains(Decision{Action: ActionAccept}.String(), "accept") {
		t.Errorf("Decision.String() lacks the action")
	}
}
