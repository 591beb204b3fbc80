package spf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Qualifier is a directive's qualifier (RFC 7208 §4.6.2).
type Qualifier byte

// The qualifiers of RFC 7208 §4.6.2.
const (
	QualifierPass     Qualifier = '+'
	QualifierFail     Qualifier = '-'
	QualifierSoftFail Qualifier = '~'
	QualifierNeutral  Qualifier = '?'
)

// Result returns the result a matching directive with qualifier q gives.
func (q Qualifier) Result() Result {
	switch q {
	case QualifierFail:
		return Fail
	case QualifierSoftFail:
		return SoftFail
	case QualifierNeutral:
		return Neutral
	}
	return Pass
}

// String returns the qualifier's character.
func (q Qualifier) String() string { return string(rune(q)) }

// Mechanism names a mechanism (RFC 7208 §5).
type Mechanism string

// The mechanisms of RFC 7208 §5.
const (
	MechanismAll     Mechanism = "all"     // §5.1
	MechanismInclude Mechanism = "include" // §5.2
	MechanismA       Mechanism = "a"       // §5.3
	MechanismMX      Mechanism = "mx"      // §5.4
	MechanismPTR     Mechanism = "ptr"     // §5.5
	MechanismIP4     Mechanism = "ip4"     // §5.6
	MechanismIP6     Mechanism = "ip6"     // §5.6
	MechanismExists  Mechanism = "exists"  // §5.7
)

// String returns the mechanism's name.
func (m Mechanism) String() string { return string(m) }

// Directive is a qualified mechanism (RFC 7208 §4.6.1).
type Directive struct {
	Qualifier Qualifier
	Mechanism Mechanism
	// Domain is the domain-spec as written (a macro-string, §7.1), empty
	// when the mechanism has none (all, ip4, ip6, and a, mx, ptr without
	// one).
	Domain string
	// Prefix is the network of ip4 and ip6.
	Prefix netip.Prefix
	// CIDR4 and CIDR6 are the prefix lengths of a and mx (§5.6); 32 and
	// 128 when not given.
	CIDR4, CIDR6 int

	spec macroString
	text string // canonical form
}

// String returns the directive in canonical form: no "+" qualifier,
// lower-case mechanism name, default prefix lengths left out.
func (d *Directive) String() string { return d.text }

func (d *Directive) render() string {
	var b strings.Builder
	if d.Qualifier != QualifierPass {
		b.WriteByte(byte(d.Qualifier))
	}
	b.WriteString(string(d.Mechanism))
	switch d.Mechanism {
	case MechanismIP4, MechanismIP6:
		b.WriteByte(':')
		if d.Prefix.IsSingleIP() {
			b.WriteString(d.Prefix.Addr().String())
		} else {
			b.WriteString(d.Prefix.String())
		}
		return b.String()
	}
	if d.Domain != "" {
		b.WriteByte(':')
		b.WriteString(d.Domain)
	}
	if d.CIDR4 != 32 {
		fmt.Fprintf(&b, "/%d", d.CIDR4)
	}
	if d.CIDR6 != 128 {
		fmt.Fprintf(&b, "//%d", d.CIDR6)
	}
	return b.String()
}

// Modifier is an unknown modifier (RFC 7208 §6), kept but not used.
type Modifier struct {
	Name  string // lower case
	Value string // macro-string as written
}

// Record is a parsed SPF record. A Record is immutable once parsed and
// safe for concurrent use.
type Record struct {
	// Directives are the record's directives, in order.
	Directives []Directive
	// Redirect is the redirect= domain-spec (§6.1), empty if none.
	Redirect string
	// Explanation is the exp= domain-spec (§6.2), empty if none.
	Explanation string
	// Modifiers are the unknown modifiers, in order (§6).
	Modifiers []Modifier

	redirect, exp macroString
}

