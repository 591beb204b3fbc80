package rbl

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// URL is a URL found in a body.
type URL struct {
	// Text is the URL as found, with obfuscations undone ("hxxp" to
	// "http", "[.]" to "."); a bare "www." URL gets "http://".
	Text string
	// Host is the host, lower case, without port, user information,
	// trailing dot or the brackets of an IPv6 literal.
	Host string
	// Cut reports that the URL went on past Extractor.MaxURLLen octets
	// after its host and Text stops there.
	Cut bool
}

// Links is what Extractor.Links found in a body.
type Links struct {
	// URLs are the distinct URLs, in order of appearance: the first URL
	// of each distinct host (at most Extractor.MaxHosts hosts), and at
	// most Extractor.MaxURLs others.
	URLs []URL
	// Err reports the limits reached, nil if none: ErrTooManyHosts when
	// the body had more distinct hosts than Extractor.MaxHosts (URLs
	// hold the first MaxHosts; the hosts past them are not checked),
	// ErrTooManyURLs when more URLs to hosts already found than
	// Extractor.MaxURLs were left out (their hosts are in URLs all the
	// same), ErrURLTooLong when a URL was cut (its Cut is set; its host
	// is still found).
	Err error
}

// Hosts returns the distinct hosts of the URLs, in order of
// appearance: the argument CheckDomains takes. Checker.CheckLinks takes
// the Links whole, so that a limit reached counts in its result.
func (l Links) Hosts() []string {
	var d distinct[string]
	for _, u := range l.URLs {
		d.add(u.Host)
	}
	return d.list
}

// String renders the URLs' texts, space-separated, followed by the
// limits reached if any.
func (l Links) String() string {
	parts := make([]string, 0, len(l.URLs)+1)
	for _, u := range l.URLs {
		parts = append(parts, u.Text)
	}
	if l.Err != nil {
		parts = append(parts, "("+l.Err.Error()+")")
	}
	return strings.Join(parts, " ")
}

// Extractor finds URLs in decoded text and HTML bodies, for domain lists
// (URIBL, SURBL, DBL). It needs no HTML parsing: every "scheme://" in the
// text is found, so href and src attributes, bare URLs and URLs in
// comments or scripts alike, plus "www." URLs without scheme,
// protocol-relative "//host/..." URLs in quoted attributes and CSS
// url(), and the common obfuscations "hxxp://", "hxxps://", "h**p://",
// "http[:]//", and "[.]", "(.)", "[dot]", "(dot)", "&#46;", "&#x2e;" and
// "&period;" in host names, where the ideographic and full-width full
// stops that browsers take for dots are read as dots too,
// percent-encoded host octets are decoded, and IPv4 hosts written as
// one number, in hexadecimal or octal are read as browsers read them.
// The zero Extractor is ready to use; it is safe for concurrent use.
type Extractor struct {
	// MaxHosts bounds the distinct hosts. If zero, 1000. The first URL
	// of each host is kept whatever came before it, so that links to
	// hosts already found cannot push a new host out; the body is not
	// read past the first URL of the host that would exceed MaxHosts,
	// and Links.Err wraps ErrTooManyHosts.
	MaxHosts int
	// MaxURLs bounds the distinct URLs kept beyond the first URL of each
	// host. If zero, 1000. Past it, URLs to hosts already found are left
	// out (reading goes on, for new hosts), and Links.Err wraps
	// ErrTooManyURLs.
	MaxURLs int
	// MaxURLLen bounds the octets read of one URL after its host. If
	// zero, 2048. A longer URL is cut there: its host is still found, its
	// Cut is set and Links.Err wraps ErrURLTooLong.
	MaxURLLen int
}

// Default limits of Extractor.
const (
	defaultMaxHosts  = 1000
	defaultMaxURLs   = 1000
	defaultMaxURLLen = 2048
)

