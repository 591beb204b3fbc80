package spf

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/authres"
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
			"Received-SPF: permerror", `problem="spf: more than one SPF record at two.test"`}},
	} {
		o := c.Check(context.Background(), netip.MustParseAddr(tc.ip), tc.helo, tc.from)
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
	c := &Checker{Resolver: srv.Resolver()}
	for _, tc := range []struct{ ip, helo, from, want string }{
		{"192.0.2.1", "h.test", "jo@pass.test", "spf=pass reason=\"mechanism ip4:192.0.2.0/24\" smtp.mailfrom=jo@pass.test"},
		{"192.0.2.31", "mail.helo.test", "", "spf=fail reason=\"mechanism -all\" smtp.helo=mail.helo.test"},
		{"192.0.2.1", "h.test", "jo@nothing.test", "spf=none smtp.mailfrom=jo@nothing.test"},
	} {
		o := c.Check(context.Background(), netip.MustParseAddr(tc.ip), tc.helo, tc.from)
		got := authres.Format("mx.test", []authres.Result{o.AuthResult()})
		if !strings.Contains(strings.Join(strings.Fields(got), " "), tc.want) {
			t.Errorf("AuthResult(%s, %s) formats as %q, want %q", tc.ip, tc.from, got, tc.want)
		}
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
	} {
		o := c.Check(context.Background(), netip.MustParseAddr("198.51.100.1"), tc.helo, tc.from)
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
