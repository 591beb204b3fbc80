package bayes

import (
	"html"
	"strings"
)

// blockTags are the HTML elements that separate words; other tags (and
// comments) join the text around them, as a browser shows "Vi<b></b>agra"
// and "Vi<!-- -->agra" as one word.
var blockTags = map[string]bool{
	"p": true, "br": true, "div": true, "td": true, "th": true, "tr": true,
	"li": true, "ul": true, "ol": true, "table": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "hr": true, "title": true,
	"body": true, "head": true, "html": true, "blockquote": true, "pre": true,
	"center": true, "dd": true, "dt": true, "img": true, "option": true,
}

// html adds the tokens of an HTML text: the words of its text with the
// tags stripped (hidden text included: it is what the recipient's filter
// sees, if not the recipient), the URLs of links and images as url:
// tokens, "tag:" tokens for the element names, "html:hidden" for text
// styled invisible, and "html:comment" for comments. Script and style
// contents are left out.
func (st *state) html(s string) {
	var text strings.Builder
	text.Grow(len(s))
	for i := 0; i < len(s) && !st.full; {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			text.WriteString(s[i:])
			break
		}
		text.WriteString(s[i : i+lt])
		i += lt
		if strings.HasPrefix(s[i:], "<!--") {
			st.add("html:", "comment", false)
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		gt := strings.IndexByte(s[i:], '>')
		if gt < 0 {
			break // an unclosed tag to the end: not text
		}
		tag := s[i+1 : i+gt]
		i += gt + 1
		closing := strings.HasPrefix(tag, "/")
		name, attrs := tagName(tag)
		if name == "" {
			continue
		}
		if len(name) <= 12 {
			st.add("tag:", name, false)
		}
		if blockTags[name] {
			text.WriteByte(' ')
		}
		st.attrs(attrs)
		if !closing && (name == "script" || name == "style") {
			end := indexEndTag(s[i:min(len(s), i+1<<16)], name)
			if end < 0 {
				break
			}
			i += end
		}
	}
	t := text.String()
	if strings.IndexByte(t, '&') >= 0 {
		t = html.UnescapeString(t)
	}
	st.words("", t, modeBody)
	st.urls(t)
}

// indexEndTag returns the index in s of the first "</name", name in
// lower case and s in any case, or -1.
func indexEndTag(s, name string) int {
	for off := 0; ; {
		j := strings.Index(s[off:], "</")
		if j < 0 {
			return -1
		}
		j += off
		if rest := s[j+2:]; len(rest) >= len(name) && asciiLower(rest[:len(name)]) == name {
			return j
		}
		off = j + 2
	}
}

// tagName returns the lower-case element name of a tag's inside ("a
// href=x", "/p", "br/") and the rest, the attributes.
func tagName(tag string) (name, attrs string) {
	tag = strings.TrimPrefix(tag, "/")
	end := 0
	for end < len(tag) {
		c := tag[end]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			break
		}
		end++
	}
	return strings.ToLower(tag[:end]), tag[end:]
}

// attrs adds the tokens of a tag's attributes: URLs of href, src,
// action and background, and html:hidden for invisible styles.
func (st *state) attrs(a string) {
	if a == "" {
		return
	}
	la := asciiLower(a)
	for _, key := range [...]string{"href", "src", "action", "background"} {
		for off := 0; ; {
			i := strings.Index(la[off:], key)
			if i < 0 {
				break
			}
			i += off
			off = i + len(key)
			v := strings.TrimLeft(a[off:], " \t\r\n")
			if !strings.HasPrefix(v, "=") {
				continue
			}
			v = strings.TrimLeft(v[1:], " \t\r\n")
			if v != "" && (v[0] == '"' || v[0] == '\'') {
				if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
					v = v[1 : j+1]
				} else {
					v = v[1:]
				}
			} else if j := strings.IndexAny(v, " \t\r\n>"); j >= 0 {
				v = v[:j]
			}
			st.url(html.UnescapeString(v))
		}
	}
	if strings.Contains(la, "display:none") || strings.Contains(la, "display: none") ||
		strings.Contains(la, "visibility:hidden") || strings.Contains(la, "visibility: hidden") ||
		strings.Contains(la, "font-size:0") || strings.Contains(la, "font-size: 0") ||
		strings.Contains(la, " hidden") {
		st.add("html:", "hidden", false)
	}
}

// text adds the tokens of a plain text: its words and its URLs.
func (st *state) text(s string) {
	st.words("", s, modeBody)
	st.urls(s)
}

// urls adds the url: tokens of the http and https URLs in s.
func (st *state) urls(s string) {
	for off := 0; off < len(s) && !st.full; {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			return
		}
		i += off
		off = i + 3
		j := i
		for j > 0 && j > i-5 && isAlpha(s[j-1]) {
			j--
		}
		scheme := strings.ToLower(s[j:i])
		if scheme != "http" && scheme != "https" {
			continue
		}
		end := off
		for end < len(s) && !urlEnd(s[end]) {
			end++
		}
		st.url(s[j:end])
		off = end
	}
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func urlEnd(c byte) bool {
	return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == ')' || c == ']' || c >= 0x80
}

// url adds the tokens of one URL: "url:" and its host, and the words of
// its path with the url: prefix. Relative URLs give their path words.
func (st *state) url(u string) {
	rest := u
	if i := strings.Index(u, "://"); i >= 0 && i <= 10 {
		rest = u[i+3:]
		hostEnd := strings.IndexAny(rest, "/?#")
		host := rest
		if hostEnd >= 0 {
			host, rest = rest[:hostEnd], rest[hostEnd:]
		} else {
			rest = ""
		}
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:] // userinfo: a trick to show another host
		}
		if c := strings.LastIndexByte(host, ':'); c >= 0 && !strings.Contains(host, "]") {
			host = host[:c]
		}
		host = strings.TrimSuffix(strings.ToLower(host), ".")
		if host != "" && len(host) <= st.maxTokenBytes {
			st.add("url:", host, false)
		}
	} else if strings.HasPrefix(strings.ToLower(u), "mailto:") {
		st.words("url:", u[7:], modeText)
		return
	}
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		rest = rest[:q] // queries are random tracking ids
	}
	st.words("url:", rest, modeText)
}
