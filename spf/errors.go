package spf

import (
	"context"
	"errors"

	"github.com/spamkit/spamkit/internal/dnsreason"
)

// Errors carried in Outcome.Err, grouped by the result they give. Err
// wraps one of them (and, for DNS failures, the resolver's error) so
// that errors.Is classifies it. The input errors are also the error
// return of a check that could not run.
var (
	// Permanent errors (result permerror).

	// ErrSyntax reports a record that does not follow the grammar of
	// RFC 7208 §12 (§4.6: any syntax error makes the record a permerror).
	ErrSyntax = errors.New("spf: syntax error")
	// ErrMultipleRecords reports more than one v=spf1 record at a domain
	// (RFC 7208 §4.5).
	ErrMultipleRecords = errors.New("spf: more than one SPF record")
	// ErrTooManyLookups reports more DNS-querying terms than
	// Checker.MaxDNSLookups (RFC 7208 §4.6.4).
	ErrTooManyLookups = errors.New("spf: too many DNS-querying terms")
	// ErrTooManyVoidLookups reports more lookups that found nothing than
	// Checker.MaxVoidLookups (RFC 7208 §4.6.4).
	ErrTooManyVoidLookups = errors.New("spf: too many void DNS lookups")
	// ErrTooManyMXNames reports an mx mechanism whose domain has more MX
	// records than Checker.MaxMXNames (RFC 7208 §4.6.4).
	ErrTooManyMXNames = errors.New("spf: too many MX records")
	// ErrMacroTooLong reports a macro expansion longer than
	// Checker.MaxMacroExpansion.
	ErrMacroTooLong = errors.New("spf: macro expansion too long")
	// ErrIncludeNoRecord reports an include: whose target has no SPF
	// record (RFC 7208 §5.2).
	ErrIncludeNoRecord = errors.New("spf: include target has no SPF record")
	// ErrRedirectNoRecord reports a redirect= whose target has no SPF
	// record or is not a valid domain (RFC 7208 §6.1).
	ErrRedirectNoRecord = errors.New("spf: redirect target has no SPF record")

	// Temporary errors (result temperror).

	// ErrDNS reports a DNS lookup that failed other than with NXDOMAIN or
	// NODATA: SERVFAIL, timeout, ... (RFC 7208 §2.6.6, §4.4, §5).
	ErrDNS = errors.New("spf: DNS lookup failed")

	// Input errors (result none).

	// ErrInvalidIP reports a client address that is not valid; the
	// check does not run.
	ErrInvalidIP = errors.New("spf: invalid client IP address")
	// ErrInvalidIdentity reports an identity that cannot be checked: a
	// MAIL FROM that is not an RFC 5321 reverse-path (§4.1.2: a header
	// field such as "Return-Path: a@example.com", a space outside
	// quotes, a control character, no domain...), or a Sender ID
	// identity that is not a mailbox. The check does not run; the
	// wrapping error says which part is wrong.
	ErrInvalidIdentity = errors.New("spf: invalid identity")
	// ErrInvalidDomain reports a domain that is not a valid multi-label
	// domain name, so that no check is done (RFC 7208 §4.3).
	ErrInvalidDomain = errors.New("spf: invalid domain")
)

// reasons holds the phrase of Outcome.Reason for each sentinel, checked
// in order with errors.Is.
var reasons = [...]struct {
	err    error
	phrase string
}{
	{ErrInvalidIP, "invalid client IP address"},
	{ErrInvalidIdentity, "invalid identity"},
	{ErrInvalidDomain, "invalid domain"},
	{ErrNoPRA, "no purported responsible address"},
	{ErrSyntax, "syntax error in record"},
	{ErrMultipleRecords, "more than one SPF record"},
	{ErrTooManyLookups, "too many DNS lookups"},
	{ErrTooManyVoidLookups, "too many void DNS lookups"},
	{ErrTooManyMXNames, "too many MX records"},
	{ErrMacroTooLong, "macro expansion too long"},
	{ErrIncludeNoRecord, "include target has no SPF record"},
	{ErrRedirectNoRecord, "redirect target has no SPF record"},
}

// reason returns the short, stable phrase for err (see Outcome.Reason):
// never the error's text, which may name resolvers and ports.
func reason(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, ErrDNS) {
		return dnsReason(err)
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.phrase
		}
	}
	return "internal error"
}

// dnsReason classifies a DNS failure in the module's words.
func dnsReason(err error) string {
	if errors.Is(err, context.Canceled) {
		return "check canceled"
	}
	return dnsreason.Phrase(err)
}
