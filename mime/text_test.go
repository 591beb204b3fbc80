package mime

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// textPart returns a body part of a multipart with the given header
// fields and body.
func textPart(fields, body string) string {
	return "--b\r\n" + fields + "\r\n\r\n" + body + "\r\n"
}

func multipart(parts ...string) []byte {
	return []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Join(parts, "") + "--b--\r\n")
}

// TestTexts: Report.Texts holds every text/plain and text/html MIME part,
// transfer-decoded and converted to UTF-8, and nothing else.
func TestTexts(t *testing.T) {
	var b bytes.Buffer
	mimetest.WriteBase64(&b, []byte("\x90\xbf\x8b\x81\x8f\x91")) // 請求書 in Shift_JIS
	sjis := b.String()
	b.Reset()
	mimetest.WriteBase64(&b, []byte("Subject: in\r\nContent-Type: text/plain\r\n\r\nforwarded text\r\n"))
	rfc822 := b.String()
	msg := multipart(
		textPart("Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable", "Caf=E9 cr=E8me"),
		textPart("Content-Type: text/html; charset=shift_jis\r\nContent-Transfer-Encoding: base64", sjis),
		textPart("Content-Type: text/plain; charset=utf-8", "bad \xff byte"),
		textPart("Content-Type: text/plain", "caf\xe9 \x80 5"),
		textPart("Content-Type: text/plain; charset=x-unknown", "plain ascii"),
		textPart("Content-Disposition: attachment; filename=notes.txt", "no type: text/plain by default"),
		textPart("Content-Type: application/pdf", "%PDF-1.4"),
		textPart("Content-Type: application/zip\r\nContent-Transfer-Encoding: base64", base64Of(mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: []byte("zipped text")}))),
		textPart("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64", rfc822),
		textPart("Content-Type: text/plain; charset=utf-8", "日本語 ok"),
	)
	r := scan(t, &Scanner{}, msg)
	want := []Text{
		{Path: "1", Type: "text/plain", Charset: "iso-8859-1", Body: "Café crème"},
		{Path: "2", Type: "text/html", Charset: "shift_jis", Body: "請求書"},
		{Path: "3", Type: "text/plain", Charset: "utf-8", Body: "bad \uFFFD byte"},
		{Path: "4", Type: "text/plain", Body: "café € 5"},
		{Path: "5", Type: "text/plain", Charset: "x-unknown", Body: "plain ascii"},
		{Path: "6", Type: "text/plain", Body: "no type: text/plain by default"},
		{Path: "9.1", Type: "text/plain", Body: "forwarded text\r\n"},
		{Path: "10", Type: "text/plain", Charset: "utf-8", Body: "日本語 ok"},
	}
	if !slices.Equal(r.Texts, want) {
		t.Errorf("Scan().Texts =\n%+v\nwant\n%+v", r.Texts, want)
	}
	if r.Has(KindLimitTextBytes) {
		t.Errorf("Scan() has a %s finding, want none", KindLimitTextBytes)
	}
}

func base64Of(data []byte) string {
	var b bytes.Buffer
	mimetest.WriteBase64(&b, data)
	return b.String()
}

// TestTextsLimit trips MaxTextBytes: the text is cut at a character
// boundary, later texts are empty, one finding is reported, and the
// attachments are inspected all the same.
func TestTextsLimit(t *testing.T) {
	msg := multipart(
		textPart("Content-Type: text/plain; charset=utf-8", "aaaaaaa"),
		textPart("Content-Type: text/plain; charset=iso-8859-1", "bb\xe9\xe9"), // bbéé: 6 bytes in UTF-8
		textPart("Content-Type: text/html", "<p>later</p>"),
		textPart("Content-Disposition: attachment; filename=a.exe", "x"),
	)
	r := scan(t, &Scanner{MaxTextBytes: 10}, msg)
	want := []Text{
		{Path: "1", Type: "text/plain", Charset: "utf-8", Body: "aaaaaaa"},
		{Path: "2", Type: "text/plain", Charset: "iso-8859-1", Body: "bb", Truncated: true},
		{Path: "3", Type: "text/html", Body: "", Truncated: true},
		{Path: "4", Type: "text/plain", Body: "", Truncated: true},
	}
	if !slices.Equal(r.Texts, want) {
		t.Errorf("Scan(MaxTextBytes 10).Texts =\n%+v\nwant\n%+v", r.Texts, want)
	}
	if got, want := findings(r), []string{"limit-text-bytes@2", "dangerous-extension@4"}; !slices.Equal(got, want) {
		t.Errorf("Scan(MaxTextBytes 10) findings = %q, want %q", got, want)
	}
	for _, f := range r.Findings {
		if f.Kind == KindLimitTextBytes && !errors.Is(f.Err, ErrTextBytes) {
			t.Errorf("finding %v Err = %v, want ErrTextBytes", f, f.Err)
		}
	}
	if r.Truncated {
		t.Errorf("Scan(MaxTextBytes 10).Truncated = true, want false: every part was inspected")
	}
}

