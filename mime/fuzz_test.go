package mime

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	stdmime "mime"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spamkit/spamkit/internal/mimetest"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus in testdata/fuzz")

// fuzzScanner has small limits so that fuzzing explores them.
func fuzzScanner() *Scanner {
	return &Scanner{MaxDepth: 8, MaxParts: 200, MaxPartBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxArchiveEntries: 50}
}

// checkReport asserts the properties every report has, whatever the
// input: limits respected, parts inside the message.
func checkReport(t *testing.T, s *Scanner, r Report, msgLen int) {
	t.Helper()
	if len(r.Parts) > s.maxParts() {
		t.Fatalf("%d parts, MaxParts %d", len(r.Parts), s.maxParts())
	}
	paths := make(map[string]bool, len(r.Parts))
	for _, p := range r.Parts {
		paths[p.Path] = true
		if !p.Encrypted && p.Size > s.maxPartBytes()+1 {
			t.Fatalf("part %s Size %d, MaxPartBytes %d", p.Path, p.Size, s.maxPartBytes())
		}
		if p.Depth > s.maxDepth()+1 {
			t.Fatalf("part %s Depth %d, MaxDepth %d", p.Path, p.Depth, s.maxDepth())
		}
		if p.raw && (p.start < 0 || p.start > p.end || p.end > msgLen) {
			t.Fatalf("part %s at [%d, %d) outside the message of %d bytes", p.Path, p.start, p.end, msgLen)
		}
		if !utf8.ValidString(p.Filename) {
			t.Fatalf("part %s Filename %q is not UTF-8", p.Path, p.Filename)
		}
	}
	for _, f := range r.Findings {
		// Every limit but the text and name caps leaves content
		// unchecked, which the report must say (the name was checked
		// whole: only its copy in the report is cut). Spelled out here,
		// not Kind.unchecked: the scanner sets Truncated by that very
		// method, so a kind it left out would pass a check through it.
		if f.Kind.IsLimit() && f.Kind != KindLimitTextBytes && f.Kind != KindLimitNameBytes && !r.Truncated {
			t.Fatalf("limit finding %v without Truncated", f)
		}
	}
	var text int64
	for _, x := range r.Texts {
		text += int64(len(x.Body))
		if !utf8.ValidString(x.Body) {
			t.Fatalf("Text %s is not UTF-8: %q", x.Path, x.Body)
		}
		if !paths[x.Path] || (x.Type != "text/plain" && x.Type != "text/html") {
			t.Fatalf("Text %s of type %s is no text part of the report", x.Path, x.Type)
		}
	}
	if text > s.maxTextBytes() {
		t.Fatalf("Texts hold %d bytes, MaxTextBytes %d", text, s.maxTextBytes())
	}
	if r.Has(KindLimitTextBytes) && !slices.ContainsFunc(r.Texts, func(x Text) bool { return x.Truncated }) {
		t.Fatalf("%s finding without a truncated Text", KindLimitTextBytes)
	}
}

// FuzzScan scans arbitrary messages: the report respects the limits, its
// allocations are bounded, and Strip round-trips (matching nothing
// returns the message; stripping a part yields a message that scans).
func FuzzScan(f *testing.F) {
	f.Add([]byte("Content-Type: text/plain\r\n\r\nhello\r\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		s := fuzzScanner()
		orig := bytes.Clone(msg)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := s.Scan(context.Background(), msg)
		runtime.ReadMemStats(&after)
		if !bytes.Equal(msg, orig) {
			t.Fatalf("Scan modified the message")
		}
		if alloc, bound := after.TotalAlloc-before.TotalAlloc, uint64(64<<20+64*len(msg)); alloc > bound {
			t.Fatalf("Scan allocated %d bytes for a %d-byte message, want at most %d", alloc, len(msg), bound)
		}
		checkReport(t, s, r, len(msg))
		// A scan cut short is never a clean pass.
		o := Policy{}.Decide(r)
		if r.Truncated && o.Result == ActionAccept {
			t.Fatalf("Decide = accept for a truncated report:\n%s", r)
		}
		if o.Result == ActionStrip {
			if _, err := Strip(msg, r, o.Match); err != nil {
				t.Fatalf("Strip(Decide().Match) error = %v for %v", err, o)
			}
		}
		out, err := Strip(msg, r, func(Part) bool { return false })
		if err != nil || !bytes.Equal(out, msg) {
			t.Fatalf("Strip(match nothing) = %v, changed %v", err, !bytes.Equal(out, msg))
		}
		for _, p := range r.Parts {
			if p.Filename == "" || p.Container {
				continue
			}
			path := p.Path
			out, err := Strip(msg, r, func(q Part) bool { return q.Path == path })
			if errors.Is(err, ErrStripRoot) {
				break
			}
			if err != nil {
				t.Fatalf("Strip(%s) error = %v", path, err)
			}
			r2 := s.Scan(context.Background(), out)
			checkReport(t, s, r2, len(out))
			break
		}
	})
}

