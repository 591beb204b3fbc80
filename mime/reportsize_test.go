package mime

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// reportBytes is the bytes of the strings a report holds: the paths,
// names, types and details of its parts and findings.
func reportBytes(r Report) int {
	n := 0
	for _, p := range r.Parts {
		n += len(p.Path) + len(p.Filename) + len(p.DeclaredType) + len(p.DetectedType) + len(p.Disposition) + len(p.Charset) + len(p.Encoding)
	}
	for _, f := range r.Findings {
		n += len(f.Path) + len(f.Detail)
	}
	return n
}

// longNameZip returns a zip holding one zip named with n bytes (and
// ".zip"), which holds entries one-byte entries.
func longNameZip(n, entries int) []byte {
	inner := make([]mimetest.ZipEntry, entries)
	for i := range inner {
		inner[i] = mimetest.ZipEntry{Name: fmt.Sprintf("e%04d.txt", i), Data: []byte("x")}
	}
	return mimetest.Zip(mimetest.ZipEntry{Name: strings.Repeat("n", n) + ".zip", Data: mimetest.Zip(inner...), Store: true})
}

// TestLongNamesInPaths: a long name is not repeated in every path below
// it (issue 11: a zip entry of a long name holding a zip of 1,000
// entries made every Part.Path repeat the name, ~250 MiB of paths for a
// 400 KB message). Names are kept cut to MaxNameBytes, their head and
// their extension, and checked whole.
func TestLongNamesInPaths(t *testing.T) {
	msg := mimetest.Message("s", "x", att("a.zip", "application/zip", longNameZip(60<<10, 1000)))
	var s Scanner
	var r Report
	m := mimetest.Measure(func() { r = s.Scan(context.Background(), msg) })
	got := reportBytes(r)
	t.Logf("message %d bytes, %d parts, report strings %d bytes, %v", len(msg), len(r.Parts), got, m)
	if len(r.Parts) < 1000 {
		t.Fatalf("Scan: %d parts, want the 1,000 entries reported", len(r.Parts))
	}
	// Each path holds the cut name once: about MaxNameBytes a part (it
	// was 60 KiB a part, 61 MB in all).
	if want := len(r.Parts) * (DefaultMaxNameBytes + 64); got > want {
		t.Errorf("Scan: report strings of %d bytes, want at most %d", got, want)
	}
	// The heap is the process's: other tests' garbage and the collector's
	// timing move it by several MiB (6 MiB measured alone, up to 20 MiB
	// under load), while the defect held 72 MiB. The bound sits between.
	if m.Peak > 32<<20 {
		t.Errorf("Scan: peak heap %d MiB, want under 32 MiB", m.Peak>>20)
	}
	if !r.Has(KindLimitNameBytes) {
		t.Errorf("Scan: findings %q, want %s", findings(r)[:min(5, len(findings(r)))], KindLimitNameBytes)
	}
	for _, p := range r.Parts {
		if len(p.Filename) > DefaultMaxNameBytes {
			t.Errorf("Part %.40q Filename of %d bytes, want at most %d", p.Path, len(p.Filename), DefaultMaxNameBytes)
		}
		if strings.Contains(p.Path, "nnnn") && !strings.Contains(p.Path, ".zip:e") && !strings.HasSuffix(p.Path, ".zip") {
			t.Errorf("Part path %.60q...: the cut name lost its extension", p.Path)
		}
	}
	// The name is checked whole: its dangerous extension is found.
	exe := mimetest.Message("s", "x", att("a.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: strings.Repeat("n", 60<<10) + ".pdf.exe", Data: []byte("x")})))
	r = s.Scan(context.Background(), exe)
	if !r.Has(KindDangerousExtension) || !r.Has(KindDoubleExtension) {
		t.Errorf("Scan(long name .pdf.exe) findings %q, want %s and %s", findings(r), KindDangerousExtension, KindDoubleExtension)
	}
	if reportBytes(r) > 16<<10 {
		t.Errorf("Scan(long name .pdf.exe): report strings of %d bytes, want the name cut in paths and details", reportBytes(r))
	}
	if o := (Policy{}).Decide(r); o.Result != ActionReject {
		t.Errorf("Decide(long name .pdf.exe) = %v, want reject", o)
	}
}

// TestMaxReportBytes: a report growing past MaxReportBytes stops the
// scan with a finding, and the default policy rejects what was not
// reported.
func TestMaxReportBytes(t *testing.T) {
	msg := mimetest.ManyParts(1000)
	s := Scanner{MaxReportBytes: 64 << 10}
	r := scan(t, &s, msg)
	if !r.Has(KindLimitReportBytes) || !r.Truncated {
		t.Fatalf("Scan(MaxReportBytes 64 KiB) of 1000 parts: findings %q, truncated %v; want %s", findings(r)[max(0, len(r.Findings)-3):], r.Truncated, KindLimitReportBytes)
	}
	for _, f := range r.Findings {
		if f.Kind == KindLimitReportBytes && !errors.Is(f.Err, ErrReportBytes) {
			t.Errorf("finding %v: Err %v, want ErrReportBytes", f, f.Err)
		}
	}
	if len(r.Parts) >= 1000 {
		t.Errorf("Scan(MaxReportBytes 64 KiB): %d parts, want fewer", len(r.Parts))
	}
	if o := (Policy{}).Decide(r); o.Result != ActionReject || !errors.Is(o.Err, ErrReportBytes) {
		t.Errorf("Decide = %v (Err %v), want reject with ErrReportBytes", o, o.Err)
	}
	// The default bound leaves a normal report alone.
	if r := scan(t, &Scanner{}, msg); r.Has(KindLimitReportBytes) {
		t.Errorf("Scan(default) of 1000 parts: %s, want none", KindLimitReportBytes)
	}
}

// TestLongNameUnicodePath: the Info-ZIP Unicode Path of an entry whose
// header name is cut in the report is still checked.
func TestLongNameUnicodePath(t *testing.T) {
	name := strings.Repeat("x", 2*DefaultMaxNameBytes) + ".pdf"
	field := binary.LittleEndian.AppendUint16(nil, 0x7075)
	field = binary.LittleEndian.AppendUint16(field, uint16(5+len("invoice.exe")))
	field = append(field, 1)
	field = binary.LittleEndian.AppendUint32(field, crc32.ChecksumIEEE([]byte(name)))
	field = append(field, "invoice.exe"...)
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Extra: field})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("%PDF-1.4\n"))
	w.Close()
	r := (&Scanner{}).ScanFile(context.Background(), "a.zip", b.Bytes())
	if !r.Has(KindDangerousExtension) || !r.Has(KindLimitNameBytes) {
		t.Errorf("ScanFile(zip, long name, Unicode Path invoice.exe) findings = %q, want %s and %s", findings(r), KindDangerousExtension, KindLimitNameBytes)
	}
}
