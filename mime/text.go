package mime

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// addText appends the text of the part at path, of type typ, to
// Report.Texts: data decoded from charset to UTF-8, within what is left
// of MaxTextBytes; once a text was cut, the later ones are empty.
// complete is false if a limit cut data.
func (st *state) addText(path, typ, charset string, data []byte, complete bool) {
	left := st.maxText - st.text
	if st.textCut {
		left = 0 // texts after the one cut are left out whole
	}
	body, whole := textUTF8(data, charset, left)
	st.text += int64(len(body))
	if !whole && !st.textCut {
		st.textCut = true
		st.find(KindLimitTextBytes, path, fmt.Sprintf("more than %d bytes of text in all", st.maxText), ErrTextBytes)
	}
	st.report.Texts = append(st.report.Texts, Text{
		Path: path, Type: typ, Charset: charset, Body: body,
		Truncated: !complete || !whole,
	})
}

// textUTF8 returns data, text in charset, as UTF-8 of at most limit
// bytes, cut at a character boundary; whole is false if it was cut.
// UTF-8, US-ASCII, no charset and unknown charsets are taken as UTF-8
// when data is valid UTF-8 and as windows-1252 otherwise (WHATWG
// Encoding reads US-ASCII and ISO-8859-1 labels so); invalid UTF-8 in a
// part declared UTF-8 becomes U+FFFD. Other charsets are decoded with
// golang.org/x/text.
func textUTF8(data []byte, charset string, limit int64) (body string, whole bool) {
	limit = max(limit, 0)
	enc := charsetEncoding(charset)
	if enc == nil {
		// The output of the UTF-8 and windows-1252 readings is at least
		// as long as their input: a prefix of limit bytes is enough.
		prefix := data
		if int64(len(prefix)) > limit {
			prefix = prefix[:cutRune(prefix, int(limit))]
		}
		switch {
		case utf8.Valid(prefix):
			return string(prefix), len(prefix) == len(data)
		case isUTF8(charset):
			return validUTF8(prefix, limit, len(prefix) == len(data))
		}
		enc = charmap.Windows1252
	}
	out, err := decodeLimited(data, enc, limit)
	if err != nil {
		// A broken byte sequence the decoder would not replace: read the
		// bytes as windows-1252, which keeps their ASCII (the URLs).
		out, _ = decodeLimited(data, charmap.Windows1252, limit)
	}
	whole = int64(len(out)) <= limit
	if !whole {
		out = out[:cutRune(out, int(limit))]
	}
	if !utf8.Valid(out) {
		return validUTF8(out, limit, whole)
	}
	return string(out), whole
}

// decodeLimited decodes data with enc, stopping past limit bytes of
// output (it returns at most limit+1).
func decodeLimited(data []byte, enc encoding.Encoding, limit int64) ([]byte, error) {
	r := transform.NewReader(bytes.NewReader(data), enc.NewDecoder())
	return io.ReadAll(io.LimitReader(r, limit+1))
}

// cutRune returns where to cut b to at most limit bytes: limit, or up to
// three bytes before so as not to split a UTF-8 sequence.
func cutRune(b []byte, limit int) int {
	n := min(limit, len(b))
	for i := n; i > 0 && i > n-utf8.UTFMax && i < len(b); i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return n
}

// validUTF8 returns b with each invalid byte replaced by U+FFFD, at most
// limit bytes; whole is false if it was cut (or if whole was false).
func validUTF8(b []byte, limit int64, whole bool) (string, bool) {
	var s strings.Builder
	s.Grow(int(min(int64(len(b)), limit)))
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		n := size
		if r == utf8.RuneError && size == 1 {
			n = utf8.RuneLen(utf8.RuneError)
		}
		if int64(s.Len()+n) > limit {
			return s.String(), false
		}
		if n != size {
			s.WriteRune(utf8.RuneError)
		} else {
			s.Write(b[i : i+size])
		}
		i += size
	}
	return s.String(), whole
}

// isUTF8 reports whether charset names UTF-8.
func isUTF8(charset string) bool {
	switch lower(charset) {
	case "utf-8", "utf8":
		return true
	}
	return false
}
