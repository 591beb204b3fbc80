package spf

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/authres"
	"github.com/miekg/dns"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func TestReceivedSPF(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.receiver.test"}
	for _, tc := range []struct {
		ip, helo, from string
		want           []string
	}{
		{"192.0.2.1", "h.test", "jo@pass.test", []string{
			"Received-SPF: pass (mx.receiver.test: domain of jo@pass.test designates 192.0.2.1 as",
			"client-ip=192.0.2.1;", `envelope-from="jo@pass.test";`, "helo=h.test;",
			"receiver=mx.receiver.test;", "identity=mailfrom;", `mechanism="ip4:192.0.2.0/24"`}},
		{"192.0.2.31", "mail.helo.test", "", []string{
			"Received-SPF: fail (mx.receiver.test: domain of mail.helo.test does not designate",
			"identity=helo;", "mechanism=-all"}},
		{"192.0.2.1", "h.test", "jo@two.test", []string{
			"Received-SPF: permerror (mx.receiver.test: error in processing the SPF record of two.test: more than one SPF record)",
			`problem="more than one SPF record"`}},
		{"192.0.2.1", "h.test", "jo@single", []string{
			"Received-SPF: none (mx.receiver.test: cannot check domain of jo@single: invalid domain)",
			`envelope-from="jo@single";`, `problem="invalid domain"`}},
	} {
		o := must(t)(c.Check(context.Background(), netip.MustParseAddr(tc.ip), tc.helo, tc.from))
		h := o.ReceivedSPF()
		flat := strings.ReplaceAll(h, "\r\n", "")
		for _, w := range tc.want {
			if !strings.Contains(flat, w) {
				t.Errorf("ReceivedSPF(%s, %s) = %q, lacks %q", tc.ip, tc.from, h, w)
			}
		}
		for _, line := range strings.Split(h, "\r\n") {
			if len(line) > 78 {
				t.Errorf("ReceivedSPF(%s, %s) has a line of %d octets: %q", tc.ip, tc.from, len(line), line)
			}
		}
		if strings.Contains(flat, "envelope-from") == (o.Identity == IdentityHELO) {
			t.Errorf("ReceivedSPF(%s, %q) = %q: envelope-from only for mailfrom", tc.ip, tc.from, h)
		}
	}
}

func TestAuthResult(t *testing.T) {
	srv := checksServer(t)
	srv.Fail("servfail.test", dns.TypeA, resolvertest.ServFail)
	c := &Checker{Resolver: srv.Resolver()}
	for _, tc := range []struct{ ip, helo, from, want string }{
		{"192.0.2.1", "h.test", "jo@pass.test", `spf=pass smtp.mailfrom=jo@pass.test`},
		{"192.0.2.31", "mail.helo.test", "", `spf=fail smtp.helo=mail.helo.test`},
		{"192.0.2.1", "h.test", "jo@nothing.test", "spf=none smtp.mailfrom=jo@nothing.test"},
		{"192.0.2.1", "h.test", "@pass.test", `spf=pass smtp.mailfrom=pass.test`},
		{"192.0.2.1", "h.test", "postmaster@pass.test", `spf=pass smtp.mailfrom=postmaster@pass.test`},
		{"192.0.2.1", "h.test", "jo@two.test", `spf=permerror reason="more than one SPF record" smtp.mailfrom=jo@two.test`},
		{"192.0.2.1", "h.test", "jo@servfail.test", `spf=temperror reason="DNS server failure" smtp.mailfrom=jo@servfail.test`},
		{"192.0.2.1", "h.test", "jo@loop.test", `spf=permerror reason="too many DNS lookups" smtp.mailfrom=jo@loop.test`},
		{"192.0.2.1", "h.test", "jo@single", `spf=none reason="invalid domain" smtp.mailfrom=jo@single`},
	} {
		o := must(t)(c.Check(context.Background(), netip.MustParseAddr(tc.ip), tc.helo, tc.from))
		if got := o.AuthResult().String(); got != tc.want {
			t.Errorf("Check(%s, %q).AuthResult() = %q, want %q", tc.ip, tc.from, got, tc.want)
		}
		// The module's rule: reason= is exactly Reason().
		if got := o.AuthResult().Reason; got != o.Reason() {
			t.Errorf("Check(%s, %q).AuthResult().Reason = %q, want Reason() %q", tc.ip, tc.from, got, o.Reason())
		}
	}
}

