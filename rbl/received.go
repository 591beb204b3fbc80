package rbl

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/internal/header"
)

// ReceivedParser finds the relay addresses worth checking against IP
// lists in a message's Received fields (RFC 5321 §4.4). The zero
// ReceivedParser is ready to use; it is safe for concurrent use.
type ReceivedParser struct {
	// Trusted are our own relays (and those we trust to have checked):
	// their addresses are skipped. Private (RFC 1918, RFC 4193),
	// loopback, link-local and unspecified addresses are always skipped.
	Trusted []netip.Prefix
	// MaxFields bounds the Received fields read. If zero, 100. The
	// fields past it are not read, and Relays.Err wraps
	// ErrTooManyReceived.
	MaxFields int
}

// Relays is what ReceivedParser.Relays found in a header.
type Relays struct {
	// IPs are the public, untrusted addresses of the hosts that handed
	// the message on, newest first, without duplicates.
	IPs []netip.Addr
	// Err wraps ErrTooManyReceived when the header had more Received
	// fields than ReceivedParser.MaxFields: IPs are those of the first
	// (newest) MaxFields fields. Nil otherwise.
	Err error
}

// String renders the addresses, space-separated, followed by the
// limit reached if any.
func (r Relays) String() string {
	parts := make([]string, 0, len(r.IPs)+1)
	for _, ip := range r.IPs {
		parts = append(parts, ip.String())
	}
	if r.Err != nil {
		parts = append(parts, "("+r.Err.Error()+")")
	}
	return strings.Join(parts, " ")
}

// Relays returns the public, untrusted addresses of the hosts that
// handed the message on, from the "from" clause of each Received field
// of the header block, newest first and without duplicates. The header
// may be a whole message: it ends by the module's rule (see package
// spamkit, Conventions), at the empty line or at the first line that is
// neither a header field nor a folded continuation. The first is the most trustworthy: the host
// that connected to the first trusted relay; those below it may be
// forged.
//
// The address is taken from the TCP-info comment where the MTA records
// it (Postfix and Sendmail "from helo (rdns [ip])", Exim "from rdns
// ([ip] helo=x)"), else from an address literal of the clause, so that a
// HELO given as an address literal does not hide the real address.
//
// A header with more than MaxFields Received fields gives the addresses
// of the first MaxFields, and Relays.Err reports the limit.
func (p *ReceivedParser) Relays(header []byte) Relays {
	max := p.MaxFields
	if max <= 0 {
		max = 100
	}
	var r Relays
	var ips distinct[netip.Addr]
	n := 0
	for value := range receivedFields(header) {
		if n++; n > max {
			r.Err = fmt.Errorf("%w: limit %d", ErrTooManyReceived, max)
			break
		}
		ip, ok := receivedFrom(value)
		if !ok || skipIP(ip) {
			continue
		}
		trusted := false
		for _, t := range p.Trusted {
			if t.Contains(ip) {
				trusted = true
				break
			}
		}
		if !trusted {
			ips.add(ip)
		}
	}
	r.IPs = ips.list
	return r
}

func skipIP(ip netip.Addr) bool {
	return ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() ||
		ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast()
}

// receivedFields yields the unfolded values of the Received fields of
// the header block, read by the module's rule for where a header ends
// (internal/header): a leading mbox From_ line is skipped, and the
// header ends at the empty line or at the first line that is neither a
// field nor a continuation (that line starts the body). Each field is
// unfolded once into one buffer (RFC 5322 §2.2.3), a continuation line
// appended to what came before it, so the work is linear in the length
// of the header however many lines a field is folded over.
func receivedFields(hdr []byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		var cur []byte
		in := false // reading a Received field
		inField := false
		for first := true; len(hdr) > 0; first = false {
			line := hdr
			if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
				line, hdr = hdr[:i], hdr[i+1:]
			} else {
				hdr = nil
			}
			k, nameEnd, colon := header.Classify(line, first, inField)
			switch k {
			case header.FromLine, header.Orphan:
				// Skipped; an orphan (a folded line before any field, a
				// name too long for a line) is malformed and the header
				// goes on, by the module's rule.
				if k == header.Orphan && in {
					in = false
					if !yield(string(cur)) {
						return
					}
				}
				continue
			case header.Continuation:
				if in {
					cur = append(append(cur, ' '), bytes.TrimSpace(line)...)
				}
				continue
			}
			if in {
				in = false
				if !yield(string(cur)) {
					return
				}
			}
			if k != header.Field {
				return // End or Body: the header is over
			}
			inField = true
			if strings.EqualFold(string(line[:nameEnd]), "received") {
				in, cur = true, append(cur[:0], bytes.TrimSpace(line[colon+1:])...)
			}
		}
		if in {
			yield(string(cur))
		}
	}
}

