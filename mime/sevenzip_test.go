package mime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
	"github.com/spamkit/spamkit/internal/testenv"
)

// sz7File is one file for make7z.
type sz7In struct {
	name string
	data []byte
}

// make7z returns a 7z archive of the files made by the real 7-Zip
// (Debian package 7zip, /usr/bin/7zz) with the given switches; the
// test skips when 7zz is missing (fails under SPAMKIT_INTEGRATION=1).
func make7z(t *testing.T, switches []string, files ...sz7In) []byte {
	t.Helper()
	bin := testenv.Program(t, "7zz")
	dir := t.TempDir()
	var names []string
	for _, f := range files {
		p := filepath.Join(dir, "in", f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, f.name)
	}
	out := filepath.Join(dir, "a.7z")
	args := append([]string{"a", "-bd", "-bso0", "-bsp0", "-y"}, switches...)
	args = append(args, out)
	args = append(args, names...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Join(dir, "in")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("7zz %v: %v\n%s", args, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// branchy returns a harmless "program": a PE header, then n bytes of
// x86-like code with many CALL (E8) and JMP (E9) instructions whose
// targets are near (top byte 00 or FF), which 7-Zip's BCJ filter
// converts, and patterns next to each other that it must skip.
func branchy(n int) []byte {
	rng := rand.New(rand.NewPCG(7, 8))
	b := mimetest.PE()
	for len(b) < n {
		switch rng.IntN(6) {
		case 0:
			b = append(b, 0xe8)
			b = binary.LittleEndian.AppendUint32(b, uint32(rng.IntN(1<<20)))
		case 1:
			b = append(b, 0xe9)
			b = binary.LittleEndian.AppendUint32(b, uint32(-rng.IntN(1<<20)))
		case 2:
			b = append(b, 0xe8, 0xe8, 0x00, 0xe9, 0xff, 0x00, 0xff)
		default:
			b = append(b, byte(rng.IntN(256)), byte(rng.IntN(256)), 0x90)
		}
	}
	return b[:n]
}

// TestSevenZip: 7z archives made by 7-Zip are opened with each method
// 7-Zip offers that a decoder here reads: entry names, content (the
// SHA-256 of what was decoded equals the file's) and findings, in solid
// and non-solid archives, with plain and packed headers.
func TestSevenZip(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	pe := mimetest.PE()
	code := branchy(200 << 10)
	text := []byte(strings.Repeat("quarterly report, nothing to see here\n", 3000))
	files := []sz7In{{"report.txt", text}, {"invoice.pdf.exe", pe}, {"tools/setup.dll", code}, {"empty.txt", nil}}
	tests := []struct {
		name     string
		switches []string
	}{
		{"default (LZMA2, solid, packed header)", nil},
		{"LZMA", []string{"-m0=LZMA"}},
		{"LZMA not solid", []string{"-m0=LZMA", "-ms=off"}},
		{"LZMA2 plain header", []string{"-mhc=off"}},
		{"Copy", []string{"-m0=Copy"}},
		{"Deflate", []string{"-m0=Deflate"}},
		{"BZip2", []string{"-m0=BZip2"}},
		{"BCJ + LZMA2", []string{"-mf=BCJ"}},
		{"BCJ + LZMA", []string{"-mf=BCJ", "-m0=LZMA"}},
		{"store level 0", []string{"-mx0"}},
		{"ultra", []string{"-mx9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arc := make7z(t, tt.switches, files...)
			r := scanAttachment(t, &Scanner{}, "a.7z", "application/x-7z-compressed", arc)
			for _, f := range files {
				p := r.part("2/a.7z:" + f.name)
				if p == nil {
					t.Fatalf("no part for %s; parts %v; findings %q", f.name, partPaths(r), findings(r))
				}
				if p.Truncated || p.Size != int64(len(f.data)) || p.SHA256 != sha256.Sum256(f.data) {
					t.Errorf("%s: size %d (truncated %v), SHA-256 %x; want %d bytes, %x", f.name, p.Size, p.Truncated, p.SHA256[:4], len(f.data), sha256.Sum256(f.data))
				}
			}
			for _, k := range []Kind{KindExecutable, KindDoubleExtension} {
				if !r.Has(k) {
					t.Errorf("no %s finding: %q", k, findings(r))
				}
			}
			for _, f := range r.Findings {
				if f.Kind == KindUnsupported || f.Kind == KindMalformed || f.Kind.IsLimit() {
					t.Errorf("finding %v", f)
				}
			}
		})
	}
}

// part returns the part with the path, or nil.
func (r Report) part(path string) *Part {
	for i := range r.Parts {
		if r.Parts[i].Path == path {
			return &r.Parts[i]
		}
	}
	return nil
}

func partPaths(r Report) []string {
	var p []string
	for _, x := range r.Parts {
		p = append(p, x.Path)
	}
	return p
}

// TestSevenZipNotInspected: what cannot be decoded here is never a
// clean pass: methods without a decoder (PPMd, BCJ2) are unsupported
// and stripped by default, encrypted entries and headers are reported
// as encrypted, and the names are checked in every case.
func TestSevenZipNotInspected(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	pe := mimetest.PE()
	files := []sz7In{{"notes.txt", []byte(strings.Repeat("plain words ", 500))}, {"run.scr", pe}}
	tests := []struct {
		name     string
		switches []string
		want     []Kind
		action   Result
	}{
		{"PPMd", []string{"-m0=PPMd"}, []Kind{KindUnsupported, KindDangerousExtension}, ActionStrip},
		{"BCJ2", []string{"-m0=BCJ2", "-m1=LZMA", "-m2=LZMA", "-m3=LZMA", "-mb0s0:1", "-mb0s1:2", "-mb0s2:3"}, []Kind{KindUnsupported, KindDangerousExtension}, ActionStrip},
		{"encrypted data", []string{"-psecret"}, []Kind{KindEncrypted, KindDangerousExtension}, ActionStrip},
		{"encrypted headers", []string{"-psecret", "-mhe=on"}, []Kind{KindEncrypted}, ActionAccept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arc := make7z(t, tt.switches, files...)
			r := scanAttachment(t, &Scanner{}, "a.7z", "application/x-7z-compressed", arc)
			for _, k := range tt.want {
				if !r.Has(k) {
					t.Errorf("no %s finding: %q", k, findings(r))
				}
			}
			if r.Has(KindExecutable) {
				t.Errorf("content inspected: %q", findings(r))
			}
			if o := (Policy{}).Decide(r); o.Result != tt.action {
				t.Errorf("Decide = %v, want %s", o, tt.action)
			}
		})
	}
}

// sz7Raw builds a 7z archive by hand: one folder of one coder over the
// packed bytes, a plain header, and the files (name, size) it holds.
func sz7Raw(id string, props []byte, packed []byte, unpack uint64, names []string, sizes []uint64) []byte {
	num := func(b []byte, v uint64) []byte {
		// 7z numbers: 0xFF and eight bytes is always valid.
		b = append(b, 0xff)
		return binary.LittleEndian.AppendUint64(b, v)
	}
	var h []byte
	h = append(h, sz7Header, sz7MainStreams)
	h = append(h, sz7PackInfo)
	h = num(h, 0)
	h = num(h, 1)
	h = append(h, sz7Size)
	h = num(h, uint64(len(packed)))
	h = append(h, sz7End)
	h = append(h, sz7UnpackInfo, sz7FolderID)
	h = num(h, 1)
	h = append(h, 0)
	h = num(h, 1) // coders
	flags := byte(len(id))
	if props != nil {
		flags |= 0x20
	}
	h = append(h, flags)
	h = append(h, id...)
	if props != nil {
		h = num(h, uint64(len(props)))
		h = append(h, props...)
	}
	h = append(h, sz7CodersUnpackSize)
	h = num(h, unpack)
	h = append(h, sz7End)
	h = append(h, sz7SubStreamsInfo, sz7NumUnpackStream)
	h = num(h, uint64(len(names)))
	h = append(h, sz7Size)
	for _, s := range sizes[:len(sizes)-1] {
		h = num(h, s)
	}
	h = append(h, sz7End)
	h = append(h, sz7End) // streams info
	h = append(h, sz7FilesInfo)
	h = num(h, uint64(len(names)))
	var nb []byte
	nb = append(nb, 0)
	for _, n := range names {
		for _, c := range n {
			nb = binary.LittleEndian.AppendUint16(nb, uint16(c))
		}
		nb = append(nb, 0, 0)
	}
	h = num(h, sz7Name)
	h = num(h, uint64(len(nb)))
	h = append(h, nb...)
	h = num(h, sz7End)
	h = append(h, sz7End)
	b := []byte("7z\xbc\xaf\x27\x1c\x00\x04")
	b = append(b, make([]byte, 24)...)
	binary.LittleEndian.PutUint64(b[12:], uint64(len(packed)))
	binary.LittleEndian.PutUint64(b[20:], uint64(len(h)))
	b = append(b, packed...)
	return append(b, h...)
}

// TestSevenZipDictionary: the dictionary an LZMA decoder allocates is
// the declared one cut to the folder's output and to what the ratio
// lets its packed stream decode, and is refused above what
// MaxDictionary and MaxHeldBytes allow, before any allocation: a
// declared 4 GiB dictionary over a 1 GiB output costs no heap.
func TestSevenZipDictionary(t *testing.T) {
	// LZMA2 chunks of uncompressed data ("stored" chunks: control 1,
	// size-1, data) then the end marker; any dictionary decodes them.
	lzma2Stored := func(data []byte) []byte {
		var b []byte
		for len(data) > 0 {
			n := min(len(data), 1<<16)
			b = append(b, 1, byte((n-1)>>8), byte(n-1))
			b = append(b, data[:n]...)
			data = data[n:]
		}
		return append(b, 0)
	}
	// 300 KiB of packed data: 100 times that (30 MiB) may be decoded.
	pe := append(mimetest.PE(), branchy(300<<10)...)
	tiny := mimetest.PE()
	n := uint64(len(pe))
	tests := []struct {
		name   string
		data   []byte
		prop   byte   // LZMA2 dictionary property
		unpack uint64 // the folder's declared output
		sizes  []uint64
		want   Kind // "" for content inspected
	}{
		{"4 GiB declared, small output", pe, 40, n, []uint64{n}, ""},
		{"4 GiB declared, 1 GiB output", pe, 40, 1 << 30, []uint64{n, 1<<30 - n}, KindLimitDictionary},
		{"4 GiB declared, 1 GiB output, 256 bytes packed", tiny, 40, 1 << 30, []uint64{256, 1<<30 - 256}, ""},
		{"16 MiB declared, 1 GiB output", pe, 24, 1 << 30, []uint64{n, 1<<30 - n}, ""},
		{"32 MiB declared, 1 GiB output", pe, 26, 1 << 30, []uint64{n, 1<<30 - n}, KindLimitDictionary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arc := sz7Raw(sz7LZMA2, []byte{tt.prop}, lzma2Stored(tt.data), tt.unpack, []string{"a.exe", "b.bin"}[:len(tt.sizes)], tt.sizes)
			var r Report
			m := mimetest.Measure(func() {
				r = scanAttachment(t, &Scanner{}, "a.7z", "application/x-7z-compressed", arc)
			})
			if m.Peak > 40<<20 {
				t.Errorf("peak heap %d MiB", m.Peak>>20)
			}
			if tt.want != "" {
				if !r.Has(tt.want) || r.Has(KindExecutable) {
					t.Errorf("findings %q, want %s and the content not inspected", findings(r), tt.want)
				}
				if o := (Policy{}).Decide(r); o.Result == ActionAccept {
					t.Errorf("Decide = %v: content not inspected passed", o)
				}
				return
			}
			if !r.Has(KindExecutable) || r.Has(KindLimitDictionary) {
				t.Errorf("findings %q, want the executable found", findings(r))
			}
		})
	}
}

// TestSevenZipSolidBomb: a solid block of zeros stops at the ratio
// limit, and the file after it is listed by name; the heap stays
// bounded.
func TestSevenZipSolidBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("bomb measured without -short")
	}
	bin := testenv.Program(t, "7zz")
	dir := t.TempDir()
	zeros := filepath.Join(dir, "zeros.bin")
	f, err := os.Create(zeros)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "z.exe"), mimetest.PE(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "bomb.7z")
	cmd := exec.Command(bin, "a", "-bd", "-bso0", "-bsp0", "-mx1", "-md=16m", "-mqs=off", out, "zeros.bin", "z.exe")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("7zz: %v\n%s", err, b)
	}
	arc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	m := mimetest.Measure(func() {
		r = new(Scanner).Scan(context.Background(), mimetest.Message("s", "x", att("bomb.7z", "", arc)))
	})
	t.Logf("%d-byte 7z of 64 MiB of zeros: %v; findings %q", len(arc), m, findings(r))
	if m.Peak > maxBombMem {
		t.Errorf("peak heap %d MiB, want under %d MiB", m.Peak>>20, maxBombMem>>20)
	}
	if !r.Has(KindLimitRatio) && !r.Has(KindLimitPartBytes) {
		t.Errorf("findings %q, want a limit", findings(r))
	}
	if !slices.ContainsFunc(r.Parts, func(p Part) bool { return strings.HasSuffix(p.Path, ":z.exe") }) {
		t.Errorf("z.exe not listed: %v", partPaths(r))
	}
	if o := (Policy{}).Decide(r); o.Result == ActionAccept {
		t.Errorf("Decide = %v", o)
	}
}

