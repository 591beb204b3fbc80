package mime

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
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

// TestLongParameter: a parameter of MiBs is cut to MaxParamBytes, with
// a finding, and its value is copied about once (a folded one a few
// times while unfolded: linear), not through each
// parser in turn (issue 11: a 20 MiB message grew the heap by 207 MiB).
// The file name keeps its beginning and its end, where the extension
// is, so that it is still checked.
func TestLongParameter(t *testing.T) {
	long := strings.Repeat("a", 4<<20)
	tests := []struct {
		name string
		msg  []byte
		want Kind
	}{
		{"filename", rawPart("application/octet-stream", `attachment; filename="`+long+`.exe"`, "x"), KindDangerousExtension},
		{"name", rawPart(`application/octet-stream; name="`+long+`.exe"`, `attachment`, "x"), KindDangerousExtension},
		{"folded name", rawPart("application/octet-stream; name=\""+strings.Repeat("a", 1<<10)+strings.Repeat("\r\n a", 1<<20)+".exe\"", `attachment`, "x"), KindDangerousExtension},
		{"continuation", rawPart(`application/octet-stream; name*0="`+long+`"; name*1=".exe"`, `attachment`, "x"), KindDangerousExtension},
		{"charset", []byte("Content-Type: text/plain; charset=\"" + long + "\"\r\n\r\nhi"), KindLimitParamBytes},
		{"many parameters", []byte("Content-Type: text/plain; " + strings.Repeat("a=b; ", 1<<20) + "\r\n\r\nhi"), KindLimitParamBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Scanner
			var r Report
			m := mimetest.Measure(func() { r = s.Scan(context.Background(), tt.msg) })
			t.Logf("%d bytes: %v", len(tt.msg), m)
			if !r.Has(KindLimitParamBytes) || !r.Has(tt.want) {
				t.Errorf("Scan(%s) findings = %q, want %s and %s", tt.name, findings(r), KindLimitParamBytes, tt.want)
			}
			for _, f := range r.Findings {
				if f.Kind == KindLimitParamBytes && !errors.Is(f.Err, ErrParamBytes) {
					t.Errorf("Scan(%s) %s finding Err = %v, want ErrParamBytes", tt.name, f.Kind, f.Err)
				}
			}
			if limit := uint64(3*len(tt.msg)) + 1<<20; m.TotalAlloc > limit {
				t.Errorf("Scan(%s) of %d bytes allocated %d bytes, want at most %d", tt.name, len(tt.msg), m.TotalAlloc, limit)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide(%s) = %v, want no accept", tt.name, o)
			}
		})
	}
	// The limit is overridable: a larger one keeps the parameter whole.
	s := Scanner{MaxParamBytes: 8 << 20}
	if r := s.Scan(context.Background(), tests[0].msg); r.Has(KindLimitParamBytes) || !r.Has(KindDangerousExtension) {
		t.Errorf("Scan(MaxParamBytes 8 MiB) findings = %q, want %s and no %s", findings(r), KindDangerousExtension, KindLimitParamBytes)
	}
}

// FuzzBoundParams: the bounded value is never longer than 8 parameters
// of max bytes (with their separators), is the value itself when not
// cut, and keeps the media type's beginning.
func FuzzBoundParams(f *testing.F) {
	for _, s := range []string{
		`attachment; filename="a.exe"`, `text/plain; charset="` + strings.Repeat("x", 100) + `"`,
		`a; ` + strings.Repeat("k=v; ", 50), `a; b="\"; c=d"; e=f`, `a; b="x\`, `;;;;`,
	} {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, v string, max int) {
		max = max%64 + 2
		if max < 2 {
			max += 64
		}
		got, cut := boundParams([]byte(v), max)
		if !cut && got != v {
			t.Errorf("boundParams(%q, %d) = %q, not cut, want the value itself", v, max, got)
		}
		if bound := 8*max + 2*max + 64; cut && len(got) > bound {
			t.Errorf("boundParams(%q, %d) = %d bytes, want at most %d", v, max, len(got), bound)
		}
	})
}
