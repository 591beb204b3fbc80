package report

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func rowFrom(i int) Row {
	r := testRows()[3]
	r.SourceIP = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
	r.Count = 1
	return r
}

func TestReporterLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("MaxReports", func(t *testing.T) {
		r := newReporter()
		r.MaxReports = 2
		for i, d := range []string{"a.example", "b.example", "c.example"} {
			p := testPolicy()
			p.Domain = d
			err := r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: rowFrom(0)})
			if (i < 2) != (err == nil) || i == 2 && !errors.Is(err, ErrTooManyReports) {
				t.Errorf("Add(%s) = %v", d, err)
			}
		}
		// An existing report still takes rows.
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: rowFrom(1)}); !errors.Is(err, ErrTooManyReports) {
			t.Errorf("a third domain = %v, want ErrTooManyReports", err)
		}
		p := testPolicy()
		p.Domain = "a.example"
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: rowFrom(1)}); err != nil {
			t.Errorf("a new row in an existing report = %v", err)
		}
	})
	t.Run("MaxRowsPerReport", func(t *testing.T) {
		r := newReporter()
		r.MaxRowsPerReport = 3
		for i := range 5 {
			err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: rowFrom(i)})
			if (i < 3) != (err == nil) || i >= 3 && !errors.Is(err, ErrTooManyRows) {
				t.Errorf("Add(row %d) = %v", i, err)
			}
		}
		// A known row still counts.
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: rowFrom(0)}); err != nil {
			t.Errorf("Add(known row) = %v", err)
		}
		info, _ := r.Info(ctx, r.KeyAt("example.com", day0))
		if info.Rows != 3 || info.Messages != 4 || info.Dropped != 2 {
			t.Errorf("Info = %+v, want 3 rows, 4 messages, 2 dropped", info)
		}
	})
	t.Run("MaxRows", func(t *testing.T) {
		r := newReporter()
		r.MaxRows = 2
		p := testPolicy()
		_ = r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: rowFrom(0)})
		p.Domain = "b.example"
		_ = r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: rowFrom(0)})
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: rowFrom(1)}); !errors.Is(err, ErrTooManyRows) {
			t.Errorf("third row in all = %v, want ErrTooManyRows", err)
		}
		// Sending a report frees its rows.
		if err := r.Done(ctx, r.KeyAt("example.com", day0)); err != nil {
			t.Fatal(err)
		}
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: rowFrom(1)}); err != nil {
			t.Errorf("after Done = %v", err)
		}
	})
	t.Run("MaxFieldBytes", func(t *testing.T) {
		r := newReporter()
		r.MaxFieldBytes = 20
		row := testRows()[0]
		row.DKIMResults = []DKIMAuth{{Domain: "example.com", Selector: strings.Repeat("s", 21), Result: "pass"}}
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: row}); !errors.Is(err, ErrFieldTooLong) {
			t.Errorf("Add(long selector) = %v, want ErrFieldTooLong", err)
		}
		info, err := r.Info(ctx, r.KeyAt("example.com", day0))
		if err != nil || info.Rows != 0 || info.Dropped != 5 {
			t.Errorf("Info = %+v, %v; want no row, 5 dropped", info, err)
		}
		if _, err := r.WriteXML(ctx, new(bytes.Buffer), r.KeyAt("example.com", day0)); !errors.Is(err, ErrNoReport) {
			t.Errorf("WriteXML of a report with no row = %v, want ErrNoReport", err)
		}
		row.DKIMResults[0].Selector = strings.Repeat("s", 20)
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: row}); err != nil {
			t.Errorf("Add(selector at the limit) = %v", err)
		}
	})
	t.Run("MaxDKIMPerRow", func(t *testing.T) {
		r := newReporter()
		row := testRows()[0]
		row.DKIMResults = nil
		// 150 signatures: failures first, then passes of every kind.
		for i := range 120 {
			row.DKIMResults = append(row.DKIMResults, DKIMAuth{Domain: fmt.Sprintf("f%d.example", i), Selector: "s", Result: "fail"})
		}
		row.DKIMResults = append(row.DKIMResults,
			DKIMAuth{Domain: "other.example", Selector: "o", Result: "pass"},
			DKIMAuth{Domain: "mail.example.com", Selector: "r", Result: "pass"},
			DKIMAuth{Domain: "example.com", Selector: "s", Result: "pass"})
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: row}); err != nil {
			t.Fatal(err)
		}
		rep, err := r.Report(ctx, r.KeyAt("example.com", day0))
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Rows[0].DKIMResults
		if len(got) != DefaultMaxDKIMPerRow {
			t.Fatalf("%d DKIM results kept, want %d", len(got), DefaultMaxDKIMPerRow)
		}
		if got[0].Domain != "example.com" || got[1].Domain != "mail.example.com" || got[2].Domain != "other.example" || got[3].Domain != "f0.example" {
			t.Errorf("order = %s, %s, %s, %s; want strict, relaxed, other pass, then failures", got[0].Domain, got[1].Domain, got[2].Domain, got[3].Domain)
		}
	})
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// bigReport returns a report of n records.
func bigReport(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<feedback><report_metadata><org_name>o</org_name><report_id>1</report_id></report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>`)
	for i := range n {
		fmt.Fprintf(&b, `<record><row><source_ip>10.0.%d.%d</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results/></record>`, i>>8&255, i&255)
	}
	b.WriteString(`</feedback>`)
	return b.Bytes()
}

func TestParserLimits(t *testing.T) {
	small := bigReport(3)
	// Just over the 256 KiB the ratio never cuts below, built once:
	// compressing is slow under -race.
	digits := digitsReport(270 << 10)
	gzDigits, zipDigits := gz(t, digits), zipOf(t, map[string][]byte{"r.xml": digits})
	tests := []struct {
		name  string
		p     Parser
		input []byte
		want  error
		rows  int // rows returned with the error
	}{
		{"MaxInputBytes", Parser{MaxInputBytes: 100}, small, ErrTooLarge, 0},
		{"MaxXMLBytes", Parser{MaxXMLBytes: 300}, small, ErrTooLarge, 0},
		{"MaxXMLBytes gzip", Parser{MaxXMLBytes: 300}, gz(t, small), ErrTooLarge, 0},
		{"MaxRatio", Parser{MaxRatio: 2}, gzDigits, ErrRatio, 0},
		{"MaxRatio zip", Parser{MaxRatio: 2}, zipDigits, ErrRatio, 0},
		{"MaxRecords", Parser{MaxRecords: 2}, small, ErrTooManyRecords, 2},
		{"MaxAuthResults", Parser{MaxAuthResults: 2}, []byte(strings.Replace(string(small), "<auth_results/>",
			"<auth_results><dkim/><dkim/><dkim/></auth_results>", 1)), ErrTooManyResults, 0},
		{"MaxAuthResults reasons", Parser{MaxAuthResults: 1}, []byte(strings.Replace(string(small), "<spf>pass</spf>",
			"<spf>pass</spf><reason><type>other</type></reason><reason><type>other</type></reason>", 1)), ErrTooManyResults, 0},
		{"MaxAuthResults errors", Parser{MaxAuthResults: 1}, []byte(strings.Replace(string(small), "<report_id>",
			"<error>a</error><error>b</error><report_id>", 1)), ErrTooManyResults, 0},
		{"MaxParts zip", Parser{MaxParts: 2}, zipOf(t, map[string][]byte{"a.xml": small, "b.xml": small, "c.xml": small}), ErrTooManyParts, 0},
		{"MaxParts message", Parser{MaxParts: 3}, nestedMessage(1, 5, small), ErrTooManyParts, 0},
		{"MaxDepth", Parser{MaxDepth: 3}, nestedMessage(2, 1, small), ErrTooManyParts, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reps, err := tt.p.Parse(bytes.NewReader(tt.input))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, want %v", err, tt.want)
			}
			rows := 0
			for _, r := range reps {
				rows += len(r.Rows)
			}
			if tt.rows >= 0 && rows != tt.rows {
				t.Errorf("%d rows returned, want %d", rows, tt.rows)
			}
			// Under the default limits the same input parses.
			if _, err := new(Parser).Parse(bytes.NewReader(tt.input)); err != nil {
				t.Errorf("default Parser = %v", err)
			}
		})
	}
	t.Run("MaxWarnings", func(t *testing.T) {
		doc := strings.ReplaceAll(string(bigReport(50)), "<count>1</count>", "<count>x</count>")
		doc = strings.ReplaceAll(doc, "10.0.", "v10.0.")
		rep, err := (&Parser{MaxWarnings: 5}).ParseXML(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Warnings) != 6 || rep.Warnings[5] != "more warnings left out" {
			t.Errorf("warnings = %q, want 5 and a last line", rep.Warnings)
		}
	})
}

// digitsReport returns a report whose org_name is n random decimal
// digits: it compresses about 2.4 times, more than a MaxRatio of 2
// allows and far less than the default.
func digitsReport(n int) []byte {
	b := []byte(`<feedback><report_metadata><org_name>`)
	x := uint32(1)
	for range n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b = append(b, '0'+byte(x%10))
	}
	return append(b, string(bigReport(1))[len("<feedback><report_metadata><org_name>"):]...)
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return flate.NewWriter(out, flate.BestSpeed) })
	for _, name := range []string{"r.xml", "a.xml", "b.xml", "c.xml"} {
		if b, ok := files[name]; ok {
			f, _ := w.Create(name)
			f.Write(b)
		}
	}
	w.Close()
	return buf.Bytes()
}

// nestedMessage returns a message whose report sits depth levels deep
// in attached messages, after extra text parts at each level.
func nestedMessage(depth, extra int, report []byte) []byte {
	msg := "Content-Type: text/xml\r\n\r\n" + string(report)
	for d := range depth {
		b := fmt.Sprintf("b%d", d)
		var s strings.Builder
		fmt.Fprintf(&s, "Subject: level %d\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n", d, b)
		for range extra {
			fmt.Fprintf(&s, "--%s\r\nContent-Type: text/plain\r\n\r\nnote\r\n", b)
		}
		fmt.Fprintf(&s, "--%s\r\nContent-Type: message/rfc822\r\n\r\n%s\r\n--%s--\r\n", b, msg, b)
		msg = s.String()
	}
	return []byte(msg)
}

func TestReporterNow(t *testing.T) {
	r := newReporter()
	r.Now = func() time.Time { return day0.Add(30 * time.Hour) }
	if err := r.Add(context.Background(), Evaluation{Policy: testPolicy(), Row: rowFrom(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Info(context.Background(), r.KeyAt("example.com", day0.Add(24*time.Hour))); err != nil {
		t.Errorf("an Evaluation without Time goes into Now's period: %v", err)
	}
}
