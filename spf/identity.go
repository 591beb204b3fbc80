package spf

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spamkit/spamkit/internal/addrlit"
	"golang.org/x/net/idna"
)

// mailbox is a MAIL FROM reverse-path as check_host uses it.
type mailbox struct {
	// local is the local-part's content: the quotes of a quoted-string
	// and the backslashes of its quoted-pairs removed, so that
	// "jo smith"@example.com gives %{l} = jo smith (the RFC 7208 test
	// suite's reading); "" when there is none (§4.3: postmaster).
	local string
	// domain is the domain or address literal, U-labels turned into
	// A-labels (RFC 7208 §4.3); "" for the null reverse-path.
	domain string
}

func invalidIdentity(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidIdentity}, args...)...)
}

// parseReversePath parses a MAIL FROM argument (RFC 5321 §4.1.2):
//
//	Reverse-path = Path / "<>"
//	Path         = "<" [ A-d-l ":" ] Mailbox ">"
//	Mailbox      = Local-part "@" ( Domain / address-literal )
//	Local-part   = Dot-string / Quoted-string
//
// with the UTF-8 of RFC 6531 (SMTPUTF8) in local-parts and U-labels, and
// these leniencies, each for senders seen in practice: the angle
// brackets may be left out ("" is the null reverse-path too); the
// source route of A-d-l is read and ignored (RFC 5321 Appendix C); the
// local-part may be empty (@example.com: RFC 7208 §4.3 says what that
// means) and a Dot-string may have empty atoms (a..b, a.: addresses some
// mobile carriers have issued); the labels of the domain are left to
// check_host, for which a malformed one gives none (RFC 7208 §4.3).
// Anything else, a header field name, a space outside quotes, a control
// character, a missing domain, text after the path, is an error
// wrapping ErrInvalidIdentity that says what is wrong and where, without
// repeating the input.
func parseReversePath(s string) (mailbox, error) {
	if s == "" || s == "<>" {
		return mailbox{}, nil
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return mailbox{}, invalidIdentity("invalid UTF-8 at offset %d", i)
		case r < 0x20 || r == 0x7f:
			return mailbox{}, invalidIdentity("control character %#02x at offset %d", r, i)
		}
		i += n
	}
	p := pathParser{s: s}
	bracket := p.eat('<')
	if bracket && p.peek() == '@' {
		if err := p.route(); err != nil {
			return mailbox{}, err
		}
	}
	m, err := p.mailbox()
	if err != nil {
		return mailbox{}, err
	}
	switch {
	case bracket && !p.eat('>'):
		if p.i == len(s) {
			return mailbox{}, invalidIdentity("no closing '>'")
		}
		return mailbox{}, p.unexpected("in the path")
	case !bracket && p.peek() == '>':
		return mailbox{}, invalidIdentity("'>' without '<' at offset %d", p.i)
	case p.i < len(s):
		return mailbox{}, p.unexpected("after the path")
	}
	return m, nil
}

// pathParser reads a reverse-path whose octets are valid UTF-8 without
// control characters.
type pathParser struct {
	s string
	i int
}

func (p *pathParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pathParser) eat(c byte) bool {
	if p.peek() == c && p.i < len(p.s) {
		p.i++
		return true
	}
	return false
}

// unexpected reports the octet at p.i, where something else was due.
func (p *pathParser) unexpected(where string) error {
	if p.i >= len(p.s) {
		return invalidIdentity("unexpected end %s", where)
	}
	c := p.s[p.i]
	switch {
	case c == ' ':
		return invalidIdentity("space outside quotes %s at offset %d", where, p.i)
	case c >= utf8.RuneSelf:
		return invalidIdentity("non-ASCII character %s at offset %d", where, p.i)
	}
	return invalidIdentity("%q %s at offset %d", c, where, p.i)
}

// route reads A-d-l ":" (RFC 5321 §4.1.2: At-domain *( "," At-domain )),
// which is ignored. "<@example.com>" and "<@[192.0.2.1]>" are no route
// but mailboxes without local-part, left to mailbox.
func (p *pathParser) route() error {
	start := p.i
	for n := 0; ; n++ {
		if !p.eat('@') {
			return p.unexpected("in the source route, where '@' was due,")
		}
		if n == 0 && p.peek() == '[' {
			p.i = start
			return nil
		}
		if _, err := p.domain(); err != nil {
			return err
		}
		switch {
		case p.eat(':'):
			return nil
		case p.eat(','):
		case n == 0 && p.peek() == '>':
			p.i = start
			return nil
		default:
			return p.unexpected("in the source route")
		}
	}
}

