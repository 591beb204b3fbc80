package mime

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCorpusJapanese checks file names and text in ISO-2022-JP,
// Shift_JIS, EUC-JP and UTF-8, in RFC 2231, RFC 2047 and raw 8-bit
// forms: every copy decodes to the same name and the same text digest.
func TestCorpusJapanese(t *testing.T) {
	const name = "請求書.exe"
	wantDigest := textDigest([]byte("請求書のご案内です。添付ファイルをご確認ください。"), "utf-8", false)
	for _, file := range []string{
		"ja-iso2022jp-rfc2231.eml",
		"ja-shiftjis-encoded-word.eml",
		"ja-eucjp-raw.eml",
		"ja-utf8-rfc2231-continuation.eml",
	} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			r := scan(t, &Scanner{}, readFile(t, filepath.Join("testdata", "corpus", file)))
			if len(r.Parts) != 3 {
				t.Fatalf("Scan(%s) has %d parts, want 3:\n%s", file, len(r.Parts), r)
			}
			if got, want := r.Subject, "請求書"; got != want {
				t.Errorf("Scan(%s).Subject = %q, want %q", file, got, want)
			}
			if got := r.Parts[2].Filename; got != name {
				t.Errorf("Scan(%s) part 2 Filename = %q, want %q", file, got, name)
			}
			if got := r.Parts[1].TextDigest; got != wantDigest {
				t.Errorf("Scan(%s) part 1 TextDigest = %s, want %s (that of the UTF-8 text)", file, got, wantDigest)
			}
			if got, want := findings(r), []string{"dangerous-extension@2", "executable@2"}; !slices.Equal(got, want) {
				t.Errorf("Scan(%s) findings = %q, want %q", file, got, want)
			}
		})
	}
}

// TestCorpusRawSubject checks a Subject in raw ISO-2022-JP and a body
// in ISO-2022-JP without transfer encoding.
func TestCorpusRawSubject(t *testing.T) {
	r := scan(t, &Scanner{}, readFile(t, filepath.Join("testdata", "corpus", "ja-iso2022jp-raw-subject.eml")))
	if got, want := r.Subject, "請求書"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	want := textDigest([]byte("請求書のご案内です。添付ファイルをご確認ください。"), "utf-8", false)
	if len(r.Parts) != 1 || r.Parts[0].TextDigest != want {
		t.Errorf("parts = %+v, want one part with the TextDigest of the UTF-8 text %s", r.Parts, want)
	}
}

// TestCorpusMalformed checks the well-known malformed-MIME cases: each
// is reported, and the attachment it hides is still found where the
// structure lets a reader find it.
func TestCorpusMalformed(t *testing.T) {
	tests := []struct {
		file      string
		want      []string // findings
		malformed []string // substrings of the malformed findings' details, in order
	}{
		{"missing-boundary-parameter.eml", []string{"malformed@1"}, []string{"without a boundary"}},
		{"boundary-never-appears.eml", []string{"malformed@0"}, []string{"never appears"}},
		{"missing-close-delimiter.eml", []string{"dangerous-extension@2", "executable@2", "malformed@0"}, []string{"no close delimiter"}},
		{"duplicate-content-type.eml", []string{"malformed@0", "dangerous-extension@1", "malformed@1", "executable@1"}, []string{"2 Content-Type fields", "bad base64"}},
		{"reused-boundary.eml", []string{"malformed@1", "malformed@1", "dangerous-extension@3", "executable@3"}, []string{"reused", "never appears"}},
		{"bad-base64.eml", []string{"dangerous-extension@1", "malformed@1", "executable@1"}, []string{"bad base64: 4 characters"}},
		{"no-blank-line-after-header.eml", []string{"malformed@1"}, []string{"without an empty line"}},
		{"two-boundary-parameters.eml", []string{"malformed@0", "dangerous-extension@1", "executable@1"}, []string{"more than one boundary"}},
		{"lf-only.eml", []string{"dangerous-extension@1", "executable@1"}, nil},
		{"longer-line-is-not-delimiter.eml", []string{"dangerous-extension@2", "executable@2"}, nil},
		{"base64-multipart.eml", []string{"malformed@0", "dangerous-extension@1", "executable@1"}, []string{"RFC 2045 §6.4"}},
		{"unknown-transfer-encoding.eml", []string{"malformed@1"}, []string{"unknown Content-Transfer-Encoding"}},
		{"headers-only.eml", nil, nil},
		{"empty.eml", nil, nil},
		{"continuation-first.eml", []string{"malformed@1"}, []string{"continuation line without a field"}},
		// A stray white-space line above a part's fields once ended its
		// header, turning the attachment into text the policy accepted.
		{"continuation-hides-attachment.eml", []string{"malformed@1", "dangerous-extension@1", "executable@1"}, []string{"continuation line without a field"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			r := scan(t, &Scanner{}, readFile(t, filepath.Join("testdata", "corpus", tt.file)))
			if got := findings(r); !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%s) findings = %q, want %q\n%s", tt.file, got, tt.want, r)
			}
			var details []string
			for _, f := range r.Findings {
				if f.Kind == KindMalformed {
					details = append(details, f.Detail)
				}
			}
			for i, want := range tt.malformed {
				if i >= len(details) || !strings.Contains(details[i], want) {
					t.Errorf("Scan(%s) malformed details = %q, want #%d to contain %q", tt.file, details, i, want)
				}
			}
		})
	}
}
