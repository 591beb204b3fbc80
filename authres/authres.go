package authres

import (
	"errors"
	"strings"
)

// ErrSyntax reports a malformed Authentication-Results value, or a
// Result or Header that cannot be rendered as it is (see Validate).
var ErrSyntax = errors.New("authres: syntax error")

// Header is one Authentication-Results field (RFC 8601 §2.2): the
// authserv-id and the results of the methods run. It is a plain value;
// String and Field may be called from several goroutines as long as no
// one modifies it.
type Header struct {
	// ServID is the authserv-id: who ran the checks, usually the host
	// name of the MTA (RFC 8601 §2.5).
	ServID string
	// Results holds the results; none means "none" (no method ran).
	Results []Result
}

// Result is one method's result (RFC 8601 §2.2 resinfo), e.g.
// dkim=pass header.d=example.com. The methods of this module and their
// properties:
//
//	spf    smtp.mailfrom, smtp.helo                     RFC 8601 §2.7.2
//	dkim   header.d, header.i, header.s, header.a,     RFC 8601 §2.7.1,
//	       header.b                                     RFC 6008
//	dmarc  header.from, policy.dmarc                    RFC 7489 §11.2
//	arc    header.oldest-pass, smtp.remote-ip           RFC 8617 §10.2
//	iprev  policy.iprev (the client address)            RFC 8601 §3
//
// The zero Result is not a valid result: Method and Value must be set.
type Result struct {
	Method string // "spf", "dkim", "dmarc", "arc", "iprev", ... lower case
	Value  string // "pass", "fail", ... lower case
	// Reason is the reason= text (RFC 8601 §2.2): a short human phrase
	// for strangers, never an error chain or an address. "" for none.
	Reason string
	Props  []Prop
}

// Prop is a property of a result, ptype.property=value, e.g.
// header.d=example.com (RFC 8601 §2.3).
type Prop struct {
	Type     string // "smtp", "header", "body", "policy"
	Property string // "mailfrom", "d", ...
	Value    string // a domain, an address, a token or free text
}

// Get returns the value of the property ptype.property, case-insensitively.
func (r Result) Get(ptype, property string) (string, bool) {
	for _, p := range r.Props {
		if strings.EqualFold(p.Type, ptype) && strings.EqualFold(p.Property, property) {
			return p.Value, true
		}
	}
	return "", false
}

// Result returns the first result of method (case-insensitive), and
// whether there is one.
func (h Header) Result(method string) (Result, bool) {
	for _, r := range h.Results {
		if strings.EqualFold(r.Method, method) {
			return r, true
		}
	}
	return Result{}, false
}

// Trusted parses the Authentication-Results values and returns those
// whose authserv-id is one of servIDs (case-insensitive). Fields from
// other authserv-ids and fields that do not parse are left out (RFC 8601
// §5, §7.1).
func Trusted(values []string, servIDs ...string) []Header {
	var out []Header
	for _, v := range values {
		h, err := Parse(v)
		if err != nil {
			continue
		}
		for _, id := range servIDs {
			if strings.EqualFold(h.ServID, id) {
				out = append(out, h)
				break
			}
		}
	}
	return out
}
