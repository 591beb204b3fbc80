package mime

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"
	"unicode/utf16"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// tnefFile is an attachment for tnefStream.
type tnefFile struct {
	Title    string // attAttachTitle, "" for none
	LongName string // PidTagAttachLongFilename (PtypString), "" for none
	Data     []byte // attAttachData, nil for none
	Message  []byte // an embedded message (a TNEF stream), nil for none
}

// tnefAttr appends a TNEF attribute record ([MS-OXTNEF] §2.1.3.1).
func tnefAttr(b *bytes.Buffer, level byte, id uint32, data []byte) {
	b.WriteByte(level)
	b.Write(binary.LittleEndian.AppendUint32(nil, id))
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(data))))
	b.Write(data)
	b.Write(binary.LittleEndian.AppendUint16(nil, tnefChecksum(data)))
}

// tnefChecksum returns the attribute checksum: the sum of the bytes
// modulo 65536 ([MS-OXTNEF] 2.1.3.2). It is exempt from the race
// detector, which made the per-byte loop over the tens of MiB of
// TestEmbeddedBombMemory's nested streams cost 19 s to build.
//
//go:norace
func tnefChecksum(data []byte) uint16 {
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	return sum
}

// tnefValue appends a variable-length MAPI value: count 1, size, data
// (the parts of v one after another), padding to 4 bytes.
func tnefValue(p []byte, tag uint32, v ...[]byte) []byte {
	n := 0
	for _, part := range v {
		n += len(part)
	}
	p = binary.LittleEndian.AppendUint32(p, tag)
	p = binary.LittleEndian.AppendUint32(p, 1)
	p = binary.LittleEndian.AppendUint32(p, uint32(n))
	for _, part := range v {
		p = append(p, part...)
	}
	return append(p, make([]byte, (4-n%4)%4)...)
}

// tnefStream returns a TNEF stream ([MS-OXTNEF]) with the attachments,
// each with a few fixed, named and multi-valued MAPI properties. Its
// buffers are made at their final size: TestEmbeddedBombMemory nests
// streams of tens of MiB, and under the race detector every fresh copy
// of them cost seconds (the detector's shadow memory of each new
// buffer).
func tnefStream(files ...tnefFile) []byte {
	var b bytes.Buffer
	size := 256
	for _, f := range files {
		size += 512 + len(f.Title) + len(f.Data) + 4*len(f.LongName) + len(f.Message)
	}
	b.Grow(size)
	b.WriteString(tnefSignature)
	b.Write([]byte{0x01, 0x00})                                    // key
	tnefAttr(&b, tnefLevelMessage, 0x00089006, []byte{0, 0, 1, 0}) // attTnefVersion
	tnefAttr(&b, tnefLevelMessage, 0x00078008, []byte("IPM.Microsoft Mail.Note\x00"))
	for _, f := range files {
		tnefAttr(&b, tnefLevelAttachment, attAttachRendData, make([]byte, 14))
		if f.Title != "" {
			tnefAttr(&b, tnefLevelAttachment, attAttachTitle, []byte(f.Title+"\x00"))
		}
		if f.Data != nil {
			tnefAttr(&b, tnefLevelAttachment, attAttachData, f.Data)
		}
		p := make([]byte, 4, 256+4*len(f.LongName)+len(f.Message))
		n := uint32(3)
		// PidTagAttachMethod (PtypInteger32) = 1 or 5 (embedded message).
		p = binary.LittleEndian.AppendUint32(p, 0x37050003)
		p = binary.LittleEndian.AppendUint32(p, 1)
		// A named PtypBoolean property, then a multi-valued PtypInteger16.
		p = binary.LittleEndian.AppendUint32(p, 0x8001000b)
		p = append(p, iidIMessage...)
		p = binary.LittleEndian.AppendUint32(p, 0)
		p = binary.LittleEndian.AppendUint32(p, 0x8233)
		p = append(p, 1, 0, 0, 0)
		p = binary.LittleEndian.AppendUint32(p, 0x68001002)
		p = binary.LittleEndian.AppendUint32(p, 2)
		p = append(p, 1, 0, 0, 0, 2, 0, 0, 0)
		if f.LongName != "" {
			n++
			u := utf16.Encode([]rune(f.LongName + "\x00"))
			v := make([]byte, 0, 2*len(u))
			for _, c := range u {
				v = binary.LittleEndian.AppendUint16(v, c)
			}
			p = tnefValue(p, pidAttachLongFilename<<16|ptypString, v)
		}
		if f.Message != nil {
			n++
			p = tnefValue(p, pidAttachDataObject<<16|ptypObject, iidIMessage, f.Message)
		}
		binary.LittleEndian.PutUint32(p, n)
		tnefAttr(&b, tnefLevelAttachment, attAttachment, p)
	}
	return b.Bytes()
}