// String returns the record in canonical form: "v=spf1", the
// directives, redirect=, exp=, then unknown modifiers, each once
// separated by a single space. It parses to an equal Record.
func (r *Record) String() string {
	var b strings.Builder
	b.WriteString("v=spf1")
	for i := range r.Directives {
		b.WriteByte(' ')
		b.WriteString(r.Directives[i].text)
	}
	if r.Redirect != "" {
		b.WriteString(" redirect=")
		b.WriteString(r.Redirect)
	}
	if r.Explanation != "" {
		b.WriteString(" exp=")
		b.WriteString(r.Explanation)
	}
	for _, m := range r.Modifiers {
		b.WriteByte(' ')
		b.WriteString(m.Name)
		b.WriteByte('=')
		b.WriteString(m.Value)
	}
	return b.String()
}

// isSPF1 reports whether txt is an SPF version 1 record: "v=spf1"
// alone or followed by a space (RFC 7208 §4.5), case-insensitively.
func isSPF1(txt string) bool {
	return len(txt) >= 6 && strings.EqualFold(txt[:6], "v=spf1") && (len(txt) == 6 || txt[6] == ' ')
}

func syntaxError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, args...)...)
}

// ParseRecord parses an SPF version 1 record (RFC 7208 §4.5, §12). A
// record that does not start with "v=spf1" or breaks the grammar
// anywhere gives an error wrapping ErrSyntax; check_host turns it into
// permerror (§4.6).
func ParseRecord(txt string) (*Record, error) {
	if !isSPF1(txt) {
		return nil, syntaxError("record does not start with %q", "v=spf1")
	}
	r := &Record{}
	rest := txt[6:]
	n := 0
	for _, t := range strings.Split(rest, " ") {
		if t != "" {
			n++
		}
	}
	r.Directives = make([]Directive, 0, n)
	for term := range strings.SplitSeq(rest, " ") {
		if term == "" {
			continue // 1*SP between terms, *SP at the end (§12)
		}
		if err := r.parseTerm(term); err != nil {
			return nil, err
		}
	}
	if len(r.Directives) == 0 {
		r.Directives = nil
	}
	return r, nil
}

// modifierName returns the name of term if it is a modifier:
// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) followed by "="
// (RFC 7208 §12).
func modifierName(term string) (string, string, bool) {
	i := strings.IndexByte(term, '=')
	if i <= 0 {
		return "", "", false
	}
	name := term[:i]
	if !isAlpha(name[0]) {
		return "", "", false
	}
	for j := 1; j < len(name); j++ {
		c := name[j]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return "", "", false
		}
	}
	return name, term[i+1:], true
}

func (r *Record) parseTerm(term string) error {
	if name, value, ok := modifierName(term); ok {
		lname := strings.ToLower(name)
		switch lname {
		case "redirect", "exp":
			// §6: each may appear at most once.
			if (lname == "redirect" && r.Redirect != "") || (lname == "exp" && r.Explanation != "") {
				return syntaxError("%s= appears more than once", lname)
			}
			ms, err := parseDomainSpec(value)
			if err != nil {
				return fmt.Errorf("%w (in %s=)", err, lname)
			}
			if lname == "redirect" {
				r.Redirect, r.redirect = value, ms
			} else {
				r.Explanation, r.exp = value, ms
			}
		default:
			// §6: unknown modifiers are ignored, but must parse
			// (unknown-modifier = name "=" macro-string, §12).
			if _, err := parseMacroString(value, false); err != nil {
				return fmt.Errorf("%w (in %s=)", err, name)
			}
			r.Modifiers = append(r.Modifiers, Modifier{Name: lname, Value: value})
		}
		return nil
	}
	d := Directive{Qualifier: QualifierPass, CIDR4: 32, CIDR6: 128}
	switch term[0] {
	case '+', '-', '~', '?':
		d.Qualifier = Qualifier(term[0])
		term = term[1:]
	}
	name, arg := term, ""
	hasArg := false
	if i := strings.IndexAny(term, ":/"); i >= 0 {
		name, arg = term[:i], term[i:]
		hasArg = true
	}
	d.Mechanism = Mechanism(strings.ToLower(name))
	switch d.Mechanism {
	case MechanismAll:
		if hasArg {
			return syntaxError("all takes no argument: %q", term)
		}
	case MechanismInclude, MechanismExists:
		// include = "include" ":" domain-spec; exists likewise (§5.2, §5.7).
		if !strings.HasPrefix(arg, ":") {
			return syntaxError("%s needs a domain: %q", d.Mechanism, term)
		}
		if err := d.setDomain(arg[1:]); err != nil {
			return err
		}
	case MechanismA, MechanismMX:
		// a = "a" [ ":" domain-spec ] [ dual-cidr-length ] (§5.3, §5.4)
		spec, err := d.parseDualCIDR(arg)
		if err != nil {
			return fmt.Errorf("%w in %q", err, term)
		}
		if spec != "" {
			if !strings.HasPrefix(spec, ":") {
				return syntaxError("bad argument in %q", term)
			}
			if err := d.setDomain(spec[1:]); err != nil {
				return err
			}
		}
	case MechanismPTR:
		// ptr = "ptr" [ ":" domain-spec ] (§5.5)
		if hasArg {
			if !strings.HasPrefix(arg, ":") {
				return syntaxError("bad argument in %q", term)
			}
			if err := d.setDomain(arg[1:]); err != nil {
				return err
			}
		}
	case MechanismIP4, MechanismIP6:
		if !strings.HasPrefix(arg, ":") {
			return syntaxError("%s needs an address: %q", d.Mechanism, term)
		}
		p, err := parseIPNetwork(d.Mechanism, arg[1:])
		if err != nil {
			return fmt.Errorf("%w in %q", err, term)
		}
		d.Prefix = p
	default:
		return syntaxError("unknown mechanism %q", name)
	}
	d.text = d.render()
	r.Directives = append(r.Directives, d)
	return nil
}

