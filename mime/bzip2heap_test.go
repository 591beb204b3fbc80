package mime

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// TestBzip2RatioBombHeap: bzip2 streams of text that decompress just
// under MaxRatio (about 93 times: 34 MiB of text from 373 KB, past
// MaxPartBytes) are read within the memory bound, one after another
// (issue 11: such bombs held a transient heap of about twice
// MaxHeldBytes). Three such attachments reached a sampled peak heap
// (runtime.MemStats.HeapInuse) of 119 MiB and allocated 203 MiB: each
// left its 32 MiB buffer and the buffers of its growth to the collector.
// The buffer of an entry kept whole is now reused by the next one.
func TestBzip2RatioBombHeap(t *testing.T) {
	bomb := readFile(t, "testdata/text-34m-ratio95.bz2")
	msg := mimetest.Message("s", "x", att("a.txt.bz2", "application/x-bzip2", bomb), att("b.txt.bz2", "application/x-bzip2", bomb), att("c.txt.bz2", "application/x-bzip2", bomb))
	var r Report
	m := mimetest.Measure(func() { r = (&Scanner{}).Scan(context.Background(), msg) })
	t.Logf("3 x bzip2 %d bytes in a %d-byte message: %v; findings %q", len(bomb), len(msg), m, findings(r))
	if m.Peak > maxBombMem {
		t.Errorf("Scan(3 bzip2 text bombs) peak heap = %d MiB, want under %d MiB", m.Peak>>20, maxBombMem>>20)
	}
	// One 32 MiB buffer, its growth (32 MiB), the decoders and the
	// message; not one buffer per attachment.
	if m.TotalAlloc > 96<<20 {
		t.Errorf("Scan(3 bzip2 text bombs) allocated %d MiB, want at most 96 MiB", m.TotalAlloc>>20)
	}
	if n := len(r.Findings); n != 3 || !r.Has(KindLimitPartBytes) {
		t.Errorf("Scan(3 bzip2 text bombs) findings %q, want 3 %s", findings(r), KindLimitPartBytes)
	}
}
