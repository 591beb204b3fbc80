package dkim_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// checkHeaderText fails t if text, rendered into a header, holds what
// belongs in logs only: the server's address or port, or a Go error
// chain ("lookup ... on ...", a package prefix).
func checkHeaderText(t *testing.T, srv *resolvertest.Server, text string) {
	t.Helper()
	port := strconv.Itoa(int(srv.AddrPort().Port()))
	for _, bad := range []string{"127.0.0.1", port, "lookup", "dkim:", "resolver:"} {
		if strings.Contains(text, bad) {
			t.Errorf("header text %q contains %q", text, bad)
		}
	}
}

// TestReasonHidesInternals: with a DNS server that times out or
// refuses, the Authentication-Results text says "DNS timeout" or "DNS
// failure" and nothing of the resolver's address, port or error chain,
// which stay in Err for logs (reason= carried the whole chain:
// "dkim: key record unavailable: lookup TXT ... on 127.0.0.1:50495:
// resolver: query refused (REFUSED)").
func TestReasonHidesInternals(t *testing.T) {
	srv := dkimtest.Server(t)
	msg := sign(t, signer(t, "ed", dkimtest.Key(t, "ed25519")), testMessage)
	for _, tc := range []struct {
		failure resolvertest.Failure
		reason  string
	}{{resolvertest.Drop, "DNS timeout"}, {resolvertest.Refused, "DNS query refused"}, {resolvertest.ServFail, "DNS server failure"}} {
		t.Run(tc.failure.String(), func(t *testing.T) {
			srv.Fail("ed._domainkey.example.com.", dns.TypeTXT, tc.failure)
			r := srv.Resolver()
			r.Timeout, r.Attempts = 200*time.Millisecond, 1
			v := &dkim.Verifier{Resolver: r, Now: fixedNow(signTime)}
			outs, err := v.Verify(context.Background(), strings.NewReader(msg))
			if err != nil || len(outs) != 1 {
				t.Fatalf("Verify = %v, %v", outs, err)
			}
			o := outs[0]
			if o.Result != dkim.TempError || o.Reason() != tc.reason {
				t.Errorf("Verify = %s, Reason %q, want temperror, %q", o.Result, o.Reason(), tc.reason)
			}
			// The cause is all in Err, for logs.
			if !strings.Contains(o.Err.Error(), "127.0.0.1") {
				t.Errorf("Err = %v, want the server named", o.Err)
			}
			h := authres.Header{ServID: "mx.example.org", Results: dkim.AuthResults(outs)}
			checkHeaderText(t, srv, h.Field())
			if want := `reason="` + tc.reason + `"`; !strings.Contains(h.Field(), want) {
				t.Errorf("Authentication-Results %q lacks %s", h.Field(), want)
			}
		})
	}
}

// TestReasonPhrases checks that every cause the tests of TestVerifyResults
// meet has its own phrase, without package prefix or error chain.
func TestReasonPhrases(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("%w: %w", dkim.ErrKeyUnavailable, context.DeadlineExceeded), "DNS timeout"},
		{fmt.Errorf("%w: lookup x on 127.0.0.1:53: refused", dkim.ErrKeyUnavailable), "DNS error"},
		{fmt.Errorf("%w: lookup x on 127.0.0.1:53: NXDOMAIN", dkim.ErrNoKey), "no key for signature"},
		{fmt.Errorf("%w: %w", dkim.ErrKeySyntax, dkim.ErrSyntax), "malformed key record"},
		{fmt.Errorf("%w: 512 bits", dkim.ErrWeakKey), "key too small"},
		{dkim.ErrBodyHash, "body hash did not verify"},
		{fmt.Errorf("%w: crypto/rsa: verification error", dkim.ErrBadSignature), "signature did not verify"},
		{dkim.ErrSHA1, "rsa-sha1 refused"},
		{errors.New("something else"), "signature not verified"},
	} {
		if got := (dkim.Outcome{Result: dkim.Fail, Err: tc.err}).Reason(); got != tc.want {
			t.Errorf("Outcome{Err: %v}.Reason() = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestVerifierTimeout trips Verifier.Timeout: with a server that never
// answers and a resolver that would wait 30 s, the verification ends
// after the Verifier's 200 ms with a temperror.
func TestVerifierTimeout(t *testing.T) {
	srv := dkimtest.Server(t)
	srv.Fail("ed._domainkey.example.com.", dns.TypeTXT, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout, r.Attempts = 30*time.Second, 1
	msg := sign(t, signer(t, "ed", dkimtest.Key(t, "ed25519")), testMessage)
	v := &dkim.Verifier{Resolver: r, Now: fixedNow(signTime), Timeout: 200 * time.Millisecond}
	start := time.Now()
	outs, err := v.Verify(context.Background(), strings.NewReader(msg))
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Verify took %v, want about Timeout (200ms)", d)
	}
	if err != nil || len(outs) != 1 || outs[0].Result != dkim.TempError || outs[0].Reason() != "DNS timeout" {
		t.Errorf("Verify = %v, %v, want temperror (DNS timeout)", outs, err)
	}
}

// TestZeroVerifier: the zero Verifier works, with net.DefaultResolver.
// No lookup reaches the network: the message is unsigned, or the
// context has expired (a temperror, never a panic or a pass).
func TestZeroVerifier(t *testing.T) {
	var v dkim.Verifier
	outs, err := v.Verify(context.Background(), strings.NewReader(testMessage))
	if err != nil || outs == nil || len(outs) != 0 {
		t.Errorf("zero Verifier on an unsigned message = %v, %v, want an empty list", outs, err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	msg := sign(t, signer(t, "ed", dkimtest.Key(t, "ed25519")), testMessage)
	outs, err = v.Verify(ctx, strings.NewReader(msg))
	if err != nil || len(outs) != 1 || outs[0].Result != dkim.TempError {
		t.Errorf("zero Verifier, expired context = %v, %v, want temperror", outs, err)
	}
}

// TestTrace checks that Trace receives each signature's outcome.
func TestTrace(t *testing.T) {
	srv := dkimtest.Server(t)
	var mu sync.Mutex
	var lines []string
	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(signTime), Trace: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}}
	msg := sign(t, signer(t, "nosuch", dkimtest.Key(t, "ed25519")), sign(t, signer(t, "ed", dkimtest.Key(t, "ed25519")), testMessage))
	if _, err := v.Verify(context.Background(), strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "dkim: permerror d=example.com s=nosuch") ||
		!strings.HasPrefix(lines[1], "dkim: pass d=example.com s=ed") {
		t.Errorf("Trace lines = %q, want the permerror of s=nosuch, then the pass of s=ed", got)
	}
}

// TestAuthResultsNone: a message without DKIM-Signature renders as
// dkim=none (RFC 8601 §2.7.1).
func TestAuthResultsNone(t *testing.T) {
	var v dkim.Verifier
	outs, _ := v.Verify(context.Background(), strings.NewReader(testMessage))
	h := authres.Header{ServID: "mx", Results: dkim.AuthResults(outs)}
	if got, want := h.String(), "mx; dkim=none"; got != want {
		t.Errorf("AuthResults(unsigned) = %q, want %q", got, want)
	}
	outs = []dkim.Outcome{{Result: dkim.Pass, Domain: "a.example"}, {Result: dkim.Fail, Domain: "b.example", Err: dkim.ErrBodyHash}}
	h.Results = dkim.AuthResults(outs)
	if got, want := h.String(), `mx; dkim=pass header.d=a.example; dkim=fail reason="body hash did not verify" header.d=b.example`; got != want {
		t.Errorf("AuthResults(two) = %q, want %q", got, want)
	}
}
