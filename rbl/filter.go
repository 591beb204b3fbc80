package rbl

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// octetSet is a set of octet values, a 256-bit bitmap.
type octetSet [4]uint64

func (s *octetSet) add(lo, hi int) {
	for v := lo; v <= hi; v++ {
		s[v>>6] |= 1 << (v & 63)
	}
}

func (s *octetSet) has(v byte) bool { return s[v>>6]&(1<<(v&63)) != 0 }

// String renders the set in postscreen syntax: a single number, or
// `[a..b;c]` with maximal ranges.
func (s *octetSet) String() string {
	var parts []string
	for v := 0; v < 256; {
		if !s.has(byte(v)) {
			v++
			continue
		}
		lo := v
		for v < 256 && s.has(byte(v)) {
			v++
		}
		if hi := v - 1; hi > lo {
			parts = append(parts, strconv.Itoa(lo)+".."+strconv.Itoa(hi))
		} else {
			parts = append(parts, strconv.Itoa(lo))
		}
	}
	if len(parts) == 1 && !strings.Contains(parts[0], "..") {
		return parts[0]
	}
	return "[" + strings.Join(parts, ";") + "]"
}

// Filter selects the answers of a list that count. The zero Filter
// accepts every answer that is a listing (any 127.0.0.0/8 address other
// than the error codes), as postscreen does for an entry without
// `=filter`.
//
// A Filter is either an address pattern (postscreen syntax, e.g.
// 127.0.0.[2..11]: each octet a number, or a bracketed `;`-separated list
// of numbers and `n..m` ranges) or a bitmask (rspamd `returnbits`,
// SURBL/URIBL multi lists: the answer counts if it has any of the bits).
// Filters are values, safe to copy and to use concurrently.
type Filter struct {
	pattern bool
	octets  [4]octetSet
	mask    uint32
}

// Pattern reports whether f is an address pattern.
func (f Filter) Pattern() bool { return f.pattern }

// Bits returns f's bitmask, 0 if f is not a bitmask filter.
func (f Filter) Bits() uint32 { return f.mask }

// IsZero reports whether f is the zero Filter, which accepts every listing.
func (f Filter) IsZero() bool { return !f.pattern && f.mask == 0 }

// BitsFilter returns a filter that accepts an answer having any of the
// bits of mask, taken over the whole IPv4 address as a big-endian
// integer (so 8 is 127.0.0.8's bit 3). A zero mask returns the zero
// Filter.
func BitsFilter(mask uint32) Filter { return Filter{mask: mask} }

// CodeRange returns the filter 127.0.0.[lo..hi], the usual form of a
// list's return codes: CodeRange(2, 11) is postscreen's
// "127.0.0.[2..11]" (Spamhaus ZEN's SBL, CSS, XBL and PBL codes). The
// bounds may come in either order: CodeRange(11, 2) is CodeRange(2, 11),
// so every CodeRange has a postscreen form that parses back.
func CodeRange(lo, hi byte) Filter {
	lo, hi = min(lo, hi), max(lo, hi)
	f := Filter{pattern: true}
	f.octets[0].add(127, 127)
	f.octets[1].add(0, 0)
	f.octets[2].add(0, 0)
	f.octets[3].add(int(lo), int(hi))
	return f
}

// MustParseFilter is ParseFilter for filters written in the program,
// such as package-level configuration; it panics if s does not parse.
func MustParseFilter(s string) Filter {
	f, err := ParseFilter(s)
	if err != nil {
		panic(err)
	}
	return f
}

// Match reports whether the answer code passes f. It does not check that
// code is a listing; the Checker does that first.
func (f Filter) Match(code netip.Addr) bool {
	if !code.Is4() {
		return false
	}
	b := code.As4()
	switch {
	case f.pattern:
		for i := range 4 {
			if !f.octets[i].has(b[i]) {
				return false
			}
		}
		return true
	case f.mask != 0:
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		return v&f.mask != 0
	}
	return true
}

