package mimetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
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

// TestBase64Lines: the same lines as encoding/base64 cut at 76
// characters, for every length of a partial line and group.
func TestBase64Lines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 3, 4, 56, 57, 58, 113, 114, 115, 171, 1000, 4096, 100003} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		enc := base64.StdEncoding.EncodeToString(data)
		var want strings.Builder
		for len(enc) > 76 {
			want.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		want.WriteString(enc + "\r\n")
		if got := string(Base64Lines(data)); got != want.String() {
			t.Errorf("Base64Lines(%d bytes) = %.80q..., want %.80q...", n, got, want.String())
		}
	}
}

// TestZerosContainers: each container of zeros opens with the standard
// readers, checksums verified, to exactly mib MiB of zeros.
func TestZerosContainers(t *testing.T) {
	zeros := func(t *testing.T, r io.Reader, want int) {
		t.Helper()
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != want || bytes.ContainsFunc(b, func(r rune) bool { return r != 0 }) {
			t.Fatalf("read %d bytes (all zeros: %v), want %d zeros", len(b), !bytes.ContainsFunc(b, func(r rune) bool { return r != 0 }), want)
		}
	}
	for _, mib := range []int{1, 3} {
		t.Run(fmt.Sprint("zlib ", mib), func(t *testing.T) {
			zr, err := zlib.NewReader(bytes.NewReader(ZlibZeros(mib)))
			if err != nil {
				t.Fatal(err)
			}
			zeros(t, zr, mib<<20) // zlib's reader checks the Adler-32 at EOF
		})
		t.Run(fmt.Sprint("zip ", mib), func(t *testing.T) {
			data := ZipZeros("z.bin", mib)
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if len(zr.File) != 1 || zr.File[0].Name != "z.bin" {
				t.Fatalf("entries %v", zr.File)
			}
			f, err := zr.File[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			zeros(t, f, mib<<20) // the zip reader checks the CRC-32 at EOF
		})
		t.Run(fmt.Sprint("tar.gz ", mib), func(t *testing.T) {
			gz, err := gzip.NewReader(bytes.NewReader(TarGzZeros("z.bin", mib)))
			if err != nil {
				t.Fatal(err)
			}
			tr := tar.NewReader(gz)
			h, err := tr.Next()
			if err != nil || h.Name != "z.bin" || h.Size != int64(mib)<<20 {
				t.Fatalf("tar header %+v, %v", h, err)
			}
			zeros(t, tr, mib<<20)
			if _, err := tr.Next(); err != io.EOF {
				t.Fatalf("after the file: %v, want io.EOF", err)
			}
			if _, err := io.ReadAll(gz); err != nil { // the gzip CRC-32 and size
				t.Fatal(err)
			}
		})
	}
}
