package spf

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/authres"
)

// TestHeadersQuoteLocalPart checks that a MAIL FROM with a quoted
// local-part is shown in the headers as the address it is, quoted (RFC
// 5321 §4.1.2, RFC 5322 §3.4.1), not as its unquoted content: "a@b"@x
// was rendered smtp.mailfrom=a@b@x and envelope-from="a@b@x", a string
// that is no address and whose domain a reader takes at the first '@'.
func TestHeadersQuoteLocalPart(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.receiver.test"}
	ip := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		from, want string // want: the address in the headers
	}{
		{`<"jo smith"@pass.test>`, `"jo smith"@pass.test`},
		{`<"ceo@bank.example"@pass.test>`, `"ceo@bank.example"@pass.test`},
		{`<"a\"b"@pass.test>`, `"a\"b"@pass.test`},
		{`<"a\\b"@pass.test>`, `"a\\b"@pass.test`},
		{`<"jo"@pass.test>`, `jo@pass.test`},
		{`<jo.smith@pass.test>`, `jo.smith@pass.test`},
		{`<a..b@pass.test>`, `"a..b"@pass.test`},
	} {
		o, err := c.Check(context.Background(), ip, "h.test", tc.from)
		if err != nil {
			t.Fatalf("Check(%q): %v", tc.from, err)
		}
		if o.Result != Pass {
			t.Fatalf("Check(%q) = %s, want pass", tc.from, o.Result)
		}
		ar := authres.Header{ServID: "mx", Results: []authres.Result{o.AuthResult()}}
		back, err := authres.Parse(ar.String())
		if err != nil {
			t.Fatalf("Check(%q): AuthResult %q does not parse: %v", tc.from, ar.String(), err)
		}
		if got, _ := back.Results[0].Get("smtp", "mailfrom"); got != tc.want {
			t.Errorf("Check(%q).AuthResult() smtp.mailfrom = %q, want %q", tc.from, got, tc.want)
		}
		flat := strings.ReplaceAll(o.ReceivedSPF(), "\r\n", "")
		ef := `envelope-from="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(tc.want) + `";`
		if !strings.Contains(flat, ef) {
			t.Errorf("Check(%q).ReceivedSPF() = %q, lacks %s", tc.from, flat, ef)
		}
		if !strings.Contains(tc.want, `\`) && !strings.Contains(flat, "domain of "+tc.want+" designates") {
			t.Errorf("Check(%q).ReceivedSPF() = %q, lacks the address %s in its comment", tc.from, flat, tc.want)
		}
	}
}
