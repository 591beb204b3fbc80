package report

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestProviders parses reports shaped as large providers send them
// (testdata/providers/SOURCES.md names the samples they follow), in
// every form they come in.
func TestProviders(t *testing.T) {
	tests := []struct {
		file       string
		org        string
		domain     string
		rows       int
		messages   int64
		firstIP    string
		begin, end int64
		warn       string // a warning expected, "" for none at all
		check      func(t *testing.T, r *Report)
	}{
		{file: "google.xml", org: "google.com", domain: "example.com", rows: 2, messages: 15, firstIP: "192.0.2.10", begin: 1735689600, end: 1735775999,
			check: func(t *testing.T, r *Report) {
				d := r.Rows[0].DKIMResults
				if len(d) != 1 || d[0] != (DKIMAuth{Domain: "example.com", Selector: "s2025", Result: "pass"}) {
					t.Errorf("dkim = %+v", d)
				}
				if r.Policy.NP != "reject" || r.Policy.Percent != 100 {
					t.Errorf("policy = %+v", r.Policy)
				}
				if r.Rows[1].SourceIP != netip.MustParseAddr("2001:db8::25") || r.Rows[1].Disposition != DispositionReject {
					t.Errorf("row 2 = %+v", r.Rows[1])
				}
			}},
		{file: "google.zip", org: "google.com", domain: "example.com", rows: 2, messages: 15, firstIP: "192.0.2.10", begin: 1735689600, end: 1735775999},
		{file: "google.eml", org: "google.com", domain: "example.com", rows: 2, messages: 15, firstIP: "192.0.2.10", begin: 1735689600, end: 1735775999},
		{file: "outlook.xml", org: "Outlook.com", domain: "example.org", rows: 1, messages: 1, firstIP: "198.51.100.7", begin: 1735689600, end: 1735776000,
			check: func(t *testing.T, r *Report) {
				row := r.Rows[0]
				if row.EnvelopeTo != "hotmail.com" || row.EnvelopeFrom != "example.org" || row.HeaderFrom != "example.org" {
					t.Errorf("identifiers = %q %q %q", row.HeaderFrom, row.EnvelopeFrom, row.EnvelopeTo)
				}
				if r.Namespace != "" || r.Version != "1.0" || r.Policy.FO != "0" {
					t.Errorf("namespace %q version %q fo %q", r.Namespace, r.Version, r.Policy.FO)
				}
			}},
		{file: "outlook.xml.gz", org: "Outlook.com", domain: "example.org", rows: 1, messages: 1, firstIP: "198.51.100.7", begin: 1735689600, end: 1735776000},
		{file: "outlook.eml", org: "Outlook.com", domain: "example.org", rows: 1, messages: 1, firstIP: "198.51.100.7", begin: 1735689600, end: 1735776000},
		{file: "yahoo.xml", org: "Yahoo", domain: "example.net", rows: 1, messages: 988, firstIP: "203.0.113.5", begin: 1735689600, end: 1735775999,
			check: func(t *testing.T, r *Report) {
				if d := r.Rows[0].DKIMResults; len(d) != 1 || d[0].Selector != "" || d[0].Result != "neutral" {
					t.Errorf("dkim = %+v", d)
				}
			}},
		{file: "yahoo.eml", org: "Yahoo", domain: "example.net", rows: 1, messages: 988, firstIP: "203.0.113.5", begin: 1735689600, end: 1735775999},
		{file: "mailru.xml", org: "Mail.Ru", domain: "example.com", rows: 1, messages: 1, firstIP: "192.0.2.77", begin: 1735689600, end: 1735776000},
		{file: "mailru.eml", org: "Mail.Ru", domain: "example.com", rows: 1, messages: 1, firstIP: "192.0.2.77", begin: 1735689600, end: 1735776000},
		{file: "mimecast.eml", org: "mimecast.org", domain: "example.com", rows: 2, messages: 15, firstIP: "192.0.2.10", begin: 1735689600, end: 1735775999},
		{file: "zoho.xml", org: "zoho.com", domain: "example.com", rows: 1, messages: 2, firstIP: "192.0.2.200", begin: 1735689600, end: 1735776000,
			check: func(t *testing.T, r *Report) {
				s := r.Rows[0].SPFResults
				if len(s) != 1 || s[0] != (SPFAuth{Scope: "helo", Result: "none"}) {
					t.Errorf("spf = %+v", s)
				}
				if d := r.Rows[0].DKIMResults; len(d) != 1 || d[0] != (DKIMAuth{Domain: "example.com", Selector: "s1", Result: "pass"}) {
					t.Errorf("dkim = %+v", d)
				}
			}},
		{file: "rfc7489.xml", org: "receiver.example", domain: "example.com", rows: 1, messages: 2, firstIP: "203.0.113.209", begin: 1335571200, end: 1335657599,
			warn: `reason type "sampled_out" is not an RFC 9990 value`,
			check: func(t *testing.T, r *Report) {
				if len(r.Metadata.Errors) != 2 || r.Policy.Percent != 50 {
					t.Errorf("errors %q pct %d", r.Metadata.Errors, r.Policy.Percent)
				}
				if s := r.Rows[0].SPFResults; len(s) != 2 || s[0].Scope != "helo" || s[1].Scope != "mfrom" {
					t.Errorf("spf = %+v", s)
				}
				if rs := r.Rows[0].Reasons; len(rs) != 1 || rs[0] != (Reason{Type: "sampled_out", Comment: "pct=50"}) {
					t.Errorf("reasons = %+v", rs)
				}
			}},
		{file: "uppercase.xml", org: "example.com", domain: "example.com", rows: 1, messages: 1, firstIP: "192.0.2.1", begin: 1735689600, end: 1735775999,
			warn: `policy_evaluated dkim "Pass" is not lower case`,
			check: func(t *testing.T, r *Report) {
				row := r.Rows[0]
				if row.DKIM != AlignedPass || row.SPF != AlignedPass || row.Disposition != DispositionNone || r.Policy.P != "reject" {
					t.Errorf("row = %+v, p = %q", row, r.Policy.P)
				}
			}},
		{file: "emptyreason.xml", org: "example.org", domain: "example.com", rows: 1, messages: 2, firstIP: "198.51.100.123", begin: 1735689600, end: 1735715789,
			warn: "reason without type"},
		{file: "latin1.xml", org: "Universität Beispiel", domain: "example.com", rows: 1, messages: 4, firstIP: "192.0.2.9", begin: 1735689600, end: 1735775999,
			check: func(t *testing.T, r *Report) {
				if s := r.Rows[0].DKIMResults[0].Selector; s != "köln" {
					t.Errorf("selector = %q, want köln", s)
				}
			}},
		{file: "invalidutf8.xml", org: "Universit\uFFFDt Beispiel", domain: "example.com", rows: 1, messages: 4, firstIP: "192.0.2.9", begin: 1735689600, end: 1735775999},
		{file: "rfc9990.xml", org: "Receiver & Co <Mail>", domain: "example.com", rows: 1, messages: 7, firstIP: "2001:db8:4::1", begin: 1735689600, end: 1735775999,
			check: func(t *testing.T, r *Report) {
				if r.Namespace != Namespace || r.Metadata.Generator != "Example Reporter 2.1" {
					t.Errorf("namespace %q generator %q", r.Namespace, r.Metadata.Generator)
				}
				p := r.Policy
				if p.Testing != "y" || p.DiscoveryMethod != "treewalk" || p.NP != "reject" || p.SP != "quarantine" || p.Percent != -1 {
					t.Errorf("policy = %+v", p)
				}
				want := []Reason{{LocalPolicy, "arc=pass as[2].d=lists.example"}, {PolicyTestMode, ""}}
				if got := r.Rows[0].Reasons; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
					t.Errorf("reasons = %+v, want %+v", got, want)
				}
				if len(r.Rows[0].DKIMResults) != 2 || r.Rows[0].EnvelopeTo != "receiver.example" {
					t.Errorf("row = %+v", r.Rows[0])
				}
			}},
		{file: "wrapped.xml", org: "retailer.example", domain: "example.de", rows: 1, messages: 1, firstIP: "198.51.100.234", begin: 1735689600, end: 1735776000,
			warn: `feedback inside a "schema" element`},
		{file: "ampersand.xml", org: "AT&T Mail", domain: "example.com", rows: 1, messages: 0, firstIP: "invalid IP", begin: 1735689600, end: 1735775999,
			warn: `source_ip "not-an-ip" is not an IP address`},
	}
	p := new(Parser)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "providers", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			reps, err := p.Parse(f)
			if err != nil {
				t.Fatalf("Parse(%s) error: %v", tt.file, err)
			}
			if len(reps) != 1 {
				t.Fatalf("Parse(%s) = %d reports, want 1", tt.file, len(reps))
			}
			r := reps[0]
			if r.Metadata.OrgName != tt.org || r.Policy.Domain != tt.domain {
				t.Errorf("org %q domain %q, want %q %q", r.Metadata.OrgName, r.Policy.Domain, tt.org, tt.domain)
			}
			if r.Metadata.Begin.Unix() != tt.begin || r.Metadata.End.Unix() != tt.end {
				t.Errorf("date_range = %d..%d, want %d..%d", r.Metadata.Begin.Unix(), r.Metadata.End.Unix(), tt.begin, tt.end)
			}
			if len(r.Rows) != tt.rows {
				t.Fatalf("%d rows, want %d", len(r.Rows), tt.rows)
			}
			if s := Summarize(r); s.Total.Messages != tt.messages {
				t.Errorf("messages = %d, want %d", s.Total.Messages, tt.messages)
			}
			if got := r.Rows[0].SourceIP.String(); got != tt.firstIP {
				t.Errorf("first source_ip = %s, want %s", got, tt.firstIP)
			}
			if tt.warn == "" && len(r.Warnings) > 0 {
				t.Errorf("warnings %q, want none", r.Warnings)
			}
			if tt.warn != "" {
				found := false
				for _, w := range r.Warnings {
					found = found || w == tt.warn
				}
				if !found {
					t.Errorf("warnings %q lack %q", r.Warnings, tt.warn)
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// TestParseEncodings reads reports in the encodings and shapes an XML
// parser must survive: a UTF-8 byte order mark, UTF-16 with one, and an
// entity expansion bomb (RFC 9990 §8.1), whose entities are not
// expanded.
func TestParseEncodings(t *testing.T) {
	doc := string(bigReport(2))
	utf16 := func(s string, big bool) []byte {
		b := []byte{0xff, 0xfe}
		if big {
			b = []byte{0xfe, 0xff}
		}
		for _, r := range s {
			if big {
				b = append(b, byte(r>>8), byte(r))
			} else {
				b = append(b, byte(r), byte(r>>8))
			}
		}
		return b
	}
	decl16 := `<?xml version="1.0" encoding="UTF-16"?>` + doc
	for name, in := range map[string][]byte{
		"utf-8 bom":      []byte("\xef\xbb\xbf" + doc),
		"utf-16le":       utf16(decl16, false),
		"utf-16be":       utf16(decl16, true),
		"utf-16 in gzip": gz(t, utf16(decl16, false)),
	} {
		reps, err := new(Parser).Parse(bytes.NewReader(in))
		if err != nil || len(reps) != 1 || len(reps[0].Rows) != 2 || reps[0].Policy.Domain != "example.com" {
			t.Errorf("%s: Parse = %d reports, %v", name, len(reps), err)
		}
	}
	bomb := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + strings.Replace(doc, "<org_name>o</org_name>", "<org_name>&lol3;</org_name>", 1)
	reps, err := new(Parser).Parse(strings.NewReader(bomb))
	if err != nil || len(reps) != 1 || reps[0].Metadata.OrgName != "&lol3;" {
		t.Errorf("entity bomb: %d reports, %v", len(reps), err)
	}
}

// TestParseNotReport: what is no aggregate report is an error, never an
// empty report.
func TestParseNotReport(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrNoReportFound},
		{"html", []byte("<?xml version=\"1.0\"?><html><body>hello</body></html>"), ErrSyntax},
		{"other root", []byte("<?xml version=\"1.0\"?><foobar></foobar>"), ErrSyntax},
		{"gzip json", gz(t, []byte(`{"organization-name":"x"}`)), ErrSyntax},
		{"message without report", []byte("From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"), ErrNoReportFound},
		{"broken zip", []byte("PK\x03\x04garbage"), ErrSyntax},
		{"broken gzip", []byte{0x1f, 0x8b, 0, 0}, ErrSyntax},
	} {
		reps, err := new(Parser).Parse(bytes.NewReader(tt.in))
		if !errors.Is(err, tt.want) || len(reps) != 0 {
			t.Errorf("%s: Parse = %d reports, %v; want %v", tt.name, len(reps), err, tt.want)
		}
	}
}

