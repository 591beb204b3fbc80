package report_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spamkit/spamkit/dkim/dmarc/report"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// A receiver accumulates rows for a day, then writes the report as the
// message that carries it to the verified rua= destinations.
func ExampleReporter() {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.", Text: `
example.com._report._dmarc.reports.example. 300 IN TXT "v=DMARC1"
`}, resolvertest.Zone{Origin: "com.", Text: `
_dmarc.example.com. 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com,mailto:agg@reports.example"
`})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &report.Reporter{
		OrgName:   "Receiver Example",
		Email:     "dmarc-reports@mx.receiver.example",
		Submitter: "mx.receiver.example",
		Resolver:  srv.Resolver(),
		Now:       func() time.Time { return day.Add(25 * time.Hour) },
	}
	ctx := context.Background()
	policy := report.Policy{Domain: "example.com", P: "reject", DiscoveryMethod: "treewalk"}
	rua := []string{"mailto:dmarc@example.com", "mailto:agg@reports.example", "mailto:x@unconfirmed.example"}
	for i := range 3 {
		row := report.Row{
			SourceIP:    netip.MustParseAddr("192.0.2.25"),
			Disposition: report.DispositionPass, DKIM: report.AlignedPass, SPF: report.AlignedPass,
			HeaderFrom: "example.com", EnvelopeFrom: "example.com",
			DKIMResults: []report.DKIMAuth{{Domain: "example.com", Selector: "s1", Result: "pass"}},
			SPFResults:  []report.SPFAuth{{Domain: "example.com", Scope: "mfrom", Result: "pass"}},
		}
		if err := r.Add(ctx, report.Evaluation{Time: day.Add(time.Duration(i) * time.Hour), Policy: policy, RUA: rua, Row: row}); err != nil {
			panic(err)
		}
	}

	keys, _ := r.Due(ctx, r.Now())
	for _, k := range keys {
		dests, _ := r.Destinations(ctx, k)
		var to []string
		for _, d := range dests {
			if d.Err != nil {
				fmt.Println("not sent to", d.URI)
				continue
			}
			to = append(to, d.Address)
		}
		var msg bytes.Buffer
		if _, err := r.WriteMessage(ctx, &msg, k, "dmarc-reports@mx.receiver.example", to); err != nil {
			panic(err)
		}
		fmt.Println("to:", strings.Join(to, ", "))
		fmt.Println(r.Filename(k))
		reps, _ := new(report.Parser).Parse(&msg)
		fmt.Println(reps[0].Rows[0].SourceIP, reps[0].Rows[0].Count)
		_ = r.Done(ctx, k)
	}
	// Output:
	// not sent to mailto:x@unconfirmed.example
	// to: dmarc@example.com, agg@reports.example
	// mx.receiver.example!example.com!1735689600!1735775999.xml.gz
	// 192.0.2.25 3
}

// A Domain Owner reads a report as a provider sends it and sums it.
func ExampleSummarize() {
	const xml = `<?xml version="1.0"?>
<feedback>
  <report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email>
    <report_id>1</report_id><date_range><begin>1735689600</begin><end>1735775999</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><p>reject</p><pct>100</pct></policy_published>
  <record><row><source_ip>192.0.2.10</source_ip><count>12</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><result>pass</result><selector>s1</selector></dkim></auth_results></record>
  <record><row><source_ip>203.0.113.66</source_ip><count>3</count>
      <policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>billing.example.com</header_from></identifiers>
    <auth_results><spf><domain>forged.example</domain><result>fail</result></spf></auth_results></record>
</feedback>`
	reps, err := new(report.Parser).Parse(strings.NewReader(xml))
	if err != nil {
		panic(err)
	}
	s := report.Summarize(reps...)
	fmt.Printf("%d messages: %d pass, %d fail (%d rejected or quarantined)\n", s.Total.Messages, s.Total.Pass, s.Total.Fail, s.Total.Enforced)
	for _, src := range s.BySource {
		fmt.Printf("%-14s pass %2d fail %d\n", src.Source, src.Pass, src.Fail)
	}
	for _, d := range s.ByDomain {
		fmt.Printf("%-20s pass %2d fail %d\n", d.Domain, d.Pass, d.Fail)
	}
	// Output:
	// 15 messages: 12 pass, 3 fail (3 rejected or quarantined)
	// 192.0.2.10     pass 12 fail 0
	// 203.0.113.66   pass  0 fail 3
	// example.com          pass 12 fail 0
	// billing.example.com  pass  0 fail 3
}

// The Subject tells duplicate reports apart before their attachment is
// read, whoever wrote it.
func ExampleParseSubject() {
	for _, s := range []string{
		"Report domain: example.com Submitter: google.com Report-ID: 8123456789012345678",
		"Report Domain: example.com; Submitter: Mail.Ru; Report-ID: 31415926535897932384626433",
		"Report Domain: example.net Submitter: yahoo.com Report-ID: <1735776219.402781>",
	} {
		f, ok := report.ParseSubject(s)
		fmt.Println(ok, f.Domain, f.Submitter, f.ReportID)
	}
	// Output:
	// true example.com google.com 8123456789012345678
	// true example.com Mail.Ru 31415926535897932384626433
	// true example.net yahoo.com 1735776219.402781
}

// A failure report written for a message that failed DMARC, then read
// as its Domain Owner reads it.
func ExampleWriteFailure() {
	fr := &report.FailureReport{
		UserAgent:         "spamkit-example/1",
		IdentityAlignment: []string{"dkim", "spf"},
		SourceIP:          netip.MustParseAddr("192.0.2.44"),
		ReportedDomain:    []string{"example.com"},
		OriginalMailFrom:  "<bounce@spoof.example>",
		Original:          []byte("From: ceo@example.com\r\nSubject: Invoice\r\n"),
		HeadersOnly:       true,
	}
	var msg bytes.Buffer
	err := report.WriteFailure(&msg, fr, "dmarc@mx.receiver.example", []string{"ruf@example.com"}, time.Date(2025, 1, 7, 6, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	got, err := new(report.Parser).ParseFailure(&msg)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.AuthFailure, got.IdentityAlignment, got.SourceIP, got.ReportedDomain, got.HeadersOnly)
	// Output:
	// dmarc [dkim spf] 192.0.2.44 [example.com] true
}
