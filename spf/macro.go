package spf

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
)

// macroString is a parsed macro-string (RFC 7208 §7.1).
type macroString struct {
	raw  string
	toks []macroTok // nil when raw has no macro: it expands to itself
}

// macroTok is a literal (letter 0) or a macro-expand.
type macroTok struct {
	lit     string
	letter  byte // lower case
	upper   bool // URL-escape the expansion (§7.3)
	digits  int  // 0: all parts
	reverse bool
	delims  string // "" means "."
}

// parseMacroString parses s; explain allows the letters c, r and t and
// spaces, which only explain-strings may carry (RFC 7208 §7.1, §12).
func parseMacroString(s string, explain bool) (macroString, error) {
	ms := macroString{raw: s}
	if strings.IndexByte(s, '%') < 0 {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x21 || c > 0x7e {
				if !(explain && c == ' ') {
					return ms, syntaxError("invalid character %q in %q", c, s)
				}
			}
		}
		return ms, nil
	}
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			ms.toks = append(ms.toks, macroTok{lit: string(lit)})
			lit = lit[:0]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			// macro-literal = %x21-24 / %x26-7E (§7.1)
			if c < 0x21 || c > 0x7e {
				if !(explain && c == ' ') {
					return ms, syntaxError("invalid character %q in %q", c, s)
				}
			}
			lit = append(lit, c)
			continue
		}
		if i+1 >= len(s) {
			return ms, syntaxError("%% at end of %q", s)
		}
		i++
		switch s[i] {
		case '%':
			lit = append(lit, '%')
		case '_':
			lit = append(lit, ' ')
		case '-':
			lit = append(lit, "%20"...)
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return ms, syntaxError("unterminated macro in %q", s)
			}
			t, err := parseMacroExpand(s[i+1:i+end], explain)
			if err != nil {
				return ms, err
			}
			flush()
			ms.toks = append(ms.toks, t)
			i += end
		default:
			return ms, syntaxError("bad macro escape %%%c in %q", s[i], s)
		}
	}
	flush()
	return ms, nil
}

// parseMacroExpand parses the inside of "%{...}": macro-letter
// transformers *delimiter (§7.1).
func parseMacroExpand(in string, explain bool) (macroTok, error) {
	if in == "" {
		return macroTok{}, syntaxError("empty macro")
	}
	t := macroTok{letter: in[0] | 0x20, upper: 'A' <= in[0] && in[0] <= 'Z'}
	switch t.letter {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		// §7.3: c, r and t are only allowed in explanations.
		if !explain {
			return t, syntaxError("macro letter %q outside exp", in[0])
		}
	default:
		return t, syntaxError("unknown macro letter %q", in[0])
	}
	rest := in[1:]
	j := 0
	for j < len(rest) && isDigit(rest[j]) {
		j++
	}
	if j > 0 {
		n, err := strconv.Atoi(rest[:j])
		if err != nil || n == 0 || n > 128 {
			// §7.3: "If a DIGIT is specified, the value MUST be nonzero."
			return t, syntaxError("bad macro digits %q", rest[:j])
		}
		t.digits = n
	}
	rest = rest[j:]
	if rest != "" && (rest[0] == 'r' || rest[0] == 'R') {
		t.reverse = true
		rest = rest[1:]
	}
	for k := 0; k < len(rest); k++ {
		// delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
		if !strings.ContainsRune(".-+,/_=", rune(rest[k])) {
			return t, syntaxError("bad macro delimiter %q", rest[k])
		}
	}
	t.delims = rest
	return t, nil
}

// parseDomainSpec parses a domain-spec: a macro-string ending in a
// macro-expand or in "." toplabel [ "." ] (RFC 7208 §7.1).
func parseDomainSpec(s string) (macroString, error) {
	ms, err := parseMacroString(s, false)
	if err != nil {
		return ms, err
	}
	tail := s
	if n := len(ms.toks); n > 0 {
		last := ms.toks[n-1]
		if last.letter != 0 {
			return ms, nil // ends in a macro-expand
		}
		tail = last.lit
	}
	if s == "" {
		return ms, syntaxError("empty domain-spec")
	}
	tail = strings.TrimSuffix(tail, ".")
	dot := strings.LastIndexByte(tail, '.')
	if dot < 0 || !isTopLabel(tail[dot+1:]) {
		return ms, syntaxError("domain-spec %q does not end in a valid top label", s)
	}
	return ms, nil
}