// TestTextsDefaultLimit trips DefaultMaxTextBytes.
func TestTextsDefaultLimit(t *testing.T) {
	text := strings.Repeat("spamkit ", DefaultMaxTextBytes*3/4/8)
	r := scan(t, &Scanner{}, multipart(textPart("Content-Type: text/plain", text), textPart("Content-Type: text/plain", text)))
	if len(r.Texts) != 2 || r.Texts[0].Body != text || r.Texts[1].Body != text[:DefaultMaxTextBytes-len(text)] || !r.Texts[1].Truncated {
		t.Errorf("Scan(2 x 3/4 MiB of text) Texts of %d and %d bytes, want %d and %d, the second truncated",
			len(r.Texts[0].Body), len(r.Texts[1].Body), len(text), DefaultMaxTextBytes-len(text))
	}
	limitFinding(t, r, KindLimitTextBytes, ErrTextBytes)
}

// TestTextsPartCut: a text part cut by MaxPartBytes gives a truncated
// Text of what was decoded, without a text finding.
func TestTextsPartCut(t *testing.T) {
	r := scan(t, &Scanner{MaxPartBytes: 100}, multipart(textPart("Content-Type: text/plain", string(letters(1000)))))
	if len(r.Texts) != 1 || len(r.Texts[0].Body) != 100 || !r.Texts[0].Truncated {
		t.Fatalf("Scan(MaxPartBytes 100).Texts = %+v, want one truncated Text of 100 bytes", r.Texts)
	}
	if r.Has(KindLimitTextBytes) || !r.Has(KindLimitPartBytes) {
		t.Errorf("Scan(MaxPartBytes 100) findings = %q, want limit-part-bytes only", findings(r))
	}
}

func TestTextUTF8(t *testing.T) {
	tests := []struct {
		in, charset string
		limit       int64
		want        string
		whole       bool
	}{
		{"hello", "", 10, "hello", true},
		{"hello", "", 5, "hello", true},
		{"hello", "", 4, "hell", false},
		{"aaaé", "utf-8", 4, "aaa", false},        // é is 2 bytes: not split
		{"aa日", "", 4, "aa", false},               // 日 is 3 bytes
		{"a\xffb", "utf-8", 10, "a\uFFFDb", true}, // invalid UTF-8 in a UTF-8 part
		{"a\xffb", "utf-8", 3, "a", false},        // U+FFFD is 3 bytes
		{"caf\xe9", "", 10, "café", true},         // 8-bit without charset: windows-1252
		{"caf\xe9", "us-ascii", 4, "caf", false},  // é is 2 bytes in UTF-8
		{"\x80", "x-unknown", 10, "€", true},      // unknown charset, not UTF-8: windows-1252
		{"caf\xe9", "iso-8859-1", 10, "café", true},
		{"\x1b$B@A5a=q\x1b(B", "iso-2022-jp", 10, "請求書", true},
		{"\x1b$B@A5a=q\x1b(B", "iso-2022-jp", 8, "請求", false},
		{"abc", "", 0, "", false},
		{"", "", 0, "", true},
		{string(bytes.Repeat([]byte{0x80}, 20)), "", 10, "€€€", false}, // € is 3 bytes
	}
	for _, tt := range tests {
		got, whole := textUTF8([]byte(tt.in), tt.charset, tt.limit)
		if got != tt.want || whole != tt.whole {
			t.Errorf("textUTF8(%q, %q, %d) = %q, %v; want %q, %v", tt.in, tt.charset, tt.limit, got, whole, tt.want, tt.whole)
		}
		if !utf8.ValidString(got) || int64(len(got)) > tt.limit {
			t.Errorf("textUTF8(%q, %q, %d) = %q: invalid UTF-8 or over the limit", tt.in, tt.charset, tt.limit, got)
		}
	}
}
