package mime

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/spamkit/spamkit/internal/mimetest"
	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/ulikunitz/xz/lzma"
)

// sz7b builds 7z headers by hand for the adversarial tests.
type sz7b struct{ b []byte }

func (h *sz7b) num(v uint64) *sz7b {
	switch {
	case v < 0x80:
		h.b = append(h.b, byte(v))
	default:
		h.b = append(h.b, 0xff)
		h.b = binary.LittleEndian.AppendUint64(h.b, v)
	}
	return h
}

func (h *sz7b) raw(p ...byte) *sz7b { h.b = append(h.b, p...); return h }

// sz7Names is a kName property body.
func sz7Names(names ...string) []byte {
	nb := []byte{0}
	for _, n := range names {
		for _, c := range n {
			nb = binary.LittleEndian.AppendUint16(nb, uint16(c))
		}
		nb = append(nb, 0, 0)
	}
	return nb
}

// sz7Archive7 wraps a plain header h (starting with kHeader) and packed
// bytes in the signature header.
func sz7Wrap(packed, h []byte) []byte {
	b := []byte("7z\xbc\xaf\x27\x1c\x00\x04")
	b = append(b, make([]byte, 24)...)
	binary.LittleEndian.PutUint64(b[12:], uint64(len(packed)))
	binary.LittleEndian.PutUint64(b[20:], uint64(len(h)))
	binary.LittleEndian.PutUint32(b[28:], crc32.ChecksumIEEE(h))
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:32]))
	b = append(b, packed...)
	return append(b, h...)
}

// sz7CopyFiles builds a 7z of one Copy folder holding the files' data
// in order (one substream each), with the file properties given (raw
// id, body pairs) after the names.
func sz7CopyFiles(datas [][]byte, names []string, props ...[]byte) []byte {
	var packed []byte
	for _, d := range datas {
		packed = append(packed, d...)
	}
	h := &sz7b{}
	h.raw(sz7Header, sz7MainStreams, sz7PackInfo).num(0).num(1).raw(sz7Size).num(uint64(len(packed))).raw(sz7End)
	h.raw(sz7UnpackInfo, sz7FolderID).num(1).raw(0)
	h.num(1).raw(1, 0) // one coder, id length 1: Copy
	h.raw(sz7CodersUnpackSize).num(uint64(len(packed))).raw(sz7End)
	h.raw(sz7SubStreamsInfo, sz7NumUnpackStream).num(uint64(len(datas))).raw(sz7Size)
	for _, d := range datas[:len(datas)-1] {
		h.num(uint64(len(d)))
	}
	h.raw(sz7End, sz7End)
	h.raw(sz7FilesInfo).num(uint64(len(names)))
	nb := sz7Names(names...)
	h.num(sz7Name).num(uint64(len(nb))).raw(nb...)
	for i := 0; i+1 < len(props); i += 2 {
		h.num(uint64(props[i][0])).num(uint64(len(props[i+1]))).raw(props[i+1]...)
	}
	h.raw(sz7End, sz7End)
	return sz7Wrap(packed, h.b)
}

// extract7z extracts arc with the real 7-Zip and returns the files it
// wrote (name → content).
func extract7z(t *testing.T, arc []byte) map[string][]byte {
	t.Helper()
	bin := testenv.Program(t, "7zz")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.7z"), arc, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "x", "-bd", "-y", "-o"+filepath.Join(dir, "out"), filepath.Join(dir, "a.7z")).CombinedOutput(); err != nil {
		t.Logf("7zz x: %v\n%s", err, out)
	}
	got := map[string][]byte{}
	filepath.Walk(filepath.Join(dir, "out"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(filepath.Join(dir, "out"), p)
			got[rel] = b
		}
		return nil
	})
	return got
}

