// Package mimetest builds test messages, attachments and bombs in
// memory for the tests and benchmarks of package mime and its users, and
// measures the memory a function uses. Nothing here is real malware: the
// "executables" are a few harmless bytes that carry the magic numbers.
package mimetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"mime/quotedprintable"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// Attachment is one part of a message built by Message.
type Attachment struct {
	Name        string // file name (filename parameter), "" for none
	Type        string // Content-Type, default application/octet-stream
	Disposition string // default "attachment"
	Data        []byte
}

// Message returns a multipart/mixed message with CRLF line ends: a
// text/plain part with text, then the attachments in base64.
func Message(subject, text string, atts ...Attachment) []byte {
	// Made at its final size: bomb tests build messages of tens of MiB,
	// and each copy of a growing buffer costs seconds under the race
	// detector.
	size := 512 + len(subject) + len(text)
	for _, a := range atts {
		size += 256 + 2*len(a.Name) + len(a.Type) + len(a.Disposition) + (len(a.Data)+2)/3*4*78/76 + 4
	}
	var b bytes.Buffer
	b.Grow(size)
	fmt.Fprintf(&b, "From: sender@example.org\r\nTo: rcpt@example.com\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n", subject)
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	fmt.Fprintf(&b, "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", text)
	for _, a := range atts {
		t, d := a.Type, a.Disposition
		if t == "" {
			t = "application/octet-stream"
		}
		if d == "" {
			d = "attachment"
		}
		b.WriteString("--b1\r\n")
		if a.Name != "" {
			fmt.Fprintf(&b, "Content-Type: %s; name=\"%s\"\r\nContent-Disposition: %s; filename=\"%s\"\r\n", t, a.Name, d, a.Name)
		} else {
			fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Disposition: %s\r\n", t, d)
		}
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		WriteBase64(&b, a.Data)
	}
	b.WriteString("--b1--\r\n")
	return b.Bytes()
}

// WriteBase64 writes data in base64 in lines of 76 characters (RFC 2045
// §6.8), each ended by CRLF.
func WriteBase64(b *bytes.Buffer, data []byte) {
	b.Write(Base64Lines(data))
}

// Base64Lines returns data in base64 in lines of 76 characters (RFC 2045
// §6.8), each ended by CRLF; no data is one empty line.
//
// It is exempt from the race detector (go:norace), which checks every
// byte a Go loop touches and made the tens of MiB of a bomb test's
// messages cost seconds to build (encoding/base64's loops included); it
// works on its own memory on one goroutine, and the code under test
// stays instrumented.
//
//go:norace
func Base64Lines(data []byte) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	const perLine = 57 // input bytes of a 76-character line
	lines := max((len(data)+perLine-1)/perLine, 1)
	out := make([]byte, (len(data)+2)/3*4+2*lines)
	o := 0
	for start := 0; start < len(data) || start == 0; start += perLine {
		end := min(start+perLine, len(data))
		i := start
		for ; i+3 <= end; i += 3 {
			v := uint(data[i])<<16 | uint(data[i+1])<<8 | uint(data[i+2])
			out[o], out[o+1], out[o+2], out[o+3] = alphabet[v>>18&63], alphabet[v>>12&63], alphabet[v>>6&63], alphabet[v&63]
			o += 4
		}
		switch end - i {
		case 1:
			v := uint(data[i]) << 16
			out[o], out[o+1], out[o+2], out[o+3] = alphabet[v>>18&63], alphabet[v>>12&63], '=', '='
			o += 4
		case 2:
			v := uint(data[i])<<16 | uint(data[i+1])<<8
			out[o], out[o+1], out[o+2], out[o+3] = alphabet[v>>18&63], alphabet[v>>12&63], alphabet[v>>6&63], '='
			o += 4
		}
		out[o], out[o+1] = '\r', '\n'
		o += 2
		if end == len(data) {
			break
		}
	}
	return out[:o]
}

// ZipEntry is one entry of an archive built by Zip.
type ZipEntry struct {
	Name      string
	Data      []byte
	Store     bool // stored, not deflated
	Encrypted bool // the encryption flag set (the data stays plain)
}

