package bench

import (
	"bytes"
	"context"
	"flag"
	"runtime"
	"testing"

	"github.com/jhillyerd/enmime/v2"
	"github.com/spamkit/spamkit/internal/mimetest"
	"github.com/spamkit/spamkit/mime"
)

// mimeInputs are the messages both parsers read: a 10 MiB message with
// mixed attachments (the throughput case), a 1 MiB one, and a
// plain text message.
func mimeInputs() []struct {
	name string
	msg  []byte
} {
	return []struct {
		name string
		msg  []byte
	}{
		{"mixed-10MiB", mimetest.MixedMessage(10)},
		{"mixed-1MiB", mimetest.MixedMessage(1)},
		{"text", []byte("From: a@example.org\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nHello, see you on Thursday.\r\n")},
	}
}

// BenchmarkMIMEScan is spamkit's whole scan: MIME walk, decoding,
// digests, detection and the zip archives opened.
func BenchmarkMIMEScan(b *testing.B) {
	for _, in := range mimeInputs() {
		b.Run(in.name, func(b *testing.B) {
			var s mime.Scanner
			b.ReportAllocs()
			b.SetBytes(int64(len(in.msg)))
			for b.Loop() {
				if r := s.Scan(context.Background(), in.msg); len(r.Parts) == 0 {
					b.Fatal("scan found no part")
				}
			}
		})
	}
}

// BenchmarkMIMEEnmimeReadEnvelope is enmime's parse alone, which decodes
// the parts but opens no archive and computes no digest.
func BenchmarkMIMEEnmimeReadEnvelope(b *testing.B) {
	for _, in := range mimeInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.msg)))
			for b.Loop() {
				if _, err := enmime.ReadEnvelope(bytes.NewReader(in.msg)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var enmimeSlowBombs = flag.Bool("enmime-slow-bombs", false, "also run enmime on the deep-nesting and many-parts bombs (minutes, hundreds of MiB)")

// bombs are the bombs of mime's tests, as messages.
func bombs() []struct {
	name string
	msg  func() []byte
} {
	att := func(name string, data []byte) mimetest.Attachment {
		return mimetest.Attachment{Name: name, Data: data}
	}
	return []struct {
		name string
		msg  func() []byte
	}{
		{"deep-10000", func() []byte { return mimetest.DeepMultipart(10000) }},
		{"parts-100000", func() []byte { return mimetest.ManyParts(100000) }},
		{"zip-overlap", func() []byte { return mimetest.Message("s", "x", att("o.zip", mimetest.OverlapZipBomb(1000, 256))) }},
		{"zip-nested", func() []byte { return mimetest.Message("s", "x", att("42.zip", mimetest.NestedZipBomb(3, 16, 16))) }},
		{"gzip-1GiB", func() []byte { return mimetest.Message("s", "x", att("z.gz", mimetest.GzipBomb(1024))) }},
		{"zip-incompressible-4x16MiB", func() []byte {
			return mimetest.Message("s", "x", att("n.zip", mimetest.IncompressibleNestedZip(4, 16)))
		}},
		{"base64-line-24MiB", func() []byte { return mimetest.HugeBase64Line(24 << 20) }},
	}
}

// BenchmarkMIMEBombs reports the peak heap of a scan of each bomb
// (peak-MiB, sampled; see mimetest.Measure) beside its time, for ours
// and, where it finishes, enmime's ReadEnvelope.
func BenchmarkMIMEBombs(b *testing.B) {
	for _, bomb := range bombs() {
		msg := bomb.msg()
		b.Run(bomb.name+"/spamkit", func(b *testing.B) {
			var s mime.Scanner
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				m := mimetest.Measure(func() { s.Scan(context.Background(), msg) })
				peak = max(peak, m.Peak)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
		b.Run(bomb.name+"/enmime", func(b *testing.B) {
			if slow := bomb.name == "deep-10000" || bomb.name == "parts-100000"; slow && !*enmimeSlowBombs {
				b.Skip("enmime takes minutes and hundreds of MiB on this bomb; run with -enmime-slow-bombs")
			}
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				m := mimetest.Measure(func() { enmime.ReadEnvelope(bytes.NewReader(msg)) })
				peak = max(peak, m.Peak)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
		runtime.GC()
	}
}
