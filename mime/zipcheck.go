package mime

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// KindZipMismatch: a zip's central directory and its local file
// headers disagree: an entry is in one and not the other, or its name,
// method or sizes differ (PKWARE APPNOTE.TXT 4.3.6), so that extractors
// reading one structure and those reading the other see different
// files. What either would extract is inspected; the construction has no
// legitimate use, and DefaultReject rejects it as it does KindOverlap.
// Err is ErrZipMismatch.
const KindZipMismatch Kind = "zip-mismatch"

// Extractors read a zip in two ways (PKWARE APPNOTE.TXT 4.3.6): from
// its central directory, as Go's archive/zip, Info-ZIP unzip and
// Windows Explorer list it (unzip then takes the compression method
// from the local header, not the directory), or from the local file
// headers in order, as streaming readers do (Java's ZipInputStream,
// Python's stream-unzip) and as 7-Zip falls back to when the directory
// is unreadable. A zip whose two structures disagree shows each reader
// another archive; zipLocals walks the local headers too and inspects
// what the central directory hides.

// zipLocal is a local file header (APPNOTE 4.3.7) found by walking the
// archive from its start.
type zipLocal struct {
	off          int64 // of the header
	name         string
	flags        uint16
	method       uint16
	crc          uint32
	csize, usize uint64 // from the header or its zip64 extra field
	data, end    int64  // the data, and where the next header is
}

// zipLocalLen is the length of a local file header before its name.
const zipLocalLen = 30

// walkLocals returns the local headers of data read in order, as a
// streaming extractor reads them, and why the walk stopped, "" at a
// central directory or the end. byData maps the data offsets of the
// central directory's entries to them; with exact false, the end of a
// data-descriptor entry the directory also lists is taken from the
// directory when a valid descriptor is there, instead of inflating the
// entry to find it. What it inflates counts against MaxTotalBytes.
func (st *state) walkLocals(path string, data []byte, byData map[int64]*zip.File, exact bool) ([]zipLocal, string) {
	pos := int64(0)
	if bytes.HasPrefix(data, []byte("PK\x07\x08")) || bytes.HasPrefix(data, []byte("PK00")) {
		// APPNOTE 8.5.3: the spanning marker of a single-segment archive.
		pos = 4
	}
	var locals []zipLocal
	for {
		if int64(len(data))-pos < 4 {
			return locals, ""
		}
		switch string(data[pos : pos+4]) {
		case "PK\x03\x04":
		case "PK\x01\x02", "PK\x05\x06", "PK\x06\x06", "PK\x06\x07", "PK\x05\x05":
			return locals, ""
		default:
			return locals, fmt.Sprintf("no local header at offset %d", pos)
		}
		if len(locals) >= st.maxEntries || st.ctx.Err() != nil {
			return locals, "limit"
		}
		if int64(len(data))-pos < zipLocalLen {
			return locals, fmt.Sprintf("local header at offset %d cut short", pos)
		}
		h := data[pos:]
		l := zipLocal{
			off:    pos,
			flags:  binary.LittleEndian.Uint16(h[6:]),
			method: binary.LittleEndian.Uint16(h[8:]),
			crc:    binary.LittleEndian.Uint32(h[14:]),
			csize:  uint64(binary.LittleEndian.Uint32(h[18:])),
			usize:  uint64(binary.LittleEndian.Uint32(h[22:])),
		}
		nlen, xlen := int64(binary.LittleEndian.Uint16(h[26:])), int64(binary.LittleEndian.Uint16(h[28:]))
		l.data = pos + zipLocalLen + nlen + xlen
		if l.data > int64(len(data)) {
			return locals, fmt.Sprintf("local header at offset %d cut short", pos)
		}
		l.name = strings.ToValidUTF8(string(h[zipLocalLen:zipLocalLen+nlen]), "\uFFFD")
		zip64 := zip64Sizes(h[zipLocalLen+nlen:zipLocalLen+nlen+xlen], &l)
		if l.flags&8 == 0 {
			if l.csize > uint64(int64(len(data))-l.data) {
				return locals, fmt.Sprintf("data of local entry %q cut short", l.name)
			}
			l.end = l.data + int64(l.csize)
			locals = append(locals, l)
			pos = l.end
			continue
		}
		// APPNOTE 4.3.9: bit 3 puts the sizes in a data descriptor
		// after the data; a streaming reader finds the data's end by
		// inflating it. For other methods (a stored entry from Go's
		// zip.Writer) the directory's size is taken if a descriptor is
		// there.
		end := int64(-1)
		if f := byData[l.data]; f != nil && (!exact || l.method != zip.Deflate) && f.CompressedSize64 <= uint64(int64(len(data))-l.data) {
			if n := descriptorLen(data[l.data+int64(f.CompressedSize64):], f.CRC32, zip64); n > 0 {
				end = l.data + int64(f.CompressedSize64)
				l.csize = f.CompressedSize64
				l.end = end + n
			}
		}
		if end < 0 && l.method != zip.Deflate {
			return locals, fmt.Sprintf("local entry %q has its sizes after its data, where a streaming reader cannot find them (method %d)", l.name, l.method)
		}
		if end < 0 {
			c := &counter{r: bytes.NewReader(data[l.data:])}
			fr := flate.NewReader(c)
			left := st.maxTotal - st.total
			m := &meter{r: fr, st: st, max: min(st.ratioMax(int64(len(data))-l.data), left), src: c}
			_, err := io.Copy(io.Discard, m)
			fr.Close()
			st.total += min(m.n, left)
			if m.n > left {
				st.stop(KindLimitTotalBytes, path, fmt.Sprintf("more than %d decoded bytes in total", st.maxTotal), ErrTotalBytes)
				return locals, "limit"
			}
			if err != nil {
				return locals, fmt.Sprintf("local entry %q: %v", l.name, m.cause(err))
			}
			l.csize = uint64(c.n)
			end = l.data + c.n
			n := descriptorLen(data[end:], 0, zip64)
			if n == 0 {
				return locals, fmt.Sprintf("local entry %q: no data descriptor after its data", l.name)
			}
			l.end = end + n
		}
		locals = append(locals, l)
		pos = l.end
	}
}

