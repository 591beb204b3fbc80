package mime

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

func BenchmarkScan(b *testing.B) {
	inputs := []struct {
		name string
		msg  []byte
	}{
		{"mixed-10MiB", mimetest.MixedMessage(10)},
		{"mixed-1MiB", mimetest.MixedMessage(1)},
		{"text", []byte("From: a@example.org\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nHello, see you on Thursday.\r\n")},
		{"zip-exe", mimetest.Message("s", "x", att("a.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "invoice.pdf.exe", Data: mimetest.PE()})))},
		{"1000-parts", mimetest.ManyParts(1000)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			var s Scanner
			b.ReportAllocs()
			b.SetBytes(int64(len(in.msg)))
			for b.Loop() {
				s.Scan(context.Background(), in.msg)
			}
		})
	}
}

// BenchmarkScanParallel scans from many goroutines with one Scanner.
func BenchmarkScanParallel(b *testing.B) {
	msg := mimetest.MixedMessage(1)
	var s Scanner
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Scan(context.Background(), msg)
		}
	})
}

func BenchmarkStrip(b *testing.B) {
	msg := mimetest.MixedMessage(1)
	r := new(Scanner).Scan(context.Background(), msg)
	match := func(p Part) bool { return p.Filename == "photo.jpg" }
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Strip(msg, r, match); err != nil {
			b.Fatal(err)
		}
	}
}