// mailbox reads Local-part "@" ( Domain / address-literal ).
func (p *pathParser) mailbox() (mailbox, error) {
	var m mailbox
	var err error
	if p.peek() == '"' {
		if m.local, err = p.quoted(); err != nil {
			return m, err
		}
	} else {
		start := p.i
		for p.i < len(p.s) && (isAtext(p.s[p.i]) || p.s[p.i] == '.' || p.s[p.i] >= utf8.RuneSelf) {
			p.i++
		}
		m.local = p.s[start:p.i]
	}
	if !p.eat('@') {
		if p.i == len(p.s) || p.peek() == '>' {
			return m, invalidIdentity("no '@' and domain after the local-part")
		}
		return m, p.unexpected("in the local-part")
	}
	if p.peek() == '[' {
		m.domain, err = p.addressLiteral()
	} else {
		m.domain, err = p.domain()
	}
	return m, err
}

// quoted reads a Quoted-string and returns its content (RFC 5321
// §4.1.2: qtextSMTP, quoted-pairSMTP; RFC 6531: UTF-8).
func (p *pathParser) quoted() (string, error) {
	start := p.i
	p.i++ // the opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return b.String(), nil
		case '\\':
			if p.i+1 >= len(p.s) || p.s[p.i+1] >= utf8.RuneSelf {
				return "", invalidIdentity("bad quoted-pair at offset %d", p.i)
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", invalidIdentity("quoted local-part opened at offset %d is not closed", start)
}

// domain reads a domain: the octets a Domain is made of (RFC 5321
// §4.1.2: letters, digits, hyphens and dots; RFC 6531: U-labels) and
// underscores, as SPF names may have them. Only what ends the token is
// checked here: the syntax of its labels (empty ones, hyphens at either
// end) is left to check_host, for which a malformed domain gives none
// (RFC 7208 §4.3), not an error. U-labels are turned into A-labels
// (§4.3); a name that cannot be is left as it is, to give none.
func (p *pathParser) domain() (string, error) {
	start := p.i
	ascii := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= utf8.RuneSelf {
			ascii = false
		} else if !isAlpha(c) && !isDigit(c) && c != '-' && c != '.' && c != '_' {
			break
		}
		p.i++
	}
	if c := p.peek(); p.i < len(p.s) && c != '>' && c != ',' && c != ':' {
		return "", p.unexpected("in the domain")
	}
	d := p.s[start:p.i]
	if d == "" {
		return "", invalidIdentity("no domain at offset %d", start)
	}
	if !ascii {
		name, root := strings.CutSuffix(d, ".")
		if a, err := idna.Lookup.ToASCII(name); err == nil {
			d = a
			if root {
				d += "."
			}
			// IDNA maps some characters to nothing (U+00AD soft
			// hyphen): a domain of only those is no domain, as an
			// empty one; one of those and a final dot is ".", as
			// with U+3002 for the dot.
			if d == "" {
				return "", invalidIdentity("no domain at offset %d", start)
			}
		}
	}
	return d, nil
}

// addressLiteral reads "[" ( IPv4-address-literal /
// IPv6-address-literal ) "]" (RFC 5321 §4.1.3). A
// General-address-literal is refused: no tag other than IPv6 was ever
// registered.
func (p *pathParser) addressLiteral() (string, error) {
	start := p.i
	end := strings.IndexByte(p.s[p.i:], ']')
	if end < 0 {
		return "", invalidIdentity("address literal opened at offset %d is not closed", start)
	}
	lit := p.s[p.i+1 : p.i+end]
	p.i += end + 1
	ok := false
	if tag, a, found := strings.Cut(lit, ":"); found && strings.EqualFold(tag, "IPv6") {
		// Snums may have leading zeros (addrlit): netip refuses them.
		_, ok = addrlit.IPv6(a)
	} else if !found {
		_, ok = addrlit.IPv4(lit)
	}
	if !ok {
		return "", invalidIdentity("invalid address literal at offset %d", start)
	}
	if c := p.peek(); p.i < len(p.s) && c != '>' && c != ',' && c != ':' {
		return "", p.unexpected("after the address literal")
	}
	return p.s[start:p.i], nil
}

// isAtext reports whether c is an atext character other than UTF-8
// (RFC 5322 §3.2.3).
func isAtext(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// validSender reports whether sender, a <sender> given to CheckHost, can
// be used: valid UTF-8 without control characters.
func validSender(sender string) error {
	for i := 0; i < len(sender); {
		r, n := utf8.DecodeRuneInString(sender[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return invalidIdentity("invalid UTF-8 in the sender at offset %d", i)
		case r < 0x20 || r == 0x7f:
			return invalidIdentity("control character %#02x in the sender at offset %d", r, i)
		}
		i += n
	}
	return nil
}
