package mime

import (
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// maxBombMem is the memory a scan of a bomb may use: the peak heap in
// use above what it was before the scan, sampled.
const maxBombMem = 64 << 20

// TestBombs scans each bomb through the public API with the default
// limits and asserts its findings and a memory bound. The bombs are
// generated in memory; none runs in parallel with other tests, so that
// the heap measurements are the scan's own.
func TestBombs(t *testing.T) {
	tests := []struct {
		name string
		msg  func() []byte
		want []Kind
	}{
		{"10000-deep multipart", func() []byte { return mimetest.DeepMultipart(10000) }, []Kind{KindLimitDepth}},
		{"100000 parts", func() []byte { return mimetest.ManyParts(100000) }, []Kind{KindLimitParts}},
		{"overlapping zip", func() []byte {
			return mimetest.Message("s", "x", att("o.zip", "application/zip", mimetest.OverlapZipBomb(1000, 256)))
		}, []Kind{KindOverlap, KindLimitRatio}},
		{"nested zip (16^3 x 16 MiB)", func() []byte {
			return mimetest.Message("s", "x", att("42.zip", "application/zip", mimetest.NestedZipBomb(3, 16, 16)))
		}, []Kind{KindLimitRatio, KindLimitTotalBytes}},
		{"gzip 1 GiB", func() []byte {
			return mimetest.Message("s", "x", att("z.gz", "application/gzip", mimetest.GzipBomb(1024)))
			// The ratio of what was decompressed to what was consumed so
			// far, as in a zip (issue 12 item 8); it was KindLimitPartBytes.
		}, []Kind{KindLimitRatio}},
		{"gzip of gzip 4 GiB", func() []byte {
			return mimetest.Message("s", "x", att("z.gz.gz", "application/gzip", mimetest.Gzip("z.gz", mimetest.GzipBomb(4<<10))))
		}, []Kind{KindLimitRatio}},
		{"incompressible nested zips (4 x 16 MiB)", func() []byte {
			return mimetest.Message("s", "x", att("n.zip", "application/zip", mimetest.IncompressibleNestedZip(4, 16)))
		}, []Kind{KindLimitHeldBytes}},
		{"huge base64 line", func() []byte { return mimetest.HugeBase64Line(24 << 20) }, []Kind{KindMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.msg()
			var r Report
			start := time.Now()
			mem := mimetest.Measure(func() { r = scan(t, &Scanner{}, msg) })
			t.Logf("%s: message %.1f MiB, %d parts, %d findings, %v, %v", tt.name, float64(len(msg))/(1<<20), len(r.Parts), len(r.Findings), mem, time.Since(start))
			for _, k := range tt.want {
				if !r.Has(k) {
					t.Errorf("Scan(%s) has no %s finding; findings %q", tt.name, k, findings(r)[:min(len(r.Findings), 10)])
				}
			}
			if mem.Peak > maxBombMem {
				t.Errorf("Scan(%s) peak heap = %d MiB, want under %d MiB", tt.name, mem.Peak>>20, maxBombMem>>20)
			}
		})
	}
}
