package spf

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"net/netip"
	"strings"
)

// Sender ID (RFC 4406, RFC 4407) is historic: the IETF moved it to
// Historic status in 2013 (RFC 6686) and receivers should not reject
// mail on its results. It is provided for completeness and research, on
// the same evaluation core as SPF.

// Scope is a Sender ID scope (RFC 4406 §3.1).
type Scope string

const (
	// ScopeMFrom is the MAIL FROM scope of spf2.0/mfrom records.
	ScopeMFrom Scope = "mfrom"
	// ScopePRA is the Purported Responsible Address scope of
	// spf2.0/pra records (RFC 4407).
	ScopePRA Scope = "pra"
)

// String returns the scope's token.
func (s Scope) String() string { return string(s) }

// ErrNoPRA reports a message whose Purported Responsible Address cannot
// be determined (RFC 4407 §2, step 6).
var ErrNoPRA = errors.New("spf: no purported responsible address")

// CheckSenderID checks identity in the given Sender ID scope (RFC 4406
// §4): the records are those of RFC 4406 §3.4, spf2.0 records naming the
// scope, else a v=spf1 record, evaluated as check_host evaluates SPF
// records. identity is read as Check reads a MAIL FROM; in the mfrom
// scope the null reverse-path checks postmaster@helo as SPF does (RFC
// 4406 §4 takes the MAIL FROM identity from SPF), in the pra scope it
// is no identity. The error is non-nil only when the check could not
// run (ErrInvalidIP, ErrInvalidIdentity). Historic; see RFC 6686.
func (c *Checker) CheckSenderID(ctx context.Context, ip netip.Addr, helo, identity string, scope Scope) (Outcome, error) {
	id := IdentityMailFrom
	if scope == ScopePRA {
		id = IdentityPRA
	}
	if !ip.IsValid() {
		return c.cannotRun(ip, helo, id, ErrInvalidIP)
	}
	m, err := parseReversePath(identity)
	if err == nil && m.domain == "" && scope == ScopePRA {
		err = invalidIdentity("no mailbox")
	}
	if err != nil {
		return c.cannotRun(ip, helo, id, err)
	}
	if m.domain == "" {
		o := c.checkHost(ctx, ip, helo, helo, "postmaster@"+helo, scope)
		o.Identity, o.scope = IdentityHELO, scope
		return o, nil
	}
	return c.checkSenderID(ctx, ip, helo, m, scope), nil
}

// checkSenderID checks the mailbox m in scope.
func (c *Checker) checkSenderID(ctx context.Context, ip netip.Addr, helo string, m mailbox, scope Scope) Outcome {
	o := c.checkHost(ctx, ip, helo, m.domain, m.local+"@"+m.domain, scope)
	o.Identity, o.scope = IdentityMailFrom, scope
	if scope == ScopePRA {
		o.Identity = IdentityPRA
	}
	return o
}

// CheckPRA determines the Purported Responsible Address of the message
// header (RFC 4407 §2) and checks it in the pra scope. A message without
// a PRA gives permerror with ErrNoPRA in Err (RFC 4406 §4), not an
// error; the error is non-nil only when the check could not run
// (ErrInvalidIP). Historic; see RFC 6686.
func (c *Checker) CheckPRA(ctx context.Context, ip netip.Addr, helo string, header []byte) (Outcome, error) {
	if !ip.IsValid() {
		return c.cannotRun(ip, helo, IdentityPRA, ErrInvalidIP)
	}
	m, field, err := purported(header)
	if err != nil {
		return Outcome{Result: PermError, Identity: IdentityPRA, IP: ip.Unmap(), HELO: helo, Receiver: c.ReceiverHost, Err: err, scope: ScopePRA}, nil
	}
	o := c.checkSenderID(ctx, ip, helo, m, ScopePRA)
	o.praField = field
	return o, nil
}

