package dkim

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Algorithm is a signing algorithm, as written in a= (RFC 6376 §3.3,
// RFC 8463 §3).
type Algorithm string

// The signing algorithms.
const (
	// RSASHA256 is rsa-sha256 (RFC 6376 §3.3.2).
	RSASHA256 Algorithm = "rsa-sha256"
	// Ed25519SHA256 is ed25519-sha256 (RFC 8463 §3).
	Ed25519SHA256 Algorithm = "ed25519-sha256"
	// RSASHA1 is rsa-sha1, which RFC 8301 §3.1 forbids; it is verified
	// only with Verifier.AllowSHA1 and never signed.
	RSASHA1 Algorithm = "rsa-sha1"
)

// String returns the algorithm's name as written in a=.
func (a Algorithm) String() string { return string(a) }

// Hash returns the algorithm's hash function, or 0 if unknown.
func (a Algorithm) Hash() crypto.Hash {
	switch a {
	case RSASHA256, Ed25519SHA256:
		return crypto.SHA256
	case RSASHA1:
		return crypto.SHA1
	}
	return 0
}

// KeyType returns the key type the algorithm needs, "rsa" or "ed25519",
// as written in a key record's k=.
func (a Algorithm) KeyType() string {
	k, _, _ := strings.Cut(string(a), "-")
	return k
}

func (a Algorithm) newHash() hash.Hash {
	if a == RSASHA1 {
		return sha1.New()
	}
	return sha256.New()
}

// Signature is a parsed DKIM-Signature header field (RFC 6376 §3.5).
type Signature struct {
	Algorithm   Algorithm        // a=
	HeaderCanon Canonicalization // c=, header part
	BodyCanon   Canonicalization // c=, body part
	Domain      string           // d=, the SDID, lower case
	Selector    string           // s=
	Identifier  string           // i=, the AUID; "@" + Domain if absent
	Headers     []string         // h=, the signed header field names
	BodyHash    []byte           // bh=
	Sig         []byte           // b=
	Length      int64            // l=, or -1 if absent
	Time        time.Time        // t=, zero if absent
	Expiration  time.Time        // x=, zero if absent
	Tags        Tags             // every tag, in order
	Field       Field            // the header field
}

// ParseSignature parses a DKIM-Signature header field (f.Raw is the
// whole field). It checks the syntax and the RFC 6376 §6.1.1 rules: v=1,
// the required tags, i= within d=, From in h=, x= after t=, and
// q=dns/txt. An unknown algorithm is ErrAlgorithm.
func ParseSignature(f Field) (*Signature, error) {
	_, list, _ := strings.Cut(f.Raw, ":")
	tags, err := ParseTags(list)
	if err != nil {
		return nil, err
	}
	s, err := parseSigTags(tags, f, true)
	if err != nil {
		return nil, err
	}
	// RFC 6376 §6.1.1: i= must be d= or a subdomain of it.
	if v, ok := tags.Get("i"); ok {
		s.Identifier = stripFWS(v)
		at := strings.LastIndexByte(s.Identifier, '@')
		if at < 0 {
			return nil, fmt.Errorf("%w: i=%s has no '@'", ErrSyntax, s.Identifier)
		}
		if !isSubdomain(s.Identifier[at+1:], s.Domain) {
			return nil, fmt.Errorf("%w: i=%s, d=%s", ErrIdentifier, s.Identifier, s.Domain)
		}
	} else {
		s.Identifier = "@" + s.Domain
	}
	// RFC 6376 §3.5 q=: only dns/txt is defined.
	if v, ok := tags.Get("q"); ok {
		found := false
		for _, m := range splitList(v) {
			found = found || strings.EqualFold(m, "dns/txt") || strings.EqualFold(m, "dns")
		}
		if !found {
			return nil, fmt.Errorf("%w: q=%s", ErrQueryMethod, v)
		}
	}
	return s, nil
}

// ParseARCSignature parses the tags of an ARC-Message-Signature (RFC 8617
// §4.1.2), which are those of DKIM-Signature but with i= the instance
// number and no v=. It returns the signature and the instance.
func ParseARCSignature(f Field) (*Signature, int, error) {
	_, list, _ := strings.Cut(f.Raw, ":")
	tags, err := ParseTags(list)
	if err != nil {
		return nil, 0, err
	}
	s, err := parseSigTags(tags, f, false)
	if err != nil {
		return nil, 0, err
	}
	v, ok := tags.Get("i")
	if !ok {
		return nil, 0, fmt.Errorf("%w: i=", ErrMissingTag)
	}
	inst, err := ParseInstance(v)
	if err != nil {
		return nil, 0, err
	}
	return s, inst, nil
}

// ParseInstance parses an ARC instance tag value, 1 to 50 (RFC 8617
// §4.2.1).
func ParseInstance(v string) (int, error) {
	n, err := strconv.Atoi(stripFWS(v))
	if err != nil || n < 1 || n > 50 {
		return 0, fmt.Errorf("%w: instance i=%s", ErrSyntax, v)
	}
	return n, nil
}

func parseSigTags(tags Tags, f Field, dkim bool) (*Signature, error) {
	required := []string{"a", "b", "bh", "d", "h", "s"}
	if dkim {
		v, ok := tags.Get("v")
		if !ok {
			return nil, fmt.Errorf("%w: v=", ErrMissingTag)
		}
		if stripFWS(v) != "1" {
			return nil, fmt.Errorf("%w: v=%s", ErrVersion, v)
		}
	}
	for _, name := range required {
		if _, ok := tags.Get(name); !ok {
			return nil, fmt.Errorf("%w: %s=", ErrMissingTag, name)
		}
	}
	s := &Signature{Tags: tags, Field: f, Length: -1}
	a, _ := tags.Get("a")
	s.Algorithm = Algorithm(strings.ToLower(stripFWS(a)))
	if s.Algorithm.Hash() == 0 {
		return nil, fmt.Errorf("%w: a=%s", ErrAlgorithm, a)
	}
	var err error
	s.HeaderCanon, s.BodyCanon = Simple, Simple
	if c, ok := tags.Get("c"); ok {
		if s.HeaderCanon, s.BodyCanon, err = parseCanon(c); err != nil {
			return nil, err
		}
	}
	d, _ := tags.Get("d")
	s.Domain = strings.ToLower(strings.TrimSuffix(stripFWS(d), "."))
	if s.Domain == "" {
		return nil, fmt.Errorf("%w: empty d=", ErrSyntax)
	}
	sel, _ := tags.Get("s")
	s.Selector = stripFWS(sel)
	if s.Selector == "" {
		return nil, fmt.Errorf("%w: empty s=", ErrSyntax)
	}
	h, _ := tags.Get("h")
	s.Headers = splitList(h)
	if !contains(s.Headers, "from") {
		// RFC 6376 §5.4: From MUST be signed; §6.1.1: else PERMFAIL.
		return nil, ErrFromNotSigned
	}
	bh, _ := tags.Get("bh")
	if s.BodyHash, err = base64.StdEncoding.DecodeString(stripFWS(bh)); err != nil || len(s.BodyHash) == 0 {
		return nil, fmt.Errorf("%w: bh=: %v", ErrSyntax, err)
	}
	b, _ := tags.Get("b")
	if s.Sig, err = base64.StdEncoding.DecodeString(stripFWS(b)); err != nil || len(s.Sig) == 0 {
		return nil, fmt.Errorf("%w: b=: %v", ErrSyntax, err)
	}
	if v, ok := tags.Get("l"); ok {
		// RFC 6376 §3.5: l= is at most 76 digits; we take what fits an int64.
		n, err := strconv.ParseInt(stripFWS(v), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: l=%s", ErrSyntax, v)
		}
		s.Length = n
	}
	if v, ok := tags.Get("t"); ok {
		if s.Time, err = parseUnix(v); err != nil {
			return nil, fmt.Errorf("%w: t=%s", ErrSyntax, v)
		}
	}
	if v, ok := tags.Get("x"); ok {
		if s.Expiration, err = parseUnix(v); err != nil {
			return nil, fmt.Errorf("%w: x=%s", ErrSyntax, v)
		}
		// RFC 6376 §3.5: x= MUST be greater than t=.
		if !s.Time.IsZero() && !s.Expiration.After(s.Time) {
			return nil, fmt.Errorf("%w: x= not after t=", ErrSyntax)
		}
	}
	return s, nil
}

func parseUnix(v string) (time.Time, error) {
	v = stripFWS(v)
	if v == "" || len(v) > 12 {
		return time.Time{}, ErrSyntax
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, ErrSyntax
	}
	return time.Unix(n, 0).UTC(), nil
}

// isSubdomain reports whether name is domain or a subdomain of it, case
// insensitively.
func isSubdomain(name, domain string) bool {
	name = strings.TrimSuffix(name, ".")
	if strings.EqualFold(name, domain) {
		return true
	}
	return len(name) > len(domain) && name[len(name)-len(domain)-1] == '.' &&
		strings.EqualFold(name[len(name)-len(domain):], domain)
}

// HeaderHash computes the header hash of a signature (RFC 6376 §3.7):
// the fields named in names, picked from the bottom of h, canonicalized
// with c, then the signature field sigField with its b= value removed and
// without its final CRLF. Names with no field left contribute nothing.
func HeaderHash(alg Algorithm, h Header, names []string, c Canonicalization, sigField string) []byte {
	hh := alg.newHash()
	p := newPicker(h)
	var buf []byte
	for _, name := range names {
		if f, ok := p.pick(name); ok {
			buf = c.AppendHeader(buf[:0], f.Raw)
			hh.Write(buf)
		}
	}
	buf = c.AppendHeader(buf[:0], StripSignature(sigField))
	hh.Write(trimCRLF(buf))
	return hh.Sum(nil)
}

func trimCRLF(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// FormatField renders a header field from its tags, folded to lines of
// at most 78 characters where the values allow: a tag-list is broken
// between tags, h= between names, and the values of b=, bh= and of any
// tag too long for a line anywhere (RFC 6376 §3.2 allows whitespace
// there), never a tag name. The field ends with CRLF.
func FormatField(name string, tags Tags) string {
	var sb strings.Builder
	sb.WriteString(name)
	sb.WriteByte(':')
	col := len(name) + 1
	for i, t := range tags {
		text := t.Name + "=" + t.Value
		if i < len(tags)-1 {
			text += ";"
		}
		switch {
		case t.Name == "b" || t.Name == "bh" || len(text) > 76 && t.Name != "h":
			// Break anywhere: base64, or an unbreakable long value.
			if col+1+len(t.Name)+2 > 78 {
				sb.WriteString("\r\n\t")
				col = 8
			} else {
				sb.WriteByte(' ')
				col++
			}
			// The tag name and its "=" are never broken (RFC 6376 §3.2
			// allows FWS around them, not inside).
			head := len(t.Name) + 1
			for len(text) > 0 {
				room := max(78-col, 1, head)
				if room >= len(text) {
					sb.WriteString(text)
					col += len(text)
					break
				}
				// Never inside a UTF-8 sequence (a value of RFC 6532
				// text): the fold would split the character in two.
				// The characters are those a decoder sees, an invalid
				// byte being one of its own, so a stray continuation
				// byte is no reason to split the character before it.
				room = charsWithin(text, room, head)
				head = 0
				sb.WriteString(text[:room])
				text = text[room:]
				sb.WriteString("\r\n\t")
				col = 8
			}
		case t.Name == "h" && col+1+len(text) > 78:
			sb.WriteString("\r\n\t")
			col = 8
			parts := strings.Split(text, ":")
			for j, p := range parts {
				if j > 0 {
					if col+1+len(p) > 78 {
						sb.WriteString("\r\n\t")
						col = 8
					}
					sb.WriteByte(':')
					col++
				}
				sb.WriteString(p)
				col += len(p)
			}
		default:
			if col+1+len(text) > 78 {
				sb.WriteString("\r\n\t")
				col = 8
			} else {
				sb.WriteByte(' ')
				col++
			}
			sb.WriteString(text)
			col += len(text)
		}
	}
	sb.WriteString("\r\n")
	return sb.String()
}

// charsWithin returns the length of the longest prefix of text that is at
// most room bytes, at least least bytes, and ends between two characters (UTF-8
// sequences as utf8.DecodeRuneInString reads them); when the first
// character is wider than room, that character's length.
func charsWithin(text string, room, least int) int {
	cut := 0
	for cut < len(text) {
		_, w := utf8.DecodeRuneInString(text[cut:])
		if cut+w > room && cut >= least && cut > 0 {
			break
		}
		cut += w
	}
	return cut
}