// TestSevenZipFixtures: the archives in testdata/7z (made by 7-Zip,
// see its README) are read without 7zz: content decoded to the files'
// digests where a decoder exists, reported as not inspected where not.
func TestSevenZipFixtures(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	pe := mimetest.PE()
	notes := []byte(strings.Repeat("quarterly numbers attached, nothing executable here\n", 20))
	for _, name := range []string{"lzma2", "lzma", "plainheader", "copy", "deflate", "bzip2", "bcj", "ppmd", "aes", "aesheader"} {
		t.Run(name, func(t *testing.T) {
			r := scanAttachment(t, &Scanner{}, "a.7z", "", readFile(t, "testdata/7z/"+name+".7z"))
			switch name {
			case "ppmd":
				if !r.Has(KindUnsupported) || !r.Has(KindDoubleExtension) || r.Has(KindExecutable) {
					t.Errorf("findings %q, want unsupported and the names checked", findings(r))
				}
				return
			case "aes":
				if !r.Has(KindEncrypted) || !r.Has(KindDoubleExtension) {
					t.Errorf("findings %q, want encrypted and the names checked", findings(r))
				}
				if p := r.part("2/a.7z:invoice.pdf.exe"); p == nil || !p.Encrypted || p.Size != int64(len(pe)) {
					t.Errorf("encrypted entry %+v, want Encrypted with its declared size %d", p, len(pe))
				}
				return
			case "aesheader":
				if !r.Has(KindEncrypted) || len(r.Parts) != 3 {
					t.Errorf("findings %q, parts %v; want encrypted and no entries", findings(r), partPaths(r))
				}
				return
			}
			for _, f := range []sz7In{{"invoice.pdf.exe", pe}, {"notes.txt", notes}} {
				p := r.part("2/a.7z:" + f.name)
				if p == nil || p.SHA256 != sha256.Sum256(f.data) {
					t.Fatalf("%s: part %+v, want the file's digest; findings %q", f.name, p, findings(r))
				}
			}
			if !r.Has(KindExecutable) || !r.Has(KindDoubleExtension) || r.Has(KindUnsupported) || r.Has(KindMalformed) {
				t.Errorf("findings %q", findings(r))
			}
		})
	}
}