// selectSenderID selects the record of scope among txt (RFC 4406 §3.4):
// the spf2.0 records whose scopes include it, else the v=spf1 records. It
// returns the record rewritten as a v=spf1 record, for ParseRecord, and
// the number of records selected.
func selectSenderID(txt []string, scope Scope) (string, int) {
	var rec string
	n := 0
	for _, t := range txt {
		if len(t) < 7 || !strings.EqualFold(t[:7], "spf2.0/") {
			continue
		}
		scopes, rest, _ := strings.Cut(t[7:], " ")
		for sc := range strings.SplitSeq(scopes, ",") {
			if strings.EqualFold(sc, string(scope)) {
				rec = "v=spf1 " + rest
				n++
				break
			}
		}
	}
	if n > 0 {
		return rec, n
	}
	for _, t := range txt {
		if isSPF1(t) {
			rec = t
			n++
		}
	}
	return rec, n
}

// PRA returns the Purported Responsible Address of a message header
// (the header section, or the whole message) by the algorithm of RFC
// 4407 §2: the first Resent-Sender (unless a Resent-From and a trace
// field come before it), else the first Resent-From, else the single
// Sender, else the single From, which must hold a single mailbox.
func PRA(header []byte) (string, error) {
	m, _, err := purported(header)
	if err != nil {
		return "", err
	}
	return m.local + "@" + m.domain, nil
}

// purported is PRA, returning the mailbox (its domain in A-labels) and
// the name of the field it came from, in lower case.
func purported(header []byte) (mailbox, string, error) {
	fields := headerFields(header)
	first := func(name string) int {
		for i, f := range fields {
			if strings.EqualFold(f.name, name) && strings.TrimSpace(f.value) != "" {
				return i
			}
		}
		return -1
	}
	all := func(name string) []int {
		var out []int
		for i, f := range fields {
			if strings.EqualFold(f.name, name) && strings.TrimSpace(f.value) != "" {
				out = append(out, i)
			}
		}
		return out
	}
	pick := -1
	// Step 1.
	if rs := first("Resent-Sender"); rs >= 0 {
		pick = rs
		if rf := first("Resent-From"); rf >= 0 && rf < rs {
			for i := rf + 1; i < rs; i++ {
				if n := fields[i].name; strings.EqualFold(n, "Received") || strings.EqualFold(n, "Return-Path") {
					pick = -1 // a new resent block: step 2
					break
				}
			}
		}
	}
	// Step 2.
	if pick < 0 {
		pick = first("Resent-From")
	}
	// Step 3, then 4.
	if pick < 0 {
		switch s := all("Sender"); len(s) {
		case 0:
			if f := all("From"); len(f) == 1 {
				pick = f[0]
			} else {
				return mailbox{}, "", ErrNoPRA // step 6
			}
		case 1:
			pick = s[0]
		default:
			return mailbox{}, "", ErrNoPRA
		}
	}
	// Step 5: one mailbox, well formed.
	addrs, err := mail.ParseAddressList(fields[pick].value)
	if err != nil || len(addrs) != 1 {
		return mailbox{}, "", ErrNoPRA
	}
	// net/mail gives the local-part without its quotes, as check_host
	// wants it; the domain is read as a MAIL FROM domain is.
	a := addrs[0].Address
	i := strings.LastIndexByte(a, '@')
	if i <= 0 {
		return mailbox{}, "", ErrNoPRA
	}
	p := pathParser{s: a[i+1:]}
	var d string
	if p.peek() == '[' {
		d, err = p.addressLiteral()
	} else {
		d, err = p.domain()
	}
	if err != nil || p.i != len(p.s) {
		return mailbox{}, "", ErrNoPRA
	}
	return mailbox{local: a[:i], domain: d}, strings.ToLower(fields[pick].name), nil
}

type headerField struct{ name, value string }

// headerFields splits a header section into fields, unfolded, in order;
// it stops at the first empty line. A field's lines are joined once, so
// that a field of many continuation lines costs linear time.
func headerFields(h []byte) []headerField {
	var out []headerField
	var cur []byte // value of the last field, being unfolded
	flush := func() {
		if len(out) > 0 {
			out[len(out)-1].value = string(cur)
		}
	}
	for len(h) > 0 {
		line := h
		if i := bytes.IndexByte(h, '\n'); i >= 0 {
			line, h = h[:i], h[i+1:]
		} else {
			h = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			cur = append(append(cur, ' '), bytes.TrimSpace(line)...)
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		flush()
		out = append(out, headerField{name: strings.TrimSpace(string(name))})
		cur = append(cur[:0], bytes.TrimSpace(value)...)
	}
	flush()
	return out
}
