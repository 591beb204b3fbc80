package batv

import (
	"fmt"
	"strings"
)

// Tag is a parsed prvs= address (the prvs scheme of draft-levine-smtp-batv-01):
// "prvs=" K DDD SSSSSS "=" loc-core "@" domain.
type Tag struct {
	// Key is K, the key number (0–9).
	Key int
	// Day is DDD, the day the tag expires: days since 1970-01-01 UTC,
	// modulo 1000.
	Day int
	// Hash is SSSSSS decoded: the first three octets of the HMAC-SHA1
	// of K DDD and Address under key K.
	Hash [3]byte
	// Address is the original address, loc-core "@" domain, as it
	// appears in the tagged one.
	Address string
}

// String renders the tag as an address, with the scheme and the hash in
// lower case: "prvs=0796d71aae=postmaster@example.com".
func (t Tag) String() string {
	return fmt.Sprintf("prvs=%d%03d%02x%02x%02x=%s", t.Key, t.Day, t.Hash[0], t.Hash[1], t.Hash[2], t.Address)
}

// splitAddr splits addr at its last '@' into a non-empty local part and
// a non-empty domain.
func splitAddr(addr string) (local, domain string, ok bool) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", false
	}
	return addr[:at], addr[at+1:], true
}

// hasPrefixFold reports whether s begins with prefix, ASCII case
// folded (prefix is lower case).
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// unhex returns the value of the hex digit c, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Parse parses a prvs= tagged address. The scheme name and the hex
// digits of the hash are matched in either case (Exim's prvscheck does
// the same for the name). It returns ErrNotTagged when the local part
// does not begin with "prvs=", ErrSyntax when it does but the rest is
// not K DDD SSSSSS "=" loc-core, and ErrAddress when addr has no
// local-part@domain shape. Parse checks no hash: see Checker.Verify.
func Parse(addr string) (Tag, error) {
	local, _, ok := splitAddr(addr)
	if !ok {
		return Tag{}, ErrAddress
	}
	if !hasPrefixFold(local, "prvs=") {
		return Tag{}, ErrNotTagged
	}
	v := local[len("prvs="):]
	// tag-val = K DDD SSSSSS: 10 characters, then "=" and a non-empty
	// loc-core.
	if len(v) < 12 || v[10] != '=' {
		return Tag{}, ErrSyntax
	}
	for i := 0; i < 4; i++ {
		if !isDigit(v[i]) {
			return Tag{}, ErrSyntax
		}
	}
	var t Tag
	t.Key = int(v[0] - '0')
	t.Day = int(v[1]-'0')*100 + int(v[2]-'0')*10 + int(v[3]-'0')
	for i := 0; i < 3; i++ {
		hi, lo := unhex(v[4+2*i]), unhex(v[5+2*i])
		if hi < 0 || lo < 0 {
			return Tag{}, ErrSyntax
		}
		t.Hash[i] = byte(hi<<4 | lo)
	}
	// loc-core "@" domain is the tail of addr: no copy.
	t.Address = addr[len("prvs=")+11:]
	return t, nil
}

// maxStripTag bounds the tag-val that Strip removes.
const maxStripTag = 32

// Strip returns addr without a prvs= tag and true, or addr unchanged and
// false when it carries none. It removes any "prvs=" tag-val "=" prefix
// of the local part whose tag-val is 1 to 32 letters and digits, so it
// also normalizes the tags of implementations that do not follow the
// draft's 10-character tag-val (Cisco IronPort's 9 characters are common
// in the wild). The result is a substring of addr. Use it where addresses are compared across messages
// (greylisting triplets, per-sender counters, allowlists); it checks
// nothing and never allocates.
func Strip(addr string) (string, bool) {
	local, _, ok := splitAddr(addr)
	if !ok || !hasPrefixFold(local, "prvs=") {
		return addr, false
	}
	v := local[len("prvs="):]
	for i := 0; i < len(v) && i <= maxStripTag; i++ {
		c := v[i]
		switch {
		case c == '=':
			if i == 0 || i == len(v)-1 {
				return addr, false
			}
			return addr[len("prvs=")+i+1:], true
		case isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		default:
			return addr, false
		}
	}
	return addr, false
}
