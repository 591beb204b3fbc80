package authres

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax reports a malformed Authentication-Results value.
var ErrSyntax = errors.New("authres: syntax error")

// Header is one Authentication-Results field.
type Header struct {
	// ServID is the authserv-id: who ran the checks.
	ServID string
	// Results holds the results; none means "none" (no method ran).
	Results []Result
}

// Result is one method's result (RFC 8601 §2.2 resinfo).
type Result struct {
	Method string // "spf", "dkim", "dmarc", "arc", ... lower case
	Value  string // "pass", "fail", ... lower case
	Reason string // reason=, free text, "" if none
	Props  []Prop
}

// Prop is a property of a result, ptype.property=value, e.g.
// header.d=example.com (RFC 8601 §2.3).
type Prop struct {
	Type     string // "smtp", "header", "body", "policy"
	Property string
	Value    string
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

// String renders the result, e.g. `dkim=pass header.d=example.com`.
func (r Result) String() string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('=')
	b.WriteString(r.Value)
	if r.Reason != "" {
		b.WriteString(" reason=")
		b.WriteString(quote(r.Reason, false))
	}
	for _, p := range r.Props {
		if p.Value == "" {
			continue
		}
		fmt.Fprintf(&b, " %s.%s=%s", p.Type, p.Property, quote(p.Value, true))
	}
	return b.String()
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

// String renders the field value, unfolded.
func (h Header) String() string { return h.render("; ") }

// Field renders the whole header field, one result per line, ending in
// CRLF.
func (h Header) Field() string { return "Authentication-Results: " + h.render(";\r\n\t") + "\r\n" }

func (h Header) render(sep string) string {
	if len(h.Results) == 0 {
		return quote(h.ServID, true) + "; none"
	}
	parts := make([]string, 0, len(h.Results)+1)
	parts = append(parts, quote(h.ServID, true))
	for _, r := range h.Results {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, sep)
}

// quote returns v as a token if it is one (or, for a property value, a
// domain or address), else as a quoted-string (RFC 2045 §5.1 value).
func quote(v string, pvalue bool) string {
	ok := v != ""
	for i := 0; i < len(v) && ok; i++ {
		c := v[i]
		switch {
		case c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '(' || c == ')' || c == ';' || c == '=':
			ok = false
		case strings.IndexByte("<>,:/[]?", c) >= 0:
			ok = false
		case c == '@' || c == '.':
			ok = ok && pvalue || c == '.' // '@' only in an address-like pvalue
		}
	}
	if ok {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
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
