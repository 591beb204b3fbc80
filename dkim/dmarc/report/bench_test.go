package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"testing"
)

// filledReporter returns a Reporter holding one report of n distinct
// rows (each with a DKIM and an SPF result), and the heap the rows take.
func filledReporter(tb testing.TB, n int) (*Reporter, Key, uint64) {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := newReporter()
	ctx := context.Background()
	p := testPolicy()
	for i := range n {
		row := Row{
			SourceIP:    netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}),
			Disposition: DispositionNone, DKIM: AlignedPass, SPF: AlignedFail,
			HeaderFrom: "example.com", EnvelopeFrom: "bounce.example.net",
			DKIMResults: []DKIMAuth{{Domain: "example.com", Selector: "s2025", Result: "pass"}},
			SPFResults:  []SPFAuth{{Domain: "bounce.example.net", Scope: "mfrom", Result: "softfail"}},
		}
		if err := r.Add(ctx, Evaluation{Time: day0, Policy: p, Row: row}); err != nil {
			tb.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return r, r.KeyAt("example.com", day0), after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
}

// BenchmarkWriteMessage writes a report of 100,000 rows as its message
// (XML, gzip, base64, MIME), streaming from the MemoryStore. B/op is
// what one generation allocates; store-B is the heap the 100,000
// accumulated rows hold; out-B the message's size.
func BenchmarkWriteMessage(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			r, k, store := filledReporter(b, n)
			ctx := context.Background()
			var size countWriter
			if _, err := r.WriteMessage(ctx, &size, k, "dmarc@mx.example", []string{"agg@example.com"}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.WriteMessage(ctx, io.Discard, k, "dmarc@mx.example", []string{"agg@example.com"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(store), "store-B")
			b.ReportMetric(float64(size), "out-B")
		})
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// BenchmarkWriteXML writes the XML alone.
func BenchmarkWriteXML(b *testing.B) {
	r, k, _ := filledReporter(b, 100_000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.WriteXML(ctx, io.Discard, k); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdd adds a message to a report that already has its row
// (the common case: one more message from a known source).
func BenchmarkAdd(b *testing.B) {
	r := newReporter()
	ctx := context.Background()
	ev := Evaluation{Time: day0, Policy: testPolicy(), Row: testRows()[1]}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := r.Add(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParse reads a gzip-compressed report of 10,000 rows.
func BenchmarkParse(b *testing.B) {
	r, k, _ := filledReporter(b, 10_000)
	var xml bytes.Buffer
	if _, err := r.WriteXML(context.Background(), &xml, k); err != nil {
		b.Fatal(err)
	}
	data := gz(b, xml.Bytes())
	b.SetBytes(int64(xml.Len()))
	b.ReportAllocs()
	for b.Loop() {
		reps, err := new(Parser).Parse(bytes.NewReader(data))
		if err != nil || len(reps[0].Rows) != 10_000 {
			b.Fatal(err)
		}
	}
}

// TestWriteAllocs checks that writing a report allocates a constant
// amount, whatever its rows: generation memory is bounded.
func TestWriteAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("fills reports")
	}
	ctx := context.Background()
	var prev float64
	for _, n := range []int{50, 500} {
		r, k, _ := filledReporter(t, n)
		allocs := testing.AllocsPerRun(2, func() {
			if _, err := r.WriteMessage(ctx, io.Discard, k, "dmarc@mx.example", []string{"agg@example.com"}); err != nil {
				t.Fatal(err)
			}
		})
		if prev != 0 && allocs > prev+5 {
			t.Errorf("WriteMessage of %d rows: %.0f allocations, of fewer rows %.0f: allocations grow with rows", n, allocs, prev)
		}
		prev = allocs
	}
}
