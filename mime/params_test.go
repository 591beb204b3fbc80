package mime

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// rawPart returns a one-attachment message whose attachment has the
// given Content-Type and Content-Disposition values and body text.
func rawPart(ctype, disp, body string) []byte {
	return []byte("From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
		"--b\r\nContent-Type: " + ctype + "\r\nContent-Disposition: " + disp + "\r\n\r\n" + body + "\r\n--b--\r\n")
}

// TestAmbiguousFilename: when a part's parameters name it in several
// ways, each name is checked and the ambiguity is malformed MIME (issue
// 12 item 6): clients differ in which one they save the file under.
func TestAmbiguousFilename(t *testing.T) {
	tests := []struct {
		name, ctype, disp string
		want              []string // findings at part 2
		detail            string   // in the malformed finding
	}{
		{"two filename", "application/octet-stream", `attachment; filename="a.pdf"; filename="a.exe"`,
			[]string{"dangerous-extension", "malformed"}, "filename"},
		{"two filename, exe first", "application/octet-stream", `attachment; filename="a.exe"; filename="a.pdf"`,
			[]string{"dangerous-extension", "malformed"}, "filename"},
		{"two name", `application/octet-stream; name="a.pdf"; name="a.scr"`, `attachment`,
			[]string{"dangerous-extension", "malformed"}, "name"},
		{"filename and filename* disagree", "application/octet-stream", `attachment; filename="a.exe"; filename*=utf-8''a.pdf`,
			[]string{"dangerous-extension", "malformed"}, "filename"},
		{"filename* and continuation disagree", "application/octet-stream", `attachment; filename*=utf-8''a.pdf; filename*0=a.vbs`,
			[]string{"dangerous-extension", "malformed"}, "filename"},
	}
	var s Scanner
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scan(t, &s, rawPart(tt.ctype, tt.disp, "content"))
			var got []string
			detail := ""
			for _, f := range r.Findings {
				if f.Path == "2" {
					got = append(got, string(f.Kind))
					if f.Kind == KindMalformed {
						detail = f.Detail
					}
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%s) kinds at 2 = %q, want %q (findings %q)", tt.name, got, tt.want, findings(r))
			}
			if !strings.Contains(detail, "ambiguous") || !strings.Contains(detail, tt.detail) {
				t.Errorf("Scan(%s) malformed detail = %q, want ambiguous %s", tt.name, detail, tt.detail)
			}
		})
	}
	// Agreeing values are no ambiguity.
	for _, disp := range []string{`attachment; filename="a.pdf"; filename="a.pdf"`, `attachment; filename="a.pdf"; filename*=utf-8''a.pdf`} {
		r := scan(t, &s, rawPart("application/pdf", disp, "%PDF-1.4"))
		if len(r.Findings) != 0 {
			t.Errorf("Scan(%s) findings = %q, want none", disp, findings(r))
		}
	}
	_ = context.Background
}
