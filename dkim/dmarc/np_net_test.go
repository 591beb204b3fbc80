package dmarc_test

import (
	"context"
	"net"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestNonexistentNetResolver: np= applies through a *net.Resolver too
// (the zero Evaluator's net.DefaultResolver), which reports a name
// without addresses or mail exchangers as a *net.DNSError with
// IsNotFound, never as resolver.ErrNXDomain: np= was silently never
// applied with it. net cannot tell NXDOMAIN from NODATA, so through it
// a name with neither addresses nor MX is taken as nonexistent (RFC
// 9091 §2.1's definition); one with an address is not.
func TestNonexistentNetResolver(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.np.example. IN TXT "v=DMARC1; p=none; sp=quarantine; np=reject"
www.np.example.    IN A   192.0.2.1
`})
	nr := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr)
	}}
	for _, tc := range []struct {
		from   string
		policy dmarc.Policy
	}{
		{"nosuch.np.example", dmarc.PolicyReject},
		{"www.np.example", dmarc.PolicyQuarantine},
	} {
		for _, m := range []dmarc.Mode{dmarc.ModeRFC9989, dmarc.ModeRFC7489} {
			e := &dmarc.Evaluator{Resolver: nr, Mode: m}
			o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{tc.from}})
			if err != nil || o.Result != dmarc.Fail || o.Policy != tc.policy {
				t.Errorf("%s: Evaluate(%s) through net.Resolver = %v policy %s (%q), %v, want fail under %s", m, tc.from, o, o.Policy, o.Details, err, tc.policy)
			}
		}
	}
}
