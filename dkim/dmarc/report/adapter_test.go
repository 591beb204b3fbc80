package report

import (
	"bytes"
	"context"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func TestFromDMARCNothingToReport(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.1")
	rec := &dmarc.Record{Policy: dmarc.PolicyReject}
	for _, o := range []dmarc.Outcome{
		{Result: dmarc.None},
		{Result: dmarc.TempError, Record: nil},
		{Result: dmarc.PermError},
		{Result: dmarc.TempError, Record: rec},
		{Result: dmarc.Pass, Record: nil},
	} {
		if _, ok := FromDMARC(ip, dmarc.Input{}, o); ok {
			t.Errorf("FromDMARC(%v) reports", o)
		}
	}
}

// TestFromDMARC evaluates messages with package dmarc against a zone
// and checks the rows a report gets.
func TestFromDMARC(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.example.com.   300 IN TXT "v=DMARC1; p=reject; sp=quarantine; adkim=s; fo=1; rua=mailto:agg@example.com,mailto:x@reports.example"
_dmarc.relaxed.example. 300 IN TXT "v=DMARC1; p=none"
`})
	ev := &dmarc.Evaluator{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("::ffff:192.0.2.9")
	ctx := context.Background()
	tests := []struct {
		name string
		in   dmarc.Input
		want Row
	}{
		{
			name: "aligned DKIM pass under p=reject",
			in: dmarc.Input{FromDomains: []string{"example.com"},
				DKIM: []dkim.Outcome{{Result: dkim.Pass, Domain: "example.com", Selector: "s1"}, {Result: dkim.Fail, Domain: "esp.example", Selector: "e"}},
				SPF:  dmarc.SPF{Result: "Pass", Domain: "esp.example"}},
			want: Row{Disposition: DispositionPass, DKIM: AlignedPass, SPF: AlignedFail, HeaderFrom: "example.com", EnvelopeFrom: "esp.example",
				DKIMResults: []DKIMAuth{{Domain: "example.com", Selector: "s1", Result: "pass"}, {Domain: "esp.example", Selector: "e", Result: "fail"}},
				SPFResults:  []SPFAuth{{Domain: "esp.example", Scope: "mfrom", Result: "pass"}}},
		},
		{
			name: "unaligned fail rejected",
			in:   dmarc.Input{FromDomains: []string{"example.com"}, SPF: dmarc.SPF{Result: "softfail", Domain: "spoof.example"}},
			want: Row{Disposition: DispositionReject, DKIM: AlignedFail, SPF: AlignedFail, HeaderFrom: "example.com", EnvelopeFrom: "spoof.example",
				SPFResults: []SPFAuth{{Domain: "spoof.example", Scope: "mfrom", Result: "softfail"}}},
		},
		{
			name: "pass under p=none",
			in:   dmarc.Input{FromDomains: []string{"relaxed.example"}, SPF: dmarc.SPF{Result: "pass", Domain: "bounce.relaxed.example"}},
			want: Row{Disposition: DispositionNone, DKIM: AlignedFail, SPF: AlignedPass, HeaderFrom: "relaxed.example", EnvelopeFrom: "bounce.relaxed.example",
				SPFResults: []SPFAuth{{Domain: "bounce.relaxed.example", Scope: "mfrom", Result: "pass"}}},
		},
	}
	r := newReporter()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ev.Evaluate(ctx, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			e, ok := FromDMARC(ip, tt.in, o)
			if !ok {
				t.Fatalf("FromDMARC(%v) = nothing to report", o)
			}
			tt.want.SourceIP = netip.MustParseAddr("192.0.2.9")
			for i := range e.Row.DKIMResults {
				e.Row.DKIMResults[i].HumanResult = "" // dkim's Reason phrases are dkim's to choose
			}
			if !reflect.DeepEqual(e.Row, tt.want) {
				t.Errorf("row = %+v\nwant %+v", e.Row, tt.want)
			}
			e.Time = day0
			if err := r.Add(ctx, e); err != nil {
				t.Fatalf("Add = %v", err)
			}
		})
	}
	k := r.KeyAt("example.com", day0)
	info, err := r.Info(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if info.Policy.P != "reject" || info.Policy.SP != "quarantine" || info.Policy.ADKIM != "s" || info.Policy.FO != "1" || info.Policy.Domain != "example.com" {
		t.Errorf("policy = %+v", info.Policy)
	}
	if !reflect.DeepEqual(info.RUA, []string{"mailto:agg@example.com", "mailto:x@reports.example"}) {
		t.Errorf("rua = %q", info.RUA)
	}
	if _, err := r.WriteXML(ctx, new(bytes.Buffer), k); err != nil {
		t.Errorf("WriteXML = %v", err)
	}
}

func TestFromDMARCSampledOut(t *testing.T) {
	in := dmarc.Input{FromDomains: []string{"example.com"}}
	o := dmarc.Outcome{Result: dmarc.Fail, Domain: "example.com", PolicyDomain: "example.com", Record: &dmarc.Record{Policy: dmarc.PolicyReject},
		Policy: dmarc.PolicyReject, Disposition: dmarc.DispositionQuarantine, SampledOut: true}
	e, ok := FromDMARC(netip.MustParseAddr("192.0.2.1"), in, o)
	if !ok || len(e.Row.Reasons) != 1 || e.Row.Reasons[0].Type != Other || e.Row.Disposition != DispositionQuarantine {
		t.Errorf("FromDMARC(sampled out) = %+v, %v", e.Row, ok)
	}
}

// TestFromDMARCModes checks what the mode and the record's t= give a
// report: discovery_method, testing, and the override reasons.
func TestFromDMARCModes(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.test.example.  300 IN TXT "v=DMARC1; p=reject; t=y; rua=mailto:d@test.example"
_dmarc.half.example.  300 IN TXT "v=DMARC1; p=reject; pct=50"
`})
	ctx := context.Background()
	ip := netip.MustParseAddr("192.0.2.9")
	in := dmarc.Input{FromDomains: []string{"test.example"}, SPF: dmarc.SPF{Result: "fail", Domain: "test.example"}}
	o, err := (&dmarc.Evaluator{Resolver: srv.Resolver()}).Evaluate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := FromDMARC(ip, in, o)
	if !ok {
		t.Fatalf("FromDMARC(%v): nothing to report", o)
	}
	if e.Policy.DiscoveryMethod != "treewalk" || e.Policy.Testing != "y" {
		t.Errorf("policy = %+v, want treewalk and testing y", e.Policy)
	}
	if len(e.Row.Reasons) != 1 || e.Row.Reasons[0].Type != PolicyTestMode || e.Row.Disposition != DispositionQuarantine {
		t.Errorf("t=y row = %+v, want quarantine with policy_test_mode", e.Row)
	}

	in = dmarc.Input{FromDomains: []string{"half.example"}}
	ev7489 := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: dmarc.ModeRFC7489, Percent: func() int { return 70 }}
	o, err = ev7489.Evaluate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	e, ok = FromDMARC(ip, in, o)
	if !ok {
		t.Fatalf("FromDMARC(%v): nothing to report", o)
	}
	if e.Policy.DiscoveryMethod != "psl" || e.Policy.Testing != "" {
		t.Errorf("policy = %+v, want psl and no testing", e.Policy)
	}
	if len(e.Row.Reasons) != 1 || e.Row.Reasons[0].Type != Other || !strings.HasPrefix(e.Row.Reasons[0].Comment, "sampled_out") {
		t.Errorf("sampled-out row reasons = %+v, want one other: sampled_out", e.Row.Reasons)
	}
	if err := newReporter().Add(ctx, e); err != nil {
		t.Errorf("Add(sampled out) = %v", err)
	}
}