// isTopLabel: toplabel = ( *alphanum ALPHA *alphanum ) /
// ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) (RFC 7208 §7.1).
func isTopLabel(l string) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	alpha, hyphen := false, false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case isAlpha(c):
			alpha = true
		case c == '-':
			hyphen = true
		case isDigit(c):
		default:
			return false
		}
	}
	return alpha || hyphen
}

// expand expands ms for the current domain (RFC 7208 §7.3). An
// expansion longer than Checker.MaxMacroExpansion is ErrMacroTooLong,
// whether or not the string has macros: the limit bounds what a record
// or an explanation TXT (up to 64 kB) can make the check carry.
func (s *state) expand(ctx context.Context, ms *macroString, domain string) (string, error) {
	if ms.toks == nil {
		if len(ms.raw) > s.c.maxExpansion() {
			return "", ErrMacroTooLong
		}
		return ms.raw, nil
	}
	var b []byte
	for i := range ms.toks {
		t := &ms.toks[i]
		if t.letter == 0 {
			b = append(b, t.lit...)
		} else {
			v := s.macroValue(ctx, t.letter, domain)
			b = appendTransformed(b, v, t)
		}
		if len(b) > s.c.maxExpansion() {
			return "", ErrMacroTooLong
		}
	}
	return string(b), nil
}

// macroValue returns the value of a macro letter (RFC 7208 §7.2).
func (s *state) macroValue(ctx context.Context, letter byte, domain string) string {
	switch letter {
	case 's':
		return s.sender
	case 'l':
		return s.local
	case 'o':
		// A trailing dot (an FQDN domain-spec such as include:a.example.,
		// a@a.example. or HELO a.example.) ends the name; it is not part
		// of <domain>, so that %{d}.bl.example is not an empty label and
		// %{dr} does not start with one (§7.3).
		return strings.TrimSuffix(s.senderDomain, ".")
	case 'd':
		return strings.TrimSuffix(domain, ".")
	case 'i':
		return dottedIP(s.ip)
	case 'p':
		return s.validatedName(ctx, domain)
	case 'v':
		if s.ip.Is4() {
			return "in-addr"
		}
		return "ip6"
	case 'h':
		return strings.TrimSuffix(s.helo, ".") // as %{d}
	case 'c':
		return s.ip.String()
	case 'r':
		if s.c.ReceiverHost != "" {
			return s.c.ReceiverHost
		}
		return "unknown"
	case 't':
		return strconv.FormatInt(s.now().Unix(), 10)
	}
	return ""
}

// dottedIP renders ip for %{i}: dotted quad, or the 32 nibbles of an
// IPv6 address separated by dots (§7.3).
func dottedIP(ip netip.Addr) string {
	if ip.Is4() {
		return ip.String()
	}
	const hex = "0123456789abcdef"
	a := ip.As16()
	b := make([]byte, 0, 63)
	for i, x := range a {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, hex[x>>4], '.', hex[x&15])
	}
	return string(b)
}

// appendTransformed appends v split on t's delimiters, reversed and
// cut to the rightmost t.digits parts as asked, joined with dots, and
// URL-escaped for an upper-case letter (§7.3).
func appendTransformed(b []byte, v string, t *macroTok) []byte {
	if t.digits == 0 && !t.reverse && (t.delims == "" || t.delims == ".") && !t.upper {
		return append(b, v...)
	}
	delims := t.delims
	if delims == "" {
		delims = "."
	}
	parts := splitAny(v, delims)
	if t.reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if t.digits > 0 && t.digits < len(parts) {
		parts = parts[len(parts)-t.digits:]
	}
	start := len(b)
	for i, p := range parts {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, p...)
	}
	if t.upper {
		esc := urlEscape(string(b[start:]))
		b = append(b[:start], esc...)
	}
	return b
}

// splitAny splits v at every byte of delims, keeping empty parts.
func splitAny(v, delims string) []string {
	var parts []string
	last := 0
	for i := 0; i < len(v); i++ {
		if strings.IndexByte(delims, v[i]) >= 0 {
			parts = append(parts, v[last:i])
			last = i + 1
		}
	}
	return append(parts, v[last:])
}

// urlEscape escapes every octet outside the unreserved set of RFC 3986
// (§7.3: "uppercase macros expand exactly as their lowercase
// equivalents, and are then URL escaped").
func urlEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// truncateDomain removes labels from the left of name until it is at
// most 253 octets long (§7.3, last paragraph).
func truncateDomain(name string) string {
	for len(strings.TrimSuffix(name, ".")) > 253 {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return name
		}
		name = name[i+1:]
	}
	return name
}
