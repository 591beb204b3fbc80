package arc_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestSealStream checks that the push form seals as Seal does, in
// chunks of any size, for a first set and on top of a chain.
func TestSealStream(t *testing.T) {
	results := []authres.Result{{Method: "dkim", Value: "pass"}}
	for _, s := range sealers(t) {
		for _, tc := range []struct {
			file string
			cv   arc.Result
		}{{"messages/ws.eml", arc.None}, {"interop/arc-3.eml", arc.Pass}, {"interop/arc-3-tampered.eml", arc.Fail}} {
			msg := dkimtest.Read(t, tc.file)
			want, err := s.Seal(bytes.NewReader(msg), results, tc.cv)
			if err != nil {
				t.Fatal(err)
			}
			h, n, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(msg)), 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{1, 7, 4096} {
				ss, err := s.Begin(h, nil)
				if err != nil {
					t.Fatal(err)
				}
				for body := msg[n:]; len(body) > 0; body = body[min(size, len(body)):] {
					ss.Write(body[:min(size, len(body))])
				}
				if got, err := ss.Close(results, tc.cv); got != want || err != nil {
					t.Errorf("Sealer.Begin(%s, %s, %d-byte writes) = %q, %v, want Seal's %q", s.Domain, tc.file, size, got, err, want)
				}
			}
		}
	}
}

// checkHeaderText fails t if text, rendered into a header, holds the
// server's address or port, or a Go error chain.
func checkHeaderText(t *testing.T, srv *resolvertest.Server, text string) {
	t.Helper()
	port := strconv.Itoa(int(srv.AddrPort().Port()))
	for _, bad := range []string{"127.0.0.1", port, "lookup", "arc:", "dkim:", "resolver:"} {
		if strings.Contains(text, bad) {
			t.Errorf("header text %q contains %q", text, bad)
		}
	}
}

// TestReasonHidesInternals: when the key of the newest hop times out or
// is refused, the arc result's reason says so in a phrase, without the
// resolver's address, port or error chain (which stay in Err).
func TestReasonHidesInternals(t *testing.T) {
	srv := dkimtest.Server(t)
	chain := dkimtest.Read(t, "interop/arc-3.eml")
	for _, tc := range []struct {
		failure resolvertest.Failure
		reason  string
	}{{resolvertest.Drop, "message signature i=3: temporary DNS failure (DNS timeout)"}, {resolvertest.Refused, "message signature i=3: temporary DNS failure (DNS query refused)"}} {
		t.Run(tc.failure.String(), func(t *testing.T) {
			srv.Fail("rsa2048._domainkey.relay.example.com.", dns.TypeTXT, tc.failure)
			r := srv.Resolver()
			r.Timeout, r.Attempts = 200*time.Millisecond, 1
			o, err := (&arc.Verifier{Resolver: r}).Verify(context.Background(), bytes.NewReader(chain))
			if err != nil {
				t.Fatal(err)
			}
			if o.Result != arc.Fail || o.Reason() != tc.reason || !o.Temporary() || !strings.Contains(o.Err.Error(), "127.0.0.1") {
				t.Errorf("Verify = %v, Reason %q; want fail, %q, the server named in Err", o, o.Reason(), tc.reason)
			}
			h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{o.AuthResult()}}
			checkHeaderText(t, srv, h.Field())
			if want := `arc=fail reason="` + tc.reason + `"`; !strings.Contains(h.Field(), want) {
				t.Errorf("Authentication-Results %q lacks %s", h.Field(), want)
			}
		})
	}
}

