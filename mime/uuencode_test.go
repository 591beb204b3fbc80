package mime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// uuEncode returns data uuencoded as a block named name, in lines of 45
// bytes, zero written as '`' as BSD and GNU uuencode do.
func uuEncode(name string, data []byte) []byte {
	enc := func(v byte) byte {
		if v == 0 {
			return '`'
		}
		return v + 0x20
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "begin 644 %s\n", name)
	for i := 0; i < len(data); i += 45 {
		chunk := data[i:min(i+45, len(data))]
		b.WriteByte(enc(byte(len(chunk))))
		for j := 0; j < len(chunk); j += 3 {
			var q [3]byte
			copy(q[:], chunk[j:])
			v := uint32(q[0])<<16 | uint32(q[1])<<8 | uint32(q[2])
			b.Write([]byte{enc(byte(v >> 18 & 63)), enc(byte(v >> 12 & 63)), enc(byte(v >> 6 & 63)), enc(byte(v & 63))})
		}
		b.WriteByte('\n')
	}
	b.WriteString("`\nend\n")
	return b.Bytes()
}

// yEncode returns data yEnc-encoded (yEnc 1.3) as a single-part block
// named name, in lines of lineLen characters with CRLF ends.
func yEncode(name string, data []byte, lineLen int) []byte {
	head := fmt.Sprintf("=ybegin line=%d size=%d name=%s\r\n", lineLen, len(data), name)
	tail := fmt.Sprintf("=yend size=%d crc32=%08x\r\n", len(data), crc32.ChecksumIEEE(data))
	// At most 2 characters a byte, and a CRLF a line.
	out := make([]byte, len(head), len(head)+2*len(data)+2*(2*len(data)/max(lineLen, 1)+1)+len(tail))
	copy(out, head)
	out = out[:len(head)+yEncodeBody(out[len(head):cap(out)], data, lineLen)]
	return append(out, tail...)
}

// yEncodeBody writes data's yEnc lines into out and returns their
// length. It is exempt from the race detector, which made the per-byte
// loop over TestEmbeddedBombMemory's 24 MiB cost seconds.
//
//go:norace
func yEncodeBody(out, data []byte, lineLen int) int {
	o, col := 0, 0
	for _, c := range data {
		e := c + 42
		switch e {
		case 0, '\n', '\r', '=':
			out[o] = '='
			o++
			e += 64
			col++
		}
		out[o] = e
		o++
		if col++; col >= lineLen {
			out[o], out[o+1] = '\r', '\n'
			o += 2
			col = 0
		}
	}
	if col > 0 {
		out[o], out[o+1] = '\r', '\n'
		o += 2
	}
	return o
}

// base64Begin returns data as a GNU "begin-base64" block.
func base64Begin(name string, data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "begin-base64 644 %s\n", name)
	enc := base64.StdEncoding.EncodeToString(data)
	for i := 0; i < len(enc); i += 60 {
		b.WriteString(enc[i:min(i+60, len(enc))] + "\n")
	}
	b.WriteString("====\n")
	return b.Bytes()
}

// partByPath returns the part of r at path.
func partByPath(t *testing.T, r Report, path string) Part {
	t.Helper()
	for _, p := range r.Parts {
		if p.Path == path {
			return p
		}
	}
	t.Fatalf("no part %s in\n%s", path, r)
	return Part{}
}

// hasFinding reports whether r has a finding of kind k at path.
func hasFinding(r Report, k Kind, path string) bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Kind == k && f.Path == path })
}