// zip64Sizes reads the sizes of a zip64 extended information extra
// field (APPNOTE 4.5.3) into l where its header says 0xFFFFFFFF, and
// reports whether the field is there (a data descriptor's sizes are
// then 8 bytes each, APPNOTE 4.3.9.2).
func zip64Sizes(x []byte, l *zipLocal) bool {
	for len(x) >= 4 {
		tag, size := binary.LittleEndian.Uint16(x), int(binary.LittleEndian.Uint16(x[2:]))
		if size > len(x)-4 {
			return false
		}
		field := x[4 : 4+size]
		x = x[4+size:]
		if tag != 0x0001 {
			continue
		}
		if l.usize == 0xFFFFFFFF && len(field) >= 8 {
			l.usize, field = binary.LittleEndian.Uint64(field), field[8:]
		}
		if l.csize == 0xFFFFFFFF && len(field) >= 8 {
			l.csize = binary.LittleEndian.Uint64(field)
		}
		return true
	}
	return false
}

// descriptorLen returns the length of the data descriptor (APPNOTE
// 4.3.9) at the start of b, with or without its optional signature,
// followed by a zip signature or the end; 0 if there is none. A
// non-zero crc must match the descriptor's.
func descriptorLen(b []byte, crc uint32, zip64 bool) int64 {
	n := 12
	if zip64 {
		n = 20
	}
	for _, sig := range []int{4, 0} {
		if sig == 4 && !bytes.HasPrefix(b, []byte("PK\x07\x08")) {
			continue
		}
		if len(b) < sig+n {
			continue
		}
		if crc != 0 && binary.LittleEndian.Uint32(b[sig:]) != crc {
			continue
		}
		if rest := b[sig+n:]; len(rest) == 0 || bytes.HasPrefix(rest, []byte("PK")) {
			return int64(sig + n)
		}
	}
	return 0
}

