package bayes

import (
	"bytes"
	"encoding/base64"
	"io"
	stdmime "mime"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// singleText is the fast path for the commonest message: one text/plain
// or text/html part, not multipart. It returns the part's media type and
// its text decoded as package mime decodes Report.Texts (transfer
// encoding, then charset: a part without charset, in US-ASCII or in an
// unknown one is UTF-8 if valid, else windows-1252; invalid UTF-8 in a
// UTF-8 part becomes U+FFFD), without the digests and archive checks of
// a mime.Scanner, which a classifier does not use. ok is false for
// anything else (multipart, other types, unknown transfer encodings, a
// Content-Type mime.ParseMediaType rejects, text that may carry an
// uuencoded or yEnc file): those go through the mime.Scanner.
func singleText(contentType, cte string, body []byte) (typ, text string, ok bool) {
	typ, charset := "text/plain", ""
	if strings.TrimSpace(contentType) != "" {
		mt, params, err := stdmime.ParseMediaType(contentType)
		if err != nil {
			return "", "", false
		}
		typ, charset = mt, params["charset"]
	}
	if typ != "text/plain" && typ != "text/html" {
		return "", "", false
	}
	if lineStarts(body, "begin ") || lineStarts(body, "=ybegin") {
		return "", "", false // maybe a file inside the text: the scanner finds those
	}
	var data []byte
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
		data = body
	case "quoted-printable":
		d, err := readQP(body)
		if err != nil && len(d) == 0 {
			return "", "", false
		}
		data = d
	case "base64":
		data = decodeBase64(body)
	default:
		return "", "", false
	}
	if enc := charsetEncoding(charset); enc != nil {
		return typ, decode(string(data), enc), true
	}
	switch {
	case utf8.Valid(data):
		return typ, string(data), true
	case strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "utf8"):
		return typ, strings.ToValidUTF8(string(data), "\uFFFD"), true
	}
	return typ, decode(string(data), charmap.Windows1252), true
}

// readQP decodes quoted-printable body into one buffer of its size (the
// decoding is never longer), as io.ReadAll of a quotedprintable.Reader
// does in several growing ones: what decoded before an error, and the
// error.
func readQP(body []byte) ([]byte, error) {
	buf := make([]byte, len(body)+1)
	r := quotedprintable.NewReader(bytes.NewReader(body))
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...) // not expected
		}
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return buf[:n], err
		}
	}
}

// decodeBase64 decodes base64 text skipping what is not of the alphabet
// (RFC 2045 §6.8), and as much of a broken tail as decodes.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1] // one character is no octet
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

// lineStarts reports whether a line of body starts with p (uuencode and
// yEnc begin lines do).
func lineStarts(body []byte, p string) bool {
	if bytes.HasPrefix(body, []byte(p)) {
		return true
	}
	for i := 0; ; {
		j := bytes.IndexByte(body[i:], '\n')
		if j < 0 {
			return false
		}
		i += j + 1
		if bytes.HasPrefix(body[i:], []byte(p)) {
			return true
		}
	}
}
