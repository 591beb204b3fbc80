package msgauth

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	gomsgauth "github.com/emersion/go-msgauth/authres"
	"github.com/spamkit/spamkit/authres"
)

// To returns r as a go-msgauth result, to hand to software that takes
// them (go-msgauth's Format, maddy's check modules):
//
//	spf        *SPFResult        smtp.mailfrom, smtp.helo
//	dkim       *DKIMResult       header.d, header.i (header.s, .a, .b dropped)
//	dmarc      *DMARCResult      header.from (policy.dmarc dropped)
//	iprev      *IPRevResult      policy.iprev
//	auth       *AuthResult       smtp.auth
//	domainkeys *DomainKeysResult header.d, header.from, header.sender
//	sender-id  *SenderIDResult   its first header.* property
//	arc, other *GenericResult    every property (the first of each name)
//
// arc becomes a GenericResult, not an *ARCResult, because go-msgauth's
// Format (v0.7.0) writes an ARCResult without its method name ("=pass").
// The reason goes into every type but ARCResult and AuthResult, which
// have none (Format also drops AuthResult's).
//
// Values are made safe for go-msgauth's Format, which writes them as
// they are: they are what r.String renders and authres.Parse reads back
// (names that are no keyword mended and lower-cased, control characters
// spaces, invalid UTF-8 U+FFFD, text cut at authres.MaxReasonBytes and
// authres.MaxPropBytes, properties without value left out), and
// backslashes are removed, because Format does not escape them inside a
// quoted-string, where a value ending in one would swallow the results
// after it.
func To(r authres.Result) gomsgauth.Result {
	r = clean(r)
	value := gomsgauth.ResultValue(r.Value)
	reason := noBackslash(r.Reason)
	get := func(ptype, property string) string {
		v, _ := r.Get(ptype, property)
		return noBackslash(v)
	}
	switch r.Method {
	case "spf":
		return &gomsgauth.SPFResult{Value: value, Reason: reason, From: get("smtp", "mailfrom"), Helo: get("smtp", "helo")}
	case "dkim":
		return &gomsgauth.DKIMResult{Value: value, Reason: reason, Domain: get("header", "d"), Identifier: get("header", "i")}
	case "dmarc":
		return &gomsgauth.DMARCResult{Value: value, Reason: reason, From: get("header", "from")}
	case "iprev":
		return &gomsgauth.IPRevResult{Value: value, Reason: reason, IP: get("policy", "iprev")}
	case "auth":
		return &gomsgauth.AuthResult{Value: value, Reason: reason, Auth: get("smtp", "auth")}
	case "domainkeys":
		return &gomsgauth.DomainKeysResult{Value: value, Reason: reason, Domain: get("header", "d"),
			From: get("header", "from"), Sender: get("header", "sender")}
	case "sender-id":
		out := &gomsgauth.SenderIDResult{Value: value, Reason: reason}
		for _, p := range r.Props {
			if v := noBackslash(p.Value); p.Type == "header" && v != "" {
				out.HeaderKey, out.HeaderValue = p.Property, v
				break
			}
		}
		return out
	}
	params := make(map[string]string, len(r.Props)+1)
	if reason != "" {
		params["reason"] = reason
	}
	for _, p := range r.Props {
		k := p.Type + "." + p.Property
		if _, dup := params[k]; !dup {
			if v := noBackslash(p.Value); v != "" {
				params[k] = v
			}
		}
	}
	return &gomsgauth.GenericResult{Method: r.Method, Value: value, Params: params}
}

// clean returns r as r.String renders it and authres.Parse reads it
// back. The method and each property go through String and Parse on
// their own, so that no number of properties meets Parse's
// authres.MaxValueBytes.
func clean(r authres.Result) authres.Result {
	head, ok := reparse(authres.Result{Method: r.Method, Value: r.Value, Reason: r.Reason})
	if !ok {
		// Unreachable while authres keeps its promise that String
		// parses back (its FuzzRender checks it); should it break, the
		// result is no pass.
		return authres.Result{Method: "unknown", Value: "permerror"}
	}
	for _, p := range r.Props {
		if one, ok := reparse(authres.Result{Method: "x", Value: "x", Props: []authres.Prop{p}}); ok {
			head.Props = append(head.Props, one.Props...)
		}
	}
	return head
}

// reparse returns the one result authres.Parse reads from r's text.
func reparse(r authres.Result) (authres.Result, bool) {
	h, err := authres.Parse("x; " + r.String())
	if err != nil || len(h.Results) != 1 {
		return authres.Result{}, false
	}
	return h.Results[0], true
}

