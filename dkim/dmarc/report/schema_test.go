package report

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/testenv"
)

// xmllint validates doc against testdata/rfc9990.xsd (RFC 9990
// Appendix A) and returns xmllint's complaint, "" if valid.
func xmllint(t *testing.T, bin string, doc []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", filepath.Join("testdata", "rfc9990.xsd"), f).CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out)) + " (" + err.Error() + ")"
	}
	return ""
}

// TestSchema validates the reports a Reporter writes against RFC 9990's
// schema with xmllint (Debian libxml2-utils), and checks that the schema
// check can fail: a report breaking each kind of rule is refused.
func TestSchema(t *testing.T) {
	bin := testenv.Program(t, "xmllint")
	ctx := context.Background()

	r := newReporter()
	k := fill(t, r)
	var full bytes.Buffer
	if _, err := r.WriteXML(ctx, &full, k); err != nil {
		t.Fatal(err)
	}
	if msg := xmllint(t, bin, full.Bytes()); msg != "" {
		t.Fatalf("our report is not valid: %s\n%s", msg, full.String())
	}

	// A minimal report: one row, no optional element.
	min := &Reporter{OrgName: "o", Email: "e@x.example", Submitter: "x.example", Now: r.Now}
	ev := Evaluation{Time: day0, Policy: Policy{Domain: "example.com", P: "none"}, Row: Row{
		SourceIP: netip.MustParseAddr("192.0.2.1"), Disposition: DispositionNone, DKIM: AlignedFail, SPF: AlignedFail, HeaderFrom: "example.com",
	}}
	if err := min.Add(ctx, ev); err != nil {
		t.Fatal(err)
	}
	var small bytes.Buffer
	if _, err := min.WriteXML(ctx, &small, min.KeyAt("example.com", day0)); err != nil {
		t.Fatal(err)
	}
	if msg := xmllint(t, bin, small.Bytes()); msg != "" {
		t.Errorf("minimal report is not valid: %s\n%s", msg, small.String())
	}

	// A report with a limit's error element is valid too.
	lim := newReporter()
	lim.MaxRowsPerReport = 1
	_ = lim.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: testRows()[0]})
	_ = lim.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: testRows()[1]})
	var limited bytes.Buffer
	if _, err := lim.WriteXML(ctx, &limited, lim.KeyAt("example.com", day0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(limited.String(), "<error>2 messages not reported") {
		t.Errorf("no error element for the rows left out:\n%s", limited.String())
	}
	if msg := xmllint(t, bin, limited.Bytes()); msg != "" {
		t.Errorf("report with an error element is not valid: %s", msg)
	}

	// Documents that break the schema: xmllint must refuse each.
	doc := full.String()
	for name, bad := range map[string]string{
		"unknown disposition": strings.Replace(doc, "<disposition>pass</disposition>", "<disposition>discard</disposition>", 1),
		"helo scope":          strings.Replace(doc, "<scope>mfrom</scope>", "<scope>helo</scope>", 1),
		"pct element":         strings.Replace(doc, "<p>reject</p>", "<p>reject</p><pct>100</pct>", 1),
		"spf before dkim":     strings.Replace(doc, "<dkim>pass</dkim>\n        <spf>pass</spf>", "<spf>pass</spf>\n        <dkim>pass</dkim>", 1),
		"no namespace":        strings.Replace(doc, ` xmlns="`+Namespace+`"`, "", 1),
		"two error elements":  strings.Replace(limited.String(), "<error>", "<error>a</error><error>", 1),
	} {
		if bad == doc {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if msg := xmllint(t, bin, []byte(bad)); msg == "" {
			t.Errorf("%s: xmllint accepted an invalid report", name)
		}
	}
}

// TestSchemaProviders rewrites the provider-shaped reports whose values
// RFC 9990 allows as RFC 9990 reports, and validates them.
func TestSchemaProviders(t *testing.T) {
	bin := testenv.Program(t, "xmllint")
	for _, name := range []string{"google.xml", "outlook.xml", "yahoo.xml", "mailru.xml", "rfc9990.xml", "latin1.xml", "emptyreason.xml"} {
		f, err := os.Open(filepath.Join("testdata", "providers", name))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := new(Parser).ParseXML(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "emptyreason.xml" {
			// An empty reason type cannot be written; WriteXML says so.
			var b bytes.Buffer
			if err := rep.WriteXML(&b); err == nil || b.Len() != 0 {
				t.Errorf("%s: WriteXML = %v with %d octets, want an error and nothing written", name, err, b.Len())
			}
			continue
		}
		var b bytes.Buffer
		if err := rep.WriteXML(&b); err != nil {
			t.Fatalf("%s: WriteXML: %v", name, err)
		}
		if msg := xmllint(t, bin, b.Bytes()); msg != "" {
			t.Errorf("%s rewritten is not valid: %s\n%s", name, msg, b.String())
		}
	}
}