// TestFromDMARCOverrides maps the overrides package dmarc records,
// the trusted ARC sealer's among them.
func TestFromDMARCOverrides(t *testing.T) {
	rec := &dmarc.Record{Policy: dmarc.PolicyReject, DKIMAlignment: dmarc.Relaxed, SPFAlignment: dmarc.Relaxed}
	o := dmarc.Outcome{Result: dmarc.Fail, Domain: "example.com", PolicyDomain: "example.com", Record: rec,
		Policy: dmarc.PolicyReject, Disposition: dmarc.DispositionNone, ARCOverride: true,
		Overrides: []dmarc.Override{
			{Type: dmarc.OverrideLocalPolicy, Comment: "arc=pass as[2].d=lists.example as[2].s=arc"},
			{Type: dmarc.OverrideTrustedForwarder},
			{Type: dmarc.OverrideForwarded, Comment: "by lists.example"},
		}}
	in := dmarc.Input{FromDomains: []string{"example.com"}, SPF: dmarc.SPF{Result: "pass", Domain: "mx.lists.example", Scope: "helo"}}
	e, ok := FromDMARC(netip.MustParseAddr("192.0.2.9"), in, o)
	if !ok {
		t.Fatal("nothing to report")
	}
	want := []Reason{
		{LocalPolicy, "arc=pass as[2].d=lists.example as[2].s=arc"},
		{TrustedForwarder, ""},
		{Other, "forwarded by lists.example"},
	}
	if !reflect.DeepEqual(e.Row.Reasons, want) {
		t.Errorf("reasons = %+v, want %+v", e.Row.Reasons, want)
	}
	if e.Row.Disposition != DispositionNone || e.Row.DKIM != AlignedFail || e.Row.SPF != AlignedFail {
		t.Errorf("row = %+v", e.Row)
	}
	// A HELO result: no scope (RFC 9990 allows mfrom only), no envelope_from.
	if s := e.Row.SPFResults; len(s) != 1 || s[0] != (SPFAuth{Domain: "mx.lists.example", Result: "pass"}) || e.Row.EnvelopeFrom != "" {
		t.Errorf("spf = %+v, envelope_from %q", s, e.Row.EnvelopeFrom)
	}
	r := newReporter()
	e.Time = day0
	if err := r.Add(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := r.WriteXML(context.Background(), &buf, r.KeyAt("example.com", day0)); err != nil {
		t.Fatal(err)
	}
	rep, err := new(Parser).ParseXML(&buf)
	if err != nil || !reflect.DeepEqual(rep.Rows[0].Reasons, want) {
		t.Errorf("reasons read back = %+v, %v", rep.Rows[0].Reasons, err)
	}
}
