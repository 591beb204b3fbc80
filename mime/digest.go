package mime

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// textDigest returns the SHA-256 of the normalized text of data in
// charset: HTML markup and the content of script and style elements
// removed, lower case, invisible characters (zero-width, soft hyphen,
// bidi controls, BOM) removed, white space collapsed, and URL queries
// and fragments dropped, so that copies of one campaign randomized by
// the usual hash busters collide. It streams: its memory does not grow
// with data.
func textDigest(data []byte, charset string, isHTML bool) (sum [32]byte) {
	n := &normalizer{h: sha256.New(), first: true}
	var w io.Writer = n
	if isHTML {
		w = &tagStripper{w: n}
	}
	if enc := charsetEncoding(charset); enc != nil {
		io.Copy(w, transform.NewReader(bytes.NewReader(data), enc.NewDecoder()))
	} else {
		w.Write(data)
	}
	n.flush()
	copy(sum[:], n.h.Sum(nil))
	return sum
}

// maxToken bounds the bytes of one word held while normalizing; longer
// words are hashed in pieces.
const maxToken = 4096

// normalizer hashes text written to it as normalized words separated by
// single spaces.
type normalizer struct {
	h     hash.Hash
	tok   []byte
	first bool
}

func (n *normalizer) Write(p []byte) (int, error) {
	for _, c := range p {
		switch c {
		case ' ', '\t', '\r', '\n', '\f', '\v':
			n.flush()
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		n.tok = append(n.tok, c)
		if len(n.tok) >= maxToken && utf8.FullRune(n.tok[len(n.tok)-1:]) {
			n.flush()
		}
	}
	return len(p), nil
}

func (n *normalizer) flush() {
	if len(n.tok) == 0 {
		return
	}
	tok := n.tok
	n.tok = n.tok[:0]
	ascii := true
	for _, c := range tok {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		n.word(tok)
		return
	}
	s := strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, string(tok))
	for w := range strings.FieldsSeq(s) {
		n.word([]byte(w))
	}
}

func (n *normalizer) word(w []byte) {
	if i := bytes.Index(w, []byte("://")); i > 0 {
		if j := bytes.IndexAny(w[i:], "?#"); j >= 0 {
			w = w[:i+j]
		}
	}
	if len(w) == 0 {
		return
	}
	if !n.first {
		n.h.Write(space)
	}
	n.first = false
	n.h.Write(w)
}

var space = []byte{' '}

func invisible(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u034f':
		return true
	}
	return bidiControl(r) || (r >= 0x80 && unicode.Is(unicode.Cf, r))
}

// tagStripper passes on the text of HTML written to it, with a space for
// each tag and without the content of script and style elements.
// Character references are passed on as they are.
type tagStripper struct {
	w      io.Writer
	inTag  bool
	name   []byte // of the tag being read, lower case, up to 8 bytes
	naming bool
	skipTo string // "</script" or "</style" while in such an element
	match  int    // bytes of skipTo matched
}

func (s *tagStripper) Write(p []byte) (int, error) {
	start := 0
	for i, c := range p {
		switch {
		case s.skipTo != "":
			lc := c
			if 'A' <= lc && lc <= 'Z' {
				lc += 'a' - 'A'
			}
			switch {
			case lc == s.skipTo[s.match]:
				s.match++
				if s.match == len(s.skipTo) {
					s.skipTo, s.match, s.inTag, s.naming, s.name = "", 0, true, false, s.name[:0]
				}
			case lc == '<':
				s.match = 1
			default:
				s.match = 0
			}
			start = i + 1
		case s.inTag:
			if s.naming {
				if c == ' ' || c == '>' || c == '/' && len(s.name) > 0 || c == '\t' || c == '\n' || c == '\r' || len(s.name) >= 8 {
					s.naming = false
				} else {
					if 'A' <= c && c <= 'Z' {
						c += 'a' - 'A'
					}
					s.name = append(s.name, c)
				}
			}
			if p[i] == '>' {
				s.inTag = false
				switch string(s.name) {
				case "script":
					s.skipTo = "</script"
				case "style":
					s.skipTo = "</style"
				}
			}
			start = i + 1
		case c == '<':
			s.w.Write(p[start:i])
			s.w.Write(space)
			s.inTag, s.naming, s.name = true, true, s.name[:0]
			start = i + 1
		}
	}
	if !s.inTag && s.skipTo == "" && start < len(p) {
		s.w.Write(p[start:])
	}
	return len(p), nil
}