// FuzzFilename decodes file names: any header value yields UTF-8, and a
// name encoded as RFC 2231 (by mime.FormatMediaType) or as an RFC 2047
// encoded word decodes back to itself.
func FuzzFilename(f *testing.F) {
	f.Add("invoice.pdf.exe")
	f.Fuzz(func(t *testing.T, name string) {
		// Arbitrary values.
		_, params, _ := mediaType("attachment; filename=" + name)
		if got := paramFilename("attachment; filename="+name, params, "filename", "shift_jis"); !utf8.ValidString(got) {
			t.Fatalf("paramFilename(%q) = %q, not UTF-8", name, got)
		}
		if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }) || strings.TrimSpace(name) != name || name == "" || strings.Contains(name, "=?") {
			// Names that look like encoded words are decoded as such.
			return
		}
		// RFC 2231.
		v := stdmime.FormatMediaType("attachment", map[string]string{"filename": name})
		if v == "" {
			return
		}
		_, params, _ = mediaType(v)
		if got := paramFilename(v, params, "filename", ""); got != name {
			t.Errorf("paramFilename(%q) = %q, want %q", v, got, name)
		}
		// RFC 2047 in a quoted string, as mailers send it.
		ew := stdmime.BEncoding.Encode("utf-8", name)
		v = "attachment; filename=" + strconv.Quote(ew)
		_, params, _ = mediaType(v)
		if got := paramFilename(v, params, "filename", ""); got != name && ew != name {
			t.Errorf("paramFilename(%q) = %q, want %q", v, got, name)
		}
	})
}

// FuzzArchive lists arbitrary archives: limits hold, every entry is
// named under the archive, and a zip that archive/zip reads with a few
// plain entries is listed whole, with the entries only its local headers
// show beside them when a zip-mismatch is reported.
func FuzzArchive(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := fuzzScanner()
		r := s.ScanFile(context.Background(), "f.zip", data)
		checkReport(t, s, r, len(data))
		for _, p := range r.Parts {
			if p.Path != "f.zip" && !strings.HasPrefix(p.Path, "f.zip:") {
				t.Fatalf("part %q not under f.zip", p.Path)
			}
		}
		if sniff(data) != typeZip || r.Truncated || r.Has(KindMalformed) || r.Has(KindOverlap) {
			return
		}
		want := 0
		if zr, err := zipReader(data); err == nil {
			for _, f := range zr.File {
				if !strings.HasSuffix(f.Name, "/") {
					want++
				}
			}
		} else {
			return
		}
		got := 0
		for _, p := range r.Parts {
			if p.Depth == 1 {
				got++
			}
		}
		// Entries only the local headers show are listed too (what a
		// streaming extractor would unpack), and then the disagreement is
		// a finding; without one the lists are the same.
		if r.Has(KindZipMismatch) {
			if got < want {
				t.Errorf("ScanFile listed %d entries, archive/zip reads %d", got, want)
			}
		} else if got != want {
			t.Errorf("ScanFile listed %d entries, archive/zip reads %d and no %s was reported", got, want, KindZipMismatch)
		}
	})
}