// Zip returns a zip archive of the entries.
func Zip(entries ...ZipEntry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate}
		if e.Store {
			h.Method = zip.Store
		}
		if e.Encrypted {
			h.Flags |= 1
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		f.Write(e.Data)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PE returns harmless bytes that look like a Windows PE executable: an
// MS-DOS header whose e_lfanew points at "PE\0\0".
func PE() []byte {
	b := make([]byte, 256)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3C:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	copy(b[0x40:], "This program cannot be run in DOS mode. (spamkit test bytes)")
	return b
}

// OLE2VBA returns a minimal OLE2 compound file ([MS-CFB]) whose
// directory holds a VBA storage and a _VBA_PROJECT stream, as a macro
// document's does; it holds no code.
func OLE2VBA() []byte {
	b := make([]byte, 512+512)
	copy(b, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	binary.LittleEndian.PutUint16(b[0x1A:], 3)      // major version
	binary.LittleEndian.PutUint16(b[0x1C:], 0xFFFE) // byte order
	binary.LittleEndian.PutUint16(b[0x1E:], 9)      // sector shift: 512
	binary.LittleEndian.PutUint16(b[0x20:], 6)      // mini sector shift
	for i, e := range []struct {
		name string
		typ  byte
	}{{"Root Entry", 5}, {"VBA", 1}, {"_VBA_PROJECT", 2}, {"PROJECT", 2}} {
		d := b[512+128*i:]
		u := utf16.Encode([]rune(e.name))
		for j, c := range u {
			binary.LittleEndian.PutUint16(d[2*j:], c)
		}
		binary.LittleEndian.PutUint16(d[64:], uint16(2*len(u)+2))
		d[66] = e.typ
	}
	return b
}

// Docm returns a minimal OOXML word document with a VBA project part,
// as Word saves a .docm.
func Docm() []byte {
	return Zip(
		ZipEntry{Name: "[Content_Types].xml", Data: []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`)},
		ZipEntry{Name: "word/document.xml", Data: []byte(`<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Please enable content</w:t></w:r></w:p></w:body></w:document>`)},
		ZipEntry{Name: "word/vbaProject.bin", Data: OLE2VBA()},
	)
}

var zeros struct {
	once        sync.Once
	first, next []byte // deflate of the first MiB, of each further MiB
	tail        []byte // the final block

	crcOnce sync.Once
	crc0    uint32     // the CRC-32 of a MiB of zeros from 0
	crcCols [32]uint32 // what bit i of the register adds to it
}

// ZerosDeflate returns a raw deflate stream (RFC 1951) of mib MiB of
// zero bytes, about 1 KiB per MiB, built without compressing them: after
// the first MiB, a sync-flushed MiB of zeros compresses to the same bytes.
func ZerosDeflate(mib int) []byte {
	zeros.once.Do(func() {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestCompression)
		z := make([]byte, 1<<20)
		for i := range 2 {
			w.Write(z)
			w.Flush()
			if i == 0 {
				zeros.first = bytes.Clone(b.Bytes())
			} else {
				zeros.next = bytes.Clone(b.Bytes())
			}
			b.Reset()
		}
		w.Close()
		zeros.tail = bytes.Clone(b.Bytes())
	})
	out := make([]byte, 0, len(zeros.first)+(mib-1)*len(zeros.next)+len(zeros.tail))
	if mib > 0 {
		out = append(out, zeros.first...)
	}
	for i := 1; i < mib; i++ {
		out = append(out, zeros.next...)
	}
	return append(out, zeros.tail...)
}

// ZerosCRC returns the CRC-32 (IEEE) of mib MiB of zeros. Updating a
// CRC-32 with a MiB of zeros is an affine map of the 32-bit register
// over GF(2); it is found once, from 33 updates, and then applied mib
// times, so that a 4 GiB bomb does not cost 4 GiB of CRC computing.
func ZerosCRC(mib int) uint32 { return zerosCRCFrom(0, mib) }

// zerosCRCFrom returns the CRC-32 (IEEE) of data followed by mib MiB of
// zeros, given c, the CRC-32 of data.
func zerosCRCFrom(c uint32, mib int) uint32 {
	zeros.crcOnce.Do(func() {
		z := make([]byte, 1<<20)
		zeros.crc0 = crc32.Update(0, crc32.IEEETable, z)
		for i := range zeros.crcCols {
			zeros.crcCols[i] = crc32.Update(1<<i, crc32.IEEETable, z) ^ zeros.crc0
		}
	})
	for range mib {
		next := zeros.crc0
		for i := range zeros.crcCols {
			if c&(1<<i) != 0 {
				next ^= zeros.crcCols[i]
			}
		}
		c = next
	}
	return c
}

// ZlibZeros returns a zlib stream (RFC 1950, as PDF's FlateDecode
// reads) of mib MiB of zeros, built as ZerosDeflate is.
func ZlibZeros(mib int) []byte {
	d := ZerosDeflate(mib)
	b := make([]byte, 0, 2+len(d)+4)
	b = append(b, 0x78, 0xda)
	b = append(b, d...)
	// Adler-32 of n zeros: A stays 1, B adds A for each byte.
	return binary.BigEndian.AppendUint32(b, uint32((uint64(mib)<<20)%65521)<<16|1)
}

// ZipZeros returns a zip archive of one deflated entry of mib MiB of
// zeros, built as ZerosDeflate is.
func ZipZeros(name string, mib int) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	rawZipEntry(w, name, ZerosDeflate(mib), ZerosCRC(mib), mib)
	w.Close()
	return b.Bytes()
}

// TarGzZeros returns a gzip-compressed tar archive (one gzip member)
// of one file of mib MiB of zeros, without compressing the zeros: the
// tar header is a stored deflate block (RFC 1951 §3.2.4), the zeros are
// ZerosDeflate's blocks, and the CRC goes on from the header's. The
// archive ends with the file's data, without tar's two zero end
// blocks (archive/tar reads that as the end of the archive).
func TarGzZeros(name string, mib int) []byte {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(mib) << 20, Typeflag: tar.TypeReg})
	tw.Flush()
	h := hdr.Bytes()
	var b bytes.Buffer
	b.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255})
	b.WriteByte(0) // BFINAL 0, BTYPE 00 (stored)
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	binary.Write(&b, binary.LittleEndian, ^uint16(len(h)))
	b.Write(h)
	b.Write(ZerosDeflate(mib))
	binary.Write(&b, binary.LittleEndian, zerosCRCFrom(crc32.ChecksumIEEE(h), mib))
	binary.Write(&b, binary.LittleEndian, uint32(len(h)+mib<<20))
	return b.Bytes()
}

// GzipBomb returns a gzip file (RFC 1952) of mib MiB of zeros.
func GzipBomb(mib int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255})
	b.Write(ZerosDeflate(mib))
	binary.Write(&b, binary.LittleEndian, ZerosCRC(mib))
	binary.Write(&b, binary.LittleEndian, uint32(mib<<20))
	return b.Bytes()
}

// rawZipEntry adds an entry of mib MiB of zeros to w without compressing
// them.
func rawZipEntry(w *zip.Writer, name string, deflated []byte, crc uint32, mib int) {
	f, err := w.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(deflated)), UncompressedSize64: uint64(mib) << 20,
	})
	if err != nil {
		panic(err)
	}
	f.Write(deflated)
}

// NestedZipBomb returns a 42.zip-style bomb: levels of zips, each with
// fanout copies of the level below, the last holding fanout files of
// leafMiB MiB of zeros each; it unpacks to fanout^levels × leafMiB MiB.
func NestedZipBomb(levels, fanout, leafMiB int) []byte {
	deflated, crc := ZerosDeflate(leafMiB), ZerosCRC(leafMiB)
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := range fanout {
		rawZipEntry(w, fmt.Sprintf("%d.bin", i), deflated, crc, leafMiB)
	}
	w.Close()
	cur := bytes.Clone(b.Bytes())
	for l := 1; l < levels; l++ {
		entries := make([]ZipEntry, fanout)
		for i := range entries {
			entries[i] = ZipEntry{Name: fmt.Sprintf("lib%d-%d.zip", l, i), Data: cur}
		}
		cur = Zip(entries...)
	}
	return cur
}

// OverlapZipBomb returns an overlapping-entry zip bomb (after David
// Fifield's construction, simplified): one deflate stream of mib MiB of
// zeros, and entries central directory entries that all point at its
// single local file header, so that the archive unpacks to entries × mib
// MiB.
func OverlapZipBomb(entries, mib int) []byte {
	deflated, crc := ZerosDeflate(mib), ZerosCRC(mib)
	le := binary.LittleEndian
	var b bytes.Buffer
	// Local file header (APPNOTE 4.3.7).
	name := "0"
	hdr := make([]byte, 30)
	le.PutUint32(hdr[0:], 0x04034b50)
	le.PutUint16(hdr[4:], 20)
	le.PutUint16(hdr[8:], 8)
	le.PutUint32(hdr[14:], crc)
	le.PutUint32(hdr[18:], uint32(len(deflated)))
	le.PutUint32(hdr[22:], uint32(mib<<20))
	le.PutUint16(hdr[26:], uint16(len(name)))
	b.Write(hdr)
	b.WriteString(name)
	b.Write(deflated)
	cdStart := b.Len()
	for i := range entries {
		n := fmt.Sprintf("%d", i)
		c := make([]byte, 46)
		le.PutUint32(c[0:], 0x02014b50)
		le.PutUint16(c[4:], 20)
		le.PutUint16(c[6:], 20)
		le.PutUint16(c[10:], 8)
		le.PutUint32(c[16:], crc)
		le.PutUint32(c[20:], uint32(len(deflated)))
		le.PutUint32(c[24:], uint32(mib<<20))
		le.PutUint16(c[28:], uint16(len(n)))
		le.PutUint32(c[42:], 0) // every entry at the one local header
		b.Write(c)
		b.WriteString(n)
	}
	cdLen := b.Len() - cdStart
	e := make([]byte, 22)
	le.PutUint32(e[0:], 0x06054b50)
	le.PutUint16(e[8:], uint16(entries))
	le.PutUint16(e[10:], uint16(entries))
	le.PutUint32(e[12:], uint32(cdLen))
	le.PutUint32(e[16:], uint32(cdStart))
	b.Write(e)
	return b.Bytes()
}

// DeepMultipart returns a message of depth nested multipart/mixed
// entities with a text part at the bottom.
func DeepMultipart(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n--d%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nbottom\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--d%d--\r\n", i)
	}
	return b.Bytes()
}

// ManyParts returns a multipart/mixed message of n tiny text parts.
func ManyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&b, "--m\r\nContent-Type: text/plain\r\n\r\n%d\r\n", i)
	}
	b.WriteString("--m--\r\n")
	return b.Bytes()
}

// HugeBase64Line returns a message with one attachment of n bytes
// ("spamkit " repeated) encoded in base64 on a single line. The encoding
// is built by repeating the 32 characters of 24 bytes, so that making
// the message costs a copy, not an encoder loop (which the race detector
// slows tenfold).
func HugeBase64Line(n int) []byte {
	const head = "From: a@example.org\r\nSubject: line\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	unit := strings.Repeat("spamkit ", 3) // 24 bytes: whole base64 quanta
	tail := base64.StdEncoding.EncodeToString([]byte(unit[:n%len(unit)]))
	b := make([]byte, 0, len(head)+n/len(unit)*32+len(tail)+2)
	b = append(b, head...)
	b = append(b, bytes.Repeat([]byte(base64.StdEncoding.EncodeToString([]byte(unit))), n/len(unit))...)
	b = append(b, tail...)
	return append(b, "\r\n"...)
}

// Mem is the memory a function used, from runtime.MemStats.
type Mem struct {
	Peak       uint64 // highest HeapInuse sampled, above the level before
	TotalAlloc uint64 // bytes allocated
}

func (m Mem) String() string {
	return fmt.Sprintf("peak heap %.1f MiB, allocated %.1f MiB", float64(m.Peak)/(1<<20), float64(m.TotalAlloc)/(1<<20))
}

// Measure runs f and reports its memory: HeapInuse is sampled every
// millisecond while it runs (and once after), after a garbage collection
// before.
func Measure(f func()) Mem {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	stopped := make(chan struct{})
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		peak = max(peak, ms.HeapInuse)
		mu.Unlock()
	}
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	f()
	close(done)
	<-stopped
	sample()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	m := Mem{TotalAlloc: after.TotalAlloc - before.TotalAlloc}
	if peak > before.HeapInuse {
		m.Peak = peak - before.HeapInuse
	}
	return m
}

// Lines returns s split in lines without their ends, for assertions.
func Lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

// Gzip returns data compressed as a gzip file (RFC 1952) whose header
// names it name.
func Gzip(name string, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Name = name
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// Tar returns a tar archive of the entries (their Store and Encrypted
// are ignored).
func Tar(entries ...ZipEntry) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range entries {
		w.WriteHeader(&tar.Header{Name: e.Name, Mode: 0o644, Size: int64(len(e.Data)), Typeflag: tar.TypeReg})
		w.Write(e.Data)
	}
	w.Close()
	return b.Bytes()
}

// MixedMessage returns a message of about mib MiB (at least 1) with the
// mix of a business mailbox: a text and an HTML body (quoted-printable),
// and base64 attachments: a PDF-like and a JPEG-like file of random
// bytes, a zip of text documents, an OOXML-like document and a small
// text file. It is deterministic.
func MixedMessage(mib int) []byte {
	size := max(mib, 1) << 20
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int, magic string) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		copy(b, magic)
		return b
	}
	words := strings.Fields("the quarterly report shows revenue growth across all regions and the board approved the budget for next year including new hires in sales engineering and support")
	text := func(n int) []byte {
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(12) == 0 {
				b.WriteString(".\r\n")
			} else {
				b.WriteByte(' ')
			}
		}
		return b.Bytes()
	}
	// Attachments take about 3/4 of the size after base64.
	budget := size * 3 / 4
	var b bytes.Buffer
	b.WriteString("From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: Q3 documents\r\nDate: Sun, 1 Nov 2026 12:00:00 +0000\r\nMessage-ID: <q3@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n")
	b.WriteString("--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n")
	body := text(20 << 10)
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write(body)
	w.Close()
	fmt.Fprintf(&b, "--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", qp.Bytes())
	fmt.Fprintf(&b, "--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><body><p>%s</p></body></html>\r\n--alt--\r\n", qp.Bytes())
	var docs []ZipEntry
	for i := range 8 {
		docs = append(docs, ZipEntry{Name: fmt.Sprintf("docs/report-%d.txt", i), Data: text(budget / 5 / 8)})
	}
	atts := []Attachment{
		{Name: "report.pdf", Type: "application/pdf", Data: random(budget*3/10, "%PDF-1.7\n")},
		{Name: "photo.jpg", Type: "image/jpeg", Data: random(budget*3/10, "\xff\xd8\xff\xe0")},
		{Name: "documents.zip", Type: "application/zip", Data: Zip(docs...)},
		{Name: "minutes.docx", Type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Data: Zip(
			ZipEntry{Name: "[Content_Types].xml", Data: []byte(`<?xml version="1.0"?><Types/>`)},
			ZipEntry{Name: "word/document.xml", Data: text(budget / 10)})},
		{Name: "notes.txt", Type: "text/plain", Data: text(16 << 10)},
	}
	for _, a := range atts {
		fmt.Fprintf(&b, "--outer\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", a.Type, a.Name, a.Name)
		WriteBase64(&b, a.Data)
	}
	b.WriteString("--outer--\r\n")
	return b.Bytes()
}

// RAR5 returns a RAR 5.0 archive (RARLAB's "RAR 5.0 archive format")
// of the entries, stored without compression. An Encrypted entry gets
// the file encryption extra record (its data stays plain), as an
// archive made with a password and without -hp has.
func RAR5(entries ...ZipEntry) []byte {
	var b bytes.Buffer
	b.WriteString("Rar!\x1a\x07\x01\x00")
	writeRAR5Header(&b, 1, 0, nil, nil, vint(0)) // main archive header
	for _, e := range entries {
		var extra []byte
		flags := uint64(0x02) // data area present
		if e.Encrypted {
			rec := vint(0x01)                      // file encryption record
			rec = append(rec, vint(0)...)          // AES-256
			rec = append(rec, vint(0)...)          // no password check value
			rec = append(rec, 15)                  // KDF count
			rec = append(rec, make([]byte, 32)...) // salt and IV
			extra = append(vint(uint64(len(rec))), rec...)
			flags |= 0x01
		}
		var f []byte
		f = append(f, vint(0x04)...)                // file flags: CRC32 present
		f = append(f, vint(uint64(len(e.Data)))...) // unpacked size
		f = append(f, vint(0x20)...)                // attributes
		f = binary.LittleEndian.AppendUint32(f, crc32.ChecksumIEEE(e.Data))
		f = append(f, vint(0)...) // compression: version 0, store
		f = append(f, vint(0)...) // host OS: Windows
		f = append(f, vint(uint64(len(e.Name)))...)
		f = append(f, e.Name...)
		writeRAR5Header(&b, 2, flags, extra, e.Data, f)
	}
	writeRAR5Header(&b, 5, 0, nil, nil, vint(0)) // end of archive
	return b.Bytes()
}

// RAR5HeaderEncrypted returns the start of a RAR 5.0 archive whose
// headers are encrypted (rar -hp): its file names cannot be read.
func RAR5HeaderEncrypted() []byte {
	var b bytes.Buffer
	b.WriteString("Rar!\x1a\x07\x01\x00")
	body := append(vint(0), vint(0)...) // version AES-256, no check value
	body = append(body, 15)             // KDF count
	body = append(body, make([]byte, 16)...)
	writeRAR5Header(&b, 4, 0, nil, nil, body)
	b.Write(make([]byte, 64)) // encrypted headers
	return b.Bytes()
}

// writeRAR5Header writes a RAR 5.0 block: CRC32 of what follows it,
// header size, type, flags, extra area size, data size, fields, extra
// area, data.
func writeRAR5Header(b *bytes.Buffer, typ, flags uint64, extra, data, fields []byte) {
	var h []byte
	h = append(h, vint(typ)...)
	h = append(h, vint(flags)...)
	if flags&0x01 != 0 {
		h = append(h, vint(uint64(len(extra)))...)
	}
	if flags&0x02 != 0 {
		h = append(h, vint(uint64(len(data)))...)
	}
	h = append(h, fields...)
	h = append(h, extra...)
	h = append(vint(uint64(len(h))), h...)
	binary.Write(b, binary.LittleEndian, crc32.ChecksumIEEE(h))
	b.Write(h)
	b.Write(data)
}

// vint encodes v as a RAR 5.0 variable-length integer.
func vint(v uint64) []byte {
	var out []byte
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// IncompressibleNestedZip returns levels of zips nested in one another,
// each deflated at level 0 (stored deflate blocks, ratio 1), around mib
// MiB of random bytes: every level is as large as the payload, so
// scanning it holds a buffer per level, which only a bound on the bytes
// held keeps in check. The bytes are an AES-CTR key stream and the
// deflate streams are written by hand (RFC 1951 §3.2.4 stored blocks)
// straight into buffers of their final size, so that making it costs
// little more than a copy per level, also under the race detector (which
// slows Go loops such as math/rand's tenfold, not assembly).
func IncompressibleNestedZip(levels, mib int) []byte {
	cur := make([]byte, mib<<20)
	block, err := aes.NewCipher(make([]byte, 16))
	if err != nil {
		panic(err)
	}
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(cur, cur)
	for l := range levels {
		name := fmt.Sprintf("level%d.zip", levels-l)
		blocks := max((len(cur)+0xFFFF-1)/0xFFFF, 1)
		deflated := len(cur) + 5*blocks
		var b bytes.Buffer
		b.Grow(deflated + 2*len(name) + 200)
		w := zip.NewWriter(&b)
		f, err := w.CreateRaw(&zip.FileHeader{
			Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(cur),
			CompressedSize64: uint64(deflated), UncompressedSize64: uint64(len(cur)),
		})
		if err != nil {
			panic(err)
		}
		for i := range blocks {
			chunk := cur[min(i*0xFFFF, len(cur)):min((i+1)*0xFFFF, len(cur))]
			var h [5]byte // BFINAL, BTYPE 00, LEN, NLEN
			if i == blocks-1 {
				h[0] = 1
			}
			binary.LittleEndian.PutUint16(h[1:], uint16(len(chunk)))
			binary.LittleEndian.PutUint16(h[3:], ^uint16(len(chunk)))
			f.Write(h[:])
			f.Write(chunk)
		}
		w.Close()
		cur = b.Bytes()
	}
	return cur
}