func TestTextEncodedFiles(t *testing.T) {
	pe := mimetest.PE()
	tests := []struct {
		name  string
		text  []byte
		path  string // the decoded part
		kinds []Kind // findings at path
	}{
		{"uuencode", uuEncode("invoice.exe", pe), "1/-:invoice.exe", []Kind{KindDangerousExtension, KindExecutable}},
		{"uuencode renamed", uuEncode("notes.txt", pe), "1/-:notes.txt", []Kind{KindExecutable}},
		{"uuencode mode 0644, CRLF", bytes.ReplaceAll(bytes.Replace(uuEncode("a.exe", pe), []byte("644"), []byte("0644"), 1), []byte("\n"), []byte("\r\n")), "1/-:a.exe", []Kind{KindExecutable}},
		{"yEnc", yEncode("setup.scr", pe, 128), "1/-:setup.scr", []Kind{KindDangerousExtension, KindExecutable}},
		{"begin-base64", base64Begin("run.exe", pe), "1/-:run.exe", []Kind{KindExecutable}},
		{"after prose", append([]byte("Hi,\nplease begin 100 days of work.\nbegin here\n\n"), uuEncode("x.exe", pe)...), "1/-:x.exe", []Kind{KindExecutable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mimetest.Message("s", "see below\r\n"+string(tt.text)+"\r\nbye")
			r := new(Scanner).Scan(context.Background(), msg)
			p := partByPath(t, r, tt.path)
			if p.Size != int64(len(pe)) || p.DetectedType != typePE || p.SHA256 != sha256Of(pe) || p.Truncated {
				t.Errorf("part %s = size %d, type %q, truncated %v; want the PE of %d bytes", p.Path, p.Size, p.DetectedType, p.Truncated, len(pe))
			}
			for _, k := range tt.kinds {
				if !hasFinding(r, k, tt.path) {
					t.Errorf("no %s finding at %s:\n%s", k, tt.path, r)
				}
			}
			if r.Has(KindMalformed) {
				t.Errorf("malformed finding for a well-formed block:\n%s", r)
			}
			if o := (Policy{}).Decide(r); o.Result != ActionReject {
				t.Errorf("Decide = %v, want reject", o)
			}
		})
	}
}

func TestTextEncodedFilesNone(t *testing.T) {
	for _, text := range []string{
		"begin 100 days of summer\nWe start on Monday.\nend\n",
		"begin 644 \nM\nend\n",
		"=ybegin without a name\nxx\n=yend\n",
		"xbegin 644 a.exe\nM9&%T80``\nend\n",
	} {
		msg := mimetest.Message("s", text)
		r := new(Scanner).Scan(context.Background(), msg)
		if len(r.Parts) != 2 || len(r.Findings) != 0 {
			t.Errorf("Scan(text %q) =\n%s\nwant two parts, no findings", text, r)
		}
	}
}

func TestTextEncodedFilesMalformed(t *testing.T) {
	pe := mimetest.PE()
	noEnd := uuEncode("a.exe", pe)
	noEnd = noEnd[:bytes.Index(noEnd, []byte("`\nend"))]
	crc := fmt.Sprintf("crc32=%08x", crc32.ChecksumIEEE(pe))
	badCRC := bytes.Replace(yEncode("a.exe", pe, 128), []byte(crc), []byte("crc32=00000000"), 1)
	for name, text := range map[string][]byte{"uuencode without end": noEnd, "yEnc CRC": badCRC} {
		t.Run(name, func(t *testing.T) {
			r := new(Scanner).Scan(context.Background(), mimetest.Message("s", string(text)))
			if !hasFinding(r, KindMalformed, "1/-:a.exe") || !hasFinding(r, KindExecutable, "1/-:a.exe") {
				t.Errorf("want malformed and executable findings at 1/-:a.exe:\n%s", r)
			}
		})
	}
}

func TestTextEncodedFilesLimits(t *testing.T) {
	pe := mimetest.PE()
	two := string(uuEncode("a.exe", pe)) + string(yEncode("b.exe", pe, 64))
	tests := []struct {
		name string
		s    Scanner
		kind Kind
	}{
		{"MaxPartBytes", Scanner{MaxPartBytes: 100}, KindLimitPartBytes},
		{"MaxArchiveEntries", Scanner{MaxArchiveEntries: 1}, KindLimitArchiveEntries},
		{"MaxDepth", Scanner{MaxDepth: 1}, KindLimitDepth},
		{"MaxHeldBytes", Scanner{MaxHeldBytes: int64(len(two)) + 100}, KindLimitHeldBytes},
		{"MaxParts", Scanner{MaxParts: 3}, KindLimitParts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// MaxHeldBytes: the text part is sent in base64, so its decoded
			// text is held while the files in it are decoded.
			msg := mimetest.Message("s", "", mimetest.Attachment{Type: "text/plain", Disposition: "inline", Data: []byte(two)})
			r := tt.s.Scan(context.Background(), msg)
			if !r.Has(tt.kind) || !r.Truncated {
				t.Errorf("Scan with %s: no %s finding or not Truncated:\n%s", tt.name, tt.kind, r)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide = %v, want no accept", o)
			}
		})
	}
}

