package mime

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// zipHeader is the part of a zip entry's header that the local file
// header (APPNOTE 4.3.7) and the central directory (4.3.12) share; the
// tests write each on its own so that they can disagree.
type zipHeader struct {
	name         string
	flags        uint16
	method       uint16
	crc          uint32
	csize, usize uint32
	off          uint32 // central directory: offset of the local header
}

// localHeader returns a local file header for h.
func localHeader(h zipHeader) []byte {
	b := []byte("PK\x03\x04")
	b = binary.LittleEndian.AppendUint16(b, 20)
	b = binary.LittleEndian.AppendUint16(b, h.flags)
	b = binary.LittleEndian.AppendUint16(b, h.method)
	b = binary.LittleEndian.AppendUint32(b, 0) // time, date
	b = binary.LittleEndian.AppendUint32(b, h.crc)
	b = binary.LittleEndian.AppendUint32(b, h.csize)
	b = binary.LittleEndian.AppendUint32(b, h.usize)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h.name)))
	b = binary.LittleEndian.AppendUint16(b, 0)
	return append(b, h.name...)
}

// centralDirectory returns a central directory of the entries and its
// end record, for a directory starting at offset off.
func centralDirectory(off int, entries ...zipHeader) []byte {
	var b []byte
	for _, h := range entries {
		b = append(b, "PK\x01\x02"...)
		b = binary.LittleEndian.AppendUint16(b, 20)
		b = binary.LittleEndian.AppendUint16(b, 20)
		b = binary.LittleEndian.AppendUint16(b, h.flags)
		b = binary.LittleEndian.AppendUint16(b, h.method)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, h.crc)
		b = binary.LittleEndian.AppendUint32(b, h.csize)
		b = binary.LittleEndian.AppendUint32(b, h.usize)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h.name)))
		b = append(b, make([]byte, 12)...) // extra, comment, disk, attributes
		b = binary.LittleEndian.AppendUint32(b, h.off)
		b = append(b, h.name...)
	}
	size := len(b)
	b = append(b, "PK\x05\x06"...)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint32(b, uint32(off))
	return binary.LittleEndian.AppendUint16(b, 0)
}

// stored returns the header of data stored under name.
func stored(name string, data []byte) zipHeader {
	n := uint32(len(data))
	return zipHeader{name: name, crc: crc32.ChecksumIEEE(data), csize: n, usize: n}
}

// rawDeflate returns data compressed as zip's method 8 has it (RFC 1951).
func rawDeflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// descriptor returns a data descriptor with its signature.
func descriptor(crc uint32, csize, usize int) []byte {
	b := []byte("PK\x07\x08")
	b = binary.LittleEndian.AppendUint32(b, crc)
	b = binary.LittleEndian.AppendUint32(b, uint32(csize))
	return binary.LittleEndian.AppendUint32(b, uint32(usize))
}

// mismatchZips are zips whose central directory and local headers
// disagree, each hiding a program from one kind of extractor.
func mismatchZips() map[string][]byte {
	pe := mimetest.PE()
	text := []byte(strings.Repeat("quarterly figures attached\n", 40))
	out := map[string][]byte{}

	// Names differ: Explorer and unzip show report.txt, streaming
	// readers write report.exe.
	h := stored("report.exe", pe)
	z := append(localHeader(h), pe...)
	cd := h
	cd.name = "report.txt"
	out["name"] = append(z, centralDirectory(len(z), cd)...)

	// An entry only in the local headers.
	a, b := stored("notes.txt", text), stored("setup.exe", pe)
	z = append(localHeader(a), text...)
	b.off = uint32(len(z))
	z = append(z, localHeader(b)...)
	z = append(z, pe...)
	out["local-only"] = append(z, centralDirectory(len(z), a)...)

	// Sizes differ: the directory's stored entry spans a hidden local
	// header and its program; a streaming reader stops the first entry
	// after 10 bytes and reads the hidden one.
	hidden := append(localHeader(stored("run.exe", pe)), pe...)
	body := append(append([]byte("0123456789"), hidden...), text...)
	l := stored("readme.txt", body[:10])
	z = append(localHeader(l), body...)
	c := stored("readme.txt", body)
	out["sizes"] = append(z, centralDirectory(len(z), c)...)

	// No central directory at all: only local headers, as a truncated
	// download or a crafted stream leaves.
	out["no-directory"] = append(localHeader(stored("invoice.exe", pe)), pe...)

	// A deflated entry with a data descriptor whose stream ends before
	// the directory's size: after it a streaming reader finds a hidden
	// entry; the directory's size leads to a second, valid descriptor.
	d := rawDeflate(text)
	tcrc := crc32.ChecksumIEEE(text)
	first := zipHeader{name: "a.txt", flags: 8, method: zip.Deflate}
	z = localHeader(first)
	start := len(z)
	z = append(z, d...)
	z = append(z, descriptor(tcrc, len(d), len(text))...)
	z = append(z, hidden...)
	csize := len(z) - start
	z = append(z, descriptor(tcrc, csize, len(text))...)
	first.crc, first.csize, first.usize = tcrc, uint32(csize), uint32(len(text))
	out["descriptor"] = append(z, centralDirectory(len(z), first)...)
	return out
}

