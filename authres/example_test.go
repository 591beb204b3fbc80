package authres_test

import (
	"fmt"
	"strings"

	"github.com/spamkit/spamkit/authres"
)

// ExampleHeader composes one Authentication-Results field from the
// results of every method a receiving MTA runs: iprev (rdns's
// forward-confirmed reverse DNS, RFC 8601 §3), spf, dkim (one result per
// signature; dkim=none for a message without one), dmarc and arc. In a
// server each Result comes from its check's AuthResult method; here they
// are built directly.
func ExampleHeader() {
	p := func(ptype, property, value string) authres.Prop {
		return authres.Prop{Type: ptype, Property: property, Value: value}
	}
	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{
		{Method: "iprev", Value: "pass", Props: []authres.Prop{p("policy", "iprev", "192.0.2.25")}},
		{Method: "spf", Value: "pass", Props: []authres.Prop{p("smtp", "mailfrom", "alice@example.com"), p("smtp", "helo", "mail.example.com")}},
		{Method: "dkim", Value: "pass", Props: []authres.Prop{p("header", "d", "example.com"), p("header", "i", "@example.com"),
			p("header", "s", "sel"), p("header", "a", "rsa-sha256"), p("header", "b", "dGVzdHNp")}},
		{Method: "dkim", Value: "fail", Reason: "body hash did not verify", Props: []authres.Prop{p("header", "d", "list.example.net"), p("header", "b", "ab+/cd==")}},
		{Method: "dmarc", Value: "pass", Props: []authres.Prop{p("header", "from", "example.com"), p("policy", "dmarc", "reject")}},
		{Method: "arc", Value: "none"},
	}}
	fmt.Print(strings.ReplaceAll(h.Field(), "\r\n", "\n")) // CRLF in mail
	// Output:
	// Authentication-Results: mx.example.org;
	//	iprev=pass policy.iprev=192.0.2.25;
	//	spf=pass smtp.mailfrom=alice@example.com smtp.helo=mail.example.com;
	//	dkim=pass header.d=example.com header.i=@example.com header.s=sel header.a=rsa-sha256 header.b=dGVzdHNp;
	//	dkim=fail reason="body hash did not verify" header.d=list.example.net header.b="ab+/cd==";
	//	dmarc=pass header.from=example.com policy.dmarc=reject;
	//	arc=none
}

// ExampleHeader_hostile shows that text from a message cannot add a
// header field or a result: control characters become spaces and
// anything but a token or an address is quoted.
func ExampleHeader_hostile() {
	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{
		{Method: "spf", Value: "fail", Reason: "sender\r\nX-Spam: no", Props: []authres.Prop{
			{Type: "smtp", Property: "mailfrom", Value: `x"; dkim=pass header.d=bank.example`}}},
	}}
	fmt.Println(h)
	// Output:
	// mx.example.org; spf=fail reason="sender  X-Spam: no" smtp.mailfrom="x\"; dkim=pass header.d=bank.example"
}

// ExampleTrusted reads the results of a trusted upstream (here the
// border MTA mx.example.org) and ignores a forged field claiming another
// authserv-id (RFC 8601 §5).
func ExampleTrusted() {
	fields := []string{
		"mx.example.org; spf=pass smtp.mailfrom=example.com;\r\n\tdkim=fail (body hash) header.d=example.com",
		"bank.example; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example",
	}
	for _, h := range authres.Trusted(fields, "mx.example.org") {
		if r, ok := h.Result("dkim"); ok {
			d, _ := r.Get("header", "d")
			fmt.Println(h.ServID, r.Method, r.Value, d)
		}
		_, ok := h.Result("dmarc")
		fmt.Println("dmarc result:", ok)
	}
	// Output:
	// mx.example.org dkim fail example.com
	// dmarc result: false
}
