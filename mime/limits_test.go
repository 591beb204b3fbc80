package mime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// limitFinding returns the finding of kind k in r, failing t if there is
// none or its Err is not want.
func limitFinding(t *testing.T, r Report, k Kind, want error) Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Kind == k {
			if !errors.Is(f.Err, want) {
				t.Errorf("finding %v has Err %v, want errors.Is %v", f, f.Err, want)
			}
			if !r.Truncated && k != KindLimitTextBytes {
				t.Errorf("report with %s has Truncated = false, want true", k)
			}
			return f
		}
	}
	t.Fatalf("report has no %s finding; report:\n%s", k, r)
	return Finding{}
}

func TestLimits(t *testing.T) {
	pe := mimetest.PE()
	zipN := func(n int) []byte {
		var es []mimetest.ZipEntry
		for i := range n {
			es = append(es, mimetest.ZipEntry{Name: fmt.Sprintf("f%d.txt", i), Data: []byte("x")})
		}
		return mimetest.Zip(es...)
	}
	tarN := func(n int) []byte {
		var es []mimetest.ZipEntry
		for i := range n {
			es = append(es, mimetest.ZipEntry{Name: fmt.Sprintf("f%d.txt", i), Data: []byte("x")})
		}
		return mimetest.Tar(es...)
	}
	big := make([]byte, 10000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	tests := []struct {
		name  string
		s     Scanner
		msg   []byte
		kind  Kind
		err   error
		check func(t *testing.T, r Report)
	}{
		{"MaxDepth multipart", Scanner{MaxDepth: 3}, mimetest.DeepMultipart(6), KindLimitDepth, ErrDepth, func(t *testing.T, r Report) {
			if got := r.Parts[len(r.Parts)-1].Depth; got != 3 {
				t.Errorf("deepest part depth = %d, want 3", got)
			}
		}},
		{"MaxDepth default", Scanner{}, mimetest.DeepMultipart(DefaultMaxDepth + 2), KindLimitDepth, ErrDepth, nil},
		{"MaxDepth archives count too", Scanner{MaxDepth: 2}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "b.zip", Data: mimetest.Zip(mimetest.ZipEntry{Name: "c.exe", Data: pe})}))), KindLimitDepth, ErrDepth, func(t *testing.T, r Report) {
			for _, p := range r.Parts {
				if strings.HasSuffix(p.Path, "c.exe") {
					t.Errorf("part %s beyond MaxDepth 2 was read", p.Path)
				}
			}
		}},
		{"MaxDepth message/rfc822", Scanner{MaxDepth: 1}, mimetest.Message("s", "x", att("f.eml", "message/rfc822", mimetest.Message("in", "y"))), KindLimitDepth, ErrDepth, nil},
		{"MaxParts", Scanner{MaxParts: 5}, mimetest.ManyParts(20), KindLimitParts, ErrParts, func(t *testing.T, r Report) {
			if len(r.Parts) != 5 {
				t.Errorf("len(Parts) = %d, want 5", len(r.Parts))
			}
		}},
		{"MaxParts counts archive entries", Scanner{MaxParts: 4}, mimetest.Message("s", "x", att("a.zip", "", zipN(10))), KindLimitParts, ErrParts, nil},
		{"MaxPartBytes", Scanner{MaxPartBytes: 1000}, mimetest.Message("s", "x", att("a.bin", "", big)), KindLimitPartBytes, ErrPartBytes, func(t *testing.T, r Report) {
			p := r.Parts[2]
			if !p.Truncated || p.Size > 1000 || p.Size < 997 {
				t.Errorf("part 2 Size, Truncated = %d, %v, want about 1000, true", p.Size, p.Truncated)
			}
		}},
		{"MaxPartBytes in archive", Scanner{MaxPartBytes: 1000}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.bin", Data: big}))), KindLimitPartBytes, ErrPartBytes, nil},
		{"MaxTotalBytes", Scanner{MaxTotalBytes: 25000}, mimetest.Message("s", "x", att("a.bin", "", big), att("b.bin", "", big), att("c.bin", "", big), att("d.exe", "", big)), KindLimitTotalBytes, ErrTotalBytes, func(t *testing.T, r Report) {
			if r.Has(KindDangerousExtension) {
				t.Errorf("part d.exe after MaxTotalBytes was inspected")
			}
		}},
		{"MaxHeldBytes", Scanner{MaxHeldBytes: 100000}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: letters(80000)}))), KindLimitHeldBytes, ErrHeldBytes, func(t *testing.T, r Report) {
			p := r.Parts[len(r.Parts)-1]
			if !p.Truncated || p.Size >= 80000 {
				t.Errorf("entry a.txt Size, Truncated = %d, %v, want cut, true", p.Size, p.Truncated)
			}
		}},
		{"MaxRatio", Scanner{MaxRatio: 10}, mimetest.Message("s", "x", att("z.gz", "", mimetest.GzipBomb(3))), KindLimitRatio, ErrRatio, nil},
		{"MaxRatio zip", Scanner{}, mimetest.Message("s", "x", att("z.zip", "", mimetest.NestedZipBomb(1, 1, 8))), KindLimitRatio, ErrRatio, nil},
		{"MaxArchiveEntries zip", Scanner{MaxArchiveEntries: 3}, mimetest.Message("s", "x", att("a.zip", "", zipN(5))), KindLimitArchiveEntries, ErrArchiveEntries, nil},
		{"MaxArchiveEntries rar", Scanner{MaxArchiveEntries: 2}, mimetest.Message("s", "x", att("a.rar", "", mimetest.RAR5(
			mimetest.ZipEntry{Name: "a.txt"}, mimetest.ZipEntry{Name: "b.txt"}, mimetest.ZipEntry{Name: "c.exe"}))), KindLimitArchiveEntries, ErrArchiveEntries, func(t *testing.T, r Report) {
			if r.Has(KindDangerousExtension) {
				t.Errorf("entry c.exe beyond MaxArchiveEntries 2 was listed")
			}
		}},
		{"MaxArchiveEntries tar", Scanner{MaxArchiveEntries: 3}, mimetest.Message("s", "x", att("a.tar", "", tarN(5))), KindLimitArchiveEntries, ErrArchiveEntries, func(t *testing.T, r Report) {
			if n := len(r.Parts); n != 3+3 {
				t.Errorf("len(Parts) = %d, want 6 (root, text, tar, 3 entries)", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := scan(t, &tt.s, tt.msg)
			limitFinding(t, r, tt.kind, tt.err)
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// letters returns n pseudo-random lower-case letters and spaces: text
// that deflate compresses to about 60%.
func letters(n int) []byte {
	b := make([]byte, n)
	x := uint32(1)
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = "abcdefghijklmnopqrstuvwxyz    "[(x>>27)%30]
	}
	return b
}

// TestLimitsRaised checks that raising a limit lets through what the
// default stops.
func TestLimitsRaised(t *testing.T) {
	msg := mimetest.Message("s", "x", att("z.gz", "", mimetest.GzipBomb(3)))
	r := scan(t, &Scanner{MaxRatio: 1 << 20}, msg)
	if r.Has(KindLimitRatio) || r.Truncated {
		t.Errorf("Scan with MaxRatio 1<<20: findings %q, want no limit", findings(r))
	}
	if got, want := r.Parts[len(r.Parts)-1].Size, int64(3<<20); got != want {
		t.Errorf("gzip member size = %d, want %d", got, want)
	}
	r = scan(t, &Scanner{MaxDepth: 100}, mimetest.DeepMultipart(50))
	if r.Has(KindLimitDepth) {
		t.Errorf("Scan with MaxDepth 100 of depth 50: findings %q, want none", findings(r))
	}
}

func TestLimitTime(t *testing.T) {
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := new(Scanner).Scan(ctx, mimetest.ManyParts(10))
		f := limitFinding(t, r, KindLimitTime, ErrTime)
		if !errors.Is(f.Err, context.Canceled) {
			t.Errorf("finding Err = %v, want errors.Is context.Canceled", f.Err)
		}
	})
	t.Run("deadline during decompression", func(t *testing.T) {
		// A cancel func called by the Trace hook when the gzip member
		// opens: the meter must notice it while inflating.
		ctx, cancel := context.WithCancel(context.Background())
		s := &Scanner{MaxRatio: 1 << 30, MaxPartBytes: 1 << 30, MaxTotalBytes: 1 << 40, Trace: func(format string, args ...any) {
			if strings.Contains(fmt.Sprint(args...), "z.gz:") {
				cancel()
			}
		}}
		start := time.Now()
		r := s.Scan(ctx, mimetest.Message("s", "x", att("z.gz", "", mimetest.GzipBomb(64))))
		limitFinding(t, r, KindLimitTime, ErrTime)
		if r.Parts[len(r.Parts)-1].Size >= 64<<20 {
			t.Errorf("gzip member read whole (%d bytes) after cancel, want stopped (took %v)", r.Parts[len(r.Parts)-1].Size, time.Since(start))
		}
	})
}
