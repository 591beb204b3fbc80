// Package dnsreason names a failed DNS lookup in the words every check
// of the module puts in a header (Authentication-Results reason=,
// Received-SPF problem=): one short, stable phrase per kind of failure,
// the same in spf, dkim, dmarc, arc, rdns and rbl. A phrase never holds
// the error's text, which may name servers, ports and local addresses.
package dnsreason

import (
	"context"
	"errors"
	"net"

	"github.com/spamkit/spamkit/resolver"
)

// The phrases, for tests and callers that compare.
const (
	Timeout   = "DNS timeout"
	ServFail  = "DNS server failure"
	Refused   = "DNS query refused"
	Truncated = "DNS reply truncated"
	NXDomain  = "no such domain"
	NoData    = "no DNS records"
	BadReply  = "invalid DNS reply"
	CNAMELoop = "CNAME chain too long"
	BadName   = "invalid domain name"
	NoServers = "no DNS servers"
	Other     = "DNS error"
)

// Phrase returns the header phrase for err, the error of a DNS lookup
// from package resolver, a *net.Resolver (a *net.DNSError) or a context:
// "DNS timeout", "DNS server failure", "DNS query refused", "DNS reply
// truncated", "no such domain", "no DNS records", "invalid DNS reply",
// "CNAME chain too long", "invalid domain name", "no DNS servers", and
// "DNS error" for anything else (nil included).
func Phrase(err error) string {
	var de *net.DNSError
	isDNS := errors.As(err, &de)
	var te interface{ Timeout() bool }
	switch {
	case err == nil:
		return Other
	case errors.Is(err, resolver.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		isDNS && de.IsTimeout, errors.As(err, &te) && te.Timeout():
		return Timeout
	case errors.Is(err, resolver.ErrServFail), isDNS && de.Err == "server misbehaving":
		// net.Resolver's words for SERVFAIL.
		return ServFail
	case errors.Is(err, resolver.ErrRefused):
		return Refused
	case errors.Is(err, resolver.ErrTruncated):
		return Truncated
	case errors.Is(err, resolver.ErrNXDomain):
		return NXDomain
	case errors.Is(err, resolver.ErrNoData):
		return NoData
	case errors.Is(err, resolver.ErrMalformed), errors.Is(err, resolver.ErrMismatch):
		return BadReply
	case errors.Is(err, resolver.ErrCNAMEChain):
		return CNAMELoop
	case errors.Is(err, resolver.ErrInvalidName):
		return BadName
	case errors.Is(err, resolver.ErrNoServers):
		return NoServers
	case isDNS && de.IsNotFound:
		// net.Resolver does not tell NXDOMAIN from NODATA.
		return NXDomain
	}
	return Other
}