func TestZipMismatch(t *testing.T) {
	tests := []struct {
		zip  string
		path string // a part only one kind of extractor sees
		kind Kind   // found at path
	}{
		{"name", "2/a.zip:report.txt", KindDangerousExtension},
		{"local-only", "2/a.zip:setup.exe@", KindExecutable},
		{"sizes", "2/a.zip:run.exe@", KindExecutable},
		{"no-directory", "2/a.zip:invoice.exe@0", KindExecutable},
		{"descriptor", "2/a.zip:run.exe@", KindExecutable},
	}
	zips := mismatchZips()
	for _, tt := range tests {
		t.Run(tt.zip, func(t *testing.T) {
			var s Scanner
			r := scan(t, &s, mimetest.Message("s", "x", att("a.zip", "application/zip", zips[tt.zip])))
			if !hasFinding(r, KindZipMismatch, "2") {
				t.Errorf("no %s finding at 2:\n%s", KindZipMismatch, r)
			}
			found := false
			for _, f := range r.Findings {
				found = found || (f.Kind == tt.kind && strings.HasPrefix(f.Path, tt.path))
			}
			if !found {
				t.Errorf("no %s finding at %s*:\n%s", tt.kind, tt.path, r)
			}
			if o := (Policy{}).Decide(r); o.Result != ActionReject {
				t.Errorf("Decide = %s, want %s", o, ActionReject)
			}
		})
	}
}

// TestZipMismatchPolicy checks that the default Policy rejects a zip
// whose structures disagree even when nothing in it is dangerous.
func TestZipMismatchPolicy(t *testing.T) {
	text := []byte("hello")
	h := stored("a.txt", text)
	z := append(localHeader(h), text...)
	cd := h
	cd.name = "b.txt"
	z = append(z, centralDirectory(len(z), cd)...)
	r := scan(t, new(Scanner), mimetest.Message("s", "x", att("a.zip", "application/zip", z)))
	if got, want := findings(r), []string{"zip-mismatch@2"}; !slices.Equal(got, want) {
		t.Fatalf("findings = %q, want %q", got, want)
	}
	if o := (Policy{}).Decide(r); o.Result != ActionReject || o.Reason() != "inconsistent zip" {
		t.Errorf("Decide = %s (%q), want %s (%q)", o, o.Reason(), ActionReject, "inconsistent zip")
	}
}

// TestZipConsistent checks that zips written by archive/zip, with data
// descriptors, stored entries and a stored zip inside (whose local
// headers make the walk inflate every entry), are not a mismatch.
func TestZipConsistent(t *testing.T) {
	inner := mimetest.Zip(mimetest.ZipEntry{Name: "in.txt", Data: []byte("inner")})
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i, e := range []struct {
		name   string
		method uint16
		data   []byte
	}{
		{"a.txt", zip.Deflate, []byte(strings.Repeat("a", 5000))},
		{"b.txt", zip.Store, []byte("plain")},
		{"inner.zip", zip.Store, inner},
		{"c.txt", zip.Deflate, []byte("c")},
		{"dir/", zip.Store, nil},
	} {
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(i, err)
		}
		f.Write(e.data)
	}
	w.Close()
	for name, z := range map[string][]byte{"writer": b.Bytes(), "mimetest": inner} {
		t.Run(name, func(t *testing.T) {
			r := scan(t, new(Scanner), mimetest.Message("s", "x", att("a.zip", "application/zip", z)))
			for _, f := range r.Findings {
				t.Errorf("finding %s", f)
			}
		})
	}
}

// TestZipLocalsBounded checks that the local walk obeys
// MaxArchiveEntries and the context.
func TestZipLocalsBounded(t *testing.T) {
	var z []byte
	for i := range 20 {
		z = append(z, localHeader(stored(strings.Repeat("x", i+1), []byte("y")))...)
		z = append(z, 'y')
	}
	s := Scanner{MaxArchiveEntries: 5}
	r := scan(t, &s, mimetest.Message("s", "x", att("a.zip", "application/zip", z)))
	if !hasFinding(r, KindLimitArchiveEntries, "2") {
		t.Errorf("no %s at 2:\n%s", KindLimitArchiveEntries, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r = s.Scan(ctx, mimetest.Message("s", "x", att("a.zip", "application/zip", z)))
	if !r.Has(KindLimitTime) {
		t.Errorf("canceled scan: no %s:\n%s", KindLimitTime, r)
	}
}

// TestZipLocalsTotalBytes checks that what the local walk inflates to
// find the ends of data-descriptor entries counts against MaxTotalBytes:
// a thousand entries of a kilobyte inflating to 1 MiB each would
// otherwise cost a gigabyte of inflation the limits do not see.
func TestZipLocalsTotalBytes(t *testing.T) {
	zeros := make([]byte, 1<<20)
	d := rawDeflate(zeros)
	crc := crc32.ChecksumIEEE(zeros)
	var z []byte
	for i := range 10 {
		z = append(z, localHeader(zipHeader{name: strings.Repeat("z", i+1), flags: 8, method: zip.Deflate})...)
		z = append(z, d...)
		z = append(z, descriptor(crc, len(d), len(zeros))...)
	}
	s := Scanner{MaxTotalBytes: 4 << 20}
	st := newState(context.Background(), &s)
	locals, _ := st.walkLocals("1", z, nil, true)
	if st.total > s.MaxTotalBytes || !st.report.Has(KindLimitTotalBytes) {
		t.Errorf("walkLocals: %d entries, %d bytes inflated, findings %q; want at most %d bytes and %s", len(locals), st.total, findings(st.report), s.MaxTotalBytes, KindLimitTotalBytes)
	}
}
