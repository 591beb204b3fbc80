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

// TestLookupTimeout checks that LookupTimeout bounds one lookup, all its
// queries together, on top of the caller's context (here without a
// deadline). It counts queries, which the server's delays and the
// per-try timeouts bound from below, and never measures wall time.
func TestLookupTimeout(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, resolver.ErrLookupTimeout) || !errors.Is(err, resolver.ErrTimeout) || !resolver.IsTemporary(err) {
			t.Errorf("%s: error = %v, want ErrLookupTimeout, a temporary ErrTimeout", what, err)
		}
		var e *resolver.Error
		if !errors.As(err, &e) || !e.Timeout() {
			t.Errorf("%s: error = %#v, want a *resolver.Error that is a Timeout", what, err)
		}
	}

	t.Run("dropped", func(t *testing.T) {
		t.Parallel()
		srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com."})
		srv.Fail("dead.example.com", resolvertest.AnyType, resolvertest.Drop)
		// Unbounded, 3 servers × 5 attempts: 15 tries of 20 ms. Within
		// 50 ms at most 3 tries can start, each lasting its 20 ms.
		r := &resolver.Resolver{
			Servers:       []string{srv.Addr, srv.Addr, srv.Addr},
			Timeout:       20 * time.Millisecond,
			Attempts:      5,
			LookupTimeout: 50 * time.Millisecond,
		}
		_, err := r.TXT(context.Background(), "dead.example.com")
		check(t, "TXT(dead.example.com)", err)
		// (Not at least 1: under load the server may read the query
		// after the lookup has given up.)
		if n := srv.Count("dead.example.com", resolvertest.TypeTXT); n > 3 {
			t.Errorf("TXT(dead.example.com): %d queries, want at most 3 of the 15 unbounded", n)
		}
	})

	t.Run("CNAME chain", func(t *testing.T) {
		t.Parallel()
		// hop0.example -> hop1.example -> ... -> hop6.example, each in
		// its own zone so that each hop is a query, each answered after
		// 30 ms. Unbounded, the lookup succeeds after 7 queries; within
		// 50 ms the second answer (at 60 ms at the earliest) never comes.
		const hops = 6
		var zones []resolvertest.Zone
		for i := range hops + 1 {
			zones = append(zones, resolvertest.Zone{Origin: fmt.Sprintf("hop%d.example.", i)})
		}
		srv := resolvertest.NewServer(t, zones...)
		for i := range hops {
			if err := srv.AddCNAME(fmt.Sprintf("hop%d.example", i), time.Hour, fmt.Sprintf("hop%d.example", i+1)); err != nil {
				t.Fatal(err)
			}
		}
		if err := srv.AddTXT(fmt.Sprintf("hop%d.example", hops), time.Hour, "end"); err != nil {
			t.Fatal(err)
		}
		srv.SetLatency(30 * time.Millisecond)
		r := srv.Resolver()
		if txt, err := r.LookupTXT(context.Background(), "hop0.example"); err != nil || len(txt) != 1 {
			t.Fatalf("unbounded: LookupTXT(hop0.example) = %q, %v, want [end]", txt, err)
		}
		if n := srv.Count("", resolvertest.TypeTXT); n != hops+1 {
			t.Fatalf("unbounded: %d queries, want %d", n, hops+1)
		}
		srv.ResetQueries()
		r = srv.Resolver()
		r.LookupTimeout = 50 * time.Millisecond
		_, err := r.TXT(context.Background(), "hop0.example")
		check(t, "TXT(hop0.example)", err)
		if n := srv.Count("", resolvertest.TypeTXT); n > 2 {
			t.Errorf("TXT(hop0.example): %d queries, want at most 2", n)
		}
	})
}
