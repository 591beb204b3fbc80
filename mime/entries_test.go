package mime

import (
	"context"
	"fmt"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// TestArchiveEntriesUpToLimit: a zip padded past MaxArchiveEntries has
// its first MaxArchiveEntries entries inspected, not none (issue 12
// item 4), and the limit is still a finding the default policy acts on.
func TestArchiveEntriesUpToLimit(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	entries := make([]mimetest.ZipEntry, 1010)
	for i := range entries {
		entries[i] = mimetest.ZipEntry{Name: fmt.Sprintf("pad%04d.txt", i), Data: []byte("x")}
	}
	entries[4] = mimetest.ZipEntry{Name: "run.exe", Data: mimetest.PE()}
	for _, store := range []bool{false, true} {
		for i := range entries {
			entries[i].Store = store
		}
		msg := mimetest.Message("s", "x", att("a.zip", "application/zip", mimetest.Zip(entries...)))
		r := scan(t, &Scanner{}, msg)
		if !r.Has(KindExecutable) || !r.Has(KindLimitArchiveEntries) {
			t.Errorf("Scan(zip of 1010 entries, stored %v, .exe 5th) findings = %q, want %s and %s", store, findings(r), KindExecutable, KindLimitArchiveEntries)
		}
		if n := len(r.Parts); n < 1000 || n > 1005 {
			t.Errorf("Scan(zip of 1010 entries): %d parts, want the first 1000 entries and the MIME parts", n)
		}
		if o := (Policy{}).Decide(r); o.Result != ActionReject {
			t.Errorf("Decide(zip of 1010 entries, .exe 5th) = %v, want reject", o)
		}
	}
	// Past the limit: not inspected, but not passed either.
	entries[4] = mimetest.ZipEntry{Name: "pad0004.txt", Data: []byte("x")}
	entries[1005] = mimetest.ZipEntry{Name: "later.bin", Data: mimetest.PE()}
	r := scan(t, &Scanner{}, mimetest.Message("s", "x", att("a.zip", "application/zip", mimetest.Zip(entries...))))
	if o := (Policy{}).Decide(r); o.Result == ActionAccept {
		t.Errorf("Decide(zip of 1010 entries, program 1006th) = %v, want no accept", o)
	}
	_ = context.Background
}

// FuzzZipFirst: the view of a zip's first n entries never fails the
// zip reader by more than n entries, and never panics on any input.
func FuzzZipFirst(f *testing.F) {
	var es []mimetest.ZipEntry
	for i := range 5 {
		es = append(es, mimetest.ZipEntry{Name: fmt.Sprintf("f%d", i), Data: []byte("data")})
	}
	f.Add(mimetest.Zip(es...), 3)
	f.Add(mimetest.Zip(es[:1]...), 1)
	f.Add([]byte("PK\x05\x06"), 2)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		n = n%8 + 1
		if n < 1 {
			n += 8
		}
		ra, size, ok := zipFirst(data, n)
		if !ok {
			return
		}
		buf := make([]byte, size)
		if _, err := ra.ReadAt(buf, 0); err != nil {
			t.Fatalf("zipFirst(%d) view: ReadAt(0, %d) = %v", n, size, err)
		}
		if zr, err := zipReader(buf); err == nil && len(zr.File) > n {
			t.Errorf("zipFirst(%d) view holds %d entries", n, len(zr.File))
		}
	})
}
