package greylist

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// pattern is a /regexp/ entry with the text it was written as.
type pattern struct {
	re  *regexp.Regexp
	src string
}

// compilePattern compiles the inside of a /regexp/ entry without case, as
// postgrey's qr{...}i. Go's RE2 syntax is Perl's without backreferences
// and look-around; an entry using them is an ErrSyntax.
func compilePattern(entry string) (pattern, error) {
	re, err := regexp.Compile("(?i)" + entry[1:len(entry)-1])
	if err != nil {
		return pattern{}, fmt.Errorf("%w: %q: %w", ErrSyntax, entry, err)
	}
	return pattern{re: re, src: entry}, nil
}

func isPattern(entry string) bool {
	return len(entry) >= 3 && entry[0] == '/' && entry[len(entry)-1] == '/'
}

// ClientList is a static allowlist of SMTP clients: networks, host names
// with the names below them, and /regexps/ over the host name, as in
// postgrey's whitelist_clients file (ParseClientList reads one).
//
// The zero ClientList is empty and ready; a nil *ClientList matches
// nothing. Add must not run concurrently with anything else; once filled,
// a ClientList is safe for concurrent use by multiple goroutines.
type ClientList struct {
	prefixes []netip.Prefix
	prefSrc  []string
	names    map[string]string // lower-case name → entry as written
	patterns []pattern
}

// Add adds one entry in postgrey's whitelist_clients syntax:
//
//   - /regexp/: a regular expression matched without case against the
//     client host name (Go RE2 syntax);
//   - an IPv4 or IPv6 address, with or without /prefix-length: the
//     client address is in that network;
//   - a partial IPv4 address of three or two numbers ("192.0.2",
//     "10.1"): the /24 or /16 network it begins (postgrey reads two
//     numbers as a /24, a bug this package does not copy);
//   - anything else without spaces: a host name, matching that name and
//     every name below it ("example.com" matches mx1.example.com), without
//     case.
//
// Add returns an error wrapping ErrSyntax for an entry it cannot read.
func (l *ClientList) Add(entry string) error {
	entry = strings.TrimSpace(entry)
	if done, err := addPattern(&l.patterns, entry); done {
		return err
	}
	if p, ok, err := parseNetwork(entry); ok {
		if err != nil {
			return err
		}
		l.prefixes = append(l.prefixes, p)
		l.prefSrc = append(l.prefSrc, entry)
		return nil
	}
	if l.names == nil {
		l.names = make(map[string]string)
	}
	name := asciiLower(strings.TrimSuffix(strings.TrimPrefix(entry, "."), "."))
	if emptyLabel(name) {
		return fmt.Errorf("%w: %q: empty label", ErrSyntax, entry)
	}
	l.names[name] = entry
	return nil
}

// parseNetwork reads an address, a network or a partial IPv4 address; ok
// reports whether entry looks like one at all (then err says whether it
// is a valid one).
func parseNetwork(entry string) (p netip.Prefix, ok bool, err error) {
	addr, _, hasBits := strings.Cut(entry, "/")
	looksV6 := strings.Count(addr, ":") >= 2
	dots := strings.Count(addr, ".")
	looksV4 := dots >= 1 && dots <= 3 && strings.Trim(addr, "0123456789.") == ""
	if !looksV6 && !looksV4 {
		return p, false, nil
	}
	bad := func(why string) (netip.Prefix, bool, error) {
		return netip.Prefix{}, true, fmt.Errorf("%w: %q: %s", ErrSyntax, entry, why)
	}
	if looksV4 && dots < 3 {
		if hasBits {
			return bad("partial address with a prefix length")
		}
		full := addr + strings.Repeat(".0", 3-dots)
		a, err := netip.ParseAddr(full)
		if err != nil {
			return bad("not an IPv4 address")
		}
		return netip.PrefixFrom(a, 8*(dots+1)), true, nil
	}
	if hasBits {
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return bad(err.Error())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), true, nil
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return bad(err.Error())
	}
	if a.Zone() != "" {
		return bad("an address with a zone")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true, nil
}

// Len returns the number of entries in l.
func (l *ClientList) Len() int {
	if l == nil {
		return 0
	}
	return len(l.prefixes) + len(l.names) + len(l.patterns)
}

// MatchAddr reports whether ip is in one of l's networks, and the entry
// that matched.
func (l *ClientList) MatchAddr(ip netip.Addr) (entry string, ok bool) {
	if l == nil || !ip.IsValid() {
		return "", false
	}
	ip = ip.Unmap()
	for i, p := range l.prefixes {
		if p.Contains(ip) {
			return l.prefSrc[i], true
		}
	}
	return "", false
}

