package resolver_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestRawOctets checks that names go in and records come out as raw
// octets, as on the wire and as net.Resolver has them, whatever
// miekg/dns's presentation format escapes: SPF macros expand to such
// names (RFC 7208 §7.3) and TXT records carry any octet (RFC 1035 §3.3.14).
func TestRawOctets(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.", Text: `
$TTL 300
@ SOA ns.example. host.example. 1 3600 600 86400 60
@ NS ns.example.
txt TXT "caf\195\169 \"quoted\" back\\slash; semi" "\000nul"
a\ b TXT "space"
a\@b TXT "at"
q\"\(\)\;\' TXT "specials"
back\\slash TXT "backslash"
caf\195\169 TXT "utf-8"
ctl\009tab TXT "tab"
mx MX 10 m\@x.example.
alias CNAME a\ b.example.
`}, resolvertest.Zone{Origin: "2.0.192.in-addr.arpa.", Text: `
$TTL 300
@ SOA ns.example. host.example. 1 3600 600 86400 60
7 PTR h\032ost.example.
`})
	r := srv.Resolver()
	ctx := context.Background()

	for _, tt := range []struct{ name, want string }{
		{"txt.example", "café \"quoted\" back\\slash; semi\x00nul"},
		{"a b.example", "space"},
		{"a@b.example", "at"},
		{`q"();'.example`, "specials"},
		{`back\slash.example`, "backslash"},
		{"café.example", "utf-8"},
		{"ctl\ttab.example", "tab"},
		{"A B.EXAMPLE.", "space"}, // case-insensitive, final dot optional
	} {
		res, err := r.TXT(ctx, tt.name)
		if err != nil {
			t.Errorf("TXT(%q) error = %v", tt.name, err)
			continue
		}
		if !slices.Equal(res.Records, []string{tt.want}) {
			t.Errorf("TXT(%q) = %q, want %q", tt.name, res.Records, tt.want)
		}
		txt, err := r.LookupTXT(ctx, tt.name)
		if err != nil || !slices.Equal(txt, []string{tt.want}) {
			t.Errorf("LookupTXT(%q) = %q, %v, want %q", tt.name, txt, err, tt.want)
		}
	}

	// The CNAME target and the canonical name come back raw too.
	res, err := r.TXT(ctx, "alias.example")
	if err != nil || !slices.Equal(res.Records, []string{"space"}) || res.Canonical != "a b.example." {
		t.Errorf("TXT(alias.example) = %q canonical %q, %v, want [space] canonical %q", res.Records, res.Canonical, err, "a b.example.")
	}
	mx, err := r.MX(ctx, "mx.example")
	if err != nil || len(mx.Records) != 1 || mx.Records[0].Host != "m@x.example." {
		t.Errorf("MX(mx.example) = %v, %v, want host %q", mx.Records, err, "m@x.example.")
	}
	ptr, err := r.PTR(ctx, netip.MustParseAddr("192.0.2.7"))
	if err != nil || !slices.Equal(ptr.Records, []string{"h ost.example."}) {
		t.Errorf("PTR(192.0.2.7) = %q, %v, want [%q]", ptr.Records, err, "h ost.example.")
	}

	// A name with an octet that needs escaping is asked once and answered
	// (before, the reply's question did not match the query and the lookup
	// timed out).
	if n := srv.Count("a b.example", dns.TypeTXT); n != 4 {
		t.Errorf("server saw %d TXT queries for %q, want 4 (TXT and LookupTXT for two spellings, no retries)", n, "a b.example")
	}
	if _, err := r.TXT(ctx, "nothere@.example"); !resolver.IsNXDomain(err) {
		t.Errorf("TXT(nothere@.example) error = %v, want NXDOMAIN", err)
	}
}
