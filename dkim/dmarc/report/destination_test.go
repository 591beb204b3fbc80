package report

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// policyZone holds the Policy Domain's record: the tree walk finds
// example.com the Organizational Domain of sub.example.com by it.
var policyZone = resolvertest.Zone{Origin: "com.", Text: `
_dmarc.example.com. 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
`}

func TestVerifyDestinations(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.", Text: `
example.com._report._dmarc.reports.example.   300 IN TXT "v=DMARC1"
example.com._report._dmarc.override.example.  300 IN TXT "v=DMARC1; rua=mailto:new@override.example, mailto:second@override.example;"
example.com._report._dmarc.hijack.example.    300 IN TXT "v=DMARC1; rua=mailto:victim@elsewhere.example"
example.com._report._dmarc.spf.example.       300 IN TXT "v=spf1 -all"
example.com._report._dmarc.notfirst.example.  300 IN TXT "rua=mailto:x@notfirst.example; v=DMARC1"
*._report._dmarc.wild.example.                300 IN TXT "v=DMARC1;"
`}, policyZone)
	srv.Fail("example.com._report._dmarc.temp.example", resolvertest.AnyType, resolvertest.ServFail)
	r := &Reporter{Resolver: srv.Resolver(), MaxDestinations: 20}
	rua := []string{
		"mailto:dmarc@example.com",
		"mailto:agg@sub.example.com!10m",
		"mailto:r@reports.example",
		"mailto:o@override.example",
		"mailto:h@hijack.example",
		"mailto:n@noauth.example",
		"mailto:s@spf.example",
		"mailto:f@notfirst.example",
		"mailto:t@temp.example",
		"mailto:any@wild.example",
		"https://reports.example/dmarc",
		"mailto:",
		"MAILTO:DMARC@EXAMPLE.COM",
		"mailto:a%40b@reports.example?subject=x",
	}
	got := r.VerifyDestinations(context.Background(), "Example.COM", rua)
	type want struct {
		uri, addr string
		external  bool
		err       error
	}
	wants := []want{
		{"mailto:dmarc@example.com", "dmarc@example.com", false, nil},
		{"mailto:agg@sub.example.com!10m", "agg@sub.example.com", false, nil},
		{"mailto:r@reports.example", "r@reports.example", true, nil},
		{"mailto:o@override.example", "new@override.example", true, nil},
		{"mailto:o@override.example", "second@override.example", true, nil},
		{"mailto:h@hijack.example", "", true, ErrUnverified},
		{"mailto:n@noauth.example", "", true, ErrUnverified},
		{"mailto:s@spf.example", "", true, ErrUnverified},
		{"mailto:f@notfirst.example", "", true, ErrUnverified},
		{"mailto:t@temp.example", "", true, ErrDNS},
		{"mailto:any@wild.example", "any@wild.example", true, nil},
		{"https://reports.example/dmarc", "", false, ErrURI},
		{"mailto:", "", false, ErrURI},
		// "MAILTO:DMARC@EXAMPLE.COM" is dmarc@example.com again: used once.
		{"mailto:a%40b@reports.example?subject=x", "", false, ErrURI},
	}
	if len(got) != len(wants) {
		for _, d := range got {
			t.Logf("%+v", d)
		}
		t.Fatalf("VerifyDestinations = %d destinations, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		d := got[i]
		if d.URI != w.uri || d.Address != w.addr || d.External != w.external || !errors.Is(d.Err, w.err) || (w.err == nil) != (d.Err == nil) {
			t.Errorf("destination %d = %+v, want %+v", i, d, w)
		}
	}
	// Internal destinations cost no query; the verification name is
	// <policy domain>._report._dmarc.<host>.
	if n := srv.Count("example.com._report._dmarc.example.com", resolvertest.TypeTXT); n != 0 {
		t.Errorf("%d queries for an internal destination", n)
	}
	if n := srv.Count("example.com._report._dmarc.reports.example", resolvertest.TypeTXT); n != 1 {
		t.Errorf("%d queries for reports.example, want 1", n)
	}
}

func TestMaxDestinations(t *testing.T) {
	r := &Reporter{MaxDestinations: 2}
	got := r.VerifyDestinations(context.Background(), "example.com", []string{
		"mailto:a@example.com", "mailto:b@example.com", "mailto:c@example.com",
	})
	if len(got) != 3 || got[0].Err != nil || got[1].Err != nil || !errors.Is(got[2].Err, ErrTooManyDestinations) {
		t.Errorf("VerifyDestinations = %+v, want the third over the limit", got)
	}
}

func TestDestinationsOfReport(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.", Text: `
example.com._report._dmarc.reports.example. 300 IN TXT "v=DMARC1"
`}, policyZone)
	r := newReporter()
	r.Resolver = srv.Resolver()
	ev := Evaluation{Time: day0, Policy: testPolicy(), Row: testRows()[0], RUA: []string{"mailto:x@reports.example", "mailto:y@unconfirmed.example"}}
	if err := r.Add(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	d, err := r.Destinations(context.Background(), r.KeyAt("example.com", day0))
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 2 || d[0].Address != "x@reports.example" || d[0].Err != nil || !errors.Is(d[1].Err, ErrUnverified) {
		t.Errorf("Destinations = %+v", d)
	}
}

func TestParseMailto(t *testing.T) {
	for _, tt := range []struct{ in, addr, host string }{
		{"mailto:dmarc@example.com", "dmarc@example.com", "example.com"},
		{" mailto:dmarc@Example.COM!25M ", "dmarc@Example.COM", "example.com"},
		{"mailto:weird!name@example.com", "weird!name@example.com", "example.com"},
		{"mailto:d%2Bagg@example.com", "d+agg@example.com", "example.com"},
	} {
		a, h, err := ParseMailto(tt.in)
		if err != nil || a != tt.addr || h != tt.host {
			t.Errorf("ParseMailto(%q) = %q, %q, %v; want %q, %q", tt.in, a, h, err, tt.addr, tt.host)
		}
	}
	for _, in := range []string{"", "mailto:", "mailto:a@b.example,c@d.example", "http://x", "mailto:nobody", "mailto:%zz@x.example", "mailto:Name <a@b.example>"} {
		if _, _, err := ParseMailto(in); !errors.Is(err, ErrURI) {
			t.Errorf("ParseMailto(%q) = %v, want ErrURI", in, err)
		}
	}
}

func TestCompose(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.", Text: `
example.com._report._dmarc.reports.example. 300 IN TXT "v=DMARC1"
`}, policyZone)
	srv.Fail("example.com._report._dmarc.temp.example", resolvertest.AnyType, resolvertest.ServFail)
	ctx := context.Background()
	compose := func(rua ...string) ([]Destination, string, error) {
		r := newReporter()
		r.Resolver = srv.Resolver()
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: testRows()[0], RUA: rua}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		d, _, err := r.Compose(ctx, &buf, r.KeyAt("example.com", day0), "dmarc-reports@mail.receiver.example")
		return d, buf.String(), err
	}
	d, msg, err := compose("mailto:a@example.com", "mailto:b@reports.example", "mailto:c@nowhere.example")
	if err != nil || len(d) != 3 {
		t.Fatalf("Compose = %d destinations, %v", len(d), err)
	}
	if !strings.Contains(msg, "To: a@example.com,\r\n b@reports.example\r\n") || strings.Contains(msg, "c@nowhere.example") {
		t.Errorf("message not addressed to the verified destinations only:\n%s", msg[:300])
	}
	_, msg, err = compose("mailto:t@temp.example")
	if !errors.Is(err, ErrNoDestination) || !errors.Is(err, ErrDNS) || msg != "" {
		t.Errorf("Compose with a DNS failure = %v, %d octets; want ErrNoDestination and ErrDNS, nothing written", err, len(msg))
	}
	_, _, err = compose("mailto:c@nowhere.example")
	if !errors.Is(err, ErrNoDestination) || errors.Is(err, ErrDNS) {
		t.Errorf("Compose with no verified destination = %v, want ErrNoDestination alone", err)
	}
}
