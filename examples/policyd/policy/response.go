package policy

import (
	"io"
	"strconv"
	"strings"
)

// Actions a policy server answers with (access(5), "ACCEPT ACTIONS" and
// "REJECT ACTIONS"; SMTPD_POLICY_README: any action allowed in a Postfix
// SMTPD access table).
const (
	// Dunno: no decision; Postfix goes on with the next restriction.
	Dunno = "DUNNO"
	// OK: accept (the restrictions of this list stop here).
	OK = "OK"
)

// DeferIfPermit returns the action that defers the request with text
// if the restrictions that follow would permit it (access(5)
// DEFER_IF_PERMIT, reply code access_map_defer_code, 450 4.7.1 by
// default), postgrey's way of greylisting.
func DeferIfPermit(text string) string { return join("DEFER_IF_PERMIT", text) }

// Defer returns the action that defers the request with text (access(5)
// DEFER, 450 4.7.1 by default).
func Defer(text string) string { return join("DEFER", text) }

// Reject returns the action that rejects the request with text
// (access(5) REJECT, 554 5.7.1 by default).
func Reject(text string) string { return join("REJECT", text) }

// Reply returns the action that answers with the SMTP reply code (4xx
// or 5xx), the enhanced status code (RFC 3463; "" for none) and text,
// e.g. Reply(550, "5.7.23", "SPF fail").
func Reply(code int, enhanced, text string) string {
	s := strconv.Itoa(code)
	if enhanced != "" {
		s += " " + enhanced
	}
	return join(s, text)
}

// Prepend returns the action that adds a header field, given as
// "Name: value" and possibly folded, at the top of the message
// (access(5) PREPEND). The field is unfolded, as an action is one line.
func Prepend(field string) string { return "PREPEND " + unfold(field) }

func join(verb, text string) string {
	text = strings.TrimSpace(unfold(text))
	if text == "" {
		return verb
	}
	return verb + " " + text
}

// unfold joins folded lines (CRLF or LF then white space) into one and
// turns any other control character into a space, so that a text cannot
// end the action line or add attributes to the reply.
func unfold(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
			c = '\n'
		}
		switch {
		case c == '\n':
			// A fold (line break then white space) is dropped, the
			// white space staying; any other line break is a space.
			if i+1 >= len(s) || (s[i+1] != ' ' && s[i+1] != '\t') {
				b.WriteByte(' ')
			}
		case c < ' ' || c == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// WriteResponse writes the reply to one request: "action=" and the
// action, then the empty line that ends the reply. An empty action is
// DUNNO; control characters in the action (line breaks included) are
// replaced as Prepend does, so the reply is always one attribute.
func WriteResponse(w io.Writer, action string) error {
	action = strings.TrimSpace(unfold(action))
	if action == "" {
		action = Dunno
	}
	buf := make([]byte, 0, len("action=")+len(action)+2)
	buf = append(buf, "action="...)
	buf = append(buf, action...)
	buf = append(buf, '\n', '\n')
	_, err := w.Write(buf)
	return err
}
