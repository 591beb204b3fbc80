package mime

import (
	"errors"
	"fmt"
	"io"
	stdmime "mime"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"
)

// DefaultDangerousExtensions are the file name extensions reported as
// KindDangerousExtension when Scanner.DangerousExtensions is nil: files
// Windows runs, installs or mounts on a double click. They are
// Microsoft's published list of the file types Outlook blocks (Level 1),
// "Blocked attachments in Outlook" (see the package documentation),
// followed by those abused in recent campaigns and by amavisd-new's and
// rspamd's defaults: disk images Windows mounts (.iso, .img; .vhd and
// .vhdx are on Outlook's list), OneNote notebooks (.one, .onepkg),
// MSIX/AppX installers, ACE archives, and libraries and drivers.
var DefaultDangerousExtensions = []string{
	// Outlook Level 1.
	"ade", "adp", "app", "appcontent-ms", "application", "appref-ms", "asp",
	"aspx", "asx", "bas", "bat", "bgi", "cab", "cdxml", "cer", "chm", "cmd",
	"cnt", "com", "cpl", "crt", "csh", "der", "diagcab", "exe", "fxp",
	"gadget", "grp", "hlp", "hpj", "hta", "htc", "inf", "ins", "isp", "its",
	"jar", "jnlp", "js", "jse", "ksh", "library-ms", "lnk", "mad", "maf",
	"mag", "mam", "maq", "mar", "mas", "mat", "mau", "mav", "maw", "mcf",
	"mda", "mdb", "mde", "mdt", "mdw", "mdz", "msc", "msh", "msh1", "msh2",
	"mshxml", "msh1xml", "msh2xml", "msi", "msp", "mst", "msu", "ops", "osd",
	"pcd", "pif", "pl", "plg", "prf", "prg", "printerexport", "ps1", "ps1xml",
	"ps2", "ps2xml", "psc1", "psc2", "psd1", "psdm1", "pssc", "pst", "py",
	"pyc", "pyo", "pyw", "pyz", "pyzw", "reg", "scf", "scr", "sct",
	"search-ms", "settingcontent-ms", "shb", "shs", "theme", "tmp", "udl",
	"url", "vb", "vbe", "vbp", "vbs", "vhd", "vhdx", "vsmacros", "vsw",
	"webpnp", "website", "ws", "wsb", "wsc", "wsf", "wsh", "xbap", "xll",
	"xnk",
	// Campaigns and other gateways.
	"ace", "appx", "appxbundle", "dll", "img", "iso", "msix", "msixbundle",
	"ocx", "one", "onepkg", "psm1", "sys", "vxd",
}

var defaultDangerous = func() map[string]bool {
	m := make(map[string]bool, len(DefaultDangerousExtensions))
	for _, e := range DefaultDangerousExtensions {
		m[e] = true
	}
	return m
}()