// TestOutcomeText checks String (for logs) and Reason (for headers) of
// each kind of outcome.
func TestOutcomeText(t *testing.T) {
	srv := dkimtest.Server(t)
	chain := string(dkimtest.Read(t, "interop/arc-3.eml"))
	for _, tc := range []struct {
		name, msg      string
		str, reason    string
		authResultText string
	}{
		{"none", string(dkimtest.Read(t, "messages/plain.eml")), "none", "", "arc=none"},
		{"pass", chain, "pass sets=3 oldest-pass=2", "", "arc=pass header.oldest-pass=2"},
		{"tampered", string(dkimtest.Read(t, "interop/arc-3-tampered.eml")),
			"fail i=3: arc: ARC-Message-Signature did not verify: dkim: body hash did not verify",
			"message signature i=3: body hash did not verify", `arc=fail reason="message signature i=3: body hash did not verify"`},
		{"cv=fail", strings.Replace(chain, "ARC-Seal: i=3; cv=pass", "ARC-Seal: i=3; cv=fail", 1),
			"fail i=3: arc: chain already failed (cv=fail)", "chain already failed", `arc=fail reason="chain already failed"`},
		// Seal 3 covers seal 2, and seals are checked newest first.
		{"seal altered", strings.Replace(chain, "ARC-Seal: i=2; cv=pass; a=rsa-sha256; d=example.net;", "ARC-Seal: i=2; cv=pass; a=rsa-sha256; d=example.org;", 1),
			"fail i=3: arc: ARC-Seal did not verify: dkim: signature did not verify: crypto/rsa: verification error",
			"seal i=3: signature did not verify", `arc=fail reason="seal i=3: signature did not verify"`},
		{"structure", "ARC-Seal: i=2; cv=pass; a=rsa-sha256; d=x; s=y; b=AAAA\r\n" + string(dkimtest.Read(t, "messages/plain.eml")),
			"fail: arc: invalid chain structure: instance 1 lacks or repeats a field", "invalid chain structure", `arc=fail reason="invalid chain structure"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := (&arc.Verifier{Resolver: srv.Resolver()}).Verify(context.Background(), strings.NewReader(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(o); got != tc.str {
				t.Errorf("fmt.Sprint(Verify()) = %q, want %q", got, tc.str)
			}
			if got := o.Reason(); got != tc.reason {
				t.Errorf("Verify().Reason() = %q, want %q", got, tc.reason)
			}
			if got := o.AuthResult().String(); got != tc.authResultText {
				t.Errorf("Verify().AuthResult() = %q, want %q", got, tc.authResultText)
			}
		})
	}
}

// TestVerifierTimeout trips Verifier.Timeout: with a server that never
// answers and a resolver that would wait 30 s, the verification fails
// after the Verifier's 200 ms.
func TestVerifierTimeout(t *testing.T) {
	srv := dkimtest.Server(t)
	srv.Fail("rsa2048._domainkey.relay.example.com.", dns.TypeTXT, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout, r.Attempts = 30*time.Second, 1
	v := &arc.Verifier{Resolver: r, Timeout: 200 * time.Millisecond}
	start := time.Now()
	o, err := v.Verify(context.Background(), bytes.NewReader(dkimtest.Read(t, "interop/arc-3.eml")))
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Verify took %v, want about Timeout (200ms)", d)
	}
	if err != nil || o.Result != arc.Fail || o.Reason() != "message signature i=3: temporary DNS failure (DNS timeout)" {
		t.Errorf("Verify = %v (%q), %v, want fail (DNS timeout)", o, o.Reason(), err)
	}
}

// TestZeroVerifier: the zero Verifier works, with net.DefaultResolver;
// no lookup reaches the network (no chain, or an expired context).
func TestZeroVerifier(t *testing.T) {
	var v arc.Verifier
	o, err := v.Verify(context.Background(), bytes.NewReader(dkimtest.Read(t, "messages/plain.eml")))
	if err != nil || o.Result != arc.None {
		t.Errorf("zero Verifier, no chain = %v, %v, want none", o, err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	o, err = v.Verify(ctx, bytes.NewReader(dkimtest.Read(t, "interop/arc-1.eml")))
	if err != nil || o.Result != arc.Fail || o.Reason() != "message signature i=1: temporary DNS failure (DNS timeout)" {
		t.Errorf("zero Verifier, expired context = %v (%q), %v, want fail (DNS timeout)", o, o.Reason(), err)
	}
}

// TestTrace checks that Trace receives the outcome.
func TestTrace(t *testing.T) {
	srv := dkimtest.Server(t)
	var mu sync.Mutex
	var lines []string
	v := &arc.Verifier{Resolver: srv.Resolver(), Trace: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}}
	if _, err := v.Verify(context.Background(), bytes.NewReader(dkimtest.Read(t, "interop/arc-2.eml"))); err != nil {
		t.Fatal(err)
	}
	if want := "arc: pass sets=2 oldest-pass=2"; len(lines) != 1 || lines[0] != want {
		t.Errorf("Trace lines = %q, want %q", lines, want)
	}
}