// TestSevenZipAttributes: 7-Zip takes an item for a directory from
// kEmptyStream and kEmptyFile alone and extracts an item with data as a
// file whatever its attributes say; the attributes are preceded by an
// "external" byte. An entry with data is inspected whatever its
// attributes, and an attribute's bytes never shift the next file's
// (a top byte 0x10 read as the next file's directory bit hid it).
func TestSevenZipAttributes(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	pe := mimetest.PE()
	txt := []byte("hello, see attached\n")
	tests := []struct {
		name  string
		datas [][]byte
		names []string
		attrs []byte // kWinAttributes body: all defined, external 0, then 4 bytes each
	}{
		{"directory attribute on a file with data", [][]byte{pe}, []string{"invoice.pdf.exe"}, []byte{1, 0, 0x10, 0, 0, 0}},
		{"top byte 0x10 before the next file", [][]byte{txt, pe}, []string{"notes.txt", "invoice.pdf.exe"}, []byte{1, 0, 0x20, 0, 0, 0x10, 0x20, 0, 0, 0}},
		{"directory attribute on both", [][]byte{txt, pe}, []string{"notes.txt", "invoice.pdf.exe"}, []byte{1, 0, 0x10, 0, 0, 0x10, 0x10, 0, 0, 0x10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arc := sz7CopyFiles(tt.datas, tt.names, []byte{sz7WinAttributes}, tt.attrs)
			r := scanAttachment(t, &Scanner{}, "a.7z", "", arc)
			p := r.part("2/a.7z:invoice.pdf.exe")
			if p == nil || p.SHA256 != sha256.Sum256(pe) || !r.Has(KindExecutable) {
				t.Errorf("invoice.pdf.exe: part %+v; findings %q, parts %v", p, findings(r), partPaths(r))
			}
			if o := (Policy{}).Decide(r); o.Result != ActionReject {
				t.Errorf("Decide = %v, want reject", o)
			}
			t.Run("7zz extracts it", func(t *testing.T) {
				if got := extract7z(t, arc); !bytes.Equal(got["invoice.pdf.exe"], pe) {
					t.Errorf("7zz extracted %d files, not invoice.pdf.exe: the archive is not what the test means", len(got))
				}
			})
		})
	}
}

// TestXzStreams: XZ Utils decompresses concatenated streams (with
// stream padding between them) into one output; the scanner reads them
// all: an empty first stream does not hide the executable in the
// second, and the entry's digest is the whole output's. Data after a
// stream that is not another stream is not a clean pass.
func TestXzStreams(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	bin := testenv.Program(t, "xz")
	xz := func(data []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-c"}, args...)...)
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("xz %v: %v", args, err)
		}
		return out
	}
	pe := mimetest.PE()
	txt := []byte("minutes of the meeting\n")
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	tests := []struct {
		name string
		file []byte
		want []byte // the output, as xz -dc gives it
	}{
		{"empty stream first", cat(xz(nil), xz(pe)), pe},
		{"text then executable, CRC64 then SHA-256", cat(xz(txt, "-C", "crc64"), xz(pe, "-C", "sha256")), cat(txt, pe)},
		{"stream padding", cat(xz(nil), make([]byte, 8), xz(pe, "-C", "none"), make([]byte, 4)), pe},
		{"three streams", cat(xz(nil), xz(nil, "--x86", "--lzma2"), xz(pe, "--x86", "--lzma2")), pe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-dc")
			cmd.Stdin = bytes.NewReader(tt.file)
			if out, err := cmd.Output(); err != nil || !bytes.Equal(out, tt.want) {
				t.Fatalf("xz -dc: %v, %d bytes: the file is not what the test means", err, len(out))
			}
			r := scanAttachment(t, &Scanner{}, "data.xz", "", tt.file)
			p := r.part("2/data.xz:data")
			if p == nil || p.Truncated || p.SHA256 != sha256.Sum256(tt.want) {
				t.Errorf("part %+v, want the whole output's digest; findings %q", p, findings(r))
			}
			if bytes.HasPrefix(tt.want, []byte("MZ")) != r.Has(KindExecutable) || r.Has(KindUnsupported) {
				t.Errorf("findings %q, want the executable (if the output starts with one) and nothing unsupported", findings(r))
			}
		})
	}
	t.Run("garbage after the stream", func(t *testing.T) {
		r := scanAttachment(t, &Scanner{}, "data.xz", "", cat(xz(txt), []byte("MZ\x90\x00 not a stream")))
		if (Policy{}).Decide(r).Result == ActionAccept {
			t.Errorf("Decide accepts data after the stream that was not inspected: %q", findings(r))
		}
	})
}

