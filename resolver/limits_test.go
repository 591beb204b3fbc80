package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestTruncatedOverTCP checks that a reply with the TC bit over TCP, from
// a server that could not fit the record set in 65,535 octets, is an
// error and not an answer: the records it carries are part of the set
// (RFC 1035 §4.1.1), and an SPF or DKIM check must not take them for
// the whole.
func TestTruncatedOverTCP(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com."})
	for i := range 300 { // 300 × 250 octets: more than one TCP message
		if err := srv.AddTXT("huge.example.com", time.Hour, fmt.Sprintf("%03d", i)+strings.Repeat("x", 247)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tcpOnly := range []bool{false, true} {
		r := srv.Resolver()
		r.TCPOnly = tcpOnly
		r.Cache = resolver.NewCache(resolver.CacheOptions{MaxRecords: 1000})
		res, err := r.TXT(context.Background(), "huge.example.com")
		if !errors.Is(err, resolver.ErrTruncated) || !resolver.IsTemporary(err) || len(res.Records) != 0 {
			t.Errorf("TCPOnly %t: TXT(huge.example.com) = %d records, %v, want none and ErrTruncated, temporary", tcpOnly, len(res.Records), err)
		}
		if n := r.Cache.Len(); n != 0 {
			t.Errorf("TCPOnly %t: %d cache entries, want 0", tcpOnly, n)
		}
	}
}