// TestParseNamespaces: the report's namespace is found whether it is
// the default namespace or a prefix's.
func TestParseNamespaces(t *testing.T) {
	plain := string(bigReport(1))
	prefixed := strings.NewReplacer("</", "</d:", "<", "<d:").Replace(plain)
	prefixed = strings.Replace(prefixed, "<d:feedback>", `<d:feedback xmlns:d="`+Namespace+`" xmlns:x="https://x.example">`, 1)
	for name, tt := range map[string]struct{ doc, ns string }{
		"none":     {plain, ""},
		"default":  {strings.Replace(plain, "<feedback>", `<feedback xmlns="`+Namespace+`">`, 1), Namespace},
		"prefixed": {prefixed, Namespace},
	} {
		rep, err := new(Parser).ParseXML(strings.NewReader(tt.doc))
		if err != nil || rep.Namespace != tt.ns || len(rep.Rows) != 1 || rep.Policy.Domain != "example.com" {
			t.Errorf("%s: namespace %q rows %d, %v; want %q", name, rep.Namespace, len(rep.Rows), err, tt.ns)
		}
	}
}

func TestRFC9990Selector(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "providers", "rfc9990.xml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), "<selector>ls</selector>", "", 1)
	rep, err := new(Parser).ParseXML(strings.NewReader(doc))
	if err != nil || !slices.Contains(rep.Warnings, "dkim result without selector (RFC 9990 requires one)") {
		t.Errorf("warnings = %q, %v; want the missing selector", rep.Warnings, err)
	}
	// An RFC 7489-era report may omit it (yahoo.xml): no warning there.
}

// TestLenientBase64: an attachment's base64 with stray characters and
// no padding still gives the report.
func TestLenientBase64(t *testing.T) {
	z := gz(t, bigReport(2))
	enc := base64.StdEncoding.EncodeToString(z)
	var b strings.Builder
	for i := 0; i < len(enc); i += 60 {
		b.WriteString(enc[i:min(i+60, len(enc))])
		b.WriteString(" \t\r\n")
	}
	body := strings.TrimRight(b.String(), "= \t\r\n") + "\r\n-- \r\n"
	msg := "Subject: r\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: BASE64\r\n\r\n" + body
	reps, err := new(Parser).Parse(strings.NewReader(msg))
	if err != nil || len(reps) != 1 || len(reps[0].Rows) != 2 {
		t.Errorf("Parse = %d reports, %v", len(reps), err)
	}
}
