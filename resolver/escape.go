package resolver

import "strings"

// Names and TXT strings cross the API as raw octets, as they are on the
// wire and as net.Resolver returns them; miekg/dns speaks the RFC 1035
// §5.1 presentation format, in which some octets are escaped. The
// functions here translate at that boundary.

// escapeName returns the presentation form of name (raw octets, labels
// separated by dots) that miekg/dns packs back into the same octets and
// produces itself when it unpacks the question of the reply: a space,
// quote, apostrophe, parenthesis, semicolon, at sign or backslash in a
// label as \X, other octets outside printable ASCII as \DDD. A name that
// needs no escaping, the usual case, is returned without allocating.
func escapeName(name string) string {
	i := 0
	for i < len(name) && !nameSpecial(name[i]) {
		i++
	}
	if i == len(name) {
		return name
	}
	var b strings.Builder
	b.Grow(len(name) + 8)
	b.WriteString(name[:i])
	for ; i < len(name); i++ {
		c := name[i]
		switch {
		case c < '!' && c != ' ', c > '~':
			b.Write([]byte{'\\', '0' + c/100, '0' + c/10%10, '0' + c%10})
		case nameSpecial(c):
			b.Write([]byte{'\\', c})
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// nameSpecial reports whether c is escaped in a label's presentation
// form (the dot is not: in a raw name it separates labels).
func nameSpecial(c byte) bool {
	switch c {
	case ' ', '"', '(', ')', ';', '@', '\'', '\\':
		return true
	}
	return c < '!' || c > '~'
}

// unescape returns the raw octets of s, a TXT character-string or a
// name in presentation form: \DDD is the octet of decimal value DDD and
// \X is X (RFC 1035 §5.1). A string without a backslash is returned
// without allocating.
func unescape(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); n < 256 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// lowerASCII returns s with the ASCII letters A to Z folded to lower case
// and every other octet, 0x80 to 0xFF included, unchanged (RFC 4343 §3).
// Unlike strings.ToLower it applies no Unicode case mapping and leaves
// invalid UTF-8 alone. s is returned without allocating when it has no
// upper-case ASCII letter.
func lowerASCII(s string) string {
	i := 0
	for i < len(s) && !isUpperASCII(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if isUpperASCII(b[i]) {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// equalFoldASCII reports whether a and b are the same octets once ASCII
// letters are folded (RFC 4343 §3). Unlike strings.EqualFold it folds
// no other character: "K" is not the Kelvin sign.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if isUpperASCII(x) {
			x += 'a' - 'A'
		}
		if isUpperASCII(y) {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func isUpperASCII(c byte) bool { return 'A' <= c && c <= 'Z' }
