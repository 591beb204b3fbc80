package spf

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spamkit/spamkit/authres"
)

// ReceivedSPF renders the Received-SPF header field of o (RFC 7208
// §9.1), name included, folded at 78 columns with CRLF and without a
// final CRLF, e.g.
//
//	Received-SPF: pass (mx.example.org: domain of alice@example.com
//	 designates 192.0.2.10 as permitted sender) client-ip=192.0.2.10;
//	 envelope-from="alice@example.com"; helo=mail.example.com; ...
func (o Outcome) ReceivedSPF() string {
	if o.Result == "" {
		o.Result = None // the zero Outcome: no check ran (as in AuthResult)
	}
	receiver := o.Receiver
	if receiver == "" {
		receiver = "unknown"
	}
	words := []string{"Received-SPF:", string(o.Result)}
	words = append(words, strings.Fields("("+ctext(receiver+": "+o.comment())+")")...)
	// §9.1 key-value-pairs.
	kv := func(k, v string) {
		if v != "" {
			words = append(words, k+"="+kvValue(v)+";")
		}
	}
	if o.IP.IsValid() {
		kv("client-ip", o.IP.String())
	}
	if o.Identity != IdentityHELO {
		kv("envelope-from", quotedSender(o.Sender))
	}
	kv("helo", o.HELO)
	kv("receiver", receiver)
	kv("identity", string(o.Identity))
	if o.Err != nil {
		kv("problem", o.Reason()) // never the error's text (§9.1, §10.2)
	} else {
		kv("mechanism", o.Mechanism)
	}
	last := words[len(words)-1]
	words[len(words)-1] = strings.TrimSuffix(last, ";")
	return fold(words)
}

// comment is the human-readable part of Received-SPF (§9.1 examples).
// Its cause of an error is Reason, never the error's text.
func (o Outcome) comment() string {
	who := "domain of " + quotedSender(o.Sender)
	if o.Identity == IdentityHELO {
		who = "domain of " + o.Domain
	}
	if o.Sender == "" && o.Domain == "" {
		who = "the sender"
	}
	if o.Err != nil {
		switch o.Result {
		case None:
			return fmt.Sprintf("cannot check %s: %s", who, o.Reason())
		case TempError:
			return fmt.Sprintf("error in processing during lookup of %s: %s", o.Domain, o.Reason())
		}
		return fmt.Sprintf("error in processing the SPF record of %s: %s", o.Domain, o.Reason())
	}
	switch o.Result {
	case Pass:
		return fmt.Sprintf("%s designates %s as permitted sender", who, o.IP)
	case Fail:
		return fmt.Sprintf("%s does not designate %s as permitted sender", who, o.IP)
	case SoftFail:
		return fmt.Sprintf("%s discourages use of %s as permitted sender", who, o.IP)
	case Neutral:
		return fmt.Sprintf("%s is neutral about designating %s as permitted sender", who, o.IP)
	case None:
		return fmt.Sprintf("%s has no SPF policy for %s", who, o.IP)
	case TempError:
		return fmt.Sprintf("error in processing during lookup of %s", o.Domain)
	}
	return fmt.Sprintf("error in processing the SPF record of %s", o.Domain)
}

// ctext renders s as the content of a comment (RFC 5322 §3.2.2): "(",
// ")" and backslash as quoted-pairs, so that an envelope address or HELO
// name cannot close the comment and forge key-value pairs, and controls
// and octets that are no UTF-8 as "?" (see text).
func ctext(s string) string { return text(s, "()\\") }