// FuzzSevenZip scans any bytes as a 7z attachment, and a stored (Copy)
// 7z of the fuzzed name and data: a stored entry's digest is its
// data's, and a scan never accepts a 7z with an entry it did not read.
func FuzzSevenZip(f *testing.F) {
	for _, name := range []string{"lzma2", "lzma", "plainheader", "copy", "deflate", "bzip2", "bcj", "ppmd", "aes", "aesheader"} {
		b, err := os.ReadFile("testdata/7z/" + name + ".7z")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add(sz7Raw(sz7LZMA2, []byte{40}, []byte{1, 0, 3, 'M', 'Z', 0, 0, 0}, 1<<30, []string{"a.exe", "b"}, []uint64{4, 1<<30 - 4}), "x.exe")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		s := &Scanner{MaxArchiveEntries: 20}
		msg := mimetest.Message("s", "x", att("a.7z", "", data))
		r := s.Scan(context.Background(), msg)
		checkReport(t, s, r, len(msg))
		if (Policy{}).Decide(r).Result == ActionAccept {
			for _, p := range r.Parts {
				if p.Depth == 2 && !p.Encrypted && p.SHA256 == ([32]byte{}) {
					t.Fatalf("Decide accepts a 7z whose entry %s was not read:\n%s", p.Path, r)
				}
			}
		}
		if name == "" || strings.ContainsRune(name, 0) || len(data) > 1<<16 {
			return
		}
		arc := sz7Raw(sz7Copy, nil, data, uint64(len(data)), []string{name}, []uint64{uint64(len(data))})
		r = s.Scan(context.Background(), mimetest.Message("s", "x", att("b.7z", "", arc)))
		if r.Truncated {
			return
		}
		sum := sha256.Sum256(data)
		for _, p := range r.Parts {
			if p.Depth == 2 && p.SHA256 == sum {
				return
			}
		}
		t.Fatalf("no entry with the data's digest:\n%s", r)
	})
}