// String renders f as ParseFilter reads it: the postscreen pattern, `&`
// and the mask for a bitmask filter (`&8`, or `&0.0.1.0` when the mask
// does not fit the last octet), "" for the zero Filter.
func (f Filter) String() string {
	switch {
	case f.pattern:
		s := make([]string, 4)
		for i := range 4 {
			s[i] = f.octets[i].String()
		}
		return strings.Join(s, ".")
	case f.mask > 255:
		return "&" + netip.AddrFrom4([4]byte{byte(f.mask >> 24), byte(f.mask >> 16), byte(f.mask >> 8), byte(f.mask)}).String()
	case f.mask != 0:
		return "&" + strconv.Itoa(int(f.mask))
	}
	return ""
}

// ParseFilter parses a filter: a postscreen address pattern such as
// 127.0.0.2, 127.0.0.[2..11] or 127.0.[0..255].[1;3;5..7]
// (postconf(5) postscreen_dnsbl_sites), or a bitmask written `&8`,
// `&0x48` or `&0.0.0.8`. The empty string gives the zero Filter.
func ParseFilter(s string) (Filter, error) {
	if s == "" {
		return Filter{}, nil
	}
	if rest, ok := strings.CutPrefix(s, "&"); ok {
		var m uint64
		var err error
		if strings.Count(rest, ".") == 3 {
			a, perr := netip.ParseAddr(rest)
			if perr != nil || !a.Is4() {
				return Filter{}, fmt.Errorf("%w: bad bitmask %q", ErrSyntax, s)
			}
			b := a.As4()
			m = uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		} else if m, err = strconv.ParseUint(rest, 0, 32); err != nil {
			return Filter{}, fmt.Errorf("%w: bad bitmask %q", ErrSyntax, s)
		}
		if m == 0 {
			return Filter{}, fmt.Errorf("%w: zero bitmask %q matches nothing", ErrSyntax, s)
		}
		return Filter{mask: uint32(m)}, nil
	}
	f := Filter{pattern: true}
	rest := s
	for i := range 4 {
		var part string
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return Filter{}, fmt.Errorf("%w: unclosed [ in %q", ErrSyntax, s)
			}
			part, rest = rest[:end+1], rest[end+1:]
		} else {
			end := strings.IndexByte(rest, '.')
			if end < 0 {
				end = len(rest)
			}
			part, rest = rest[:end], rest[end:]
		}
		if err := parseOctet(&f.octets[i], part); err != nil {
			return Filter{}, fmt.Errorf("%w: octet %d of %q: %w", ErrSyntax, i+1, s, err)
		}
		if i < 3 {
			var ok bool
			if rest, ok = strings.CutPrefix(rest, "."); !ok {
				return Filter{}, fmt.Errorf("%w: %q is not a four-octet pattern", ErrSyntax, s)
			}
		}
	}
	if rest != "" {
		return Filter{}, fmt.Errorf("%w: trailing %q in %q", ErrSyntax, rest, s)
	}
	return f, nil
}

func parseOctet(set *octetSet, part string) error {
	inner, bracketed := strings.CutPrefix(part, "[")
	if bracketed {
		inner = strings.TrimSuffix(inner, "]")
	}
	if inner == "" {
		return fmt.Errorf("empty octet")
	}
	for elem := range strings.SplitSeq(inner, ";") {
		lo, hi, isRange := strings.Cut(elem, "..")
		if isRange && !bracketed {
			return fmt.Errorf("range %q outside []", elem)
		}
		l, err := octetValue(lo)
		if err != nil {
			return err
		}
		h := l
		if isRange {
			if h, err = octetValue(hi); err != nil {
				return err
			}
			if h < l {
				return fmt.Errorf("range %q goes down", elem)
			}
		}
		set.add(l, h)
	}
	return nil
}

func octetValue(s string) (int, error) {
	if s == "" || len(s) > 3 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %q", s)
		}
		v = v*10 + int(c-'0')
	}
	if v > 255 {
		return 0, fmt.Errorf("number %q over 255", s)
	}
	return v, nil
}
