package rbl

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spamkit/spamkit/internal/dnsname"
)

// Kind is what a list is keyed by.
type Kind string

const (
	// KindIP lists are keyed by IP address: IPv4 reversed octets, IPv6
	// reversed nibbles (RFC 5782 §2.1, §2.4). The zero Kind means KindIP.
	KindIP Kind = "ip"
	// KindDomain lists (URIBL, SURBL, Spamhaus DBL: RFC 5782 §2.3) are
	// keyed by domain name: the registrable domain of a host, or the whole
	// host with List.FullHost. IP-literal hosts are looked up reversed,
	// as in IP lists.
	KindDomain Kind = "domain"
	// KindAddress lists are keyed by the digest of an email address,
	// lower-cased (Spamhaus HBL `_email` style).
	KindAddress Kind = "address"
	// KindHash lists are keyed by the digest of content, such as an
	// attachment (Spamhaus HBL `_file` style).
	KindHash Kind = "hash"
)

func (k Kind) String() string {
	if k == "" {
		return string(KindIP)
	}
	return string(k)
}

// Digest is how a hash list turns an item into a query label.
type Digest string

const (
	// SHA256Base32 is SHA-256, base32 (RFC 4648 §6) without padding,
	// lower case: 52 characters, within the 63-octet label limit. The zero
	// Digest means SHA256Base32.
	SHA256Base32 Digest = "sha256-base32"
	// SHA1Hex is SHA-1 in lower-case hex (40 characters).
	SHA1Hex Digest = "sha1-hex"
	// MD5Hex is MD5 in lower-case hex (32 characters).
	MD5Hex Digest = "md5-hex"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Label returns the query label of item under d, as CheckAddress and
// CheckHash ask for it below a list's zone.
func (d Digest) Label(item []byte) (string, error) {
	var buf [64]byte
	b, err := d.appendLabel(buf[:0], item)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// isSHA256 reports whether d is computed from the SHA-256 of the item.
func (d Digest) isSHA256() bool { return d == "" || d == SHA256Base32 }

// appendLabel appends the query label of item under d to buf.
func (d Digest) appendLabel(buf []byte, item []byte) ([]byte, error) {
	if d.isSHA256() {
		return d.appendSHA256(buf, sha256.Sum256(item)), nil
	}
	switch d {
	case SHA1Hex:
		sum := sha1.Sum(item)
		return hex.AppendEncode(buf, sum[:]), nil
	case MD5Hex:
		sum := md5.Sum(item)
		return hex.AppendEncode(buf, sum[:]), nil
	}
	return buf, fmt.Errorf("%w: unknown digest %q", ErrSyntax, string(d))
}

// appendSHA256 appends the label of a SHA-256 digest under d, one of the
// SHA-256 digests.
func (d Digest) appendSHA256(buf []byte, sum [32]byte) []byte {
	n := len(buf)
	buf = b32.AppendEncode(buf, sum[:])
	for i := n; i < len(buf); i++ {
		if c := buf[i]; 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return buf
}

// List is one entry of a Checker's configuration: a DNS list zone, the
// answers that count and their weight. As in postscreen, the same zone
// may appear in several entries with different filters: it is queried
// once, and each entry whose filter matches an answer adds its weight
// once, however many addresses matched.
type List struct {
	// Zone is the list's DNS zone, e.g. "zen.spamhaus.org".
	Zone string
	// Name is the name reported in hits and errors instead of Zone, to
	// hide a secret key embedded in the zone (postscreen_dnsbl_reply_map).
	// If empty, Zone.
	Name string
	// Kind is what the list is keyed by. If empty, KindIP.
	Kind Kind
	// Filter selects the answers that count. If zero, every listing (any
	// 127.0.0.0/8 answer that is not an error code).
	Filter Filter
	// Weight is added to the score when the filter matches. If zero, 1.
	// Negative weights make allowlists (DNSWL).
	Weight int
	// ErrorCodes selects answers that are the list's own error codes
	// (e.g. 127.0.1.255 for Spamhaus DBL, 127.0.0.255 for list.dnswl.org),
	// reported as list errors like 127.255.255.252–255 always are. If
	// zero, none beyond those.
	ErrorCodes Filter
	// Reason asks for the TXT record of a hit, looked up after the
	// address answer (RFC 5782 §2.1), into Hit.Reason.
	Reason bool
	// FullHost queries the whole host name rather than its registrable
	// domain, for KindDomain lists that list host names.
	FullHost bool
	// Digest is how KindAddress and KindHash items become labels. If
	// empty, SHA256Base32. Entries of one zone share the first entry's
	// Digest.
	Digest Digest
	// NoIPv6 and NoIPv4 say that the list has no entries for that
	// address family, so that it is not asked about such addresses
	// (rspamd's ipv6/ipv4 = false, maddy's client_ipv6 no): many lists
	// are IPv4-only. If both are false, every address is asked.
	NoIPv6, NoIPv4 bool
}

func (l *List) kind() Kind {
	if l.Kind == "" {
		return KindIP
	}
	return l.Kind
}

func (l *List) weight() int {
	if l.Weight == 0 {
		return 1
	}
	return l.Weight
}

func (l *List) name() string {
	if l.Name != "" {
		return l.Name
	}
	return l.Zone
}

// String renders the list in postscreen_dnsbl_sites syntax,
// `zone[=filter][*weight]`, the weight left out when it is 1. Fields the
// syntax cannot express (Kind, Name, ...) are not rendered.
func (l List) String() string {
	var b strings.Builder
	b.WriteString(l.Zone)
	if !l.Filter.IsZero() {
		b.WriteByte('=')
		b.WriteString(l.Filter.String())
	}
	if w := l.weight(); w != 1 {
		b.WriteByte('*')
		b.WriteString(strconv.Itoa(w))
	}
	return b.String()
}

// ParseList parses one postscreen_dnsbl_sites entry (postconf(5)):
// `domain[=filter][*weight]`, e.g. "zen.spamhaus.org=127.0.0.[2..11]*3"
// or "list.dnswl.org=127.0.[0..255].0*-2". The filter may also be a
// bitmask, "multi.surbl.org=&8*2" (see ParseFilter). The result is a
// KindIP list; set Kind for other kinds.
func ParseList(s string) (List, error) {
	var l List
	rest := s
	if i := strings.LastIndexByte(rest, '*'); i >= 0 {
		w, err := strconv.Atoi(rest[i+1:])
		if err != nil || w < -1_000_000 || w > 1_000_000 {
			return List{}, fmt.Errorf("%w: bad weight in %q", ErrSyntax, s)
		}
		if w == 0 {
			// The zero Weight means 1; a weight of 0 cannot be stored.
			return List{}, fmt.Errorf("%w: weight 0 in %q", ErrSyntax, s)
		}
		l.Weight, rest = w, rest[:i]
	}
	zone, filter, hasFilter := strings.Cut(rest, "=")
	if hasFilter {
		if filter == "" {
			return List{}, fmt.Errorf("%w: empty filter in %q", ErrSyntax, s)
		}
		f, err := ParseFilter(filter)
		if err != nil {
			return List{}, fmt.Errorf("%w (in %q)", err, s)
		}
		l.Filter = f
	}
	if !dnsname.Plausible(zone) {
		return List{}, fmt.Errorf("%w: bad zone %q in %q", ErrSyntax, zone, s)
	}
	l.Zone = strings.ToLower(strings.TrimSuffix(zone, "."))
	if l.Weight == 1 {
		l.Weight = 0
	}
	return l, nil
}

// ParseLists parses a postscreen_dnsbl_sites value: entries separated by
// commas and/or white space.
func ParseLists(s string) ([]List, error) {
	var lists []List
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		l, err := ParseList(f)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	return lists, nil
}

const hexDigits = "0123456789abcdef"

// appendQuery appends ip's reversed form (RFC 5782 §2.1 for IPv4,
// §2.4 reversed nibbles for IPv6), a dot and zone to buf.
func appendQuery(buf []byte, ip netip.Addr, zone string) []byte {
	if ip.Is4() {
		b := ip.As4()
		for i := 3; i >= 0; i-- {
			buf = strconv.AppendUint(buf, uint64(b[i]), 10)
			buf = append(buf, '.')
		}
	} else {
		b := ip.As16()
		for i := 15; i >= 0; i-- {
			buf = append(buf, hexDigits[b[i]&0xf], '.', hexDigits[b[i]>>4], '.')
		}
	}
	buf = append(buf, zone...)
	return append(buf, '.')
}
