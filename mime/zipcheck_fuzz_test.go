package mime

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// FuzzZipLocals checks the local-header walk on any bytes: the entries
// it returns follow one another inside the data, at most
// MaxArchiveEntries of them; and that a zip archive/zip writes from the
// fuzzed names and data, stored or deflated, never disagrees with
// itself.
func FuzzZipLocals(f *testing.F) {
	for _, z := range mismatchZips() {
		f.Add(z, "a.txt", uint8(0))
	}
	f.Add(mimetest.Zip(mimetest.ZipEntry{Name: "a.exe", Data: mimetest.PE()}), "b", uint8(1))
	f.Add([]byte("PK\x03\x04"), "", uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, name string, method uint8) {
		s := Scanner{MaxArchiveEntries: 50}
		st := newState(context.Background(), &s)
		for _, exact := range []bool{false, true} {
			locals, _ := st.walkLocals("1", data, nil, exact)
			if len(locals) > s.MaxArchiveEntries {
				t.Fatalf("walkLocals: %d entries, limit %d", len(locals), s.MaxArchiveEntries)
			}
			prev := int64(0)
			for _, l := range locals {
				if l.off < prev || l.data < l.off+zipLocalLen || l.end < l.data || l.end > int64(len(data)) {
					t.Fatalf("walkLocals: entry %q at %d, data %d, end %d, after %d in %d bytes", l.name, l.off, l.data, l.end, prev, len(data))
				}
				prev = l.end
			}
		}
		if zr, err := zipReader(data); err == nil {
			st.zipLocals("1", data, zr.File, "1/a.zip", 0)
		}

		// A consistent zip: no mismatch, and its entry's digest.
		if name == "" || name[len(name)-1] == '/' {
			name += "x"
		}
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		m := zip.Store
		if method%2 == 1 {
			m = zip.Deflate
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: m})
		if err != nil {
			return // a name too long for a zip
		}
		fw.Write(data)
		w.Close()
		r := new(Scanner).Scan(context.Background(), mimetest.Message("s", "x", att("a.zip", "application/zip", b.Bytes())))
		if hasFinding(r, KindZipMismatch, "2") {
			t.Fatalf("zip.Writer's zip is a mismatch:\n%s", r)
		}
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

// FuzzRAR scans any bytes as a RAR attachment, and RAR 5 archives of
// the fuzzed name and data: a stored entry's digest is its data's, and
// a scan never accepts an archive it could not open.
func FuzzRAR(f *testing.F) {
	pe := mimetest.PE()
	f.Add(mimetest.RAR5(mimetest.ZipEntry{Name: "a.exe", Data: pe}), "a.txt")
	f.Add(rar5Compressed("a.txt", 15, false, 4<<30, noise(64)), "b")
	f.Add(rar5Compressed("a.txt", 2, true, 1<<20, noise(512)), "c")
	f.Add(rar4Stored("a.exe", pe), "d")
	f.Add(mimetest.RAR5HeaderEncrypted(), "e")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		s := Scanner{MaxArchiveEntries: 20}
		r := s.Scan(context.Background(), mimetest.Message("s", "x", att("a.rar", "", data)))
		if r.Has(KindLimitDictionary) && (Policy{}).Decide(r).Result == ActionAccept {
			t.Fatalf("Decide accepts an archive not inspected:\n%s", r)
		}
		if name == "" {
			return
		}
		r = s.Scan(context.Background(), mimetest.Message("s", "x", att("a.rar", "", mimetest.RAR5(mimetest.ZipEntry{Name: name, Data: data}))))
		if r.Truncated || r.Has(KindMalformed) {
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