// TestAuthResultSenderID checks the sender-id method of RFC 8601
// §2.7.2 for Sender ID outcomes, with the PRA's header field.
func TestAuthResultSenderID(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("192.0.2.1")
	o := must(t)(c.CheckPRA(context.Background(), ip, "h.test", []byte("From: Jo <jo@pass.test>\r\nSender: list@pass.test\r\n\r\n")))
	if got, want := o.AuthResult().String(), `sender-id=pass header.sender=list@pass.test`; got != want {
		t.Errorf("CheckPRA(...).AuthResult() = %q, want %q", got, want)
	}
	o = must(t)(c.CheckSenderID(context.Background(), ip, "h.test", "jo@fail.test", ScopeMFrom))
	if got, want := o.AuthResult().String(), `sender-id=fail smtp.mailfrom=jo@fail.test`; got != want {
		t.Errorf("CheckSenderID(mfrom).AuthResult() = %q, want %q", got, want)
	}
}

// TestHeadersNoInternals checks that neither header carries the error's
// text: a DNS failure's error names the resolver's address and port,
// which reason= and Received-SPF must not show (RFC 8601 §2.7, RFC 7208
// §9.1: a short description).
func TestHeadersNoInternals(t *testing.T) {
	srv := checksServer(t)
	srv.Fail("pass.test", dns.TypeTXT, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout = 50 * time.Millisecond
	c := &Checker{Resolver: r, ReceiverHost: "mx.receiver.test"}
	o := must(t)(c.Check(context.Background(), netip.MustParseAddr("192.0.2.1"), "h.test", "jo@pass.test"))
	if o.Result != TempError || o.Reason() != "DNS timeout" || !strings.Contains(o.Err.Error(), "127.0.0.1") {
		t.Fatalf("Check(dropped TXT) = %s, reason %q, want temperror, DNS timeout, an Err naming the server", o, o.Reason())
	}
	for _, h := range []string{o.ReceivedSPF(), o.AuthResult().String()} {
		if strings.Contains(h, "127.0.0.1") || strings.Contains(h, "spf:") || strings.Contains(h, "resolver") {
			t.Errorf("header %q carries the error's text", h)
		}
		if !strings.Contains(h, "DNS timeout") {
			t.Errorf("header %q lacks the reason %q", h, "DNS timeout")
		}
	}
}

// TestReason checks the phrase of every class of Err.
func TestReason(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("%w: %w", ErrDNS, err) }
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{wrap(&resolver.Error{Name: "x.test", Type: "TXT", Server: "127.0.0.1:53", Err: resolver.ErrServFail}), "DNS server failure"},
		{wrap(&resolver.Error{Name: "x.test", Type: "TXT", Server: "127.0.0.1:53", Err: resolver.ErrRefused}), "DNS query refused"},
		{wrap(fmt.Errorf("%w: %w", resolver.ErrTimeout, context.DeadlineExceeded)), "DNS timeout"},
		{wrap(&net.DNSError{Err: "i/o timeout", Name: "x.test", Server: "127.0.0.1:53", IsTimeout: true}), "DNS timeout"},
		{wrap(context.DeadlineExceeded), "DNS timeout"},
		{wrap(context.Canceled), "check canceled"},
		{wrap(&net.DNSError{Err: "server misbehaving", Name: "x.test", Server: "127.0.0.1:53"}), "DNS server failure"},
		{fmt.Errorf("%w at x.test", ErrSyntax), "syntax error in record"},
		{ErrMultipleRecords, "more than one SPF record"},
		{ErrTooManyLookups, "too many DNS lookups"},
		{ErrTooManyVoidLookups, "too many void DNS lookups"},
		{ErrTooManyMXNames, "too many MX records"},
		{ErrMacroTooLong, "macro expansion too long"},
		{ErrIncludeNoRecord, "include target has no SPF record"},
		{ErrRedirectNoRecord, "redirect target has no SPF record"},
		{ErrInvalidIP, "invalid client IP address"},
		{fmt.Errorf("%w: %q", ErrInvalidDomain, "x"), "invalid domain"},
		{ErrNoPRA, "no purported responsible address"},
	} {
		if got := (Outcome{Err: tc.err}).Reason(); got != tc.want {
			t.Errorf("Outcome{Err: %v}.Reason() = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestAuthResultMsgauth checks that go-msgauth, which maddy and
// go-smtp based servers use, reads the spf= and sender-id= results we
// render as what they are (not the reasons: its parser splits quoted
// strings at spaces, see package authres).
func TestAuthResultMsgauth(t *testing.T) {
	h := authres.Header{ServID: "mx.test", Results: []authres.Result{
		(Outcome{Result: Pass, Identity: IdentityMailFrom, Sender: "jo@example.com", Mechanism: "ip4:192.0.2.0/24"}).AuthResult(),
		(Outcome{Result: TempError, Identity: IdentityHELO, Domain: "mail.example.com", Err: fmt.Errorf("%w: %w", ErrDNS, resolver.ErrServFail)}).AuthResult(),
	}}
	id, results, err := msgauth.Parse(h.String())
	if err != nil || id != "mx.test" || len(results) != 2 {
		t.Fatalf("msgauth.Parse(%q) = %q, %d results, %v", h.String(), id, len(results), err)
	}
	mf, ok1 := results[0].(*msgauth.SPFResult)
	he, ok2 := results[1].(*msgauth.SPFResult)
	if !ok1 || !ok2 || mf.Value != msgauth.ResultPass || mf.From != "jo@example.com" || he.Value != msgauth.ResultTempError || he.Helo != "mail.example.com" {
		t.Errorf("msgauth.Parse(%q) = %#v, %#v", h.String(), results[0], results[1])
	}
}

func TestOutcomeString(t *testing.T) {
	o := Outcome{Result: Fail, Identity: IdentityMailFrom, Domain: "example.com", Mechanism: "-all", Lookups: 2, VoidLookups: 1, Explanation: "go away"}
	got := o.String()
	want := `fail (mailfrom example.com, mechanism -all, explanation "go away", 2 lookups, 1 void)`
	if got != want {
		t.Errorf("Outcome.String() = %q, want %q", got, want)
	}
	if s := fmt.Sprintf("%s %s %s %s", Pass, IdentityHELO, QualifierSoftFail, MechanismMX); s != "pass helo ~ mx" {
		t.Errorf("String methods = %q, want %q", s, "pass helo ~ mx")
	}
}

// TestReceivedSPFComment checks that an envelope address or HELO name
// cannot end the comment of Received-SPF early and so forge the
// key-value pairs after it (RFC 5322 §3.2.2 quoted-pairs in comments).
func TestReceivedSPFComment(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.receiver.test"}
	for _, tc := range []struct{ helo, from string }{
		{"h.test", `"x) client-ip=192.0.2.1; (y"@pass.test`},
		{"h.test", `"x\) client-ip=192.0.2.1; (y"@pass.test`},
		{"h.test", `"x(" client-ip=192.0.2.1;@pass.test`},
		{"a)client-ip=192.0.2.1;(b", ""},
		{"h.test", "x\r\n client-ip=192.0.2.1;@pass.test"},
		{"h.test", `"x(\" client-ip=192.0.2.1;"@pass.test`},
		{"x\r\n client-ip=192.0.2.1;", ""},
	} {
		// Some of these are refused (ErrInvalidIdentity): the header of
		// the refusal must be as safe.
		o, _ := c.Check(context.Background(), netip.MustParseAddr("198.51.100.1"), tc.helo, tc.from)
		h := strings.ReplaceAll(o.ReceivedSPF(), "\r\n", "")
		rest, ok := skipComment(strings.TrimPrefix(h, "Received-SPF: "+string(o.Result)+" "))
		if !ok {
			t.Errorf("ReceivedSPF(%q, %q) = %q, comment not closed", tc.helo, tc.from, h)
			continue
		}
		if got, want := strings.Fields(rest)[0], "client-ip=198.51.100.1;"; got != want {
			t.Errorf("ReceivedSPF(%q, %q) = %q: first key-value pair %q, want %q", tc.helo, tc.from, h, got, want)
		}
	}
}

// skipComment skips the comment s starts with, nested comments and
// quoted-pairs included (RFC 5322 §3.2.2), and returns what follows.
func skipComment(s string) (string, bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[i+1:], true
			}
		case '\r', '\n':
			return "", false
		}
	}
	return "", false
}