// TestXz: xz files made by XZ Utils are opened: one block and several,
// the x86 filter, a tar inside (.txz); a dictionary above the limit
// is refused before any allocation.
func TestXz(t *testing.T) {
	bin := testenv.Program(t, "xz")
	code := branchy(300 << 10)
	xz := func(t *testing.T, data []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-c"}, args...)...)
		cmd.Stdin = strings.NewReader(string(data))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("xz %v: %v", args, err)
		}
		return out
	}
	tar := mimetest.Tar(mimetest.ZipEntry{Name: "setup.exe", Data: mimetest.PE()}, mimetest.ZipEntry{Name: "a.txt", Data: []byte("hello")})
	tests := []struct {
		name string
		file string
		data []byte
		args []string
		path string // the part holding data
	}{
		{"one block", "tool.exe.xz", code, nil, "2/tool.exe.xz:tool.exe"},
		{"several blocks, CRC64", "tool.exe.xz", code, []string{"--block-size=65536", "-C", "crc64"}, "2/tool.exe.xz:tool.exe"},
		{"SHA-256 check, no check", "tool.exe.xz", code, []string{"--block-size=100000", "-C", "sha256"}, "2/tool.exe.xz:tool.exe"},
		{"x86 filter", "tool.exe.xz", code, []string{"--x86", "--lzma2=preset=6"}, "2/tool.exe.xz:tool.exe"},
		{"txz", "a.txz", tar, nil, "2/a.txz:a.tar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanAttachment(t, &Scanner{}, tt.file, "", xz(t, tt.data, tt.args...))
			p := r.part(tt.path)
			if p == nil || p.Truncated || p.SHA256 != sha256.Sum256(tt.data) {
				t.Fatalf("part %s = %+v, want the data's digest; parts %v, findings %q", tt.path, p, partPaths(r), findings(r))
			}
			if !r.Has(KindExecutable) || r.Has(KindUnsupported) || r.Has(KindMalformed) {
				t.Errorf("findings %q", findings(r))
			}
		})
	}
	t.Run("dictionary", func(t *testing.T) {
		// A 64 MiB dictionary over a small file: cut to what the ratio
		// lets the stream decode (1 MiB), so it is read.
		small := xz(t, code[:4096], "--lzma2=dict=64MiB")
		if r := scanAttachment(t, &Scanner{}, "s.exe.xz", "", small); !r.Has(KindExecutable) || r.Has(KindLimitDictionary) {
			t.Errorf("small file, large dictionary: findings %q, want it read", findings(r))
		}
		// The same over a stream that may decode 100 times its
		// size, above the 24 MiB allowed: refused before any allocation.
		var r Report
		big := xz(t, branchy(800<<10), "--lzma2=dict=64MiB")
		if len(big)*100 < 25<<20 {
			t.Fatalf("xz file of %d bytes: too small for the test", len(big))
		}
		m := mimetest.Measure(func() { r = scanAttachment(t, &Scanner{}, "b.exe.xz", "", big) })
		if !r.Has(KindLimitDictionary) || r.Has(KindExecutable) || m.Peak > 8<<20 {
			t.Errorf("findings %q, %v; want %s, nothing read and no large heap", findings(r), m, KindLimitDictionary)
		}
		if o := (Policy{}).Decide(r); o.Result == ActionAccept {
			t.Errorf("Decide = %v", o)
		}
	})
}