// text renders s for a header, s's octets in quote preceded by a
// backslash (a quoted-pair, RFC 5322 §3.2.1). UTF-8 is kept as is: RFC
// 6532 §3.2 allows it in ctext and qtext, and an SMTPUTF8 sender
// (RFC 6531) must stay the address it is; RFC 2047 encoded words would
// not do, being forbidden inside a quoted-string (RFC 2047 §5). Controls
// (C0, DEL, C1) and octets that are no UTF-8 become "?", so the field
// is valid UTF-8 and one line.
func text(s, quote string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < 0x80 && strings.IndexByte(quote, byte(r)) >= 0:
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == utf8.RuneError && n == 1, r < 0x20, r >= 0x7f && r <= 0x9f:
			b.WriteByte('?')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// kvValue renders a key-value value: an ASCII dot-atom as is, anything
// else as a quoted-string (RFC 5322 §3.2.3, §3.2.4), UTF-8 kept (RFC
// 6532 §3.2, see text).
func kvValue(v string) string {
	atom := v != "" && v[0] != '.' && v[len(v)-1] != '.' && !strings.Contains(v, "..")
	for i := 0; i < len(v) && atom; i++ {
		c := v[i]
		atom = isAlpha(c) || isDigit(c) || c == '.' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
	}
	if atom {
		return v
	}
	return `"` + text(v, `"\\`) + `"`
}

// fold joins words with spaces, breaking lines before 78 columns with
// CRLF and a space (RFC 5322 §2.2.3).
func fold(words []string) string {
	var b strings.Builder
	col := 0
	for i, w := range words {
		if i > 0 {
			if col+1+len(w) > 78 {
				b.WriteString("\r\n ")
				col = 1
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

// AuthResult returns the result of o for an Authentication-Results
// header field (RFC 8601 §2.7.2): method spf with smtp.mailfrom for the
// MAIL FROM identity (the domain alone when the reverse-path had no
// local-part) or smtp.helo for HELO; a Sender ID outcome (CheckSenderID,
// CheckPRA; historic) is method sender-id, with the PRA as
// header.<field>. The reason is Reason: empty for a definitive result.
func (o Outcome) AuthResult() authres.Result {
	r := authres.Result{Method: "spf", Value: string(o.Result)}
	if r.Value == "" {
		r.Value = string(None)
	}
	switch {
	case o.Identity == IdentityHELO:
		r.Props = []authres.Prop{{Type: "smtp", Property: "helo", Value: o.Domain}}
	case o.Identity == IdentityPRA:
		r.Method = "sender-id"
		if o.praField != "" {
			r.Props = []authres.Prop{{Type: "header", Property: o.praField, Value: o.Sender}}
		}
	default:
		from := quotedSender(o.Sender)
		if i := strings.LastIndexByte(from, '@'); i >= 0 && o.noLocal {
			from = from[i+1:]
		}
		if o.scope != "" {
			r.Method = "sender-id"
		}
		r.Props = []authres.Prop{{Type: "smtp", Property: "mailfrom", Value: from}}
	}
	// The module's rule: reason= is exactly Reason(), empty for a
	// definitive result. The matching mechanism stays in Mechanism and
	// String: it may hold an address (ip4:), which headers do not carry.
	r.Reason = o.Reason()
	return r
}

// quotedSender renders sender, the <sender> of check_host (local-part@domain
// with a quoted local-part's quotes removed), as the address the client
// gave, for the headers: a local-part that is no dot-atom is a
// quoted-string again (RFC 5321 §4.1.2, RFC 5322 §3.4.1), so that
// "a@b"@example.com is not shown as a@b@example.com, which is no address
// and whose domain a reader would take at the first '@'.
func quotedSender(sender string) string {
	i := strings.LastIndexByte(sender, '@')
	if i < 0 || dotAtom(sender[:i]) {
		return sender
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(sender[:i]) {
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	b.WriteString(sender[i:])
	return b.String()
}

// dotAtom reports whether s is a Dot-string of RFC 5321 §4.1.2 (atoms
// of atext, RFC 5322 §3.2.3, or UTF-8, RFC 6531 §3.3, joined by single
// dots).
func dotAtom(s string) bool {
	if s == "" {
		return false
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for _, c := range []byte(atom) {
			if c < 0x80 && !isAtext(c) {
				return false
			}
		}
	}
	return true
}
