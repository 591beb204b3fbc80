package session

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestResetCancelsLookups: the lookups a transaction started (SPF of MAIL
// FROM, the DKIM key) end with the transaction (RSET, the next MAIL), not
// with the connection: a client that sends MAIL and RSET over and over
// against a domain whose DNS never answers must not pile up one set of
// lookups per transaction until Close.
func TestResetCancelsLookups(t *testing.T) {
	srv := testServer(t)
	srv.Fail("example.com", dns.TypeTXT, resolvertest.Drop)
	srv.Fail("rsa2048._domainkey.example.com", dns.TypeTXT, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout = time.Minute // the lookups outlive the test unless canceled
	r.Attempts = 1
	e := testEngine(t, r)
	e.RDNS, e.DNSBL = nil, nil
	e.SPF.Timeout, e.DKIM.Timeout, e.ARC.Timeout = time.Minute, time.Minute, time.Minute
	msg := signed(t, message("alice@example.com", "again", "Hello.\r\n"))
	ctx := context.Background()

	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, goodIP, "mail.example.com")
	before := settle()
	const n = 30
	for range n {
		s.Mail(ctx, "<alice@example.com>")
		s.Rcpt(ctx, "<bob@example.org>")
		s.Write(msg[:len(msg)/2])
		s.Reset()
	}
	// The canceled lookups end promptly; the others would wait a minute.
	deadline := time.Now().Add(5 * time.Second)
	var after int
	for {
		after = settle()
		if after < before+n || time.Now().After(deadline) {
			break
		}
	}
	if after >= before+n {
		t.Errorf("%d goroutines after %d transactions reset, %d before: the reset transactions' lookups still run", after, n, before)
	}
}

// TestHeloCancelsLookups: a client that repeats EHLO (after STARTTLS,
// or over and over) leaves one set of HELO checks running, the last:
// the earlier ones' lookups are canceled, not left to run to their
// timeouts.
func TestHeloCancelsLookups(t *testing.T) {
	srv := testServer(t)
	srv.Fail("silent.example.net", resolvertest.AnyType, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout = time.Minute // the lookups outlive the test unless canceled
	r.Attempts = 1
	e := testEngine(t, r)
	e.DNSBL = nil
	e.RDNS.Timeout, e.SPF.Timeout = time.Minute, time.Minute
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, goodIP, "mail.example.com")
	before := settle()
	const n = 30
	for range n {
		s.Helo(ctx, "silent.example.net")
	}
	deadline := time.Now().Add(5 * time.Second)
	var after int
	for {
		after = settle()
		if after < before+n || time.Now().After(deadline) {
			break
		}
	}
	if after >= before+n {
		t.Errorf("%d goroutines after %d HELOs, %d before: the earlier HELOs' lookups still run", after, n, before)
	}
}

// settle returns the number of goroutines once it stops changing (at
// most a second).
func settle() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}