// FuzzXz scans any bytes as an xz attachment: the report's bounds
// hold, and a scan never accepts an xz whose content it did not read.
func FuzzXz(f *testing.F) {
	f.Add([]byte(xzMagic + "\x00\x01\x69\x22\xde\x36\x02\x00\x21\x01\x16\x00\x00\x00\x74\x2f\xe5\xa3\x01\x00\x04MZ\x90\x00\x00\x00\x00\x00\x00\x00\x00"))
	if b, err := exec.Command("xz", "-c", "--block-size=64", "-C", "crc32").Output(); err == nil {
		f.Add(b)
	}
	f.Add([]byte(xzMagic + "\x00\x04\xe6\xd6\xb4\x46\x02\x00\x21\x01\x1c\x00\x00\x00\x10\xcf\x58\xcc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &Scanner{}
		msg := mimetest.Message("s", "x", att("a.xz", "", data))
		r := s.Scan(context.Background(), msg)
		checkReport(t, s, r, len(msg))
		if !bytes.HasPrefix(data, []byte(xzMagic)) || (Policy{}).Decide(r).Result != ActionAccept {
			return
		}
		for _, p := range r.Parts {
			if p.Depth == 2 && !p.Truncated {
				return
			}
		}
		t.Fatalf("Decide accepts an xz file whose content was not read:\n%s", r)
	})
}
