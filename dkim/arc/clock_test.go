package arc_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// sealOnce seals messages/plain.eml as example.org at t with the given
// x= lifetime.
func sealOnce(t *testing.T, at time.Time, expiration time.Duration) []byte {
	return sealAs(t, "rsa2048", at, expiration)
}

// sealAs is sealOnce with the selector named.
func sealAs(t *testing.T, selector string, at time.Time, expiration time.Duration) []byte {
	t.Helper()
	msg := dkimtest.Read(t, "messages/plain.eml")
	s := &arc.Sealer{Domain: "example.org", Selector: selector, Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.org",
		Now: func() time.Time { return at }, Expiration: expiration}
	fields, err := s.Seal(bytes.NewReader(msg), []authres.Result{{Method: "dkim", Value: "pass"}}, arc.None)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(fields), msg...)
}

// TestMessageSignatureClock checks the ARC-Message-Signature's x= and
// t= as package dkim checks a DKIM-Signature's (RFC 8617 §4.1.2, RFC
// 6376 §3.5): expired past x= plus the skew, refused when dated past now
// plus the skew, accepted within the skew.
func TestMessageSignatureClock(t *testing.T) {
	srv := dkimtest.Server(t)
	sealed := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		expiration time.Duration
		now        time.Time
		skew       time.Duration
		err        error
	}{
		{"within x=", time.Hour, sealed.Add(30 * time.Minute), 0, nil},
		{"past x=, within the skew", time.Hour, sealed.Add(time.Hour + 4*time.Minute), 0, nil},
		{"past x=", time.Hour, sealed.Add(2 * time.Hour), 0, dkim.ErrExpired},
		{"past x=, no skew", time.Hour, sealed.Add(time.Hour + time.Second), -1, dkim.ErrExpired},
		{"t= in the future", 0, sealed.Add(-time.Hour), 0, dkim.ErrFuture},
		{"t= ahead within the skew", 0, sealed.Add(-time.Minute), 0, nil},
		{"t= ahead, wider skew", 0, sealed.Add(-time.Hour), 2 * time.Hour, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := sealOnce(t, sealed, tc.expiration)
			v := &arc.Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return tc.now }, ClockSkew: tc.skew}
			o, err := v.Verify(context.Background(), bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			if tc.err == nil {
				if o.Result != arc.Pass {
					t.Errorf("Verify = %v, want pass", o)
				}
				return
			}
			if o.Result != arc.Fail || !errors.Is(o.Err, tc.err) || !errors.Is(o.Err, arc.ErrMessageSignature) || o.FailedInstance != 1 || o.Temporary() {
				t.Errorf("Verify = %v, want fail i=1 %v", o, tc.err)
			}
		})
	}
}

// TestTemporaryVersusBroken: a key that cannot be fetched now (SERVFAIL)
// is a temporary failure, said so in Reason and Temporary; a key that
// does not exist (NXDOMAIN: a selector not published) is a broken chain.
// Both stay arc=fail (RFC 8617 has no temperror).
func TestTemporaryVersusBroken(t *testing.T) {
	for _, tc := range []struct {
		selector  string
		failure   resolvertest.Failure
		temporary bool
		reason    string
	}{
		{"rsa2048", resolvertest.ServFail, true, "message signature i=1: temporary DNS failure (DNS server failure)"},
		{"unpublished", resolvertest.Healthy, false, "message signature i=1: no key for signature"},
	} {
		t.Run(tc.failure.String(), func(t *testing.T) {
			msg := sealAs(t, tc.selector, time.Now(), 0)
			srv := dkimtest.Server(t)
			srv.Fail(tc.selector+"._domainkey.example.org.", dns.TypeTXT, tc.failure)
			o, err := (&arc.Verifier{Resolver: srv.Resolver()}).Verify(context.Background(), bytes.NewReader(msg))
			if err != nil || o.Result != arc.Fail || o.Temporary() != tc.temporary || o.Reason() != tc.reason {
				t.Errorf("Verify = %v (Temporary %v, Reason %q), %v, want fail, %v, %q", o, o.Temporary(), o.Reason(), err, tc.temporary, tc.reason)
			}
			if got := o.AuthResult().String(); got != `arc=fail reason="`+tc.reason+`"` {
				t.Errorf("AuthResult = %s", got)
			}
		})
	}
}

// TestSealerShortExpiration: an Expiration under a second still gives
// an x= after t= (RFC 6376 §3.5: x= MUST be greater than t=); x= equal
// to t= made the sealer's own ARC-Message-Signature a syntax error, and
// the chain it started failed at the next hop.
func TestSealerShortExpiration(t *testing.T) {
	srv := dkimtest.Server(t)
	sealed := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	msg := sealOnce(t, sealed, 500*time.Millisecond)
	v := &arc.Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return sealed }}
	if o, err := v.Verify(context.Background(), bytes.NewReader(msg)); err != nil || o.Result != arc.Pass {
		t.Errorf("Verify(Expiration 500ms) = %v, %v, want pass", o, err)
	}
}
