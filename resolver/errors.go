package resolver

import (
	"errors"
	"fmt"
	"net"
)

// Sentinel errors. A lookup error is an *Error whose Err wraps one of
// these, so callers classify with errors.Is. Negative answers are errors
// too (as with net.Resolver), but each has its own sentinel: NXDOMAIN and
// NODATA are answers from the DNS, SERVFAIL, REFUSED and timeouts are not.
var (
	// ErrNXDomain reports that the name does not exist (RCODE 3,
	// RFC 1035 §4.1.1; RFC 8020: nothing exists below it either).
	ErrNXDomain = errors.New("resolver: no such domain (NXDOMAIN)")
	// ErrNoData reports that the name exists but has no records of the
	// queried type (NOERROR with an empty answer, RFC 2308 §2.2).
	ErrNoData = errors.New("resolver: no records of that type (NODATA)")
	// ErrServFail reports a SERVFAIL answer (RCODE 2) from every server tried.
	ErrServFail = errors.New("resolver: server failure (SERVFAIL)")
	// ErrRefused reports a REFUSED answer (RCODE 5) from every server tried.
	ErrRefused = errors.New("resolver: query refused (REFUSED)")
	// ErrRcode reports any other error RCODE (FORMERR, NOTIMP, ...).
	ErrRcode = errors.New("resolver: error response code")
	// ErrTimeout reports that no usable answer arrived in time: every
	// attempt timed out, or the context's deadline passed.
	ErrTimeout = errors.New("resolver: timeout")
	// ErrLookupTimeout reports that a lookup took longer than the
	// Resolver's LookupTimeout, its queries, retries and CNAME hops
	// together. It wraps ErrTimeout, so errors.Is(err, ErrTimeout) holds
	// too and IsTemporary is true.
	ErrLookupTimeout = fmt.Errorf("%w: lookup took longer than LookupTimeout", ErrTimeout)
	// ErrCNAMEChain reports a CNAME chain longer than MaxCNAMEs or one
	// that loops.
	ErrCNAMEChain = errors.New("resolver: CNAME chain too long or looping")
	// ErrInvalidName reports a name that is not a valid domain name
	// (empty label, label over 63 octets, name over 253 octets). No query
	// is sent.
	ErrInvalidName = errors.New("resolver: invalid domain name")
	// ErrMalformed reports a reply that could not be parsed.
	ErrMalformed = errors.New("resolver: malformed reply")
	// ErrTruncated reports a reply with the TC bit set over TCP: the
	// server could not fit the answer in one TCP message (65,535 octets,
	// RFC 1035 §4.2.2), so the records it carries are only part of the
	// set (RFC 1035 §4.1.1). They are not returned.
	ErrTruncated = errors.New("resolver: reply truncated over TCP")
	// ErrMismatch reports a reply that does not answer our query (wrong
	// ID, not a response, or a different question). Over UDP such replies
	// are dropped and the resolver keeps waiting for the real one.
	ErrMismatch = errors.New("resolver: reply does not match query")
	// ErrNoServers reports that no nameserver is configured and none
	// could be read from the resolv.conf file.
	ErrNoServers = errors.New("resolver: no nameservers configured")
)

// errLookupBound is the cause of the context that LookupTimeout ends.
var errLookupBound = errors.New("resolver: LookupTimeout")

// Error is the error returned by lookups. It is safe to compare Err with
// errors.Is: Err wraps one of the sentinels above and, where there is
// one, the underlying cause (a net.Error, a context error).
//
// The *Error of an NXDOMAIN or NODATA answer is made once and returned to
// every lookup the answer serves (from the cache too), so it must not be
// modified.
type Error struct {
	Name   string // queried name, fully qualified
	Type   string // query type, e.g. "TXT"
	Server string // last server that answered or was tried; empty if none
	Err    error
}

func (e *Error) Error() string {
	if e.Server != "" {
		return fmt.Sprintf("lookup %s %s on %s: %v", e.Type, e.Name, e.Server, e.Err)
	}
	return fmt.Sprintf("lookup %s %s: %v", e.Type, e.Name, e.Err)
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// Timeout reports whether the lookup timed out.
func (e *Error) Timeout() bool { return errors.Is(e.Err, ErrTimeout) }

// Temporary reports whether the lookup may succeed if retried later.
func (e *Error) Temporary() bool { return IsTemporary(e) }

// IsNotFound reports whether err says the name or the records do not
// exist: NXDOMAIN or NODATA. It also recognises the *net.DNSError of
// net.Resolver, so code that accepts either resolver can classify with it.
func IsNotFound(err error) bool {
	if errors.Is(err, ErrNXDomain) || errors.Is(err, ErrNoData) {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// IsTemporary reports whether err is a failure to get an answer that may
// go away if retried: SERVFAIL, REFUSED, other error rcodes, timeouts
// (LookupTimeout's included), malformed, mismatched or truncated replies
// and network errors. Negative answers
// (IsNotFound) and invalid names are not temporary. It recognises
// net.Resolver's *net.DNSError too.
func IsTemporary(err error) bool {
	if err == nil || IsNotFound(err) || errors.Is(err, ErrInvalidName) || errors.Is(err, ErrCNAMEChain) {
		return false
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.IsTemporary || de.IsTimeout
	}
	return true
}
