package rdns

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// S25RRule is one of the published S25R (Selective SMTP Rejection, by
// Asami Hideo) generic-hostname rules. Each is applied, without case, to
// the client's reverse name without its trailing dot; rule 0 (no reverse
// name at all) is FCrDNSNone.
type S25RRule struct {
	// Number is the rule's number in S25R's publication, 1–6.
	Number int
	// Pattern is the rule's regular expression, as published.
	Pattern string
	// Describe says what the rule catches.
	Describe string
	re       *regexp.Regexp
}

// s25r are the six S25R rules, in their published order.
var s25r = func() []S25RRule {
	rules := []S25RRule{
		// Rule 1: first label holds a digit, non-digits, then a digit, and
		// the name goes on: "p1234-ip01.example.ne.jp", "h198-51-100-2.example.net".
		{Number: 1, Pattern: `^[^.]*[0-9][^0-9.]+[0-9].*\.`, Describe: "digits split by non-digits in the first label"},
		// Rule 2: five or more digits in a row in the first label:
		// "cpe0012345678.example.com".
		{Number: 2, Pattern: `^[^.]*[0-9]{5}`, Describe: "five digits in a row in the first label"},
		// Rule 3: the first or second label starts with a digit and at
		// least three more labels follow: "1.2.3.example.com",
		// "dsl.1x.pool.example.net".
		{Number: 3, Pattern: `^([^.]+\.)?[0-9][^.]*\.[^.]+\..+\.[a-z]`, Describe: "a label starting with a digit in the first two"},
		// Rule 4: first label ends in a digit and the second holds
		// digit-hyphen-digit: "pc1.0-2.example.com".
		{Number: 4, Pattern: `^[^.]*[0-9]\.[^.]*[0-9]-[0-9]`, Describe: "digit label followed by a digit-hyphen-digit label"},
		// Rule 5: first two labels end in digits, five labels or more:
		// "host1.pool2.dsl.example.com".
		{Number: 5, Pattern: `^[^.]*[0-9]\.[^.]*[0-9]\.[^.]+\..+\.`, Describe: "first two labels ending in digits"},
		// Rule 6: dial-up and DSL pools by name: "dhcp123.example.com",
		// "ppp-4.example.net", "adsl1.example.org".
		{Number: 6, Pattern: `^(dhcp|dialup|ppp|[achrsvx]?adsl)[^.]*[0-9]`, Describe: "dhcp, dialup, ppp or adsl pool name"},
	}
	for i := range rules {
		rules[i].re = regexp.MustCompile(`(?i)` + rules[i].Pattern)
	}
	return rules
}()

// S25RRules returns the S25R rules in order, for documentation and
// reports.
func S25RRules() []S25RRule { return append([]S25RRule(nil), s25r...) }

// MatchS25R returns the first S25R rule that name matches.
func MatchS25R(name string) (S25RRule, bool) {
	name = strings.TrimSuffix(name, ".")
	for _, r := range s25r {
		if r.re.MatchString(name) {
			return r, true
		}
	}
	return S25RRule{}, false
}

// GenericResult is the verdict of Generic.
type GenericResult string

const (
	// Generic: the name looks like that of a dynamic or residential
	// address: it matches an S25R rule or embeds the client address, and
	// no Checker.GenericAllow entry exempts it.
	Generic GenericResult = "generic"
	// NotGeneric: the name matches no S25R rule and does not embed the
	// address, or a Checker.GenericAllow entry exempts it
	// (GenericOutcome.Allowed).
	NotGeneric GenericResult = "not-generic"
)

// String returns the result's token ("generic", "not-generic").
func (r GenericResult) String() string { return string(r) }

// GenericOutcome is the outcome of Generic: whether a reverse name looks
// like that of a dynamic or residential address, and why.
type GenericOutcome struct {
	// Result is the verdict.
	Result GenericResult
	// Rule is the first S25R rule matched; Number 0 if none.
	Rule S25RRule
	// Embedded is the form in which the name embeds the client address
	// ("dashed", "dotted", "reversed-dashed", "hex", ...), "" if it
	// does not.
	Embedded IPForm
	// Allowed is the Checker.GenericAllow entry that exempted the name.
	Allowed string
}

// String renders the outcome, e.g. `generic (S25R rule 1; embeds IP
// dashed)`, `not generic`, `allowed by example.org (S25R rule 6)`.
func (g GenericOutcome) String() string {
	var why []string
	if g.Rule.Number != 0 {
		why = append(why, fmt.Sprintf("S25R rule %d", g.Rule.Number))
	}
	if g.Embedded != "" {
		why = append(why, "embeds IP "+string(g.Embedded))
	}
	verdict := "not generic"
	switch {
	case g.Allowed != "":
		verdict = "allowed by " + g.Allowed
	case g.Result == Generic:
		verdict = "generic"
	}
	if len(why) == 0 {
		return verdict
	}
	return verdict + " (" + strings.Join(why, "; ") + ")"
}

