package msgauth

import (
	"strings"
	"testing"

	gomsgauth "github.com/emersion/go-msgauth/authres"
	"github.com/spamkit/spamkit/authres"
)

// FuzzTo checks that whatever a Result holds, go-msgauth's Format of
// To's conversion is one line that authres.Parse reads as that result
// followed by the next one, untouched; and that From takes To's result
// back.
func FuzzTo(f *testing.F) {
	for _, v := range hostile {
		f.Add("spf", "pass", v, "smtp", "mailfrom", v)
		f.Add("dkim", v, "", "header", "d", v)
		f.Add("x-y", "pass", "", v, v, "z")
	}
	f.Add("sender-id", "pass", "r", "header", "From", `a\b@example.com`)
	f.Add("iprev", "fail", "", "policy", "iprev", "2001:db8::1")
	f.Fuzz(func(t *testing.T, method, value, reason, ptype, property, pvalue string) {
		r := authres.Result{Method: method, Value: value, Reason: reason, Props: []authres.Prop{{Type: ptype, Property: property, Value: pvalue}}}
		theirs := To(r)
		next := &gomsgauth.DMARCResult{Value: "fail", From: "example.com"}
		field := gomsgauth.Format("mx.example.org", []gomsgauth.Result{theirs, next})
		if strings.ContainsAny(field, "\r\n") {
			t.Fatalf("To(%q) formatted by go-msgauth = %q, has CR or LF", r, field)
		}
		h, err := authres.Parse(field)
		if err != nil || len(h.Results) != 2 || h.Results[1].String() != "dmarc=fail header.from=example.com" {
			t.Fatalf("Parse(go-msgauth's Format of To(%q) = %q) = %q, %v; want it and dmarc=fail", r, field, h.Results, err)
		}
		back, err := From(theirs)
		if err != nil {
			t.Fatalf("From(To(%q) = %#v) = %v", r, theirs, err)
		}
		if back.Method != h.Results[0].Method || back.Value != h.Results[0].Value {
			t.Errorf("From(To(%q)) = %q, go-msgauth's Format of it parses as %q", r, back, h.Results[0])
		}
	})
}