// fuzzSeeds are the seed corpus, written to testdata/fuzz with -update.
func fuzzSeeds(t *testing.T) map[string]map[string][]byte {
	t.Helper()
	pe := mimetest.PE()
	scan := map[string][]byte{
		"message-zip": mimetest.Message("s", "x", att("a.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "a.pdf.exe", Data: pe}))),
		"docm":        mimetest.Message("s", "x", att("a.docm", "", mimetest.Docm())),
		"deep":        mimetest.DeepMultipart(20),
		"many":        mimetest.ManyParts(300),
		"gzip-bomb":   mimetest.Message("s", "x", att("z.gz", "", mimetest.GzipBomb(8))),
		"rfc822-7bit": []byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html; name=x.html\r\n\r\n<form>\r\n--b--\r\n\r\n--a--\r\n"),
		"qp-and-8bit": []byte("Content-Type: multipart/alternative; boundary=q\n\n--q\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 =\nsoft\n--q\nContent-Type: text/html\n\n<p>hi</p>\n--q--\n"),
		"digest":      []byte("Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: in\r\n\r\nbody\r\n--d--\r\n"),
		"mbox-from":   append([]byte(mboxLine), mimetest.Message("s", "x", att("a.exe", "", []byte("x")))...),
		"folded":      foldedMessage(20),
		"texts": multipart(
			textPart("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable", "Caf=E9"),
			textPart("Content-Type: text/html; charset=shift_jis", "\x90\xbf\x8b\x81\x8f\x91"),
			textPart("Content-Type: text/plain", "caf\xe9 \xff")),
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.eml"))
	for _, f := range files {
		scan[strings.TrimSuffix(filepath.Base(f), ".eml")] = readFile(t, f)
	}
	return map[string]map[string][]byte{
		"FuzzScan": scan,
		"FuzzArchive": {
			"zip":       mimetest.Zip(mimetest.ZipEntry{Name: "a.exe", Data: pe}, mimetest.ZipEntry{Name: "d/b.txt", Data: []byte("text"), Store: true}),
			"encrypted": mimetest.Zip(mimetest.ZipEntry{Name: "a.exe", Data: pe, Encrypted: true}),
			"nested":    mimetest.Zip(mimetest.ZipEntry{Name: "in.zip", Data: mimetest.Zip(mimetest.ZipEntry{Name: "x.js", Data: []byte("x")})}),
			"docm":      mimetest.Docm(),
			"overlap":   mimetest.OverlapZipBomb(4, 2),
			"tar":       mimetest.Tar(mimetest.ZipEntry{Name: "a.scr", Data: pe}),
			"tgz":       mimetest.Gzip("a.tar", mimetest.Tar(mimetest.ZipEntry{Name: "a.scr", Data: pe})),
			"bz2":       readFile(t, filepath.Join("testdata", "setup.exe.bz2")),
			"ole2":      mimetest.OLE2VBA(),
			"rar":       mimetest.RAR5(mimetest.ZipEntry{Name: "a.exe", Data: pe}, mimetest.ZipEntry{Name: "b.txt", Data: []byte("x"), Encrypted: true}),
			"rar-hp":    mimetest.RAR5HeaderEncrypted(),
		},
		"FuzzFilename": {
			"double":  []byte("invoice.pdf.exe"),
			"rtlo":    []byte("invoice\u202efdp.exe"),
			"japan":   []byte("請求書.exe"),
			"quoted":  []byte(`"a;b".exe`),
			"rfc2231": []byte("x; filename*0*=utf-8''%E8%AB%8B; filename*1=.exe"),
			"ew":      []byte("=?ISO-2022-JP?B?GyRCQEE1YT1xGyhC?=.exe"),
		},
	}
}

// seedFile renders one seed in the format of go test's fuzz corpus.
func seedFile(target string, v []byte) []byte {
	if target == "FuzzFilename" {
		return []byte("go test fuzz v1\nstring(" + strconv.Quote(string(v)) + ")\n")
	}
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(v)) + ")\n")
}

// TestFuzzSeeds checks that testdata/fuzz holds the seed corpus (and
// writes it with -update), so that plain go test runs every seed.
func TestFuzzSeeds(t *testing.T) {
	for target, seeds := range fuzzSeeds(t) {
		dir := filepath.Join("testdata", "fuzz", target)
		for name, v := range seeds {
			file := filepath.Join(dir, name)
			want := seedFile(target, v)
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("seed %s: %v (run go test -run TestFuzzSeeds -update)", file, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("seed %s is stale (run go test -run TestFuzzSeeds -update)", file)
			}
		}
	}
}

// FuzzTransferDecoding round-trips arbitrary data through the standard
// library's base64 (wrapped at 76) and quoted-printable (binary mode)
// encoders and our decoders, which must give the data back, and cut it
// exactly at a limit.
func FuzzTransferDecoding(f *testing.F) {
	f.Add([]byte("Caf\xc3\xa9 = 100%\r\n  trailing  \r\n"), uint16(5))
	f.Add(bytes.Repeat([]byte("=\xff"), 600), uint16(1000))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		enc := base64.StdEncoding.EncodeToString(data)
		var wrapped bytes.Buffer
		for i := 0; i < len(enc); i += 76 {
			wrapped.WriteString(enc[i:min(i+76, len(enc))])
			wrapped.WriteString("\r\n")
		}
		got, bad, full := decodeBase64(nil, wrapped.Bytes(), 1<<30)
		if !bytes.Equal(got, data) || bad != 0 || !full {
			t.Fatalf("decodeBase64(encode(%q)) = %q, bad %d, full %v", data, got, bad, full)
		}
		var qp bytes.Buffer
		w := quotedprintable.NewWriter(&qp)
		w.Binary = true
		w.Write(data)
		w.Close()
		got, bad, full = decodeQP(nil, qp.Bytes(), 1<<30)
		if !bytes.Equal(got, data) || bad != 0 || !full {
			t.Fatalf("decodeQP(%q) = %q, bad %d, full %v, want %q", qp.Bytes(), got, bad, full, data)
		}
		if int(limit) < len(data) {
			got, _, full = decodeQP(nil, qp.Bytes(), int64(limit))
			if !bytes.Equal(got, data[:limit]) || full {
				t.Fatalf("decodeQP(%q, limit %d) = %q, full %v, want %q, false", qp.Bytes(), limit, got, full, data[:limit])
			}
		}
	})
}