// Links returns the distinct URLs of body, in order of appearance, and
// the limits reached. Hosts are counted before URLs: the first URL of
// every distinct host is kept, up to MaxHosts hosts, however many URLs
// to other hosts came before it. The work is linear in the length of
// body, and what is kept is bounded by the limits.
func (x *Extractor) Links(body []byte) Links {
	maxHosts := x.MaxHosts
	if maxHosts <= 0 {
		maxHosts = defaultMaxHosts
	}
	maxURLs := x.MaxURLs
	if maxURLs <= 0 {
		maxURLs = defaultMaxURLs
	}
	maxLen := x.MaxURLLen
	if maxLen <= 0 {
		maxLen = defaultMaxURLLen
	}
	var out Links
	var tooManyURLs, tooManyHosts error
	cut := 0
	extra := 0 // URLs kept beyond the first of their host
	seen := make(map[string]bool)
	hosts := make(map[string]bool)
	var scratch [512]byte
	buf := scratch[:0]
	for i := 0; i < len(body); i++ {
		c := body[i]
		var hostStart int
		var scheme string
		switch {
		case c == ':' && i+2 < len(body) && body[i+1] == '/' && body[i+2] == '/':
			scheme = schemeBefore(body, i)
			hostStart = i + 3
		case c == '[' && i+4 < len(body) && body[i+1] == ':' && body[i+2] == ']' && body[i+3] == '/' && body[i+4] == '/':
			scheme = schemeBefore(body, i)
			hostStart = i + 5
		case (c == 'w' || c == 'W') && i+4 < len(body) && strings.EqualFold(string(body[i:i+4]), "www.") &&
			(i == 0 || !isURLChar(body[i-1]) || body[i-1] == '"' || body[i-1] == '\''):
			scheme, hostStart = "http", i
		case c == '/' && i > 0 && i+1 < len(body) && body[i+1] == '/' &&
			(body[i-1] == '"' || body[i-1] == '\'' || body[i-1] == '('):
			// Protocol-relative reference (RFC 3986 §4.2) in an attribute
			// or url(): the page's scheme, http or https.
			scheme, hostStart = "http", i+2
		default:
			continue
		}
		if scheme == "" {
			continue
		}
		text, hs, he, end, ok := parseURLAt(buf[:0], body, hostStart, scheme, maxLen)
		// parseURLAt stops maxLen octets after the host: a URL character
		// there means that the URL went on.
		cutHere := ok && len(text)-he == maxLen && end < len(body) && inURLRest(body[end])
		buf = text[:0] // keep what it grew to
		i = max1(i, end-1)
		if !ok || seen[string(text)] {
			continue
		}
		newHost := !hosts[string(text[hs:he])]
		switch {
		case newHost && len(hosts) == maxHosts:
			tooManyHosts = fmt.Errorf("%w: limit %d", ErrTooManyHosts, maxHosts)
		case !newHost && extra == maxURLs:
			if tooManyURLs == nil {
				tooManyURLs = fmt.Errorf("%w: limit %d beyond the first URL of each host", ErrTooManyURLs, maxURLs)
			}
			continue
		case !newHost:
			extra++
		}
		if tooManyHosts != nil {
			break
		}
		t := string(text)
		seen[t] = true
		u := URL{Text: t, Host: t[hs:he]}
		if newHost {
			hosts[u.Host] = true
		}
		if cutHere {
			u.Cut = true
			cut++
		}
		out.URLs = append(out.URLs, u)
	}
	var tooLong error
	if cut > 0 {
		tooLong = fmt.Errorf("%w: %d URLs cut at %d octets after the host", ErrURLTooLong, cut, maxLen)
	}
	out.Err = errors.Join(tooManyHosts, tooManyURLs, tooLong)
	return out
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// schemeBefore returns the normalised scheme ending before body[i], ""
// if it is not one looked for.
func schemeBefore(body []byte, i int) string {
	j := i
	for j > 0 && i-j < 8 && (body[j-1] >= 'a' && body[j-1] <= 'z' || body[j-1] >= 'A' && body[j-1] <= 'Z' || body[j-1] == '*') {
		j--
	}
	var lower [8]byte
	n := copy(lower[:], body[j:i])
	for k := range n {
		if c := lower[k]; 'A' <= c && c <= 'Z' {
			lower[k] = c + 'a' - 'A'
		}
	}
	switch string(lower[:n]) {
	case "http":
		return "http"
	case "https":
		return "https"
	case "ftp":
		return "ftp"
	case "hxxp", "h**p", "hxtp", "htxp":
		return "http"
	case "hxxps", "h**ps":
		return "https"
	}
	return ""
}

func isURLChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`'
}

// inURLRest reports whether c continues a URL after its host.
func inURLRest(c byte) bool { return isURLChar(c) && c != ')' && c != ']' }

// parseURLAt reads a URL's host and rest from body[start:] and appends
// its normalised text, scheme "://" host rest, to buf. It returns the
// text, the bounds of the host in it, the index in body where the URL
// ends, and whether it is a URL.
func parseURLAt(buf, body []byte, start int, scheme string, maxLen int) (text []byte, hs, he, end int, ok bool) {
	// User information ends at the last '@' of the authority
	// (RFC 3986 §3.2.1). Browsers end the authority at a backslash too
	// (WHATWG URL Standard, special schemes), so "http://evil\@good/"
	// goes to evil. Non-ASCII octets (IDN labels, U+3002 and the other
	// label separators read as dots below) are scanned over too, so the
	// '@' after them is seen.
	for j := start; j < len(body) && j-start < 256 && (isURLChar(body[j]) || body[j] >= 0x80); j++ {
		if c := body[j]; c == '/' || c == '\\' || c == '?' || c == '#' && (j == start || body[j-1] != '&') {
			break // end of the authority, unless "&#" of a character reference
		} else if c == '@' {
			start = j + 1
		}
	}
	buf = append(append(buf, scheme...), "://"...)
	hs = len(buf)
	i := start
	if i < len(body) && body[i] == '[' && !hasDotObfuscation(body, i) {
		// IPv6 literal (RFC 3986 §3.2.2).
		end := i + 1
		for end < len(body) && end-i < 64 && body[end] != ']' {
			end++
		}
		if end >= len(body) || body[end] != ']' {
			return buf, 0, 0, i + 1, false
		}
		a, err := netip.ParseAddr(string(body[i+1 : end]))
		if err != nil || !a.Is6() || a.Zone() != "" {
			return buf, 0, 0, end + 1, false
		}
		if a.Is4In6() {
			buf = a.Unmap().AppendTo(buf[:hs])
			he = len(buf)
		} else {
			buf = append(buf, '[')
			hs = len(buf)
			buf = a.AppendTo(buf)
			he = len(buf)
			buf = append(buf, ']')
		}
		i = end + 1
	} else {
		nonASCII := false
		for i < len(body) {
			if len(buf)-hs > 253 {
				return buf, 0, 0, i, false // RFC 1035 §2.3.4: too long for a name
			}
			c := body[i]
			if n := dotObfuscation(body, i); n > 0 {
				buf = append(buf, '.')
				i += n
				continue
			}
			n := 1
			if c == '%' && i+2 < len(body) {
				// Browsers percent-decode the host (WHATWG URL Standard,
				// host parsing): http://evil%2Eexample/ goes to
				// evil.example.
				if h, l := unhex(body[i+1]), unhex(body[i+2]); h >= 0 && l >= 0 {
					c, n = byte(h<<4|l), 3
				}
			}
			switch {
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			case c >= 'a' && c <= 'z' || c == '-' || c == '_':
			case c >= '0' && c <= '9' || c == '.':
			case c >= 0x80:
				nonASCII = true
			default:
				goto hostDone
			}
			buf = append(buf, c)
			i += n
		}
	hostDone:
		for len(buf) > hs && buf[len(buf)-1] == '.' {
			buf = buf[:len(buf)-1]
		}
		if nonASCII {
			if !utf8.Valid(buf[hs:]) {
				return buf, 0, 0, i, false
			}
			buf = append(buf[:hs], strings.ToLower(string(buf[hs:]))...)
		}
		he = len(buf)
		h := buf[hs:he]
		if len(h) == 0 || len(h) > 253 {
			return buf, 0, 0, i, false
		}
		addr := h
		if nonASCII {
			// Browsers map the host by UTS #46 before they read it as
			// an address: "192\u00ad.0.2.1" is 192.0.2.1.
			// The mapping may end in a dot ("192.0.2.1.\u00ad"): removed,
			// as an ASCII host's final dots are above.
			if m, err := idna.Lookup.ToASCII(string(h)); err == nil {
				addr = []byte(strings.TrimRight(m, "."))
			}
		}
		if a, number := webIPv4(addr); a.IsValid() {
			buf = a.AppendTo(buf[:hs])
			he = len(buf)
		} else if number || bytes.IndexByte(h, '.') < 0 || bytes.Contains(h, []byte("..")) || h[0] == '.' {
			return buf, 0, 0, i, false
		}
	}
	rest := i
	for rest < len(body) && rest-i < maxLen && inURLRest(body[rest]) {
		rest++
	}
	return append(buf, body[i:rest]...), hs, he, rest, true
}

// unhex returns the value of the hexadecimal digit c, -1 if it is none.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}

// webIPv4 parses the host h as browsers parse an IPv4 host (WHATWG URL
// Standard, IPv4 parser): one to four dot-separated numbers, each
// decimal, octal with a leading 0 or hexadecimal with 0x, the last
// filling the remaining octets, so that spam's "3232235777",
// "0xc0.0xa8.0x1.0x1", "0300.0250.1.1" and "192.168.257" all reach
// 192.168.1.1. number reports whether h ends in a number: if it does and
// is no address, browsers refuse the URL, so it is no host either.
func webIPv4(h []byte) (a netip.Addr, number bool) {
	last := h[bytes.LastIndexByte(h, '.')+1:]
	if _, ok := ipv4Number(last); !ok && !allDigits(last) {
		return netip.Addr{}, false
	}
	var v [4]uint64
	n := 0
	for len(h) > 0 || n == 0 {
		part := h
		if j := bytes.IndexByte(h, '.'); j >= 0 {
			part, h = h[:j], h[j+1:]
		} else {
			h = nil
		}
		x, ok := ipv4Number(part)
		if !ok || n == 4 {
			return netip.Addr{}, true
		}
		v[n] = x
		n++
	}
	for i := range n - 1 {
		if v[i] > 255 {
			return netip.Addr{}, true
		}
	}
	if v[n-1] >= 1<<(8*(5-n)) {
		return netip.Addr{}, true
	}
	ip := v[n-1]
	for i := range n - 1 {
		ip += v[i] << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

func allDigits(p []byte) bool {
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(p) > 0
}

// ipv4Number parses one part of a WHATWG IPv4 host: decimal, octal with
// a leading 0, hexadecimal with 0x (possibly no digits, 0). It fails on
// an empty part, other characters, or a value over 32 bits.
func ipv4Number(p []byte) (uint64, bool) {
	if len(p) == 0 {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(p) >= 2 && p[0] == '0' && p[1] == 'x':
		base, p = 16, p[2:]
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	var x uint64
	for _, c := range p {
		d := unhex(c)
		if d < 0 || uint64(d) >= base {
			return 0, false
		}
		if x = x*base + uint64(d); x > 1<<32 {
			return 0, false
		}
	}
	return x, true
}

func hasDotObfuscation(body []byte, i int) bool { return dotObfuscation(body, i) > 0 }

// dotObfuscation returns the length of a "[.]", "(.)", "[dot]", "(dot)",
// HTML character reference for '.' or UTS #46 label separator (U+3002,
// U+FF0E, U+FF61, which browsers read as '.', UTS #46 §2.3) at body[i],
// 0 if there is none.
func dotObfuscation(body []byte, i int) int {
	if body[i] != '[' && body[i] != '(' && body[i] != '&' && body[i] != 0xe3 && body[i] != 0xef {
		return 0
	}
	for _, o := range [...]string{"[.]", "(.)", "[dot]", "(dot)", "&#46;", "&#x2e;", "&period;", "\u3002", "\uff0e", "\uff61"} {
		if i+len(o) <= len(body) && strings.EqualFold(string(body[i:i+len(o)]), o) {
			return len(o)
		}
	}
	return 0
}

// Registrable returns the domain a domain list is asked about for host:
// its registrable domain by the public suffix list, in A-labels; an IP
// host is returned as is.
func Registrable(host string) (string, error) {
	// The item CheckDomain looks up, so that the two agree on address
	// literals ("[IPv6:2001:db8::1]") and names.
	it, err := domainItem(host)
	switch {
	case err != nil:
		return "", err
	case it.ip.IsValid():
		return it.ip.String(), nil
	case it.regErr != nil:
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidDomain, host, it.regErr)
	}
	return it.reg, nil
}