// TestSevenZipHeaderMemory: counts a few header bytes can state (the
// folders, the packed streams, the substreams) are charged against
// what MaxHeldBytes leaves before anything is allocated: 2 million
// folders in a 6 MiB header took 543 MiB of heap.
func TestSevenZipHeaderMemory(t *testing.T) {
	const n = 2 << 20
	streams := func(h *sz7b, packs, folders, subs int) {
		h.raw(sz7Header, sz7MainStreams, sz7PackInfo).num(0).num(uint64(packs)).raw(sz7Size)
		for range packs {
			h.raw(1)
		}
		h.raw(sz7End)
		h.raw(sz7UnpackInfo, sz7FolderID).num(uint64(folders)).raw(0)
		for range folders {
			h.raw(1, 0) // one coder: Copy
		}
		h.raw(sz7CodersUnpackSize)
		for range folders {
			h.num(uint64(subs))
		}
		h.raw(sz7End)
		if subs > 1 {
			h.raw(sz7SubStreamsInfo, sz7NumUnpackStream)
			for range folders {
				h.num(uint64(subs))
			}
			h.raw(sz7Size)
			for range folders * (subs - 1) {
				h.raw(1)
			}
			h.raw(sz7End)
		}
		h.raw(sz7End, sz7End)
	}
	tests := []struct {
		name                 string
		packs, folders, subs int
	}{
		{"folders", 1, n, 1},
		{"packed streams", 4 * n, 1, 1},
		{"substreams", 1, 1, 4 * n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &sz7b{}
			streams(h, tt.packs, tt.folders, tt.subs)
			arc := sz7Wrap([]byte{0}, h.b)
			var r Report
			m := mimetest.Measure(func() { r = scanAttachment(t, &Scanner{}, "a.7z", "", arc) })
			if m.Peak > maxBombMem {
				t.Errorf("%d-byte 7z: peak heap %d MiB, want under %d MiB", len(arc), m.Peak>>20, maxBombMem>>20)
			}
			if !r.Has(KindLimitHeldBytes) {
				t.Errorf("findings %q, want %s", findings(r), KindLimitHeldBytes)
			}
		})
	}
	t.Run("a thousand folders are read", func(t *testing.T) {
		// A non-solid archive: a folder per file, well within the bound.
		var datas [][]byte
		var names []string
		for i := range 1000 {
			datas = append(datas, []byte{byte(i), byte(i >> 8)})
			names = append(names, fmt.Sprintf("f%d.txt", i))
		}
		datas[999], names[999] = mimetest.PE(), "last.exe"
		var packed []byte
		h := &sz7b{}
		h.raw(sz7Header, sz7MainStreams, sz7PackInfo).num(0).num(1000).raw(sz7Size)
		for _, d := range datas {
			h.num(uint64(len(d)))
			packed = append(packed, d...)
		}
		h.raw(sz7End, sz7UnpackInfo, sz7FolderID).num(1000).raw(0)
		for range 1000 {
			h.raw(1, 1, 0)
		}
		h.raw(sz7CodersUnpackSize)
		for _, d := range datas {
			h.num(uint64(len(d)))
		}
		h.raw(sz7End, sz7End, sz7FilesInfo).num(1000)
		nb := sz7Names(names...)
		h.num(sz7Name).num(uint64(len(nb))).raw(nb...).raw(sz7End, sz7End)
		r := scanAttachment(t, &Scanner{}, "a.7z", "", sz7Wrap(packed, h.b))
		if p := r.part("2/a.7z:last.exe"); p == nil || p.SHA256 != sha256.Sum256(mimetest.PE()) || !r.Has(KindExecutable) || r.Has(KindLimitHeldBytes) {
			t.Errorf("last.exe: %+v; findings %q", p, findings(r))
		}
	})
}

