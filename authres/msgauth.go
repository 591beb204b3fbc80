package authres

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	msgauth "github.com/emersion/go-msgauth/authres"
)

// Conversion to and from github.com/emersion/go-msgauth/authres, for
// software built on it (maddy, go-smtp based servers). go-msgauth has one
// struct per method with a fixed set of properties, so a conversion to it
// keeps only the properties its struct has; the ones each drops are
// listed at Msgauth.

// Msgauth returns r as a go-msgauth result, to hand to software that
// takes them (msgauth.Format, maddy's check modules):
//
//	spf        *msgauth.SPFResult        smtp.mailfrom, smtp.helo
//	dkim       *msgauth.DKIMResult       header.d, header.i (header.s, .a, .b dropped)
//	dmarc      *msgauth.DMARCResult      header.from (policy.dmarc dropped)
//	iprev      *msgauth.IPRevResult      policy.iprev
//	auth       *msgauth.AuthResult       smtp.auth
//	domainkeys *msgauth.DomainKeysResult header.d, header.from, header.sender
//	sender-id  *msgauth.SenderIDResult   its first header.* property
//	arc, other *msgauth.GenericResult    every property (one per name)
//
// arc becomes a GenericResult, not a *msgauth.ARCResult, because
// go-msgauth's Format (v0.7.0) writes an ARCResult without its method
// name ("=pass"). The reason goes into every type but ARCResult and
// AuthResult, which have none (Format also drops AuthResult's).
//
// Values are made safe for go-msgauth's Format, which writes them as
// they are: as in String, control characters become spaces, invalid
// UTF-8 U+FFFD, names that are no keyword are mended and text is cut at
// MaxReasonBytes and MaxPropBytes; and backslashes are removed, because
// Format does not escape them inside a quoted-string, where a value
// ending in one would swallow the results after it.
func (r Result) Msgauth() msgauth.Result {
	method := strings.ToLower(safeKeyword(r.Method))
	value := msgauth.ResultValue(strings.ToLower(safeKeyword(r.Value)))
	reason := forMsgauth(safeText(r.Reason, MaxReasonBytes, "..."))
	get := func(ptype, property string) string {
		v, _ := r.Get(ptype, property)
		return forMsgauth(safeText(v, MaxPropBytes, ""))
	}
	switch method {
	case "spf":
		return &msgauth.SPFResult{Value: value, Reason: reason, From: get("smtp", "mailfrom"), Helo: get("smtp", "helo")}
	case "dkim":
		return &msgauth.DKIMResult{Value: value, Reason: reason, Domain: get("header", "d"), Identifier: get("header", "i")}
	case "dmarc":
		return &msgauth.DMARCResult{Value: value, Reason: reason, From: get("header", "from")}
	case "iprev":
		return &msgauth.IPRevResult{Value: value, Reason: reason, IP: get("policy", "iprev")}
	case "auth":
		return &msgauth.AuthResult{Value: value, Reason: reason, Auth: get("smtp", "auth")}
	case "domainkeys":
		return &msgauth.DomainKeysResult{Value: value, Reason: reason, Domain: get("header", "d"),
			From: get("header", "from"), Sender: get("header", "sender")}
	case "sender-id":
		out := &msgauth.SenderIDResult{Value: value, Reason: reason}
		for _, p := range r.Props {
			if v := forMsgauth(safeText(p.Value, MaxPropBytes, "")); strings.EqualFold(p.Type, "header") && v != "" {
				out.HeaderKey, out.HeaderValue = strings.ToLower(safeKeyword(p.Property)), v
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
		k := strings.ToLower(safeKeyword(p.Type) + "." + safeKeyword(p.Property))
		if _, dup := params[k]; !dup {
			if v := forMsgauth(safeText(p.Value, MaxPropBytes, "")); v != "" {
				params[k] = v
			}
		}
	}
	return &msgauth.GenericResult{Method: method, Value: value, Params: params}
}

// forMsgauth removes the backslashes go-msgauth's Format would not
// escape.
func forMsgauth(s string) string { return strings.ReplaceAll(s, `\`, "") }

// FromMsgauth returns the Result of a go-msgauth result, its properties
// in the order RFC 8601 §2.7 lists them (a GenericResult's sorted by
// name, its "reason" parameter as Reason). A value that go-msgauth's
// Parse left in quotes ("...", it does not unquote) is unquoted. It
// reports an error wrapping ErrSyntax for a nil result, a type it does
// not know, a GenericResult parameter that is no ptype.property, or a
// result Validate rejects.
func FromMsgauth(r msgauth.Result) (Result, error) {
	if r == nil || reflect.ValueOf(r).Kind() == reflect.Pointer && reflect.ValueOf(r).IsNil() {
		return Result{}, fmt.Errorf("%w: nil go-msgauth result", ErrSyntax)
	}
	var out Result
	prop := func(ptype, property, value string) {
		if value = unquote(value); value != "" {
			out.Props = append(out.Props, Prop{Type: ptype, Property: property, Value: value})
		}
	}
	switch r := r.(type) {
	case *msgauth.SPFResult:
		out = Result{Method: "spf", Value: string(r.Value), Reason: r.Reason}
		prop("smtp", "mailfrom", r.From)
		prop("smtp", "helo", r.Helo)
	case *msgauth.DKIMResult:
		out = Result{Method: "dkim", Value: string(r.Value), Reason: r.Reason}
		prop("header", "d", r.Domain)
		prop("header", "i", r.Identifier)
	case *msgauth.DMARCResult:
		out = Result{Method: "dmarc", Value: string(r.Value), Reason: r.Reason}
		prop("header", "from", r.From)
	case *msgauth.ARCResult:
		out = Result{Method: "arc", Value: string(r.Value)}
		if r.OldestPass > 0 {
			prop("header", "oldest-pass", strconv.Itoa(r.OldestPass))
		}
		prop("smtp", "remote-ip", r.RemoteIP)
	case *msgauth.IPRevResult:
		out = Result{Method: "iprev", Value: string(r.Value), Reason: r.Reason}
		prop("policy", "iprev", r.IP)
	case *msgauth.AuthResult:
		out = Result{Method: "auth", Value: string(r.Value), Reason: r.Reason}
		prop("smtp", "auth", r.Auth)
	case *msgauth.DomainKeysResult:
		out = Result{Method: "domainkeys", Value: string(r.Value), Reason: r.Reason}
		prop("header", "d", r.Domain)
		prop("header", "from", r.From)
		prop("header", "sender", r.Sender)
	case *msgauth.SenderIDResult:
		out = Result{Method: "sender-id", Value: string(r.Value), Reason: r.Reason}
		if r.HeaderKey != "" {
			prop("header", strings.ToLower(r.HeaderKey), r.HeaderValue)
		}
	case *msgauth.GenericResult:
		out = Result{Method: strings.ToLower(r.Method), Value: string(r.Value)}
		for _, k := range slices.Sorted(maps.Keys(r.Params)) {
			if strings.EqualFold(k, "reason") {
				out.Reason = r.Params[k]
				continue
			}
			ptype, property, ok := strings.Cut(k, ".")
			if !ok {
				return Result{}, fmt.Errorf("%w: go-msgauth %s parameter %q is no ptype.property", ErrSyntax, r.Method, k)
			}
			prop(strings.ToLower(ptype), strings.ToLower(property), r.Params[k])
		}
	default:
		return Result{}, fmt.Errorf("%w: go-msgauth result of type %T", ErrSyntax, r)
	}
	out.Value = strings.ToLower(out.Value)
	out.Reason = unquote(out.Reason)
	if err := out.Validate(); err != nil {
		return Result{}, fmt.Errorf("go-msgauth %T: %w", r, err)
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