func TestTNEF(t *testing.T) {
	pe := mimetest.PE()
	inner := tnefStream(tnefFile{Title: "a.exe", Data: mimetest.Zip(mimetest.ZipEntry{Name: "b.scr", Data: pe})})
	tests := []struct {
		name  string
		tnef  []byte
		path  string // the part with the findings
		kinds []Kind
	}{
		{"long name", tnefStream(tnefFile{Title: "INVOIC~1.EXE", LongName: "invoice.pdf.exe", Data: pe}), "2/winmail.dat:invoice.pdf.exe", []Kind{KindExecutable, KindDoubleExtension}},
		{"title", tnefStream(tnefFile{Title: "report.txt", Data: []byte("hi")}, tnefFile{Title: "setup.js", Data: []byte("x")}), "2/winmail.dat:setup.js", []Kind{KindDangerousExtension}},
		{"renamed program", tnefStream(tnefFile{Title: "photo.jpg", Data: pe}), "2/winmail.dat:photo.jpg", []Kind{KindExecutable, KindTypeMismatch}},
		{"name checks both", tnefStream(tnefFile{Title: "a.vbs", LongName: "a.txt", Data: []byte("x")}), "2/winmail.dat:a.txt", []Kind{KindDangerousExtension}},
		{"embedded message", tnefStream(tnefFile{Title: "Fwd", Message: inner}), "2/winmail.dat:Fwd:a.exe:b.scr", []Kind{KindExecutable, KindDangerousExtension}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mimetest.Message("s", "x", mimetest.Attachment{Name: "winmail.dat", Type: "application/ms-tnef", Data: tt.tnef})
			r := new(Scanner).Scan(context.Background(), msg)
			partByPath(t, r, tt.path)
			for _, k := range tt.kinds {
				if !hasFinding(r, k, tt.path) {
					t.Errorf("no %s finding at %s:\n%s", k, tt.path, r)
				}
			}
			if r.Has(KindMalformed) || r.Truncated {
				t.Errorf("malformed or truncated:\n%s", r)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide = %v, want no accept", o)
			}
		})
	}
	// The content of an attachment is reported as is.
	r := new(Scanner).ScanFile(context.Background(), "winmail.dat", tnefStream(tnefFile{Title: "a.txt", Data: []byte("hello")}))
	if p := partByPath(t, r, "winmail.dat:a.txt"); p.Size != 5 || p.SHA256 != sha256Of([]byte("hello")) || p.DetectedType != typeText {
		t.Errorf("part = %+v, want the 5 bytes of text", p)
	}
}

func TestTNEFMalformed(t *testing.T) {
	pe := mimetest.PE()
	good := tnefStream(tnefFile{Title: "a.exe", Data: pe})
	badSum := slices.Clone(good)
	badSum[len(badSum)-1] ^= 1
	long := tnefStream(tnefFile{Title: "a.exe", Data: pe}, tnefFile{Title: "b.exe", Data: []byte("x")})
	cut := long[:len(long)-5]
	tests := []struct {
		name string
		data []byte
		typ  string
		want string // a part that must still be reported, or ""
	}{
		{"checksum", badSum, "application/ms-tnef", "2/winmail.dat:a.exe"},
		{"cut", cut, "application/ms-tnef", "2/winmail.dat:a.exe"},
		{"huge length", append(slices.Clone(good[:6]), 1, 0x10, 0x80, 6, 0, 0xff, 0xff, 0xff, 0x7f), "application/ms-tnef", ""},
		{"no signature", []byte("hello"), "application/ms-tnef", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mimetest.Message("s", "x", mimetest.Attachment{Name: "winmail.dat", Type: tt.typ, Data: tt.data})
			r := new(Scanner).Scan(context.Background(), msg)
			if !hasFinding(r, KindMalformed, "2") {
				t.Errorf("no malformed finding at 2:\n%s", r)
			}
			if tt.want != "" && !hasFinding(r, KindExecutable, tt.want) {
				t.Errorf("no executable finding at %s:\n%s", tt.want, r)
			}
		})
	}
}

func TestTNEFLimits(t *testing.T) {
	pe := mimetest.PE()
	two := tnefStream(tnefFile{Title: "a.txt", Data: pe}, tnefFile{Title: "b.txt", Data: pe})
	nested := tnefStream(tnefFile{Title: "m", Message: tnefStream(tnefFile{Title: "m2", Message: two})})
	tests := []struct {
		name string
		s    Scanner
		data []byte
		kind Kind
	}{
		{"MaxArchiveEntries", Scanner{MaxArchiveEntries: 1}, two, KindLimitArchiveEntries},
		{"MaxPartBytes", Scanner{MaxPartBytes: 64}, two, KindLimitPartBytes},
		{"MaxDepth", Scanner{MaxDepth: 2}, nested, KindLimitDepth},
		{"MaxParts", Scanner{MaxParts: 2}, two, KindLimitParts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.s.ScanFile(context.Background(), "winmail.dat", tt.data)
			if !r.Has(tt.kind) || !r.Truncated {
				t.Errorf("no %s finding or not Truncated:\n%s", tt.kind, r)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide = %v, want no accept", o)
			}
		})
	}
}

// FuzzTNEF round-trips data and a name derived from it through the
// test's TNEF writer and parseTNEF, and parses the input itself: no
// attachment content lies outside it, their count stays within the
// limit, and a scan of it respects the limits.
func FuzzTNEF(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		name := string(bytes.ToValidUTF8(bytes.ReplaceAll(data[:min(len(data), 20)], []byte{0}, nil), nil)) + ".bin"
		atts, over, problem := parseTNEF(tnefStream(tnefFile{Title: "t", LongName: name, Data: data}), 10)
		if len(atts) != 1 || over || problem != "" || !bytes.Equal(atts[0].data, data) || atts[0].name() != name || atts[0].title != "t" {
			t.Fatalf("parseTNEF(tnefStream(%q)) = %+v, %v, %q", data, atts, over, problem)
		}
		atts, _, _ = parseTNEF(data, 5)
		if len(atts) > 5 {
			t.Fatalf("parseTNEF(limit 5) = %d attachments", len(atts))
		}
		for _, a := range atts {
			for _, b := range [][]byte{a.data, a.message} {
				if len(b) > 0 && !inside(b, data) {
					t.Fatalf("attachment content is not a slice of the input")
				}
			}
		}
		s := fuzzScanner()
		checkReport(t, s, s.ScanFile(context.Background(), "winmail.dat", data), len(data))
	})
}

// inside reports whether b is part of data.
func inside(b, data []byte) bool { return bytes.Contains(data, b) }