// TestBCJAgainst7zz: random "programs" dense with E8/E9 and operands
// whose top byte is 00 or FF, around the decoder's 16 KiB buffer and
// with instructions in the last bytes, are filtered by the real 7-Zip
// (BCJ then Copy) and decoded here, read whole, a byte at a time and in
// random pieces: the output is the input.
func TestBCJAgainst7zz(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	bin := testenv.Program(t, "7zz")
	rng := rand.New(rand.NewPCG(12, 34))
	prog := func(n int) []byte {
		b := make([]byte, 0, n)
		for len(b) < n {
			switch rng.IntN(8) {
			case 0, 1:
				b = append(b, 0xe8+byte(rng.IntN(2)))
			case 2:
				b = append(b, 0x00)
			case 3:
				b = append(b, 0xff)
			case 4:
				b = append(b, 0xe8, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), []byte{0, 0xff}[rng.IntN(2)])
			default:
				b = append(b, byte(rng.IntN(256)))
			}
		}
		b = b[:n]
		for i := max(0, n-6); i < n; i++ { // instructions at the very end
			if rng.IntN(2) == 0 {
				b[i] = 0xe8
			}
		}
		return b
	}
	dir := t.TempDir()
	sizes := []int{1, 4, 5, 6, 9, bcjBuf - 5, bcjBuf - 4, bcjBuf - 1, bcjBuf, bcjBuf + 1, bcjBuf + 4, 2*bcjBuf + 3, 3*bcjBuf - 2}
	for range 12 {
		sizes = append(sizes, 1+rng.IntN(70000))
	}
	converted := 0
	for i, n := range sizes {
		data := prog(n)
		in := filepath.Join(dir, fmt.Sprintf("p%d.bin", i))
		arc := filepath.Join(dir, fmt.Sprintf("p%d.7z", i))
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "a", "-bd", "-bso0", "-bsp0", "-mhc=off", "-m0=BCJ", "-m1=Copy", arc, in).CombinedOutput(); err != nil {
			t.Fatalf("7zz: %v\n%s", err, out)
		}
		b, err := os.ReadFile(arc)
		if err != nil {
			t.Fatal(err)
		}
		enc := b[32 : 32+n] // the packed stream: BCJ's output, copied
		if !bytes.Equal(enc, data) {
			converted++
		}
		readers := map[string]func(io.Reader) io.Reader{
			"whole":    func(r io.Reader) io.Reader { return r },
			"one byte": iotest.OneByteReader,
			"half":     iotest.HalfReader,
			"random":   func(r io.Reader) io.Reader { return &chunky{r: r, rng: rand.New(rand.NewPCG(uint64(n), 1))} },
		}
		for name, wrap := range readers {
			got, err := io.ReadAll(&bcjReader{r: wrap(bytes.NewReader(enc))})
			if err != nil || !bytes.Equal(got, data) {
				at := 0
				for at < min(len(got), len(data)) && got[at] == data[at] {
					at++
				}
				t.Errorf("%d bytes read %s: %v, %d bytes, first difference at %d", n, name, err, len(got), at)
			}
		}
		r := scanAttachment(t, &Scanner{}, "a.7z", "", b)
		if p := r.part("2/a.7z:" + filepath.Base(in)); p == nil || p.SHA256 != sha256.Sum256(data) {
			t.Errorf("%d bytes: scanned entry %+v, want the input's digest", n, p)
		}
	}
	if converted < len(sizes)-4 {
		t.Errorf("7zz's BCJ changed %d of %d programs: the test does not test the decoder", converted, len(sizes))
	}
}

// chunky reads through r in pieces of random sizes.
type chunky struct {
	r   io.Reader
	rng *rand.Rand
}

func (c *chunky) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1+c.rng.IntN(min(len(p), 9000))]
	}
	return c.r.Read(p)
}

// lzmaRaw compresses data as a raw LZMA stream (7z's: no header) with
// lc 8, lp 4, pb 0 (properties byte 44) and a 4 KiB dictionary.
func lzmaRaw(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := lzma.WriterConfig{Properties: &lzma.Properties{LC: 8, LP: 4, PB: 0}, DictCap: 4096, Size: int64(len(data))}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()[13:]
}

// sz7Chain builds a 7z of one file whose folder is k LZMA coders
// (lc 8, lp 4) in a chain: coder i takes coder i+1's output.
func sz7Chain(t *testing.T, name string, data []byte, k int) []byte {
	levels := [][]byte{data}
	for range k {
		levels = append(levels, lzmaRaw(t, levels[len(levels)-1]))
	}
	packed := levels[k]
	h := &sz7b{}
	h.raw(sz7Header, sz7MainStreams, sz7PackInfo).num(0).num(1).raw(sz7Size).num(uint64(len(packed))).raw(sz7End)
	h.raw(sz7UnpackInfo, sz7FolderID).num(1).raw(0).num(uint64(k))
	for range k {
		h.raw(0x23).raw([]byte(sz7LZMA)...).num(5).raw(44, 0, 0x10, 0, 0)
	}
	for i := range k - 1 {
		h.num(uint64(i)).num(uint64(i + 1))
	}
	h.raw(sz7CodersUnpackSize)
	for _, l := range levels[:k] {
		h.num(uint64(len(l)))
	}
	h.raw(sz7End, sz7End, sz7FilesInfo).num(1)
	nb := sz7Names(name)
	h.num(sz7Name).num(uint64(len(nb))).raw(nb...).raw(sz7End, sz7End)
	return sz7Wrap(packed, h.b)
}

