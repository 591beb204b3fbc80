package rbl

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// URL is a URL found in a body.
type URL struct {
	// Text is the URL as found, with obfuscations undone ("hxxp" to
	// "http", "[.]" to "."); a bare "www." URL gets "http://".
	Text string
	// Host is the host, lower case, without port, user information,
	// trailing dot or the brackets of an IPv6 literal.
	Host string
}

// Extractor finds URLs in decoded text and HTML bodies, for domain lists
// (URIBL, SURBL, DBL). It needs no HTML parsing: every "scheme://" in the
// text is found, so href and src attributes, bare URLs and URLs in
// comments or scripts alike, plus "www." URLs without scheme,
// protocol-relative "//host/..." URLs in quoted attributes and CSS
// url(), and the common obfuscations "hxxp://", "hxxps://", "h**p://",
// "http[:]//", and "[.]", "(.)", "[dot]", "(dot)", "&#46;", "&#x2e;" and
// "&period;" in host names. The zero Extractor is ready to use; it is
// safe for concurrent use.
type Extractor struct {
	// MaxURLs bounds the distinct URLs returned. If zero, 1000; more
	// give ErrTooManyURLs with the first MaxURLs.
	MaxURLs int
	// MaxURLLen bounds the octets read of one URL after its host: a
	// longer URL is cut there (its host is still found, and it is no
	// error). If zero, 2048.
	MaxURLLen int
}

// URLs returns the distinct URLs of body, in order of appearance.
func (x *Extractor) URLs(body []byte) ([]URL, error) {
	max := x.MaxURLs
	if max <= 0 {
		max = 1000
	}
	maxLen := x.MaxURLLen
	if maxLen <= 0 {
		maxLen = 2048
	}
	var out []URL
	seen := make(map[string]bool)
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
		u, end, ok := parseURLAt(body, hostStart, scheme, maxLen)
		i = max1(i, end-1)
		if !ok || seen[u.Text] {
			continue
		}
		if len(out) == max {
			return out, fmt.Errorf("%w: limit %d", ErrTooManyURLs, max)
		}
		seen[u.Text] = true
		out = append(out, u)
	}
	return out, nil
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
	switch s := strings.ToLower(string(body[j:i])); s {
	case "http", "https", "ftp":
		return s
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

// parseURLAt reads a URL's host and rest from body[start:].
func parseURLAt(body []byte, start int, scheme string, maxLen int) (URL, int, bool) {
	// User information ends at the last '@' of the authority
	// (RFC 3986 §3.2.1).
	for j := start; j < len(body) && j-start < 256 && isURLChar(body[j]); j++ {
		if c := body[j]; c == '/' || c == '?' || c == '#' && (j == start || body[j-1] != '&') {
			break // end of the authority, unless "&#" of a character reference
		} else if c == '@' {
			start = j + 1
		}
	}
	var host strings.Builder
	i := start
	if i < len(body) && body[i] == '[' && !hasDotObfuscation(body, i) {
		// IPv6 literal (RFC 3986 §3.2.2).
		end := i + 1
		for end < len(body) && end-i < 64 && body[end] != ']' {
			end++
		}
		if end >= len(body) || body[end] != ']' {
			return URL{}, i + 1, false
		}
		a, err := netip.ParseAddr(string(body[i+1 : end]))
		if err != nil || !a.Is6() || a.Zone() != "" {
			return URL{}, end + 1, false
		}
		host.WriteString(a.String())
		i = end + 1
	} else {
		for i < len(body) {
			if host.Len() > 253 {
				return URL{}, i, false // RFC 1035 §2.3.4: too long for a name
			}
			c := body[i]
			if n := dotObfuscation(body, i); n > 0 {
				host.WriteByte('.')
				i += n
				continue
			}
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c >= 0x80 {
				host.WriteByte(c)
				i++
				continue
			}
			break
		}
	}
	h := strings.ToLower(strings.TrimRight(host.String(), "."))
	if !utf8.ValidString(h) || len(h) > 253 {
		return URL{}, i, false
	}
	rest := i
	for rest < len(body) && rest-start < maxLen && isURLChar(body[rest]) && body[rest] != ')' && body[rest] != ']' {
		rest++
	}
	if h == "" {
		return URL{}, rest, false
	}
	if a, err := netip.ParseAddr(h); err == nil {
		h = a.Unmap().String()
	} else if !strings.Contains(h, ".") || strings.Contains(h, "..") || h[0] == '.' {
		return URL{}, rest, false
	}
	text := scheme + "://" + hostForText(h) + string(body[i:rest])
	return URL{Text: text, Host: h}, rest, true
}

func hostForText(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

func hasDotObfuscation(body []byte, i int) bool { return dotObfuscation(body, i) > 0 }

// dotObfuscation returns the length of a "[.]", "(.)", "[dot]", "(dot)"
// or HTML character reference for '.' at body[i], 0 if there is none.
func dotObfuscation(body []byte, i int) int {
	if body[i] != '[' && body[i] != '(' && body[i] != '&' {
		return 0
	}
	for _, o := range [...]string{"[.]", "(.)", "[dot]", "(dot)", "&#46;", "&#x2e;", "&period;"} {
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
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return a.Unmap().String(), nil
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidDomain, host, err)
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(ascii)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidDomain, host, err)
	}
	return reg, nil
}
