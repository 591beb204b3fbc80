package rbl

import (
	"context"
	"testing"
)

// TestIDNATrailingDot: a host whose IDNA mapping ends in a dot (a soft
// hyphen, which IDNA maps to nothing, after the final dot; an
// ideographic full stop at the end) names the same domain as the host
// without it, as browsers resolve it, and is checked as that domain:
// CheckDomains used to skip "evil.example.\u00ad" as having no
// registrable domain, so a link a browser follows to a listed domain
// went unchecked. An address once mapped is an address: "192.0.2.1\u00ad"
// was read as a name whose registrable domain could not be found.
func TestIDNATrailingDot(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"claim-prize.example.net.\u00ad", "example.net"},
		{"claim-prize.example.net\u3002", "example.net"},
		{"claim-prize.example.net\uff0e\u00ad", "example.net"},
		// An IPv4 address once mapped: looked up reversed, as an IP.
		{"192.0.2.1\u00ad", "192.0.2.1"},
		{"192\u30020\u30022\u30021", "192.0.2.1"},
	} {
		if got, err := Registrable(tc.in); got != tc.want || err != nil {
			t.Errorf("Registrable(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}

	srv := newServer(t)
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain}}}
	links := (&Extractor{}).Links([]byte("see http://claim-prize.example.net.\u00ad/win now"))
	d, err := c.CheckDomains(context.Background(), links.Hosts())
	if err != nil || d.Result != Listed || len(d.Domains) != 1 || d.Domains[0].Item != "example.net" {
		t.Errorf("CheckDomains(%q) = %s, %v, want example.net listed", links.Hosts(), d, err)
	}
	// The ASCII form with two final dots was never one name; the IDNA
	// form of it is not either.
	for _, h := range []string{"claim-prize.example.net..", "claim-prize.example.net.\u00ad.", "claim-prize.example.net\u3002."} {
		if got, err := Registrable(h); err == nil {
			t.Errorf("Registrable(%q) = %q, want ErrInvalidDomain", h, got)
		}
	}
}

// TestLinksIDNAAddress: an IPv4 host that is one once IDNA has mapped it
// (U+00AD removed, full-width digits made ASCII), as browsers map a host
// before they read it as an address (WHATWG URL Standard, host parsing),
// is that address; Links refused such hosts ("192\u00ad.0.2.1") as
// numbers that are no address, so the link was never checked.
func TestLinksIDNAAddress(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"http://192\u00ad.0.2.1/x", "192.0.2.1"},
		{"http://\u00ad192.0.2.1/", "192.0.2.1"},
		{"http://3221225\u00ad991/", "192.0.2.7"},
		{"http://\uff11\uff19\uff12.0.2.1/", "192.0.2.1"},
		{"http://0xc0\u00ad.0x0.0x2.0x7/", "192.0.2.7"},
	} {
		links := (&Extractor{}).Links([]byte(tc.body))
		if len(links.URLs) != 1 || links.URLs[0].Host != tc.want {
			t.Errorf("Links(%+q) = %v, want one URL with host %s", tc.body, links, tc.want)
		}
	}
}

// TestDomainItemASCIIAllocs: 26fff54 parsed every host's IDNA mapping
// as an address again, after the parse of the host itself, so that a
// mapped address ("192.0.2.1\u00ad") is one; for an ASCII host the
// mapping only lowercases, which makes no address of a name, and the
// second parse's error cost each domain item of every link checked one
// allocation more. An ASCII name allocates no more than it did before
// 26fff54, and the mapped forms stay addresses (TestIDNATrailingDot).
func TestDomainItemASCIIAllocs(t *testing.T) {
	for _, tc := range []struct {
		host string
		want float64
	}{
		{"claim-prize.example.net", 2},
		{"Claim-Prize.Example.NET.", 6}, // the mapping lowercases it
	} {
		if n := testing.AllocsPerRun(100, func() { domainItem(tc.host) }); n > tc.want {
			t.Errorf("domainItem(%q): %v allocations, want at most %v", tc.host, n, tc.want)
		}
	}
}

// TestLinksIDNAAddressFinalDot: a host that IDNA maps to an address
// and a final dot ("192.0.2.1.\u00ad": the soft hyphen after the dot is
// nothing) is that address, as "192.0.2.1." is (the final dots of an
// ASCII host are removed before webIPv4 reads it; a browser's IPv4
// parser drops an empty last part). e5a48bc read the mapping with its
// final dot, which webIPv4 takes for no number: the host stayed the
// name "192.0.2.1.\u00ad", unlike every other form of the address.
func TestLinksIDNAAddressFinalDot(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"http://192.0.2.1.\u00ad/x", "192.0.2.1"},
		{"http://192\u00ad.0.2.1.\u00ad/", "192.0.2.1"},
		{"http://3221225991.\u00ad/", "192.0.2.7"},
	} {
		links := (&Extractor{}).Links([]byte(tc.body))
		if len(links.URLs) != 1 || links.URLs[0].Host != tc.want {
			t.Errorf("Links(%+q) = %v, want one URL with host %s", tc.body, links, tc.want)
		}
	}
}
