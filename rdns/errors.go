package rdns

import "errors"

// Sentinel errors. The Err fields of outcomes wrap one of them (and the
// cause), so classify with errors.Is. They are detail for a result,
// never the result itself; only ErrInvalidIP is also returned as an
// error, when a check cannot run.
var (
	// ErrDNS reports a lookup that failed other than with NXDOMAIN or
	// NODATA (SERVFAIL, REFUSED, timeout).
	ErrDNS = errors.New("rdns: DNS lookup failed")
	// ErrTooManyNames reports more PTR names than Checker.MaxNames; only
	// the first MaxNames were checked.
	ErrTooManyNames = errors.New("rdns: too many PTR names")
	// ErrTooManyAddrs reports a name with more addresses than
	// Checker.MaxAddrs; only the first MaxAddrs were compared.
	ErrTooManyAddrs = errors.New("rdns: too many addresses")
	// ErrInvalidIP reports a client address that is not valid.
	ErrInvalidIP = errors.New("rdns: invalid IP address")
	// ErrSyntax reports a HELO argument that is neither a domain name nor
	// an address literal (RFC 5321 §4.1.1.1, §4.1.3).
	ErrSyntax = errors.New("rdns: HELO syntax error")
)
