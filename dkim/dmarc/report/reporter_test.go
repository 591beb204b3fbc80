package report

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// day0 is 2025-01-01T00:00:00Z, the start of a daily period.
var day0 = time.Unix(1735689600, 0).UTC()

func newReporter() *Reporter {
	return &Reporter{
		OrgName:   "Receiver Example",
		Email:     "dmarc-reports@mail.receiver.example",
		Submitter: "mail.receiver.example",
		Generator: "spamkit test",
		Now:       func() time.Time { return day0.Add(25 * time.Hour) },
	}
}

func testPolicy() Policy {
	return Policy{Domain: "example.com", DiscoveryMethod: "treewalk", P: "reject", SP: "quarantine", NP: "reject", ADKIM: "r", ASPF: "s", FO: "1", Testing: "n", Percent: -1}
}

// testRows are rows covering every element of a record: both address
// families, every reason type, several DKIM results, text needing
// escapes and non-ASCII.
func testRows() []Row {
	return []Row{
		{
			SourceIP: netip.MustParseAddr("192.0.2.10"), Count: 5,
			Disposition: DispositionPass, DKIM: AlignedPass, SPF: AlignedPass,
			HeaderFrom: "example.com", EnvelopeFrom: "bounce.example.com", EnvelopeTo: "receiver.example",
			DKIMResults: []DKIMAuth{{Domain: "example.com", Selector: "s1", Result: "pass"}},
			SPFResults:  []SPFAuth{{Domain: "bounce.example.com", Scope: "mfrom", Result: "pass"}},
		},
		{
			SourceIP: netip.MustParseAddr("2001:db8::7"), Count: 2,
			Disposition: DispositionNone, DKIM: AlignedFail, SPF: AlignedFail,
			Reasons: []Reason{
				{Type: LocalPolicy, Comment: "arc=pass as[2].d=lists.example <trusted> & sealed"},
				{Type: TrustedForwarder},
			},
			HeaderFrom: "example.com", EnvelopeFrom: "lists.example",
			DKIMResults: []DKIMAuth{
				{Domain: "example.com", Selector: "s1", Result: "fail", HumanResult: "body hash did not verify"},
				{Domain: "lists.example", Selector: "lst", Result: "pass"},
			},
			SPFResults: []SPFAuth{{Domain: "lists.example", Scope: "mfrom", Result: "pass"}},
		},
		{
			SourceIP: netip.MustParseAddr("198.51.100.99"), Count: 1,
			Disposition: DispositionQuarantine, DKIM: AlignedFail, SPF: AlignedFail,
			Reasons:    []Reason{{Type: PolicyTestMode, Comment: "t=y: one level down"}, {Type: MailingList}, {Type: Other, Comment: "Zürich ✓"}},
			HeaderFrom: "news.example.com",
			DKIMResults: []DKIMAuth{
				{Domain: "news.example.com", Selector: "k", Result: "permerror", HumanResult: "no key"},
				{Domain: "esp.example", Selector: "x", Result: "temperror"},
				{Domain: "other.example", Selector: "y", Result: "neutral"},
				{Domain: "p.example", Selector: "z", Result: "policy"},
				{Domain: "n.example", Selector: "n", Result: "none"},
			},
			SPFResults: []SPFAuth{{Domain: "news.example.com", Result: "softfail", HumanResult: "~all"}},
		},
		{
			SourceIP: netip.MustParseAddr("203.0.113.1"), Count: 9,
			Disposition: DispositionReject, DKIM: AlignedFail, SPF: AlignedFail,
			HeaderFrom: "example.com",
		},
	}
}

// fill adds each row of testRows to r, in several parts, so that equal
// rows are merged.
func fill(t *testing.T, r *Reporter) Key {
	t.Helper()
	ctx := context.Background()
	for _, row := range testRows() {
		n := row.Count
		for i := range n {
			part := row
			part.Count = 1
			if err := r.Add(ctx, Evaluation{Time: day0.Add(time.Duration(i) * time.Hour), Policy: testPolicy(), RUA: []string{"mailto:dmarc@example.com"}, Row: part}); err != nil {
				t.Fatalf("Add(%v) = %v", part.SourceIP, err)
			}
		}
	}
	return r.KeyAt("example.com", day0)
}

