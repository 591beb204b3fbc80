package dmarc_test

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

const newsletter = "From: News <news@example.com>\r\n" +
	"To: Bob <bob@example.org>\r\n" +
	"Subject: Our newsletter\r\n" +
	"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
	"Message-ID: <n.1@example.com>\r\n" +
	"\r\n" +
	"Hello.\r\n"

// TestDoubleFromReplay replays a message DKIM-signed by example.com
// (p=reject) without oversigning From, with another From and Subject
// prepended. The signature covers the bottom From (RFC 6376 §5.4.2) and
// passes, while readers show the top one (§8.15); DMARC must not pass
// it (RFC 7489 §6.6.1): it fails, with a reject disposition, whether
// the caller gives the header, only the From domains with the DKIM
// outcomes, or the top From is in a domain without a record.
func TestDoubleFromReplay(t *testing.T) {
	srv := dkimtest.Server(t, resolvertest.Zone{Origin: ".", Text: zone})
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := &dkim.Signer{Domain: "example.com", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"),
		Oversign: []string{}, Now: func() time.Time { return now }}
	sig, err := s.Sign(strings.NewReader(newsletter))
	if err != nil {
		t.Fatal(err)
	}
	signed := sig + newsletter
	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return now }}
	e := &dmarc.Evaluator{Resolver: srv.Resolver()}

	for _, tc := range []struct {
		name, top string
		domain    string
	}{
		{"same domain", "From: CEO <ceo@example.com>\r\nSubject: Wire the money\r\n", "example.com"},
		{"domain without record", "From: CEO <ceo@example.org>\r\nSubject: Wire the money\r\n", "example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.top + signed
			h, _, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(msg)), 0)
			if err != nil {
				t.Fatal(err)
			}
			outs, err := v.Verify(context.Background(), strings.NewReader(msg))
			if err != nil || len(outs) != 1 || outs[0].Result != dkim.Pass {
				t.Fatalf("dkim = %v, %v, want one pass", outs, err)
			}
			for _, in := range []struct {
				name string
				in   dmarc.Input
			}{
				{"Header", dmarc.Input{Header: h, DKIM: outs}},
				{"FromDomains", dmarc.Input{FromDomains: dmarc.FromDomains(h), DKIM: outs}},
			} {
				o, err := e.Evaluate(context.Background(), in.in)
				if err != nil || o.Result != dmarc.Fail || o.Disposition != dmarc.DispositionReject ||
					!errors.Is(o.Err, dmarc.ErrMultipleFrom) || o.Domain != tc.domain {
					t.Errorf("%s: Evaluate = %v (disposition %s), %v, want fail from=%s, reject, ErrMultipleFrom", in.name, o, o.Disposition, err, tc.domain)
				}
				if got, want := o.Reason(), "multiple From fields"; got != want {
					t.Errorf("%s: Reason = %q, want %q", in.name, got, want)
				}
			}
		})
	}

	// The message as signed passes.
	h, _, _ := dkim.ReadHeader(bufio.NewReader(strings.NewReader(signed)), 0)
	outs, _ := v.Verify(context.Background(), strings.NewReader(signed))
	if o, err := e.Evaluate(context.Background(), dmarc.Input{Header: h, DKIM: outs}); err != nil || o.Result != dmarc.Pass {
		t.Errorf("Evaluate(signed) = %v, %v, want pass", o, err)
	}
	// AllowMultipleFrom restores the evaluation of each From domain.
	msg := "From: ceo@example.com\r\n" + signed
	h, _, _ = dkim.ReadHeader(bufio.NewReader(strings.NewReader(msg)), 0)
	outs, _ = v.Verify(context.Background(), strings.NewReader(msg))
	lax := &dmarc.Evaluator{Resolver: srv.Resolver(), AllowMultipleFrom: true}
	if o, err := lax.Evaluate(context.Background(), dmarc.Input{Header: h, DKIM: outs}); err != nil || o.Result != dmarc.Pass {
		t.Errorf("AllowMultipleFrom: Evaluate = %v, %v, want pass", o, err)
	}
}

// TestMultipleAuthorDomains: one From field with addresses in two
// domains fails closed too (RFC 7489 §6.6.1), unless AllowMultipleFrom;
// two addresses in one domain do not.
func TestMultipleAuthorDomains(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	for _, tc := range []struct {
		from string
		want dmarc.Result
		err  error
	}{
		{"a@example.com, b@none.example", dmarc.Fail, dmarc.ErrMultipleFrom},
		{"a@example.com, b@EXAMPLE.com", dmarc.Pass, nil},
	} {
		h := dkim.Header{{Name: "From", Raw: "From: " + tc.from + "\r\n"}}
		o, err := e.Evaluate(context.Background(), dmarc.Input{Header: h, DKIM: pass("example.com")})
		if err != nil || o.Result != tc.want || !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) {
			t.Errorf("Evaluate(From: %s) = %v, %v, want %s (%v)", tc.from, o, err, tc.want, tc.err)
		}
		if tc.err != nil {
			if got, want := o.Reason(), "several author domains"; got != want {
				t.Errorf("Evaluate(From: %s).Reason = %q, want %q", tc.from, got, want)
			}
		}
	}
}
