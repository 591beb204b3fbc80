package rbl

import "errors"

// Sentinel errors, grouped by phase. Errors returned by this package, and
// the Err fields of its results, wrap one of them (and the cause, where
// there is one), so classify with errors.Is.
var (
	// Configuration and parsing.

	// ErrSyntax reports a list specification that does not follow the
	// postscreen_dnsbl_sites syntax `domain[=filter][*weight]` (see
	// ParseList).
	ErrSyntax = errors.New("rbl: syntax error in list specification")
	// ErrNoLists reports a Checker with no list of the kind asked for.
	ErrNoLists = errors.New("rbl: no list of that kind configured")
	// ErrTooManyZones reports more distinct zones than Checker.MaxZones;
	// the zones past it were not asked (ListError.Err wraps it).
	ErrTooManyZones = errors.New("rbl: too many distinct zones")
	// ErrTooManyItems reports more distinct items than Checker.MaxItems
	// given to CheckDomains; the first MaxItems were checked
	// (DomainsOutcome.Err wraps it).
	ErrTooManyItems = errors.New("rbl: too many items")

	// Input.

	// ErrInvalidIP reports a client address that is not valid.
	ErrInvalidIP = errors.New("rbl: invalid IP address")
	// ErrInvalidDomain reports a host name that is not a valid domain
	// name, or that has no registrable domain when one is needed.
	ErrInvalidDomain = errors.New("rbl: invalid domain")

	// Per-list errors (ListError.Err wraps one of them): the list could
	// not say, so it counts as unknown, never as a listing.

	// ErrDNS reports a lookup that failed other than with NXDOMAIN or
	// NODATA (SERVFAIL, REFUSED, timeout).
	ErrDNS = errors.New("rbl: DNS lookup failed")
	// ErrListRefused reports an answer in 127.255.255.252–127.255.255.255,
	// which lists such as Spamhaus use to say that the query was not
	// answered (typo in the zone name, query through a public resolver,
	// rate limit exceeded), or one matching List.ErrorCodes.
	ErrListRefused = errors.New("rbl: list returned an error code")
	// ErrBadReply reports an answer outside 127.0.0.0/8, which RFC 5782
	// §2.1 does not allow (typically a wildcard or a hijacking resolver).
	ErrBadReply = errors.New("rbl: answer outside 127.0.0.0/8")
	// ErrTooManyAnswers reports an answer with more addresses than
	// Checker.MaxAnswers.
	ErrTooManyAnswers = errors.New("rbl: too many addresses in answer")

	// Health checks.

	// ErrSelfTest reports a list failing the RFC 5782 §5 test entries.
	ErrSelfTest = errors.New("rbl: list failed its self-test")
)

// Extraction limits.
var (
	// ErrTooManyReceived reports more Received fields than
	// ReceivedParser.MaxFields; the first MaxFields were used.
	ErrTooManyReceived = errors.New("rbl: too many Received fields")
	// ErrTooManyHosts reports more distinct URL hosts than
	// Extractor.MaxHosts; the URLs of the first MaxHosts are returned,
	// and the hosts past them are not checked.
	ErrTooManyHosts = errors.New("rbl: too many URL hosts")
	// ErrTooManyURLs reports more distinct URLs to hosts already found
	// than Extractor.MaxURLs; those past it are left out, but not their
	// hosts.
	ErrTooManyURLs = errors.New("rbl: too many URLs")
	// ErrURLTooLong reports a URL longer than Extractor.MaxURLLen after
	// its host; it was cut there, its host still found.
	ErrURLTooLong = errors.New("rbl: URL too long")
)