// Reason returns a short, stable phrase for the outcome, fit for a
// header or an SMTP reply: "generic host name (S25R rule 1)", "host name
// embeds the address", "not generic", or "allowlisted". It never holds
// the name or the address.
func (g GenericOutcome) Reason() string {
	switch {
	case g.Result == Generic && g.Rule.Number != 0:
		return fmt.Sprintf("generic host name (S25R rule %d)", g.Rule.Number)
	case g.Result == Generic:
		return "host name embeds the address"
	case g.Allowed != "":
		return "allowlisted"
	}
	return "not generic"
}

// Generic checks whether name, the client's reverse name, looks generic:
// it matches an S25R rule or embeds ip (if ip is valid). Names under a
// GenericAllow entry are reported (Rule, Embedded, Allowed) but
// NotGeneric. It looks nothing up and always runs, so it returns its
// outcome alone.
func (c *Checker) Generic(name string, ip netip.Addr) GenericOutcome {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	g := GenericOutcome{Result: NotGeneric}
	g.Rule, _ = MatchS25R(name)
	if ip.IsValid() {
		g.Embedded, _ = EmbeddedIP(name, ip)
	}
	if g.Rule.Number == 0 && g.Embedded == "" {
		return g
	}
	for _, a := range c.GenericAllow {
		a = strings.ToLower(strings.Trim(a, "."))
		if a != "" && (name == a || strings.HasSuffix(name, "."+a)) {
			g.Allowed = a
			return g
		}
	}
	g.Result = Generic
	return g
}

const hexDigits = "0123456789abcdef"

// IPForm is a way a host name embeds an IP address.
type IPForm string

const (
	// FormDotted: the four octets in order, dot-separated ("192.0.2.1.example.net").
	FormDotted IPForm = "dotted"
	// FormDashed: in order, separated by '-' or '_' ("192-0-2-1.example.net").
	FormDashed IPForm = "dashed"
	// FormReversed: the octets reversed, any separator ("1.2.0.192.example.net").
	FormReversed IPForm = "reversed"
	// FormPadded: twelve digits, each octet zero-padded ("192000002001").
	FormPadded IPForm = "padded"
	// FormHex: eight hex digits ("c0000201").
	FormHex IPForm = "hex"
	// FormIPv6: the IPv6 address written with '-' for ':' or as 32 hex
	// digits.
	FormIPv6 IPForm = "ipv6"
)

// String returns the form's token ("dashed", "hex", ...).
func (f IPForm) String() string { return string(f) }

// EmbeddedIP reports whether name embeds ip, and in which form: its
// octets in order or reversed, separated by '.', '-' or '_', zero-padded
// to twelve digits, or as eight hex digits; for IPv6, the address with
// '-' for ':' (compressed or not) or as 32 hex digits.
func EmbeddedIP(name string, ip netip.Addr) (IPForm, bool) {
	name = strings.ToLower(name)
	ip = ip.Unmap()
	if ip.Is6() {
		full := ip.StringExpanded()
		if strings.Contains(name, strings.ReplaceAll(ip.String(), ":", "-")) ||
			strings.Contains(name, strings.ReplaceAll(full, ":", "-")) ||
			strings.Contains(name, strings.ReplaceAll(full, ":", "")) {
			return FormIPv6, true
		}
		return "", false
	}
	b := ip.As4()
	// Numeric runs with the separator that follows each.
	type run struct {
		v   int
		sep byte // separator after the run: '.', '-', '_' or 0 (anything else)
	}
	var rbuf [32]run
	runs := rbuf[:0]
	for i := 0; i < len(name); {
		if name[i] < '0' || name[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(name) && name[j] >= '0' && name[j] <= '9' {
			j++
		}
		v := 256
		if j-i <= 3 {
			v, _ = strconv.Atoi(name[i:j])
		}
		var sep byte
		if j < len(name) && (name[j] == '.' || name[j] == '-' || name[j] == '_') && j+1 < len(name) && name[j+1] >= '0' && name[j+1] <= '9' {
			sep = name[j]
		}
		runs = append(runs, run{v, sep})
		i = j
	}
	for i := 0; i+4 <= len(runs); i++ {
		joined := runs[i].sep != 0 && runs[i+1].sep != 0 && runs[i+2].sep != 0
		if !joined {
			continue
		}
		fwd, rev := true, true
		for k := range 4 {
			fwd = fwd && runs[i+k].v == int(b[k])
			rev = rev && runs[i+k].v == int(b[3-k])
		}
		switch {
		case fwd && runs[i].sep == '.' && runs[i+1].sep == '.' && runs[i+2].sep == '.':
			return FormDotted, true
		case fwd:
			return FormDashed, true
		case rev:
			return FormReversed, true
		}
	}
	var padded, hexed [12]byte
	for k, o := range b {
		padded[3*k], padded[3*k+1], padded[3*k+2] = '0'+o/100, '0'+o/10%10, '0'+o%10
		hexed[2*k], hexed[2*k+1] = hexDigits[o>>4], hexDigits[o&0xf]
	}
	if strings.Contains(name, string(padded[:])) {
		return FormPadded, true
	}
	if strings.Contains(name, string(hexed[:8])) {
		return FormHex, true
	}
	return "", false
}