// MatchName reports whether the host name matches one of l's names (the
// name itself or a name above it) or /regexps/, and the entry that
// matched. An empty name and Postfix's "unknown" (no verified reverse
// name) match only a /regexp/ that accepts them.
func (l *ClientList) MatchName(hostname string) (entry string, ok bool) {
	if l == nil {
		return "", false
	}
	if len(l.names) > 0 && hostname != "" {
		name := strings.TrimSuffix(hostname, ".")
		if hasUpper(name) {
			name = asciiLower(name)
		}
		for {
			if e, ok := l.names[name]; ok {
				return e, true
			}
			i := strings.IndexByte(name, '.')
			if i < 0 {
				break
			}
			name = name[i+1:]
		}
	}
	for _, p := range l.patterns {
		if p.re.MatchString(hostname) {
			return p.src, true
		}
	}
	return "", false
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// AddressList is a static list of envelope addresses: addresses, local
// parts, domains with the domains below them, and /regexps/, as in
// postgrey's whitelist_recipients file (ParseAddressList reads one). The
// Checker uses it for allowlisted senders and recipients and for
// greytraps.
//
// The zero AddressList is empty and ready; a nil *AddressList matches
// nothing. Add must not run concurrently with anything else; once filled,
// an AddressList is safe for concurrent use by multiple goroutines.
type AddressList struct {
	addrs    map[string]string // "user@domain" lower-case → entry
	locals   map[string]string // "user" lower-case → entry ("user@")
	domains  map[string]string // "domain" lower-case → entry
	patterns []pattern
}

// Add adds one entry in postgrey's whitelist_recipients syntax (Postfix
// access(5) style), matched without case:
//
//   - /regexp/: a regular expression matched against the whole address
//     (Go RE2 syntax);
//   - user@domain: that address, and user+extension@domain;
//   - user@: that local part (and its +extensions) at any domain
//     ("postmaster@");
//   - domain: any address at that domain or a domain below it.
//
// Angle brackets around an entry are ignored. Add returns an error
// wrapping ErrSyntax for an entry it cannot read.
func (l *AddressList) Add(entry string) error {
	entry = strings.TrimSpace(entry)
	if done, err := addPattern(&l.patterns, entry); done {
		return err
	}
	lower := asciiLower(trimBrackets(entry))
	user, domain, hasAt := cutLastAt(lower)
	switch {
	case hasAt && user == "":
		return fmt.Errorf("%w: %q: empty local part", ErrSyntax, entry)
	case hasAt && domain != "":
		if l.addrs == nil {
			l.addrs = make(map[string]string)
		}
		l.addrs[lower] = entry
	case hasAt:
		if l.locals == nil {
			l.locals = make(map[string]string)
		}
		l.locals[user] = entry
	default:
		d := strings.TrimSuffix(strings.TrimPrefix(lower, "."), ".")
		if emptyLabel(d) {
			return fmt.Errorf("%w: %q: empty label", ErrSyntax, entry)
		}
		if l.domains == nil {
			l.domains = make(map[string]string)
		}
		l.domains[d] = entry
	}
	return nil
}

// emptyLabel reports whether a name (without its leading and trailing
// dot) is empty or has an empty label: it could never match a name.
func emptyLabel(name string) bool {
	return name == "" || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..")
}

func cutLastAt(s string) (user, domain string, ok bool) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// Len returns the number of entries in l.
func (l *AddressList) Len() int {
	if l == nil {
		return 0
	}
	return len(l.addrs) + len(l.locals) + len(l.domains) + len(l.patterns)
}

// Match reports whether addr matches one of l's entries, and the entry
// that matched. Angle brackets around addr are ignored; the null sender
// (empty) matches only a /regexp/ that accepts it.
func (l *AddressList) Match(addr string) (entry string, ok bool) {
	if l == nil {
		return "", false
	}
	addr = trimBrackets(addr)
	if addr != "" && (len(l.addrs) > 0 || len(l.locals) > 0 || len(l.domains) > 0) {
		a := addr
		if hasUpper(a) {
			a = asciiLower(a)
		}
		user, domain, hasAt := cutLastAt(a)
		if hasAt {
			base := user
			if i := strings.IndexByte(user, '+'); i > 0 {
				base = user[:i]
			}
			if len(l.addrs) > 0 {
				if e, ok := l.addrs[a]; ok {
					return e, true
				}
				if base != user {
					if e, ok := l.addrs[base+"@"+domain]; ok {
						return e, true
					}
				}
			}
			if e, ok := l.locals[user]; ok {
				return e, true
			}
			if e, ok := l.locals[base]; ok {
				return e, true
			}
			for d := strings.TrimSuffix(domain, "."); len(l.domains) > 0; {
				if e, ok := l.domains[d]; ok {
					return e, true
				}
				i := strings.IndexByte(d, '.')
				if i < 0 {
					break
				}
				d = d[i+1:]
			}
		}
	}
	for _, p := range l.patterns {
		if p.re.MatchString(addr) {
			return p.src, true
		}
	}
	return "", false
}

// addPattern reads what both lists' entries share: an empty entry or one
// of several words is an error, and a /regexp/ is compiled onto
// patterns. It reports whether it dealt with entry.
func addPattern(patterns *[]pattern, entry string) (done bool, err error) {
	switch {
	case entry == "" || strings.ContainsAny(entry, " \t\r\n"):
		return true, fmt.Errorf("%w: %q: not one word", ErrSyntax, entry)
	case isPattern(entry):
		p, err := compilePattern(entry)
		if err != nil {
			return true, err
		}
		*patterns = append(*patterns, p)
		return true, nil
	}
	return false, nil
}
