package mimetest

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

// TestHugeBase64Line: the message holds n bytes of "spamkit " in base64
// on one line, for every n modulo the 24-byte unit.
func TestHugeBase64Line(t *testing.T) {
	for _, n := range []int{0, 1, 7, 23, 24, 25, 1000, 4099} {
		msg := HugeBase64Line(n)
		_, body, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
		if !ok || bytes.Count(body, []byte("\n")) != 1 || !bytes.HasSuffix(body, []byte("\r\n")) {
			t.Fatalf("HugeBase64Line(%d) body %q..., want one line", n, body[:min(len(body), 40)])
		}
		got, err := base64.StdEncoding.DecodeString(string(body[:len(body)-2]))
		if want := strings.Repeat("spamkit ", n/8+1)[:n]; err != nil || string(got) != want {
			t.Errorf("HugeBase64Line(%d) decodes to %q, %v; want %q", n, got, err, want)
		}
	}
}

// TestIncompressibleNestedZip: each level is a zip of one deflated
// entry, the next level, that archive/zip reads back with its CRC-32
// checked, the innermost being the payload.
func TestIncompressibleNestedZip(t *testing.T) {
	const levels = 2
	data := IncompressibleNestedZip(levels, 1)
	for l := range levels {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil || len(zr.File) != 1 {
			t.Fatalf("level %d: zip.NewReader = %v, %d entries", l, err, len(zr.File))
		}
		f := zr.File[0]
		if want := fmt.Sprintf("level%d.zip", l+1); f.Name != want || f.Method != zip.Deflate {
			t.Errorf("level %d: entry %q method %d, want %q deflated", l, f.Name, f.Method, want)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		inner, err := io.ReadAll(rc) // checks the CRC-32
		if err != nil {
			t.Fatalf("level %d: reading the entry: %v", l, err)
		}
		if f.CompressedSize64 < uint64(len(inner)) {
			t.Errorf("level %d: compressed %d bytes to %d, want stored blocks (no smaller)", l, len(inner), f.CompressedSize64)
		}
		data = inner
	}
	if len(data) != 1<<20 {
		t.Errorf("payload of %d bytes, want 1 MiB", len(data))
	}
}

// TestZerosCRC checks ZerosCRC against crc32 over the zeros.
func TestZerosCRC(t *testing.T) {
	z := make([]byte, 1<<20)
	var want uint32
	for mib := range 6 {
		if got := ZerosCRC(mib); got != want {
			t.Errorf("ZerosCRC(%d) = %08x, want %08x", mib, got, want)
		}
		want = crc32.Update(want, crc32.IEEETable, z)
	}
}
