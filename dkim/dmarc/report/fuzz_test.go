package report

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func addProviderSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "providers", "*"))
	for _, name := range files {
		if strings.HasSuffix(name, ".md") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParse feeds the Parser any input: it must not panic, must keep
// within its limits, and whatever report it returns that RFC 9990 can
// express must come back the same when written and read again.
func FuzzParse(f *testing.F) {
	addProviderSeeds(f)
	f.Add(bigReport(2))
	p := &Parser{MaxInputBytes: 1 << 20, MaxXMLBytes: 4 << 20, MaxRecords: 50, MaxAuthResults: 10, MaxParts: 10, MaxDepth: 4, MaxWarnings: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		reps, _ := p.Parse(bytes.NewReader(data))
		for _, r := range reps {
			if len(r.Rows) > p.MaxRecords {
				t.Fatalf("%d rows, limit %d", len(r.Rows), p.MaxRecords)
			}
			if len(r.Warnings) > p.MaxWarnings+1 {
				t.Fatalf("%d warnings, limit %d", len(r.Warnings), p.MaxWarnings)
			}
			for _, row := range r.Rows {
				if row.Count < 0 || len(row.DKIMResults) > p.MaxAuthResults || len(row.SPFResults) > p.MaxAuthResults || len(row.Reasons) > p.MaxAuthResults {
					t.Fatalf("row beyond the limits: %+v", row)
				}
			}
			checkRewrite(t, r)
		}
	})
}

// checkRewrite writes r as RFC 9990 XML if it can be, reads it back,
// and compares.
func checkRewrite(t *testing.T, r *Report) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteXML(&buf); err != nil {
		if buf.Len() != 0 {
			t.Fatalf("WriteXML failed (%v) after writing %d octets", err, buf.Len())
		}
		return
	}
	again, err := new(Parser).ParseXML(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("our own XML does not parse: %v\n%s", err, buf.String())
	}
	if !xmlSafe(r) {
		return // strings with characters XML cannot carry were replaced
	}
	if !reflect.DeepEqual(again.Rows, r.Rows) {
		t.Fatalf("rows changed in a round trip:\n got %+v\nwant %+v", again.Rows, r.Rows)
	}
	want := r.Policy
	want.Percent = -1
	if again.Policy != want {
		t.Fatalf("policy changed: %+v, want %+v", again.Policy, want)
	}
	m, w := again.Metadata, r.Metadata
	if m.OrgName != w.OrgName || m.Email != w.Email || m.ReportID != w.ReportID || m.Generator != w.Generator ||
		m.ExtraContactInfo != w.ExtraContactInfo || !m.Begin.Equal(w.Begin) || !m.End.Equal(w.End) ||
		strings.Join(m.Errors, "; ") != strings.Join(w.Errors, "; ") {
		t.Fatalf("metadata changed: %+v, want %+v", m, w)
	}
}

// xmlSafe reports whether every string of r is valid UTF-8 made of
// characters XML 1.0 allows.
func xmlSafe(r *Report) bool {
	ok := func(s string) bool {
		if !utf8.ValidString(s) {
			return false
		}
		for _, c := range s {
			if c == utf8.RuneError || c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF {
				return false
			}
		}
		return true
	}
	strs := []string{r.Metadata.OrgName, r.Metadata.Email, r.Metadata.ExtraContactInfo, r.Metadata.ReportID, r.Metadata.Generator,
		r.Policy.Domain, r.Policy.FO}
	strs = append(strs, r.Metadata.Errors...)
	for _, row := range r.Rows {
		strs = append(strs, row.HeaderFrom, row.EnvelopeFrom, row.EnvelopeTo)
		for _, x := range row.Reasons {
			strs = append(strs, x.Comment)
		}
		for _, x := range row.DKIMResults {
			strs = append(strs, x.Domain, x.Selector, x.HumanResult)
		}
		for _, x := range row.SPFResults {
			strs = append(strs, x.Domain, x.HumanResult)
		}
	}
	for _, s := range strs {
		if !ok(s) {
			return false
		}
	}
	return true
}

// FuzzRoundTrip puts arbitrary strings into a row: the report written
// must always parse, and strings XML can carry (without the spaces a
// reader trims) must come back unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("arc=pass as[2].d=lists.example", "sel", "body hash <mismatch> & more", "example.com")
	f.Add("\x00\xff\ufffe", " x ", "\r\n", "EXAMPLE.org.")
	f.Add("]]>", "<!--", "&amp;", "a\tb")
	f.Fuzz(func(t *testing.T, comment, selector, human, from string) {
		r := newReporter()
		row := testRows()[1]
		row.Reasons = []Reason{{Type: LocalPolicy, Comment: comment}}
		row.DKIMResults = []DKIMAuth{{Domain: "example.com", Selector: selector, Result: "pass", HumanResult: human}}
		row.HeaderFrom = from
		err := r.Add(context.Background(), Evaluation{Time: day0, Policy: testPolicy(), Row: row})
		if err != nil {
			return // no header_from, or too long
		}
		var buf bytes.Buffer
		if _, err := r.WriteXML(context.Background(), &buf, r.KeyAt("example.com", day0)); err != nil {
			t.Fatal(err)
		}
		rep, err := new(Parser).ParseXML(&buf)
		if err != nil || len(rep.Rows) != 1 {
			t.Fatalf("ParseXML = %v, %d rows\n%s", err, len(rep.Rows), buf.String())
		}
		got := rep.Rows[0]
		if got.SourceIP != netip.MustParseAddr("2001:db8::7") || got.Count != 2 {
			t.Fatalf("row = %+v", got)
		}
		same := func(in, out string) {
			t.Helper()
			probe := &Report{Metadata: Metadata{OrgName: in}}
			if !xmlSafe(probe) || strings.TrimFunc(in, unicode.IsSpace) != in {
				return
			}
			if in != out {
				t.Fatalf("%q came back as %q", in, out)
			}
		}
		same(comment, got.Reasons[0].Comment)
		same(selector, got.DKIMResults[0].Selector)
		same(human, got.DKIMResults[0].HumanResult)
		same(normDomain(from), got.HeaderFrom)
	})
}

// FuzzParseFailure feeds ParseFailure any message: no panic, and the
// typed fields stay in range.
func FuzzParseFailure(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "failure", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	p := &Parser{MaxInputBytes: 1 << 20, MaxParts: 10, MaxDepth: 4}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := p.ParseFailure(bytes.NewReader(data))
		if err != nil {
			if fr != nil {
				t.Fatalf("a report with an error: %v", err)
			}
			return
		}
		if fr.Fields == nil || fr.Incidents < 1 || fr.SourcePort < 0 || fr.SourcePort > 65535 {
			t.Fatalf("report out of range: %+v", fr)
		}
		if int64(len(fr.Original)) > int64(len(data)) {
			t.Fatalf("original of %d octets from %d", len(fr.Original), len(data))
		}
		// What was read can be written again, or is refused whole.
		var buf bytes.Buffer
		if err := WriteFailure(&buf, fr, "a@b.example", []string{"c@d.example"}, time.Unix(0, 0)); err != nil {
			return
		}
		again, err := p.ParseFailure(&buf)
		if err != nil {
			t.Fatalf("a report WriteFailure wrote does not parse: %v\n%s", err, buf.String())
		}
		if again.SourceIP != fr.SourceIP || again.Incidents != fr.Incidents || again.SourcePort != fr.SourcePort ||
			again.FeedbackType != "auth-failure" || again.HeadersOnly != (fr.HeadersOnly && fr.Original != nil) {
			t.Fatalf("written and read again: %+v\nfrom %+v", again, fr)
		}
	})
}
