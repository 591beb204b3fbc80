package bayes

import (
	"io"
	stdmime "mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// esc2022 is the escape sequence that switches ISO-2022-JP (RFC 1468) to
// JIS X 0208: text holding it is ISO-2022-JP whatever its label says
// (Japanese mail often declares none).
const esc2022 = "\x1b$B"

// charsetEncoding returns the encoding named charset (WHATWG labels
// first, as mail readers and browsers read them: "gb2312" is GBK,
// "iso-8859-1" windows-1252; then IANA names), or nil for UTF-8, ASCII
// and unknown names.
func charsetEncoding(charset string) encoding.Encoding {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		enc, err = ianaindex.MIME.Encoding(charset)
		if err != nil || enc == nil {
			return nil
		}
	}
	return enc
}

// decode returns s, text in enc, as UTF-8 (invalid sequences become
// U+FFFD); s itself if the decoder fails.
func decode(s string, enc encoding.Encoding) string {
	out, _, err := transform.String(enc.NewDecoder(), s)
	if err != nil {
		return s
	}
	return out
}

// decodeISO2022JP decodes s, ISO-2022-JP text that reached us read as
// ASCII, to UTF-8.
func decodeISO2022JP(s string) string {
	return decode(s, japanese.ISO2022JP)
}

// wordDecoder decodes RFC 2047 encoded words in any charset x/text knows.
var wordDecoder = &stdmime.WordDecoder{
	CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		enc := charsetEncoding(charset)
		if enc == nil {
			return input, nil // UTF-8, ASCII or unknown: as is
		}
		return transform.NewReader(input, enc.NewDecoder()), nil
	},
}

// fieldText returns the text of a header field value: RFC 2047 encoded
// words decoded (RFC 2047 §6.2), ISO-2022-JP escapes decoded, and raw
// 8-bit octets that are not UTF-8 read in the message's charset (from
// its top-level Content-Type), else windows-1252.
func fieldText(v string, charset string) string {
	if strings.Contains(v, "=?") {
		u := v
		if strings.IndexByte(u, '\n') >= 0 {
			u = unfold(u)
		}
		if d, err := wordDecoder.DecodeHeader(u); err == nil {
			v = d
		}
	}
	if strings.Contains(v, esc2022) {
		v = decodeISO2022JP(v)
	}
	if !utf8.ValidString(v) {
		enc := charsetEncoding(charset)
		if enc == nil {
			enc, _ = htmlindex.Get("windows-1252")
		}
		v = decode(v, enc)
	}
	return v
}

// decodeRune is utf8.DecodeRuneInString.
func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// unfold removes the line breaks of a folded field value (RFC 5322
// §2.2.3), keeping the white space that follows them.
func unfold(v string) string {
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if c := v[i]; c != '\r' && c != '\n' {
			b = append(b, c)
		}
	}
	return string(b)
}