// receivedFrom returns the address of the "from" clause of a Received
// value (RFC 5321 §4.4 From-domain and TCP-info).
func receivedFrom(v string) (netip.Addr, bool) {
	start := indexFold(v, "from ")
	if start > 0 && v[start-1] != ' ' {
		start = -1
	}
	if start < 0 {
		return netip.Addr{}, false
	}
	clause := v[start+5:]
	if end := indexFold(clause, " by "); end >= 0 {
		clause = clause[:end]
	}
	// Prefer an address inside a comment (the TCP-info).
	var best, first netip.Addr
	depth := 0
	tokStart := -1
	wordStart := 0   // after the last space or '('
	heloArg := false // the word is the argument of a qmail "(HELO x)"
	for i := 0; i <= len(clause); i++ {
		var c byte = ' '
		if i < len(clause) {
			c = clause[i]
		}
		if isAddrChar(c) {
			if tokStart < 0 {
				tokStart = i
			}
			continue
		}
		if tokStart >= 0 {
			tok := clause[tokStart:i]
			if len(tok) > 5 && strings.EqualFold(tok[:5], "IPv6:") {
				tok = tok[5:] // RFC 5321 §4.1.3: the tag is case-insensitive
			}
			tok = strings.TrimRight(tok, ".:")
			if a, ok := parseAddrToken(tok); ok && !heloArg && !isHELOWord(clause[wordStart:tokStart]) {
				if depth > 0 && !best.IsValid() {
					best = a
				}
				if !first.IsValid() {
					first = a
				}
			}
			tokStart = -1
		}
		switch c {
		case ' ':
			w := clause[wordStart:i]
			heloArg = strings.EqualFold(w, "HELO") || strings.EqualFold(w, "EHLO")
			wordStart = i + 1
		case '(':
			depth++
			wordStart, heloArg = i+1, false
		case ')':
			if depth > 0 {
				depth--
			}
		}
	}
	if best.IsValid() {
		return best, true
	}
	return first, first.IsValid()
}

// isHELOWord reports whether the word before an address token is an
// Exim "helo=", with or without "[": the token is then the name the
// client gave, which it chooses freely. Exim without a verified host
// name writes "from [ip] (helo=[other])", where the only address in the
// comment is the client's claim. (qmail's "(HELO x) (ip)" is the same
// claim, the word after "HELO".)
func isHELOWord(w string) bool {
	return len(w) >= 5 && strings.EqualFold(w[:5], "helo=")
}

// parseAddrToken parses tok as an IP address without zone, unmapped.
// Words such as "by" or "face" are not parsed (a parse error costs an
// allocation).
func parseAddrToken(tok string) (netip.Addr, bool) {
	if !maybeAddr(tok) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(tok)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// maybeAddr reports whether tok may be an IP address: a digit and a
// '.' or ':'.
func maybeAddr(tok string) bool {
	digit, sep := false, false
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '.' || c == ':':
			sep = true
		}
	}
	return digit && sep
}

// isAddrChar reports whether c may be part of an IP address token,
// including the "IPv6:" tag of an address literal.
func isAddrChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':' ||
		c == 'I' || c == 'P' || c == 'V' || c == 'v' || c == 'i' || c == 'p'
}

// indexFold is strings.Index ignoring ASCII case; sub must be lower case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return i
		}
	}
	return -1
}