// zipLocals compares the local headers of a zip with its central
// directory (files; nil if unreadable), reports each disagreement as
// KindZipMismatch, and inspects the entries only a streaming reader
// would extract, or would extract otherwise: local headers the
// directory does not list, and entries whose method or sizes differ.
func (st *state) zipLocals(path string, data []byte, files []*zip.File, prefix string, depth int) {
	byData := make(map[int64]*zip.File, len(files))
	for _, f := range files {
		if off, err := f.DataOffset(); err == nil {
			byData[off] = f
		}
	}
	locals, stop := st.walkLocals(path, data, byData, false)
	// A local header signature the walk did not reach may be the start
	// of an entry a streaming reader finds after inflating: walk again,
	// inflating every data-descriptor entry.
	walked := len(locals)
	if stop == "" && bytes.Count(data, []byte("PK\x03\x04")) > walked {
		locals, stop = st.walkLocals(path, data, byData, true)
	}
	if stop == "limit" {
		if st.stopped {
			return
		}
		if err := st.ctx.Err(); err != nil {
			st.alive(path)
			return
		}
		if n, ok := zipEntries(data); !ok || n <= uint64(st.maxEntries) {
			// Else walkZip reported the limit for the directory.
			st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d local headers", st.maxEntries), ErrArchiveEntries)
		}
		stop = ""
	}
	var diffs []string
	seen := make(map[int64]bool, len(locals))
	for _, l := range locals {
		f := byData[l.data]
		if f == nil {
			diffs = append(diffs, fmt.Sprintf("%q only in a local header", l.name))
			st.zipLocalEntry(path, data, l, prefix, depth)
			continue
		}
		seen[l.data] = true
		name := strings.ToValidUTF8(f.Name, "\uFFFD")
		if l.name != name {
			diffs = append(diffs, fmt.Sprintf("%q is %q in its local header", name, l.name))
			if !strings.HasSuffix(l.name, "/") {
				st.checkName(prefix+":"+name, l.name)
			}
		}
		differs := l.method != f.Method
		if l.flags&8 == 0 && (l.csize != f.CompressedSize64 || l.usize != f.UncompressedSize64 || l.crc != f.CRC32) {
			differs = true
		}
		if differs {
			diffs = append(diffs, fmt.Sprintf("%q has method %d, sizes %d/%d in the central directory, method %d, sizes %d/%d in its local header", name, f.Method, f.CompressedSize64, f.UncompressedSize64, l.method, l.csize, l.usize))
			if l.method != f.Method || l.csize != f.CompressedSize64 {
				st.zipLocalEntry(path, data, l, prefix, depth)
			}
		}
	}
	for _, f := range files {
		if off, err := f.DataOffset(); err != nil || !seen[off] {
			diffs = append(diffs, fmt.Sprintf("%q only in the central directory", strings.ToValidUTF8(f.Name, "\uFFFD")))
		}
	}
	if files == nil && len(locals) > 0 {
		diffs = append(diffs, "no readable central directory")
	}
	if len(diffs) == 0 {
		return
	}
	if stop != "" {
		diffs = append(diffs, stop)
	}
	st.find(KindZipMismatch, path, fmt.Sprintf("central directory and local headers disagree (%d): %s", len(diffs), strings.Join(diffs[:min(len(diffs), 4)], "; ")), ErrZipMismatch)
}

// zipLocalEntry reports and inspects a zip entry as a streaming reader
// extracts it from its local header l. Its path is the entry's name
// followed by the header's offset.
func (st *state) zipLocalEntry(path string, data []byte, l zipLocal, prefix string, depth int) {
	if strings.HasSuffix(l.name, "/") || !st.alive(path) {
		return
	}
	p := Part{Path: fmt.Sprintf("%s:%s@%d", prefix, l.name, l.off), Depth: depth + 1, Filename: l.name}
	raw := data[l.data:min(l.data+int64(l.csize), int64(len(data)))]
	switch {
	case l.flags&1 != 0:
		p.Encrypted = true
		p.Size = int64(min(l.usize, 1<<62))
		if st.addPart(p) >= 0 {
			st.checkName(p.Path, l.name)
			st.find(KindEncrypted, p.Path, fmt.Sprintf("%q encrypted, cannot inspect", l.name), nil)
		}
	case l.method == zip.Store:
		st.entryBytes(p, raw)
	case l.method == zip.Deflate:
		c := &counter{r: bytes.NewReader(raw)}
		fr := flate.NewReader(c)
		m := &meter{r: fr, st: st, max: st.ratioMax(int64(len(raw))), src: c}
		st.entry(m, m, p, int64(min(l.usize, 1<<30)))
		fr.Close()
	default:
		if st.addPart(p) >= 0 {
			st.checkName(p.Path, l.name)
			st.find(KindMalformed, p.Path, fmt.Sprintf("zip: compression method %d not supported", l.method), fmt.Errorf("%w: %w", ErrMalformedArchive, zip.ErrAlgorithm))
		}
	}
}
