package greylist

import (
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/internal/dnsname"
)

// NullSenderKey is the sender part of the key of a mail with the null
// reverse-path (MAIL FROM:<>, RFC 5321 §4.5.5: bounces, DSNs, MDNs).
const NullSenderKey = "<>"

// NormalizeSender returns the envelope sender as it goes into a triplet
// key, as postgrey does, so that the retries of one mail share a key even
// when the sender address changes on each attempt:
//
//   - surrounding angle brackets are removed and ASCII letters
//     lower-cased (the whole address, as postgrey's key);
//   - SRS (Sender Rewriting Scheme, SRS0 and SRS1, any of "=+-" after the
//     tag) becomes the original sender it encodes, without the hash and
//     time stamp that change every day: SRS0=HHH=TT=example.com=alice@fwd
//     becomes alice@example.com (postgrey does not do this);
//   - BATV (prvs=tag-val=loc-core, and the swapped prvs=loc-core=tag-val
//     some senders write) becomes loc-core; the tag is the part of ten
//     letters and digits, the second when both or neither look so;
//   - a "+" extension of the local part is removed (list VERP
//     list-bounces+alice=example.org@lists.example becomes
//     list-bounces@lists.example);
//   - every run of digits that forms a whole word of the local part
//     (Perl's \b\d+\b) becomes "#": bounce-4711-12@example.com becomes
//     bounce-#-#@example.com, user123@ stays.
//
// The null sender (an empty address or "<>") is NullSenderKey. An address
// without "@" is only lower-cased. Spaces and control characters become
// "_", so that a key has no space but its separators.
func NormalizeSender(addr string) string { return string(appendSender(nil, addr)) }

// NormalizeRecipient returns the recipient as it goes into a triplet key:
// angle brackets removed, ASCII letters lower-cased, spaces and control
// characters "_". Extensions are kept: a+x@ and a+y@ are two recipients.
func NormalizeRecipient(addr string) string { return string(appendRecipient(nil, addr)) }

func trimBrackets(addr string) string {
	if len(addr) >= 2 && addr[0] == '<' && addr[len(addr)-1] == '>' {
		return addr[1 : len(addr)-1]
	}
	return addr
}

func appendSender(dst []byte, addr string) []byte {
	addr = trimBrackets(addr)
	if addr == "" {
		return append(dst, NullSenderKey...)
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return appendLower(dst, addr)
	}
	local, domain := addr[:at], addr[at+1:]
	if l, d, ok := srs(local); ok {
		local, domain = l, d
	}
	local = batv(local)
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	dst = appendVERP(dst, local)
	dst = append(dst, '@')
	return appendLower(dst, domain)
}

func appendRecipient(dst []byte, addr string) []byte {
	return appendLower(dst, trimBrackets(addr))
}

// appendLower appends s with ASCII letters lower-cased and spaces and
// controls replaced by '_'.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, lowerKeyByte(s[i]))
	}
	return dst
}

func lowerKeyByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c <= ' ' || c == 0x7f:
		return '_'
	}
	return c
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case
// (prefix is lower-case).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// srs decodes an SRS0 or SRS1 local part into the original sender's local
// part and domain: SRS0=HHH=TT=domain=local and
// SRS1=HHH=forwarder==HHH=TT=domain=local (the separator after the tag
// may be '=', '+' or '-').
func srs(local string) (string, string, bool) {
	if len(local) < 5 || !(hasPrefixFold(local, "srs0") || hasPrefixFold(local, "srs1")) {
		return "", "", false
	}
	if c := local[4]; c != '=' && c != '+' && c != '-' {
		return "", "", false
	}
	rest := local[5:]
	if local[3] == '1' {
		i := strings.Index(rest, "==")
		if i < 0 {
			return "", "", false
		}
		rest = rest[i+2:]
	}
	// HHH=TT=domain=local, local may hold '='.
	f := rest
	for range 2 {
		i := strings.IndexByte(f, '=')
		if i < 0 {
			return "", "", false
		}
		f = f[i+1:]
	}
	i := strings.IndexByte(f, '=')
	if i <= 0 || i == len(f)-1 || strings.IndexByte(f[:i], '@') >= 0 {
		return "", "", false
	}
	return f[i+1:], f[:i], true
}

// batv strips a BATV tag (prvs=tag-val=loc-core, or loc-core and tag-val
// swapped) from a local part.
func batv(local string) string {
	if !hasPrefixFold(local, "prvs=") {
		return local
	}
	rest := local[5:]
	i := strings.IndexByte(rest, '=')
	if i < 0 || strings.IndexByte(rest[i+1:], '=') >= 0 {
		return local // not three fields: not BATV as postgrey reads it
	}
	a, b := rest[:i], rest[i+1:]
	if batvTag(b) && !batvTag(a) {
		return a
	}
	return b
}

// batvTag reports whether s looks like a BATV tag-val: ten letters and
// digits (K DDD SSSSSS in the draft).
func batvTag(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func wordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// appendVERP appends the local part lower-cased with each word of digits
// (Perl's \b\d+\b) replaced by '#'.
func appendVERP(dst []byte, local string) []byte {
	for i := 0; i < len(local); {
		if !wordByte(local[i]) {
			dst = append(dst, lowerKeyByte(local[i]))
			i++
			continue
		}
		j, digits := i, true
		for j < len(local) && wordByte(local[j]) {
			if local[j] < '0' || local[j] > '9' {
				digits = false
			}
			j++
		}
		if digits {
			dst = append(dst, '#')
		} else {
			dst = appendLower(dst, local[i:j])
		}
		i = j
	}
	return dst
}

// appendNetwork appends the client network key: ip's network of bits
// bits, as "192.0.2.0/24".
func appendNetwork(dst []byte, ip netip.Addr, bits int) []byte {
	p, _ := ip.Prefix(bits)
	return p.AppendTo(dst)
}

// spfKeyPrefix begins the client key of an SPF-validated domain.
const spfKeyPrefix = "spf:"

// spfDomain returns the SPF-validated domain normalized (lower-case, no
// trailing dot) and whether it is a plausible domain name.
func spfDomain(d string) (string, bool) {
	d = strings.TrimSuffix(d, ".")
	if !dnsname.Plausible(d) {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; c >= 'A' && c <= 'Z' {
			return asciiLower(d), true
		}
	}
	return d, true
}

// asciiLower returns s with ASCII letters lower-cased and every other
// byte as it is (strings.ToLower would turn invalid UTF-8 into U+FFFD,
// and fold non-ASCII letters that the keys keep as they are).
func asciiLower(s string) string {
	if !hasUpper(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
