package dnsreason

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/resolver"
)

func TestPhrase(t *testing.T) {
	wrap := func(err error) error {
		return fmt.Errorf("lookup TXT x.test. on 127.0.0.1:53: %w", err)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, Other},
		{wrap(resolver.ErrTimeout), Timeout},
		{wrap(resolver.ErrLookupTimeout), Timeout},
		{wrap(context.DeadlineExceeded), Timeout},
		{&net.DNSError{Err: "i/o timeout", Server: "127.0.0.1:53", IsTimeout: true}, Timeout},
		{wrap(resolver.ErrServFail), ServFail},
		{wrap(resolver.ErrRefused), Refused},
		{wrap(resolver.ErrTruncated), Truncated},
		{wrap(resolver.ErrNXDomain), NXDomain},
		{&net.DNSError{Err: "no such host", Name: "x.test", IsNotFound: true}, NXDomain},
		{wrap(resolver.ErrNoData), NoData},
		{wrap(resolver.ErrMalformed), BadReply},
		{wrap(resolver.ErrMismatch), BadReply},
		{wrap(resolver.ErrCNAMEChain), CNAMELoop},
		{wrap(resolver.ErrInvalidName), BadName},
		{wrap(resolver.ErrNoServers), NoServers},
		{&net.DNSError{Err: "server misbehaving", Server: "127.0.0.1:53"}, ServFail},
		{wrap(resolver.ErrRcode), Other},
	} {
		got := Phrase(tc.err)
		if got != tc.want {
			t.Errorf("Phrase(%v) = %q, want %q", tc.err, got, tc.want)
		}
		if strings.Contains(got, "127.0.0.1") || strings.Contains(got, ":") {
			t.Errorf("Phrase(%v) = %q: holds an address", tc.err, got)
		}
	}
}
