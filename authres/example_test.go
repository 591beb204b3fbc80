package authres_test

import (
	"fmt"
	"strings"

	"github.com/spamkit/spamkit/authres"
)

// ExampleHeader builds the Authentication-Results field of a receiving
// MTA from the results of each check (in a real server they come from
// dkim.Verification.AuthResult, dmarc.Evaluation.AuthResult and
// arc.Verification.AuthResult).
func ExampleHeader() {
	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{
		{Method: "spf", Value: "pass", Props: []authres.Prop{{Type: "smtp", Property: "mailfrom", Value: "alice@example.com"}}},
		{Method: "dkim", Value: "pass", Props: []authres.Prop{{Type: "header", Property: "d", Value: "example.com"}, {Type: "header", Property: "s", Value: "sel"}}},
		{Method: "dmarc", Value: "pass", Props: []authres.Prop{{Type: "header", Property: "from", Value: "example.com"}}},
		{Method: "arc", Value: "none"},
	}}
	fmt.Print(strings.ReplaceAll(h.Field(), "\r\n", "\n")) // CRLF in mail
	// Output:
	// Authentication-Results: mx.example.org;
	//	spf=pass smtp.mailfrom=alice@example.com;
	//	dkim=pass header.d=example.com header.s=sel;
	//	dmarc=pass header.from=example.com;
	//	arc=none
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