func TestRoundTripXML(t *testing.T) {
	r := newReporter()
	k := fill(t, r)
	var buf bytes.Buffer
	m, err := r.WriteXML(context.Background(), &buf, k)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := new(Parser).ParseXML(&buf)
	if err != nil {
		t.Fatalf("ParseXML: %v\n%s", err, buf.String())
	}
	checkReport(t, rep, m)
}

func checkReport(t *testing.T, rep *Report, m Metadata) {
	t.Helper()
	if len(rep.Warnings) > 0 {
		t.Errorf("warnings reading our own report: %q", rep.Warnings)
	}
	if !reflect.DeepEqual(rep.Rows, testRows()) {
		t.Errorf("rows differ:\n got %+v\nwant %+v", rep.Rows, testRows())
	}
	if !reflect.DeepEqual(rep.Policy, testPolicy()) {
		t.Errorf("policy = %+v, want %+v", rep.Policy, testPolicy())
	}
	if !reflect.DeepEqual(rep.Metadata, m) {
		t.Errorf("metadata = %+v, want %+v", rep.Metadata, m)
	}
	if rep.Namespace != Namespace || rep.Version != "1.0" {
		t.Errorf("namespace %q version %q", rep.Namespace, rep.Version)
	}
	if want := day0.Add(24*time.Hour - time.Second); !m.Begin.Equal(day0) || !m.End.Equal(want) {
		t.Errorf("date_range %v..%v, want %v..%v", m.Begin, m.End, day0, want)
	}
}

