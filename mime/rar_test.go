package mime

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// rar5Compressed returns a RAR 5.0 archive (RARLAB's "RAR 5.0 archive
// format") of one file entry whose compression information declares
// method 3 and a dictionary of 128 KiB << dictLog, solid or not, with
// the unpacked size declared and packed as the compressed data.
func rar5Compressed(name string, dictLog uint64, solid bool, unpacked uint64, packed []byte) []byte {
	var b bytes.Buffer
	b.WriteString(rar5Magic)
	rar5Header(&b, 1, 0, nil, rar5Vint(0))
	comp := uint64(3)<<7 | dictLog<<10 // version 0, method 3
	if solid {
		comp |= 0x40
	}
	var f []byte
	f = append(f, rar5Vint(0)...) // file flags: no CRC32
	f = append(f, rar5Vint(unpacked)...)
	f = append(f, rar5Vint(0x20)...)
	f = append(f, rar5Vint(comp)...)
	f = append(f, rar5Vint(0)...)
	f = append(f, rar5Vint(uint64(len(name)))...)
	f = append(f, name...)
	rar5Header(&b, 2, 0x02, packed, f)
	rar5Header(&b, 5, 0, nil, rar5Vint(0))
	return b.Bytes()
}

// rar4Stored returns a RAR 1.5-4 archive (RARLAB's TechNote) of one
// stored file.
func rar4Stored(name string, data []byte) []byte {
	block := func(typ byte, flags uint16, fields []byte) []byte {
		h := []byte{typ}
		h = binary.LittleEndian.AppendUint16(h, flags)
		h = binary.LittleEndian.AppendUint16(h, uint16(2+len(h)+2+len(fields)))
		h = append(h, fields...)
		return append(binary.LittleEndian.AppendUint16(nil, uint16(crc32.ChecksumIEEE(h))), h...)
	}
	b := []byte("Rar!\x1a\x07\x00")
	b = append(b, block(0x73, 0, make([]byte, 6))...)
	var f []byte
	f = binary.LittleEndian.AppendUint32(f, uint32(len(data))) // packed
	f = binary.LittleEndian.AppendUint32(f, uint32(len(data))) // unpacked
	f = append(f, 2)                                           // host OS: Windows
	f = binary.LittleEndian.AppendUint32(f, crc32.ChecksumIEEE(data))
	f = binary.LittleEndian.AppendUint32(f, 0) // time
	f = append(f, 29, 0x30)                    // version 2.9, stored
	f = binary.LittleEndian.AppendUint16(f, uint16(len(name)))
	f = binary.LittleEndian.AppendUint32(f, 0x20) // attributes
	f = append(f, name...)
	b = append(b, block(0x74, 0x8000, f)...)
	b = append(b, data...)
	return append(b, block(0x7b, 0, nil)...)
}

// rar5Header writes a RAR 5.0 block: CRC-32, size, type, flags, data
// size (flag 0x02), fields, data.
func rar5Header(b *bytes.Buffer, typ, flags uint64, data, fields []byte) {
	h := append(rar5Vint(typ), rar5Vint(flags)...)
	if flags&0x02 != 0 {
		h = append(h, rar5Vint(uint64(len(data)))...)
	}
	h = append(h, fields...)
	h = append(rar5Vint(uint64(len(h))), h...)
	binary.Write(b, binary.LittleEndian, crc32.ChecksumIEEE(h))
	b.Write(h)
	b.Write(data)
}

// rar5Vint encodes a RAR 5.0 variable-length integer.
func rar5Vint(v uint64) []byte {
	var out []byte
	for ; v >= 0x80; v >>= 7 {
		out = append(out, byte(v)|0x80)
	}
	return append(out, byte(v))
}

// noise returns n bytes of an AES-CTR key stream.
func noise(n int) []byte {
	block, _ := aes.NewCipher(make([]byte, 16))
	out := make([]byte, n)
	cipher.NewCTR(block, make([]byte, 16)).XORKeyStream(out, out)
	return out
}

func TestRARContent(t *testing.T) {
	pe := mimetest.PE()
	inner := mimetest.Zip(mimetest.ZipEntry{Name: "x.exe", Data: pe})
	tests := []struct {
		name string
		s    Scanner
		rar  []byte
		want []string
	}{
		{"program", Scanner{}, mimetest.RAR5(mimetest.ZipEntry{Name: "invoice.pdf", Data: pe}),
			[]string{"type-mismatch@2/a.rar:invoice.pdf", "executable@2/a.rar:invoice.pdf"}},
		{"nested zip", Scanner{}, mimetest.RAR5(mimetest.ZipEntry{Name: "a.zip", Data: inner}),
			[]string{"dangerous-extension@2/a.rar:a.zip:x.exe", "executable@2/a.rar:a.zip:x.exe"}},
		{"dictionary 4 GiB", Scanner{}, rar5Compressed("a.txt", 15, false, 4<<30, noise(64)),
			[]string{"limit-dictionary@2"}},
		{"dictionary solid", Scanner{}, rar5Compressed("a.txt", 8, true, 100, noise(64)),
			[]string{"limit-dictionary@2"}},
		{"MaxDictionary", Scanner{MaxDictionary: 1 << 20}, rar5Compressed("a.txt", 4, false, 4<<20, noise(64)),
			[]string{"limit-dictionary@2"}},
		{"RAR 4", Scanner{}, rar4Stored("a.exe", pe),
			[]string{"dangerous-extension@2/a.rar:a.exe", "limit-dictionary@2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scan(t, &tt.s, mimetest.Message("s", "x", att("a.rar", "", tt.rar)))
			got := findings(r)
			for _, w := range tt.want {
				if !bytes.Contains([]byte("\n"+joinLines(got)+"\n"), []byte("\n"+w+"\n")) {
					t.Errorf("findings = %q, want %q among them", got, w)
				}
			}
			if r.Has(KindLimitDictionary) && (Policy{}).Decide(r).Result == ActionAccept {
				t.Errorf("Decide accepts a RAR not inspected:\n%s", r)
			}
		})
	}
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// TestRARHeap measures the heap of hostile RAR archives: a declared
// 4 GiB dictionary and unpacked size (refused before allocating), and
// the largest window allowed, solid, over 1 MiB of noise declared as
// 1 GiB (decoded until the data is rejected).
func TestRARHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory")
	}
	for _, tt := range []struct {
		name string
		rar  []byte
	}{
		{"dictionary 4 GiB", rar5Compressed("a.txt", 15, false, 4<<30, noise(64))},
		{"solid 16 MiB window, 1 GiB declared", rar5Compressed("a.txt", 7, true, 1<<30, noise(1<<20))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msg := mimetest.Message("s", "x", att("a.rar", "", tt.rar))
			var r Report
			m := mimetest.Measure(func() { r = new(Scanner).Scan(t.Context(), msg) })
			t.Logf("%s: %s; findings %q", tt.name, m, findings(r))
			if m.Peak > 64<<20 {
				t.Errorf("peak heap %d MiB, want at most 64", m.Peak>>20)
			}
			if (Policy{}).Decide(r).Result == ActionAccept {
				t.Errorf("Decide accepts:\n%s", r)
			}
		})
	}
}
