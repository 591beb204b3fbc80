package dmarc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestModeRFC7489Records: ModeRFC7489 reads records by RFC 7489's rules,
// as the package did before RFC 9989 (its verdicts reproduced): a record
// without p= is void unless rua= holds a URI (§6.6.3 step 6), an invalid
// np= is ignored, t= and psd= are unknown tags; ModeRFC9989 reads the
// same records by RFC 9989 §4.7 and §4.10.1.
func TestModeRFC7489Records(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.nop.example.   IN TXT "v=DMARC1; adkim=s"
_dmarc.rua.example.   IN TXT "v=DMARC1; rua=mailto:d@rua.example"
_dmarc.np.example.    IN TXT "v=DMARC1; p=reject; np=bogus"
_dmarc.t.example.     IN TXT "v=DMARC1; p=reject; t=y"
`})
	for _, tc := range []struct {
		from string
		mode dmarc.Mode
		want dmarc.Result
		disp dmarc.Disposition
		err  error
	}{
		{"nop.example", dmarc.ModeRFC7489, dmarc.PermError, dmarc.DispositionNone, dmarc.ErrSyntax},
		{"nop.example", dmarc.ModeRFC9989, dmarc.Fail, dmarc.DispositionNone, nil},
		{"rua.example", dmarc.ModeRFC7489, dmarc.Fail, dmarc.DispositionNone, nil},
		{"rua.example", dmarc.ModeRFC9989, dmarc.Fail, dmarc.DispositionNone, nil},
		{"np.example", dmarc.ModeRFC7489, dmarc.Fail, dmarc.DispositionReject, nil},
		{"np.example", dmarc.ModeRFC9989, dmarc.PermError, dmarc.DispositionNone, dmarc.ErrSyntax},
		{"t.example", dmarc.ModeRFC7489, dmarc.Fail, dmarc.DispositionReject, nil},
		{"t.example", dmarc.ModeRFC9989, dmarc.Fail, dmarc.DispositionQuarantine, nil},
	} {
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: tc.mode}
		o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{tc.from}})
		if err != nil || o.Result != tc.want || o.Disposition != tc.disp || !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) {
			t.Errorf("%s: Evaluate(%s) = %v (disposition %s), %v, want %s %s %v", tc.mode, tc.from, o, o.Disposition, err, tc.want, tc.disp, tc.err)
		}
		if o.Mode != tc.mode {
			t.Errorf("%s: Outcome.Mode = %q", tc.mode, o.Mode)
		}
	}
}

// TestParseWarnings: the parser reports obsolete, unknown and invalid
// tags as warnings, separately from errors, and keeps the record.
func TestParseWarnings(t *testing.T) {
	r, err := dmarc.Parse("v=DMARC1; rua=mailto:a@example.com!10m; p=reject; pct=50; rf=afrf; ri=3600; adkim=x; psd=maybe; t=perhaps; fo=2; foo=bar")
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, w := range r.Warnings {
		tags = append(tags, w.Tag)
	}
	want := []string{"rua", "p", "pct", "rf", "ri", "adkim", "psd", "t", "fo", "foo"}
	if len(tags) != len(want) {
		t.Fatalf("Parse warnings = %q, want tags %q", r.Warnings, want)
	}
	for i := range want {
		if tags[i] != want[i] {
			t.Errorf("warning %d = %v, want tag %s", i, r.Warnings[i], want[i])
		}
	}
	if r.Policy != dmarc.PolicyReject || r.DKIMAlignment != dmarc.Relaxed || r.PSD != dmarc.PSDUnknown || r.Testing || r.FailureOptions != "0" || r.Percent != 50 {
		t.Errorf("Parse = %+v", r)
	}
	if r, err := dmarc.Parse("v=DMARC1; p=reject; psd=y; t=y"); err != nil || len(r.Warnings) != 0 || r.PSD != dmarc.PSDYes || !r.Testing {
		t.Errorf("Parse(clean RFC 9989 record) = %+v, %v, want no warnings, psd=y, t=y", r, err)
	}
}