func (d *Directive) setDomain(spec string) error {
	ms, err := parseDomainSpec(spec)
	if err != nil {
		return fmt.Errorf("%w (in %s)", err, d.Mechanism)
	}
	d.Domain, d.spec = spec, ms
	return nil
}

// parseDualCIDR strips a trailing dual-cidr-length from arg (§5.6:
// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), ip6-cidr-length = "/"
// ("0" / %x31-39 0*2DIGIT), dual-cidr-length = [ ip4-cidr-length ] [ "/"
// ip6-cidr-length ]) and returns what precedes it.
func (d *Directive) parseDualCIDR(arg string) (string, error) {
	if i := strings.LastIndex(arg, "//"); i >= 0 && allDigits(arg[i+2:]) {
		n, err := cidrLength(arg[i+2:], 128)
		if err != nil {
			return "", err
		}
		d.CIDR6, arg = n, arg[:i]
	}
	if i := strings.LastIndexByte(arg, '/'); i >= 0 && allDigits(arg[i+1:]) {
		n, err := cidrLength(arg[i+1:], 32)
		if err != nil {
			return "", err
		}
		d.CIDR4, arg = n, arg[:i]
	}
	if strings.HasPrefix(arg, "/") {
		return "", syntaxError("bad prefix length")
	}
	return arg, nil
}

// cidrLength parses the digits of a prefix length of at most max bits:
// "0", or a nonzero digit followed by at most two more digits (§5.6
// ip4-cidr-length, ip6-cidr-length). A sign, a leading zero or any
// other character is a syntax error (§4.6), not a length: strconv.Atoi
// alone would read "-0" as 0 and "+24" as 24.
func cidrLength(s string, max int) (int, error) {
	if !allDigits(s) || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, syntaxError("bad prefix length %q", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > max {
		return 0, syntaxError("bad prefix length %q", s)
	}
	return n, nil
}

// parseIPNetwork parses the argument of ip4 or ip6 (§5.6).
func parseIPNetwork(m Mechanism, s string) (netip.Prefix, error) {
	addr, length, hasLen := strings.Cut(s, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" {
		return netip.Prefix{}, syntaxError("bad address %q", addr)
	}
	bits := 32
	if m == MechanismIP6 {
		bits = 128
		if !ip.Is6() || strings.IndexByte(addr, ':') < 0 {
			return netip.Prefix{}, syntaxError("not an IPv6 address: %q", addr)
		}
	} else if !ip.Is4() {
		return netip.Prefix{}, syntaxError("not an IPv4 address: %q", addr)
	}
	n := bits
	if hasLen {
		if n, err = cidrLength(length, bits); err != nil {
			return netip.Prefix{}, err
		}
	}
	return netip.PrefixFrom(ip, n), nil
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
