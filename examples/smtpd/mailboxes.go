package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// rcptClass is what the recipient table says of an address.
type rcptClass int

const (
	// rcptLocal: a mailbox of ours.
	rcptLocal rcptClass = iota
	// rcptUnknown: a local domain without that mailbox (550 5.1.1).
	rcptUnknown
	// rcptForeign: not one of our domains; relaying is refused.
	rcptForeign
)

// recipients is the table of the domains smtpd receives mail for and,
// optionally, of their mailboxes. It is read-only once built, so safe
// for concurrent use.
type recipients struct {
	// domains are the local domains, lower-case, without a final dot;
	// primary is the first of -domains.
	domains map[string]bool
	primary string
	// boxes are the mailboxes ("local@domain", lower-case); nil means
	// every local part of every local domain exists.
	boxes map[string]bool
	// catchAll are the domains with an "@domain" line: every local part
	// exists, delivered to the mailbox "@domain".
	catchAll map[string]bool
}

// Limits of a mailbox file.
const (
	maxMailboxes    = 1_000_000
	maxMailboxBytes = 64 << 20
	maxAddressLen   = 254 // RFC 5321 §4.5.3.1.3: a path is 256 octets with its brackets
)

// Errors of the mailbox file.
var (
	errMailboxSyntax  = errors.New("smtpd: bad mailbox line")
	errTooManyBoxes   = fmt.Errorf("smtpd: more than %d mailboxes", maxMailboxes)
	errMailboxesLarge = fmt.Errorf("smtpd: mailbox file over %d octets", maxMailboxBytes)
)

// newRecipients builds the table of domains (comma-separated) and, if r
// is not nil, of the mailboxes r lists: one address a line, "#" starting
// a comment line; "@domain" makes every local part of domain exist. An
// address of a domain not in domains adds the domain.
func newRecipients(domains string, r io.Reader) (*recipients, error) {
	t := &recipients{domains: map[string]bool{}, catchAll: map[string]bool{}}
	for d := range strings.SplitSeq(domains, ",") {
		d = normDomain(d)
		if d == "" {
			continue
		}
		if !validDomain(d) {
			return nil, fmt.Errorf("%w: domain %q", errMailboxSyntax, d)
		}
		t.domains[d] = true
		if t.primary == "" {
			t.primary = d
		}
	}
	if r == nil {
		return t, nil
	}
	t.boxes = map[string]bool{}
	lr := &io.LimitedReader{R: r, N: maxMailboxBytes + 1}
	sc := bufio.NewScanner(lr)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		local, domain, ok := splitAddress(line)
		if !ok || !validMailbox(local) || !validDomain(domain) || strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("%w %d: %q", errMailboxSyntax, n, line)
		}
		t.domains[domain] = true
		if local == "" {
			t.catchAll[domain] = true
			continue
		}
		if len(t.boxes) >= maxMailboxes {
			return nil, errTooManyBoxes
		}
		t.boxes[local+"@"+domain] = true
	}
	if lr.N <= 0 {
		return nil, errMailboxesLarge
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// lookup classifies the RCPT TO address addr and returns, for a local
// one, the name of its mailbox (the Maildir's directory name).
// "postmaster" without a domain is the postmaster of the first domain of
// -domains (RFC 5321 §4.5.1 requires it to be accepted).
func (t *recipients) lookup(addr string) (rcptClass, string) {
	if strings.EqualFold(addr, "postmaster") {
		addr = "postmaster@" + t.primary
	}
	local, domain, ok := splitAddress(addr)
	if !ok || local == "" || len(addr) > maxAddressLen || hasControl(local) {
		// A control octet (go-smtp unquotes "a\rb"@domain) is no
		// mailbox's, catch-all included: it would reach the
		// Received field and the next hop's RCPT.
		return rcptUnknown, ""
	}
	if !t.domains[domain] {
		return rcptForeign, ""
	}
	box := local + "@" + domain
	switch {
	case t.boxes == nil:
		if !validMailbox(local) {
			return rcptUnknown, ""
		}
		return rcptLocal, box
	case t.boxes[box]:
		return rcptLocal, box
	case t.catchAll[domain]:
		return rcptLocal, "@" + domain
	}
	return rcptUnknown, ""
}

// key returns addr as lookup compares it: lower-cased, the domain
// normalized, "postmaster" with the first domain.
func (t *recipients) key(addr string) string {
	if strings.EqualFold(addr, "postmaster") {
		addr = "postmaster@" + t.primary
	}
	local, domain, _ := splitAddress(addr)
	return local + "@" + domain
}

// hasControl reports whether s has a control octet (CR, LF, NUL...).
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
}

// splitAddress splits addr at its last "@" into a lower-cased local
// part and a normalized domain.
func splitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return "", "", false
	}
	return strings.ToLower(addr[:i]), normDomain(addr[i+1:]), true
}

// normDomain lower-cases d and drops its final dot.
func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// validDomain reports whether d is a dot-separated list of LDH labels
// (RFC 5321 §4.1.2 Domain).
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validMailbox reports whether local may name a Maildir directory: no
// path separator, no control octet, not "." or "..", not starting with a
// dot, at most 64 octets (RFC 5321 §4.5.3.1.1). The empty local part
// (a catch-all line) is valid.
func validMailbox(local string) bool {
	if len(local) > 64 || strings.HasPrefix(local, ".") {
		return false
	}
	for _, c := range []byte(local) {
		if c <= ' ' || c == '/' || c == '\\' || c == 0x7f || c == '@' {
			return false
		}
	}
	return true
}