func TestDecodeUULimit(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 20))
	b, ok := findBlock(uuEncode("f", data), 0)
	if !ok {
		t.Fatal("findBlock found nothing")
	}
	for _, limit := range []int64{0, 1, 44, 45, 46, 199, 200, 1000} {
		text := uuEncode("f", data)
		got, full, _ := b.decode(text, limit, nil)
		want := data[:min(limit, int64(len(data)))]
		if !bytes.Equal(got, want) || full != (limit >= int64(len(data))) {
			t.Errorf("decode(limit %d) = %q, %v; want %q", limit, got, full, want)
		}
	}
}

func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }

// checkBlocks decodes every block of text under limit and checks the
// bounds: output within limit and within what the block's bytes can
// hold, offsets that advance.
func checkBlocks(t *testing.T, text []byte, limit int64) {
	t.Helper()
	n := 0
	for off := 0; off < len(text); n++ {
		b, ok := findBlock(text, off)
		if !ok {
			break
		}
		if b.next <= off || b.body > b.end || b.end > b.next || b.next > len(text) {
			t.Fatalf("findBlock(%d) = body %d, end %d, next %d in %d bytes", off, b.body, b.end, b.next, len(text))
		}
		off = b.next
		got, _, _ := b.decode(text, limit, nil)
		// A uuencoded line may lack its trailing zeros (spaces stripped on
		// the way): its last line may decode to one byte more than it has.
		if int64(len(got)) > limit || len(got) > b.end-b.body+1 {
			t.Fatalf("decode(limit %d) of %d bytes = %d bytes", limit, b.end-b.body, len(got))
		}
	}
}

// FuzzUUDecode round-trips data through the test's uuencode and
// begin-base64 encoders and the scanner's decoders, whole and cut at a
// limit, and decodes the input itself as text: every block found stays
// within the limit and its own bytes.
func FuzzUUDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, enc := range []func(string, []byte) []byte{uuEncode, base64Begin} {
			text := append([]byte("prose\nbegin 1 x\n"), enc("f.bin", data)...)
			b, ok := findBlock(text, 0)
			if len(data) == 0 && !ok {
				continue
			}
			if !ok || b.name != "f.bin" || !b.closed {
				t.Fatalf("findBlock(%q) = %+v, %v", text, b, ok)
			}
			got, full, problem := b.decode(text, 1<<30, nil)
			if !bytes.Equal(got, data) || !full || problem != "" {
				t.Fatalf("decode(%q) = %q, %v, %q; want %q", text, got, full, problem, data)
			}
			if cut := int64(len(data) / 2); cut < int64(len(data)) {
				got, full, _ := b.decode(text, cut, nil)
				if full || int64(len(got)) > cut || !bytes.HasPrefix(data, got) {
					t.Fatalf("decode(%q, limit %d) = %q, %v", text, cut, got, full)
				}
			}
		}
		checkBlocks(t, data, 64)
	})
}

// FuzzYEnc round-trips data through the test's yEnc encoder and the
// scanner's decoder (CRC-32 and size checked), and decodes the input
// itself as text within the limit.
func FuzzYEnc(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lineLen := range []int{1, 7, 128} {
			text := append([]byte("x\r\n"), yEncode("f.bin", data, lineLen)...)
			b, ok := findBlock(text, 0)
			if !ok || b.name != "f.bin" || !b.closed {
				t.Fatalf("findBlock(%q) = %+v, %v", text, b, ok)
			}
			got, full, problem := b.decode(text, 1<<30, nil)
			if !bytes.Equal(got, data) || !full || problem != "" {
				t.Fatalf("decode(%q) = %q, %v, %q; want %q", text, got, full, problem, data)
			}
		}
		checkBlocks(t, data, 64)
	})
}

// TestTextEncodedLongName: a begin line of a MiB names the file by its
// beginning and its end, where the extension is still checked.
func TestTextEncodedLongName(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	name := strings.Repeat("a", 1<<20) + ".exe"
	for _, text := range [][]byte{uuEncode(name, []byte("x")), yEncode(name, []byte("x"), 128)} {
		b, ok := findBlock(text, 0)
		if !ok || len(b.name) > maxTNEFName+3 || !strings.HasSuffix(b.name, ".exe") {
			t.Fatalf("findBlock name of %d bytes ending %q, found %v; want at most %d bytes ending .exe", len(b.name), b.name[max(0, len(b.name)-8):], ok, maxTNEFName+3)
		}
		r := new(Scanner).Scan(context.Background(), mimetest.Message("s", string(text)))
		if !r.Has(KindDangerousExtension) {
			t.Errorf("no %s finding:\n%.2000s", KindDangerousExtension, r)
		}
	}
}