// noBackslash removes the backslashes go-msgauth's Format would not
// escape.
func noBackslash(s string) string { return strings.ReplaceAll(s, `\`, "") }

// From returns the authres.Result of a go-msgauth result, its properties
// in the order RFC 8601 §2.7 lists them (a GenericResult's sorted by
// name, its "reason" parameter as Reason). A value that go-msgauth's
// Parse left in quotes ("...", it does not unquote) is unquoted. It
// reports an error wrapping authres.ErrSyntax for a nil result, a type
// it does not know, a GenericResult parameter that is no ptype.property,
// or a result authres.Result.Validate rejects.
func From(r gomsgauth.Result) (authres.Result, error) {
	if r == nil || reflect.ValueOf(r).Kind() == reflect.Pointer && reflect.ValueOf(r).IsNil() {
		return authres.Result{}, fmt.Errorf("%w: nil go-msgauth result", authres.ErrSyntax)
	}
	var out authres.Result
	prop := func(ptype, property, value string) {
		if value = unquote(value); value != "" {
			out.Props = append(out.Props, authres.Prop{Type: ptype, Property: property, Value: value})
		}
	}
	switch r := r.(type) {
	case *gomsgauth.SPFResult:
		out = authres.Result{Method: "spf", Value: string(r.Value), Reason: r.Reason}
		prop("smtp", "mailfrom", r.From)
		prop("smtp", "helo", r.Helo)
	case *gomsgauth.DKIMResult:
		out = authres.Result{Method: "dkim", Value: string(r.Value), Reason: r.Reason}
		prop("header", "d", r.Domain)
		prop("header", "i", r.Identifier)
	case *gomsgauth.DMARCResult:
		out = authres.Result{Method: "dmarc", Value: string(r.Value), Reason: r.Reason}
		prop("header", "from", r.From)
	case *gomsgauth.ARCResult:
		out = authres.Result{Method: "arc", Value: string(r.Value)}
		if r.OldestPass > 0 {
			prop("header", "oldest-pass", strconv.Itoa(r.OldestPass))
		}
		prop("smtp", "remote-ip", r.RemoteIP)
	case *gomsgauth.IPRevResult:
		out = authres.Result{Method: "iprev", Value: string(r.Value), Reason: r.Reason}
		prop("policy", "iprev", r.IP)
	case *gomsgauth.AuthResult:
		out = authres.Result{Method: "auth", Value: string(r.Value), Reason: r.Reason}
		prop("smtp", "auth", r.Auth)
	case *gomsgauth.DomainKeysResult:
		out = authres.Result{Method: "domainkeys", Value: string(r.Value), Reason: r.Reason}
		prop("header", "d", r.Domain)
		prop("header", "from", r.From)
		prop("header", "sender", r.Sender)
	case *gomsgauth.SenderIDResult:
		out = authres.Result{Method: "sender-id", Value: string(r.Value), Reason: r.Reason}
		if r.HeaderKey != "" {
			prop("header", strings.ToLower(r.HeaderKey), r.HeaderValue)
		}
	case *gomsgauth.GenericResult:
		out = authres.Result{Method: strings.ToLower(r.Method), Value: string(r.Value)}
		for _, k := range slices.Sorted(maps.Keys(r.Params)) {
			if strings.EqualFold(k, "reason") {
				out.Reason = r.Params[k]
				continue
			}
			ptype, property, ok := strings.Cut(k, ".")
			if !ok {
				return authres.Result{}, fmt.Errorf("%w: go-msgauth %s parameter %q is no ptype.property", authres.ErrSyntax, r.Method, k)
			}
			prop(strings.ToLower(ptype), strings.ToLower(property), r.Params[k])
		}
	default:
		return authres.Result{}, fmt.Errorf("%w: go-msgauth result of type %T", authres.ErrSyntax, r)
	}
	out.Value = strings.ToLower(out.Value)
	out.Reason = unquote(out.Reason)
	if err := out.Validate(); err != nil {
		return authres.Result{}, fmt.Errorf("go-msgauth %T: %w", r, err)
	}
	return out, nil
}

// unquote returns the content of v if it is one quoted-string (RFC 5322
// §3.2.4), else v.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v)-1:
			i++
			b.WriteByte(v[i])
		case c == '"' || c == '\\':
			return v // not one quoted-string
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