func TestRoundTripMessage(t *testing.T) {
	r := newReporter()
	k := fill(t, r)
	var buf bytes.Buffer
	m, err := r.WriteMessage(context.Background(), &buf, k, "dmarc-reports@mail.receiver.example", []string{"dmarc@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	msg := buf.String()
	for _, want := range []string{
		"Subject: Report Domain: example.com\r\n Submitter: mail.receiver.example\r\n Report-ID: <1735689600.example.com@mail.receiver.example>\r\n",
		"Message-ID: <1735689600.example.com@mail.receiver.example>\r\n",
		"Content-Type: multipart/report; report-type=gzip;",
		`filename="mail.receiver.example!example.com!1735689600!1735775999.xml.gz"`,
		"Content-Type: application/gzip;",
		"Date: Thu, 02 Jan 2025 01:00:00 +0000\r\n",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	for i, line := range strings.Split(msg, "\r\n") {
		if len(line) > 78 && !strings.HasPrefix(line, "Content-") {
			t.Errorf("line %d is %d characters: %q", i, len(line), line)
		}
	}
	if strings.Contains(strings.ReplaceAll(msg, "\r\n", ""), "\n") {
		t.Error("message has a bare LF")
	}
	reps, err := new(Parser).Parse(&buf)
	if err != nil || len(reps) != 1 {
		t.Fatalf("Parse(message) = %d reports, %v", len(reps), err)
	}
	checkReport(t, reps[0], m)
}

func TestReportWholeMatchesStream(t *testing.T) {
	r := newReporter()
	k := fill(t, r)
	rep, err := r.Report(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := rep.WriteXML(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteXML(context.Background(), &b, k); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("Report.WriteXML and Reporter.WriteXML differ:\n%s\n---\n%s", a.String(), b.String())
	}
}

func TestPeriodsAndDomains(t *testing.T) {
	r := newReporter()
	ctx := context.Background()
	row := testRows()[3]
	add := func(domain string, at time.Time) {
		t.Helper()
		p := testPolicy()
		p.Domain = domain
		if err := r.Add(ctx, Evaluation{Time: at, Policy: p, Row: row}); err != nil {
			t.Fatal(err)
		}
	}
	add("example.com", day0)
	add("Example.COM.", day0.Add(23*time.Hour))    // same report
	add("example.com", day0.Add(24*time.Hour))     // next period
	add("other.example", day0.Add(90*time.Minute)) // another Policy Domain
	due, err := r.Due(ctx, day0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{{"example.com", day0.Unix()}, {"other.example", day0.Unix()}}
	if !slices.Equal(due, want) {
		t.Errorf("Due = %v, want %v", due, want)
	}
	info, err := r.Info(ctx, want[0])
	if err != nil || info.Rows != 1 || info.Messages != 18 {
		t.Errorf("Info = %+v, %v; want 1 row of 18 messages", info, err)
	}
	if err := r.Done(ctx, want[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Info(ctx, want[0]); !errors.Is(err, ErrNoReport) {
		t.Errorf("Info after Done = %v, want ErrNoReport", err)
	}
	due, _ = r.Due(ctx, day0.Add(48*time.Hour))
	if len(due) != 2 {
		t.Errorf("Due two days on = %v, want 2 keys", due)
	}
}

func TestAddInvalid(t *testing.T) {
	ctx := context.Background()
	good := testRows()[0]
	tests := []struct {
		name string
		mod  func(*Evaluation)
	}{
		{"no source", func(e *Evaluation) { e.Row.SourceIP = netip.Addr{} }},
		{"no header_from", func(e *Evaluation) { e.Row.HeaderFrom = "" }},
		{"bad disposition", func(e *Evaluation) { e.Row.Disposition = "discard" }},
		{"bad aligned", func(e *Evaluation) { e.Row.DKIM = "softfail" }},
		{"bad reason", func(e *Evaluation) { e.Row.Reasons = []Reason{{Type: "sampled_out"}} }},
		{"bad dkim result", func(e *Evaluation) { e.Row.DKIMResults = []DKIMAuth{{Domain: "d", Selector: "s", Result: "Pass"}} }},
		{"helo scope", func(e *Evaluation) { e.Row.SPFResults = []SPFAuth{{Domain: "d", Scope: "helo", Result: "pass"}} }},
		{"no policy domain", func(e *Evaluation) { e.Policy.Domain = "" }},
		{"no p", func(e *Evaluation) { e.Policy.P = "" }},
		{"bad testing", func(e *Evaluation) { e.Policy.Testing = "yes" }},
		{"negative count", func(e *Evaluation) { e.Row.Count = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReporter()
			ev := Evaluation{Time: day0, Policy: testPolicy(), Row: good}
			tt.mod(&ev)
			if err := r.Add(ctx, ev); !errors.Is(err, ErrInvalidRow) {
				t.Errorf("Add = %v, want ErrInvalidRow", err)
			}
			if keys, _ := r.Due(ctx, day0.Add(48*time.Hour)); len(keys) != 0 {
				t.Errorf("an invalid row was stored: %v", keys)
			}
		})
	}
}

func TestWriteMessageArguments(t *testing.T) {
	r := newReporter()
	k := fill(t, r)
	ctx := context.Background()
	for _, tt := range []struct {
		from string
		to   []string
		want error
	}{
		{"reports@receiver.example", nil, ErrNoDestination},
		{"reports@receiver.example\r\nBcc: x@evil.example", []string{"a@example.com"}, ErrInvalidRow},
		{"reports@receiver.example", []string{"a@example.com\r\nX: y"}, ErrInvalidRow},
	} {
		if _, err := r.WriteMessage(ctx, new(bytes.Buffer), k, tt.from, tt.to); !errors.Is(err, tt.want) {
			t.Errorf("WriteMessage(%q, %q) = %v, want %v", tt.from, tt.to, err, tt.want)
		}
	}
	if _, err := r.WriteMessage(ctx, new(bytes.Buffer), Key{"nothing.example", 0}, "a@b.example", []string{"c@d.example"}); !errors.Is(err, ErrNoReport) {
		t.Errorf("WriteMessage(unknown key) = %v, want ErrNoReport", err)
	}
	bare := &Reporter{Now: r.Now}
	bk := fill(t, bare)
	if _, err := bare.WriteXML(ctx, new(bytes.Buffer), bk); !errors.Is(err, ErrInvalidRow) {
		t.Errorf("WriteXML without OrgName = %v, want ErrInvalidRow", err)
	}
}

func TestSubjectShort(t *testing.T) {
	r := &Reporter{Submitter: "mx.example", ReportID: func(Key) string { return "1" }}
	if got, want := r.Subject(Key{"a.example", 0}), "Report Domain: a.example Submitter: mx.example Report-ID: <1>"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	r.Instance = "node7"
	if got, want := r.Filename(Key{"bücher.example", 86400}), "mx.example!xn--bcher-kva.example!86400!172799!node7.xml.gz"; got != want {
		t.Errorf("Filename = %q, want %q", got, want)
	}
}

func TestIDNPolicyDomain(t *testing.T) {
	r := newReporter()
	ctx := context.Background()
	for _, d := range []string{"bücher.example", "XN--BCHER-KVA.example."} {
		p := testPolicy()
		p.Domain = d
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: testRows()[3]}); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := r.Due(ctx, day0.Add(48*time.Hour))
	if len(keys) != 1 || keys[0].Domain != "xn--bcher-kva.example" {
		t.Errorf("keys = %v, want one report for xn--bcher-kva.example", keys)
	}
}

// TestMessageEnmime reads the message a Reporter writes with another
// MIME parser (github.com/jhillyerd/enmime): one gzip attachment under
// the RFC 9990 filename, which inflates to the report.
func TestMessageEnmime(t *testing.T) {
	r := newReporter()
	k := fill(t, r)
	var buf bytes.Buffer
	m, err := r.WriteMessage(context.Background(), &buf, k, "dmarc-reports@mail.receiver.example", []string{"dmarc@example.com", "agg@reports.example"})
	if err != nil {
		t.Fatal(err)
	}
	env, err := enmime.ReadEnvelope(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Errors) > 0 {
		t.Errorf("enmime found errors: %v", env.Errors)
	}
	if got := env.GetHeader("Subject"); got != "Report Domain: example.com Submitter: mail.receiver.example Report-ID: <1735689600.example.com@mail.receiver.example>" {
		t.Errorf("Subject = %q", got)
	}
	if to, _ := env.AddressList("To"); len(to) != 2 {
		t.Errorf("To = %v", to)
	}
	if !strings.HasPrefix(env.Text, "DMARC aggregate report for example.com") {
		t.Errorf("text part = %q", env.Text)
	}
	var gzParts []*enmime.Part
	for _, p := range append(env.Attachments, env.Inlines...) {
		if p.ContentType == "application/gzip" {
			gzParts = append(gzParts, p)
		}
	}
	if len(gzParts) != 1 || gzParts[0].FileName != "mail.receiver.example!example.com!1735689600!1735775999.xml.gz" {
		t.Fatalf("gzip parts = %d (%v)", len(gzParts), env.Attachments)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gzParts[0].Content))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := new(Parser).ParseXML(zr)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, m)
}

// TestHeaderInjection: what goes into the Subject and the filename is
// checked, so that a hostile From domain or a bad configuration cannot
// add header fields.
func TestHeaderInjection(t *testing.T) {
	ctx := context.Background()
	for _, d := range []string{"example.com\r\nBcc: x@evil.example", "a b.example", "ex!ample.com", "x/../y.example", "a..b.example"} {
		p := testPolicy()
		p.Domain = d
		if err := newReporter().Add(ctx, Evaluation{Time: day0, Policy: p, Row: testRows()[0]}); !errors.Is(err, ErrInvalidRow) {
			t.Errorf("Add(policy domain %q) = %v, want ErrInvalidRow", d, err)
		}
	}
	for name, mod := range map[string]func(*Reporter){
		"submitter": func(r *Reporter) { r.Submitter = "mx.example\r\nBcc: x@evil.example" },
		"instance":  func(r *Reporter) { r.Instance = "node-1" },
		"report-id": func(r *Reporter) { r.ReportID = func(Key) string { return "id\r\nBcc: x@evil.example" } },
	} {
		r := newReporter()
		mod(r)
		k := fill(t, r)
		var buf bytes.Buffer
		if _, err := r.WriteMessage(ctx, &buf, k, "a@mx.example", []string{"b@example.com"}); !errors.Is(err, ErrInvalidRow) || buf.Len() != 0 {
			t.Errorf("%s: WriteMessage = %v with %d octets, want ErrInvalidRow and nothing", name, err, buf.Len())
		}
	}
}

// TestReporterConcurrent adds rows from several goroutines while a
// report is written (run with -race): every message is counted once.
func TestReporterConcurrent(t *testing.T) {
	r := newReporter()
	ctx := context.Background()
	k := r.KeyAt("example.com", day0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				if err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: rowFrom(i % 10)}); err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, err := r.WriteXML(ctx, io.Discard, k); err != nil && !errors.Is(err, ErrNoReport) {
				t.Errorf("WriteXML = %v", err)
			}
		}
	})
	wg.Wait()
	info, err := r.Info(ctx, k)
	if err != nil || info.Rows != 10 || info.Messages != 400 {
		t.Errorf("Info = %+v, %v; want 10 rows, 400 messages", info, err)
	}
}
