package mime

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// TestRatioConsistent: a decompression bomb is a ratio finding whatever
// carries it (issue 12 item 8). The ratio was measured against the
// whole compressed stream, so a gzip of 1 GiB of zeros (1 MiB
// compressed: 100 MiB allowed) hit MaxPartBytes first, while the same
// bytes in a zip entry were a ratio finding. It is now measured against
// the compressed bytes consumed so far, for zip entries, gzip and
// bzip2 alike.
func TestRatioConsistent(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	tests := []struct {
		name string
		data []byte
	}{
		{"zeros.gz", mimetest.GzipBomb(1024)},
		{"zeros.zip", mimetest.ZipZeros("zeros.bin", 64)},
		{"zeros.tar.gz", mimetest.TarGzZeros("zeros.bin", 64)},
		{"zeros.bz2", readFile(t, "testdata/zeros-64m.bz2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := (&Scanner{}).ScanFile(context.Background(), tt.name, tt.data)
			if !r.Has(KindLimitRatio) || r.Has(KindLimitPartBytes) {
				t.Errorf("ScanFile(%s, %d bytes) findings = %q, want %s and no %s", tt.name, len(tt.data), findings(r), KindLimitRatio, KindLimitPartBytes)
			}
			for _, f := range r.Findings {
				if f.Kind == KindLimitRatio && !errors.Is(f.Err, ErrRatio) {
					t.Errorf("finding %v: Err %v, want ErrRatio", f, f.Err)
				}
			}
		})
	}
	// Compressible content below the ratio is read whole: 4 MiB of
	// random words, which compress about 3 times.
	rng := rand.New(rand.NewPCG(1, 2))
	var text []byte
	for len(text) < 4<<20 {
		for range 1 + rng.IntN(8) {
			text = append(text, byte('a'+rng.IntN(26)))
		}
		text = append(text, ' ')
	}
	for _, data := range [][]byte{mimetest.Gzip("a.txt", text), mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: text})} {
		r := (&Scanner{}).ScanFile(context.Background(), "a", data)
		if r.Has(KindLimitRatio) || r.Truncated {
			t.Errorf("ScanFile(compressible text, %d to %d bytes) findings = %q, want none", len(text), len(data), findings(r))
		}
	}
}
