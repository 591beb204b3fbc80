package spf

import (
	"fmt"
	"net/netip"
	"strings"
)

// Result is the result of an SPF check (RFC 7208 §2.6).
type Result string

// The results of RFC 7208 §2.6.
const (
	// None: no syntactically valid domain was given, or it has no SPF
	// record (§2.6.1).
	None Result = "none"
	// Neutral: the domain makes no assertion about the client (§2.6.2).
	Neutral Result = "neutral"
	// Pass: the client is authorized to use the domain (§2.6.3).
	Pass Result = "pass"
	// Fail: the client is not authorized to use the domain (§2.6.4).
	Fail Result = "fail"
	// SoftFail: the client is probably not authorized (§2.6.5).
	SoftFail Result = "softfail"
	// TempError: a transient (DNS) error; a later retry may succeed
	// (§2.6.6).
	TempError Result = "temperror"
	// PermError: the domain's records could not be interpreted (§2.6.7).
	PermError Result = "permerror"
)

// String returns the RFC token of r.
func (r Result) String() string { return string(r) }

// Identity is the identity an Outcome is about (RFC 7208 §2.3, §2.4).
type Identity string

const (
	// IdentityMailFrom is the MAIL FROM identity (RFC 7208 §2.4).
	IdentityMailFrom Identity = "mailfrom"
	// IdentityHELO is the HELO identity (RFC 7208 §2.3), also used for
	// the null reverse-path.
	IdentityHELO Identity = "helo"
	// IdentityPRA is the Purported Responsible Address of Sender ID
	// (RFC 4407, historic).
	IdentityPRA Identity = "pra"
)

// String returns the identity's token, as used in Received-SPF.
func (i Identity) String() string { return string(i) }

// Outcome is the result of one check with what led to it.
type Outcome struct {
	// Result is the verdict.
	Result Result
	// Identity is the identity checked.
	Identity Identity
	// IP is the client address checked (unmapped).
	IP netip.Addr
	// Domain is the domain whose policy was evaluated: the MAIL FROM
	// domain, or the HELO name.
	Domain string
	// Sender is the <sender> of check_host: local-part@domain
	// ("postmaster@helo" for the null reverse-path, §2.4).
	Sender string
	// HELO is the HELO/EHLO name given.
	HELO string
	// Receiver is Checker.ReceiverHost, for the Received-SPF header.
	Receiver string
	// Mechanism is the directive that decided the result, in canonical
	// form ("-all", "include:_spf.example.com", "ip4:192.0.2.0/24"): one
	// of the checked domain's record, or of the record its redirect=
	// leads to (§6.1); for an error, the directive being evaluated.
	// "default" when none matched and the result is the default neutral
	// (§4.7); empty for none and record-level errors.
	Mechanism string
	// Explanation is the expanded exp= text (§6.2) or
	// Checker.DefaultExplanation, for a fail only.
	Explanation string
	// Err tells why the result is none, temperror or permerror, when
	// there is a cause beyond "no record": the DNS failure behind a
	// temperror, the syntax error or limit behind a permerror, the
	// invalid domain behind a none. It wraps one of the Err* sentinels,
	// so errors.Is classifies it, and is nil for pass, fail, softfail
	// and neutral. Its text is for logs: it may name DNS servers and
	// ports; headers use Reason.
	Err error
	// Lookups is the number of DNS-querying terms evaluated (include, a,
	// mx, ptr, exists, redirect; §4.6.4).
	Lookups int
	// VoidLookups is the number of those lookups that found nothing
	// (NXDOMAIN or no records, §4.6.4).
	VoidLookups int
	// Queries lists the DNS lookups the check made, in the order of
	// evaluation, when Checker.RecordQueries is set; nil otherwise. With
	// prefetch, only the lookups the evaluation used are listed, so the
	// list is the same either way.
	Queries []Query

	scope    Scope  // Sender ID scope, "" for SPF
	praField string // the header field of the PRA, lower case
	noLocal  bool   // the sender had no local-part: Sender says postmaster (§4.3)
}

// Query is one DNS lookup of a check (see Checker.RecordQueries).
type Query struct {
	// Type is the query type: "TXT", "A", "AAAA", "MX" or "PTR".
	Type string
	// Name is the name asked, or for PTR the client address.
	Name string
	// Answers is the number of records found.
	Answers int
	// Err is the lookup's error: not found (NXDOMAIN, NODATA; a void
	// lookup when it comes from a term, §4.6.4) or a DNS failure.
	Err error
}

// String renders q for diagnostics, e.g. "TXT example.com: 1 record" or
// "A mail.example.com: lookup A mail.example.com.: no such domain
// (NXDOMAIN)".
func (q Query) String() string {
	switch {
	case q.Err != nil:
		return fmt.Sprintf("%s %s: %v", q.Type, q.Name, q.Err)
	case q.Answers == 1:
		return fmt.Sprintf("%s %s: 1 record", q.Type, q.Name)
	}
	return fmt.Sprintf("%s %s: %d records", q.Type, q.Name, q.Answers)
}

// String renders the outcome on one line for logs, e.g.
// "pass (mailfrom example.com, mechanism ip4:192.0.2.0/24, 1 lookups)".
func (o Outcome) String() string {
	var b strings.Builder
	b.WriteString(string(o.Result))
	b.WriteString(" (")
	b.WriteString(strings.TrimSpace(string(o.Identity) + " " + o.Domain))
	if o.Identity == "" && o.Domain == "" {
		b.WriteString("no identity")
	}
	if o.Mechanism != "" {
		fmt.Fprintf(&b, ", mechanism %s", o.Mechanism)
	}
	if o.Err != nil {
		fmt.Fprintf(&b, ", error: %v", o.Err)
	}
	if o.Explanation != "" {
		fmt.Fprintf(&b, ", explanation %q", o.Explanation)
	}
	fmt.Fprintf(&b, ", %d lookups", o.Lookups)
	if o.VoidLookups > 0 {
		fmt.Fprintf(&b, ", %d void", o.VoidLookups)
	}
	b.WriteByte(')')
	return b.String()
}

// Reason returns a short, stable phrase telling why the result is not
// a definitive one, for headers (the reason= of Authentication-Results,
// the problem= of Received-SPF): "DNS timeout", "DNS server failure",
// "too many DNS lookups", "syntax error in record", "invalid domain"...
// It never carries the error's text, an address or a port. It is "" when
// Err is nil.
func (o Outcome) Reason() string { return reason(o.Err) }
