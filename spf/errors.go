package spf

import "errors"

// Errors carried in Outcome.Problem, grouped by the result they give.
// Problem wraps one of them (and, for DNS failures, the resolver's error)
// so that errors.Is classifies it.
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

	// ErrInvalidIP reports a client address that is not valid.
	ErrInvalidIP = errors.New("spf: invalid client IP address")
	// ErrInvalidDomain reports a domain that is not a valid multi-label
	// domain name, so that no check is done (RFC 7208 §4.3).
	ErrInvalidDomain = errors.New("spf: invalid domain")
)