// TestSevenZipDecoderMemory: what each decoder holds besides its
// dictionary (an LZMA literal coder with lc 8 and lp 4 is 6 MiB, a
// bzip2 block 3.6 MiB) is counted as held and refused above what is
// left: chains of such coders in nested 7z (8 in each of 14 levels
// took 674 MiB from a 3 KiB message) stay under the package's bound.
func TestSevenZipDecoderMemory(t *testing.T) {
	pe := mimetest.PE()
	t.Run("one coder is read", func(t *testing.T) {
		r := scanAttachment(t, &Scanner{}, "a.7z", "", sz7Chain(t, "x.exe", pe, 1))
		if !r.Has(KindExecutable) || r.Has(KindLimitDictionary) {
			t.Errorf("findings %q, want the executable found", findings(r))
		}
	})
	t.Run("chains nested", func(t *testing.T) {
		arc := sz7Chain(t, "x.exe", pe, 4)
		for range 5 {
			arc = sz7Chain(t, "in.7z", arc, 4)
		}
		var r Report
		m := mimetest.Measure(func() { r = scanAttachment(t, &Scanner{}, "a.7z", "", arc) })
		if m.Peak > maxBombMem {
			t.Errorf("%d-byte 7z: peak heap %d MiB, want under %d MiB", len(arc), m.Peak>>20, maxBombMem>>20)
		}
		if !r.Has(KindLimitDictionary) || (Policy{}).Decide(r).Result == ActionAccept {
			t.Errorf("findings %q, want %s and no pass", findings(r), KindLimitDictionary)
		}
	})
}

// TestXzFilters: XZ Utils takes the x86 filter more than once
// (xz --x86 --x86 --lzma2); each is undone. Undone once, the output of a
// zip whose stored executable follows an E8 byte (the end of an extra
// field) lost its "MZ" to the converter, and passed.
func TestXzFilters(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	bin := testenv.Program(t, "xz")
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "report.dat", Method: zip.Store, Extra: []byte{0xfe, 0xca, 2, 0, 0, 0xe8}})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(mimetest.PE())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--x86", "--lzma2"}, {"--x86", "--x86", "--lzma2"}, {"--x86", "--x86", "--x86", "--lzma2"}} {
		cmd := exec.Command(bin, append([]string{"-c"}, args...)...)
		cmd.Stdin = bytes.NewReader(zb.Bytes())
		file, err := cmd.Output()
		if err != nil {
			t.Fatalf("xz %v: %v", args, err)
		}
		r := scanAttachment(t, &Scanner{}, "docs.xz", "", file)
		p := r.part("2/docs.xz:docs")
		if p == nil || p.SHA256 != sha256.Sum256(zb.Bytes()) || !r.Has(KindExecutable) {
			t.Errorf("xz %v: part %+v, findings %q; want the zip's digest and its executable", args, p, findings(r))
		}
	}
}

// TestXzBlocks: each block's decoder setup (its dictionary) is counted
// against MaxTotalBytes: a file of 16-byte empty blocks made a
// dictionary and a decoder each, 1.3 GiB allocated for 4 MiB; it now
// stops at the limit, which is no pass.
func TestXzBlocks(t *testing.T) {
	b := []byte(xzMagic + "\x00\x00\x00\x00\x00\x00") // no check
	// A block header of 12 bytes (LZMA2, 4 KiB dictionary; its CRC32
	// not read here), the LZMA2 end marker and padding.
	blk := []byte{0x02, 0x00, 0x21, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x00, 0, 0, 0}
	b = append(b, bytes.Repeat(blk, 1<<18)...)
	var r Report
	m := mimetest.Measure(func() { r = scanAttachment(t, &Scanner{}, "a.xz", "", b) })
	if m.TotalAlloc > 512<<20 {
		t.Errorf("%d blocks: %v", 1<<18, m)
	}
	if !r.Has(KindLimitTotalBytes) || (Policy{}).Decide(r).Result == ActionAccept {
		t.Errorf("findings %q, want %s and no pass", findings(r), KindLimitTotalBytes)
	}
}