// mediaType parses a Content-Type or Content-Disposition value: with
// mime.ParseMediaType first (RFC 2045 §5.1, RFC 2231 continuations in
// UTF-8 and US-ASCII), then with enmime's tolerant parser (missing
// semicolons, repeated and unquoted parameters), and last by splitting
// the parameters at the semicolons outside quotes. problem describes a
// value neither parser accepted.
func mediaType(v string) (typ string, params map[string]string, problem string) {
	if v == "" {
		return "", nil, ""
	}
	if t, p, err := stdmime.ParseMediaType(v); err == nil {
		return lower(t), p, ""
	}
	t, p, _, err := mediatype.Parse(v)
	if err == nil && t != "" {
		return lower(t), p, ""
	}
	parts := splitParams(v)
	params = make(map[string]string)
	for _, kv := range parts[1:] {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\`, "")
		}
		if k = lower(k); params[k] == "" {
			params[k] = val
		}
	}
	if err == nil {
		err = errors.New("no media type")
	}
	return lower(parts[0]), params, fmt.Sprintf("unparsable %q: %v", v, err)
}

// paramFilename returns the decoded file name of a Content-Disposition
// filename (RFC 2183 §2.3) or Content-Type name parameter: RFC 2231
// extended values in any charset, RFC 2047 encoded words (which RFC 2047
// §5 forbids in quoted strings, but which mailers send), and raw 8-bit
// names in the part's charset.
func paramFilename(raw string, params map[string]string, param, charset string) string {
	v := params[param]
	if s, ok := rfc2231Param(raw, param); ok && s != "" {
		// RFC 2231 §4: the extended value, in any charset, is the one
		// meant, beside a plain one for old readers. mime.ParseMediaType
		// prefers it only in UTF-8 and US-ASCII: it drops the others
		// (ISO-8859-1, ISO-2022-JP, Shift_JIS, ...) and their
		// continuations, leaving the plain filename="a.pdf" to hide
		// filename*=iso-8859-1''r%E9sum%E9.exe.
		v = s
	} else if !utf8.ValidString(raw) {
		// Raw 8-bit bytes, which the media type parser replaces with
		// U+FFFD: take the parameter from the raw value.
		if s, ok := rawParam(raw, param); ok {
			v = s
		}
	}
	if v == "" {
		return ""
	}
	if strings.Contains(v, "=?") {
		v = decodeWords(v)
	}
	if !utf8.ValidString(v) {
		if s, ok := toUTF8(charset, []byte(v)); ok && utf8.ValidString(s) {
			v = s
		} else {
			v = strings.ToValidUTF8(v, "\uFFFD")
		}
	}
	return v
}

// decodeText decodes an unstructured header value (RFC 5322 §2.2.1):
// RFC 2047 encoded words, raw ISO-2022-JP (7-bit escape sequences, as
// Japanese mailers sent before RFC 2047 was universal), raw 8-bit text
// in charset, else invalid bytes replaced.
func decodeText(v, charset string) string {
	if strings.Contains(v, "=?") {
		v = decodeWords(v)
	}
	if strings.Contains(v, "\x1b$B") || strings.Contains(v, "\x1b$@") {
		if s, ok := toUTF8("iso-2022-jp", []byte(v)); ok {
			v = s
		}
	}
	if !utf8.ValidString(v) {
		if s, ok := toUTF8(charset, []byte(v)); ok && utf8.ValidString(s) {
			return s
		}
		return strings.ToValidUTF8(v, "\uFFFD")
	}
	return v
}

// maxContinuations bounds the RFC 2231 continuation segments read.
const maxContinuations = 64

// rfc2231Param decodes parameter name from the raw header value v as RFC
// 2231 §3 and §4 extended parameters, with continuations, in any
// charset.
func rfc2231Param(v, name string) (string, bool) {
	type seg struct {
		val string
		ext bool
	}
	var segs [maxContinuations]seg
	var have [maxContinuations]bool
	found := false
	for _, kv := range splitParams(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		k = lower(k)
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\`, "")
		}
		rest, ok := strings.CutPrefix(k, name+"*")
		if !ok {
			continue
		}
		n, ext := 0, false
		switch {
		case rest == "":
			ext = true // name*=charset'lang'value (RFC 2231 §4)
		default:
			num, star := strings.CutSuffix(rest, "*")
			i, err := strconv.Atoi(num)
			if err != nil || i < 0 || i >= maxContinuations {
				continue
			}
			n, ext = i, star
		}
		segs[n], have[n], found = seg{val, ext}, true, true
	}
	if !found || !have[0] {
		return "", false
	}
	var b []byte
	charset := ""
	for i := 0; i < maxContinuations && have[i]; i++ {
		s := segs[i]
		if !s.ext {
			b = append(b, s.val...)
			continue
		}
		val := s.val
		if i == 0 {
			// RFC 2231 §4: charset'language'value.
			parts := strings.SplitN(val, "'", 3)
			if len(parts) == 3 {
				charset, val = parts[0], parts[2]
			}
		}
		if u, err := url.PathUnescape(val); err == nil {
			b = append(b, u...)
		} else {
			b = append(b, val...)
		}
	}
	if s, ok := toUTF8(charset, b); ok {
		return s, true
	}
	return string(b), true
}

// rawParam returns the value of parameter name in the raw header value
// v, unquoted, without decoding it.
func rawParam(v, name string) (string, bool) {
	for _, kv := range splitParams(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || lower(k) != name {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\`, "")
		}
		return val, true
	}
	return "", false
}

// splitParams splits a header value at the semicolons outside quoted
// strings.
func splitParams(v string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// toUTF8 converts b from charset to UTF-8. ok is false for an unknown
// charset.
func toUTF8(charset string, b []byte) (string, bool) {
	switch lower(charset) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return string(b), true
	}
	enc := charsetEncoding(charset)
	if enc == nil {
		return "", false
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", false
	}
	return string(out), true
}

// wordDecoder decodes RFC 2047 encoded words in any charset x/text
// knows. (enmime.DecodeRFC2047 quotes decoded text holding specials, as
// for address display names, which would change file names.)
var wordDecoder = &stdmime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	enc := charsetEncoding(charset)
	if enc == nil {
		if _, ok := toUTF8(charset, nil); ok {
			return r, nil
		}
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return transform.NewReader(r, enc.NewDecoder()), nil
}}

// rawWordDecoder decodes RFC 2047 encoded words leaving their bytes in
// their charset, for charsets x/text does not know.
var rawWordDecoder = &stdmime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) {
	return r, nil
}}

// decodeWords decodes the RFC 2047 encoded words of v. Words in a
// charset nobody knows ("=?x-unknown?B?aW52b2ljZS5leGU=?=") are decoded
// to their bytes, which the caller makes valid UTF-8: their ASCII (the
// extension of a file name) is what a client shows, so it must not stay
// hidden in the encoding.
func decodeWords(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	if d, err := rawWordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// charsetEncoding returns the encoding of a charset name (WHATWG names
// and labels first, as mail in the wild follows browsers, then IANA), or
// nil for UTF-8, US-ASCII and unknown charsets.
func charsetEncoding(charset string) encoding.Encoding {
	switch lower(charset) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		enc, err = ianaindex.MIME.Encoding(charset)
		if err != nil {
			return nil
		}
	}
	return enc
}

// bidiControls are the Unicode bidirectional formatting characters
// (Unicode TR #9) that reorder how a name displays: "fdp.exe" after
// U+202E shows as "exe.pdf".
func bidiControl(r rune) bool {
	switch r {
	case '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C':
		return true
	}
	return false
}

// checkName reports what the file name name of the part at path reveals.
func (st *state) checkName(path, name string) {
	if name == "" {
		return
	}
	shown := cutMiddle(name, st.maxName) // in details
	for _, r := range name {
		if bidiControl(r) {
			st.find(KindRTLO, path, fmt.Sprintf("%+q holds %U, which reorders its display", shown, r), nil)
			break
		}
	}
	if w, ok := mixedScripts(name); ok {
		st.find(KindLookalike, path, fmt.Sprintf("%+q: %q mixes Latin with Cyrillic or Greek letters", shown, cutMiddle(w, st.maxName)), nil)
	}
	note, base := "", name
	if i := strings.IndexByte(base, 0); i >= 0 {
		// Code that handles names as C strings (Windows APIs, many
		// clients and gateways) ends the name at the first NUL:
		// "a.exe\x00.pdf" is saved as "a.exe".
		base, note = base[:i], " (cut at a NUL)"
	}
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	// Windows drops trailing dots and spaces from file names.
	trimmed := strings.TrimRight(base, ". \t")
	if trimmed != base {
		note += " (trailing dots or spaces dropped by Windows)"
	}
	dot := strings.LastIndexByte(trimmed, '.')
	if dot < 0 {
		return
	}
	ext := strings.ToLower(trimmed[dot+1:])
	if !st.dangerous[ext] {
		return
	}
	st.find(KindDangerousExtension, path, fmt.Sprintf("%+q: .%s%s", shown, cutMiddle(ext, 64), note), nil)
	stem := trimmed[:dot]
	padded := strings.TrimRight(stem, " \t_")
	if len(stem)-len(padded) >= 3 {
		note += " (padded to hide the last extension)"
	}
	d2 := strings.LastIndexByte(padded, '.')
	if d2 < 0 {
		return
	}
	ext2 := strings.ToLower(padded[d2+1:])
	if len(ext2) == 0 || len(ext2) > 5 || !hasLetter(ext2) || !isAlnum(ext2) {
		return
	}
	st.find(KindDoubleExtension, path, fmt.Sprintf("%+q: .%s.%s%s", shown, ext2, cutMiddle(ext, 64), note), nil)
}

// mixedScripts returns the first word of name (split at anything but
// letters) that mixes Latin letters with Cyrillic or Greek ones. Names
// wholly in one script, and Latin extensions after Cyrillic names
// ("Счёт.pdf"), do not count.
func mixedScripts(name string) (string, bool) {
	for w := range strings.FieldsFuncSeq(name, func(r rune) bool { return !unicode.IsLetter(r) }) {
		var latin, other bool
		for _, r := range w {
			switch {
			case unicode.Is(unicode.Latin, r):
				latin = true
			case unicode.Is(unicode.Cyrillic, r), unicode.Is(unicode.Greek, r):
				other = true
			}
		}
		if latin && other {
			return w, true
		}
	}
	return "", false
}

func hasLetter(s string) bool {
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' {
			return true
		}
	}
	return false
}

func isAlnum(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// paramCandidates returns the distinct decoded values a header value
// raw gives parameter param, in order: each plain param= value, the RFC
// 2231 §4 extended param*= value, and the RFC 2231 §3 continuation
// chain param*0, param*1, .... Clients disagree on which one wins when
// there are several (the first, the last, the extended one), so each is
// a name the file may be saved under.
func paramCandidates(raw, param, charset string) []string {
	var out []string
	add := func(v string) {
		if v == "" {
			return
		}
		if strings.Contains(v, "=?") {
			v = decodeWords(v)
		}
		if !utf8.ValidString(v) {
			if s, ok := toUTF8(charset, []byte(v)); ok && utf8.ValidString(s) {
				v = s
			} else {
				v = strings.ToValidUTF8(v, "\uFFFD")
			}
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	var chain []string
	for _, kv := range splitParams(raw)[1:] {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		k = lower(k)
		rest, ok := strings.CutPrefix(k, param)
		switch {
		case !ok:
		case rest == "":
			val = strings.TrimSpace(val)
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = strings.ReplaceAll(val[1:len(val)-1], `\`, "")
			}
			add(val)
		case rest == "*":
			if s, ok := rfc2231Param(";"+kv, param); ok {
				add(s)
			}
		case rest[0] == '*':
			chain = append(chain, kv)
		}
	}
	if len(chain) > 0 {
		if s, ok := rfc2231Param(";"+strings.Join(chain, ";"), param); ok {
			add(s)
		}
	}
	return out
}

// checkParamNames checks the names other than chosen that the header
// value raw gives parameter param, and reports a value giving several
// different names as malformed (RFC 2183 §2.3 and RFC 2231 allow one).
func (st *state) checkParamNames(path, raw, param, charset string, chosen ...string) {
	if !strings.Contains(raw, ";") {
		return
	}
	c := paramCandidates(raw, param, charset)
	if len(c) < 2 {
		return
	}
	quoted := make([]string, len(c))
	for i, n := range c {
		quoted[i] = fmt.Sprintf("%+q", cutMiddle(n, st.maxName))
	}
	st.malformed(path, fmt.Sprintf("ambiguous %s parameters: %d different values (%s); clients differ in the one they use, each is checked", param, len(c), strings.Join(quoted, ", ")))
	for _, n := range c {
		if !slices.Contains(chosen, n) {
			st.checkName(path, n)
		}
	}
}
