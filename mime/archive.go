package mime

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// sniffLen is how much of an archive entry is read before deciding
// whether to keep it whole (archives, OLE2 documents, text) or to stream
// it through the digest (anything else), and reaches the ISO 9660
// volume descriptor at 32 KiB.
const sniffLen = 0x8006

// walkArchive lists and inspects the entries of the archive data, of
// type det, held by the part at idx.
func (st *state) walkArchive(idx int, det string, data []byte, prefix, name string, depth int) {
	path := st.report.Parts[idx].Path
	switch det {
	case typeZip:
		st.walkZip(path, data, prefix, depth)
	case typeTar:
		st.walkTar(path, bytes.NewReader(data), nil, prefix, depth)
	case typeGzip:
		src := &counter{r: bytes.NewReader(data)}
		zr, err := gzip.NewReader(src)
		if err != nil {
			st.classify(err, path)
			return
		}
		inner := zr.Name
		if inner == "" || !utf8.ValidString(inner) {
			inner = trimExt(baseName(name), ".gz", ".tgz", ".gzip")
		}
		m := &meter{r: zr, st: st, max: st.ratioMax(int64(len(data))), src: src}
		st.entry(m, m, Part{Path: prefix + ":" + inner, Depth: depth + 1, Filename: inner}, 0)
	case typeBzip2:
		inner := trimExt(baseName(name), ".bz2", ".tbz", ".tbz2")
		src := &counter{r: bytes.NewReader(data)}
		m := &meter{r: bzip2.NewReader(src), st: st, max: st.ratioMax(int64(len(data))), src: src}
		st.entry(m, m, Part{Path: prefix + ":" + inner, Depth: depth + 1, Filename: inner}, 0)
	}
}

// trimExt strips one of the extensions from name, or returns name
// without its last extension, for the member of a compressed file.
func trimExt(name string, exts ...string) string {
	for _, e := range exts {
		if len(name) > len(e) && strings.EqualFold(name[len(name)-len(e):], e) {
			if e == ".tgz" || e == ".tbz" || e == ".tbz2" {
				return name[:len(name)-len(e)] + ".tar"
			}
			return name[:len(name)-len(e)]
		}
	}
	if name == "" || name == "-" {
		return "-"
	}
	return name + ".out"
}

// ratioMax is the most a stream of compressed size c may decompress to.
func (st *state) ratioMax(c int64) int64 {
	return max(RatioFloor, c*st.maxRatio)
}

// meter counts the bytes a decompressor yields and stops it past its
// ratio bound or when the context ends.
type meter struct {
	r   io.Reader
	st  *state
	n   int64
	max int64 // most bytes allowed
	err error // the limit that stopped it

	src  *counter // the compressed input, if counted: ratio to what it consumed
	base int64    // src.n when the meter started
}

func (m *meter) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if err := m.st.ctx.Err(); err != nil {
		m.err = fmt.Errorf("%w: %w", ErrTime, err)
		return 0, m.err
	}
	if int64(len(p)) > m.max-m.n+1 {
		p = p[:m.max-m.n+1]
	}
	n, err := m.r.Read(p)
	m.n += int64(n)
	if m.n > m.max || (m.src != nil && m.st.overRatio(m.n, m.src.n-m.base)) {
		m.err = ErrRatio
		return n, m.err
	}
	return n, err
}

// cause returns the limit that stopped the meter, if any, else err.
func (m *meter) cause(err error) error {
	if m != nil && m.err != nil {
		return m.err
	}
	return err
}

// entry reads one archive entry from r, reports it as p and inspects
// it. m is the meter r reads through, if any, whose limit takes
// precedence over r's errors. hint is the declared size, or 0.
func (st *state) entry(r io.Reader, m *meter, p Part, hint int64) {
	idx := st.addPart(p)
	if idx < 0 {
		return
	}
	st.checkName(p.Path, p.Filename)
	limit, k := st.budget(false)
	head := make([]byte, min(limit, sniffLen))
	n, err := io.ReadFull(r, head)
	head = head[:n]
	st.total += int64(n)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
		st.finishEntry(idx, head, head, true, p, m, nil)
		return
	}
	if err != nil {
		st.finishEntry(idx, head, head, false, p, m, err)
		return
	}
	det := sniff(head)
	switch det {
	case typeTar:
		st.report.Parts[idx].DetectedType = det
		st.report.Parts[idx].Container = true
		if p.Depth >= st.maxDepth {
			st.find(KindLimitDepth, p.Path, fmt.Sprintf("archive nested deeper than %d", st.maxDepth), ErrDepth)
			return
		}
		st.walkTar(p.Path, io.MultiReader(bytes.NewReader(head), r), m, p.Path, p.Depth)
		return
	case typeZip, typeGzip, typeBzip2, typeRar, type7z, typeXz, typeOLE2, typeHTML, typeText, typePDF, typeRTF, typeTNEF:
		// Kept whole: archives and OLE2 need random access, text its
		// digest, PDF, RTF and TNEF their embedded files and active
		// content (streamed, only their first bytes were searched).
		limit, k := st.budget(true)
		// The declared size is a hint, not a promise: it is allocated
		// ahead of the data only within the budget.
		buf := st.buffer(n, max(min(limit, hint), int64(n), min(limit, 2*int64(n))))
		copy(buf, head)
		buf, err = readLimited(buf, r, limit)
		st.total += int64(len(buf) - n)
		full := err == nil
		if err == errLimit {
			err = nil
			st.overBudget(k, p.Path)
		}
		st.held += int64(len(buf))
		st.finishEntry(idx, buf, buf, full, p, m, err)
		st.held -= int64(len(buf))
		st.release(buf)
		return
	}
	// Streamed through the digest.
	h := sha256.New()
	h.Write(head)
	c, err := io.Copy(h, io.LimitReader(r, limit-int64(n)+1))
	size := int64(n) + c
	full := true
	if size > limit {
		size, full = limit, false
		st.overBudget(k, p.Path)
	}
	st.total += size - int64(n)
	st.report.Parts[idx].Size = size
	st.report.Parts[idx].Truncated = !full
	copy(st.report.Parts[idx].SHA256[:], h.Sum(nil))
	if m.cause(err) != nil {
		st.report.Parts[idx].Truncated = true
		st.classify(m.cause(err), p.Path)
	}
	st.inspect(idx, head, false, p.Path, p.Depth)
}

// entryBytes reports p, an archive entry whose content is already in
// memory, and inspects it.
func (st *state) entryBytes(p Part, content []byte) {
	idx := st.addPart(p)
	if idx < 0 {
		return
	}
	st.checkName(p.Path, p.Filename)
	limit, k := st.budget(false)
	full := int64(len(content)) <= limit
	if !full {
		content = content[:limit]
		st.overBudget(k, p.Path)
	}
	st.total += int64(len(content))
	part := &st.report.Parts[idx]
	part.Size = int64(len(content))
	part.Truncated = !full
	part.SHA256 = sha256.Sum256(content)
	st.inspect(idx, content, full, p.Path, p.Depth)
}

// storedContent returns the content of a stored, unencrypted zip entry
// as a slice of the archive, if its sizes and offset hold.
func storedContent(f *zip.File, data []byte) ([]byte, bool) {
	if f.Method != zip.Store || f.Flags&1 != 0 || f.CompressedSize64 != f.UncompressedSize64 {
		return nil, false
	}
	off, err := f.DataOffset()
	if err != nil || off < 0 || uint64(off) > uint64(len(data)) || f.CompressedSize64 > uint64(len(data))-uint64(off) {
		return nil, false
	}
	return data[off : off+int64(f.CompressedSize64)], true
}

// finishEntry completes an entry read whole (or cut short by err).
func (st *state) finishEntry(idx int, data, _ []byte, full bool, p Part, m *meter, err error) {
	part := &st.report.Parts[idx]
	part.Size = int64(len(data))
	part.SHA256 = sha256.Sum256(data)
	if err = m.cause(err); err != nil {
		part.Truncated = true
		st.classify(err, p.Path)
		full = false
	}
	if !full {
		part.Truncated = true
	}
	st.inspect(idx, data, full, p.Path, p.Depth)
}

var errLimit = errors.New("limit")

// readLimited appends r's content to buf up to limit bytes in all; it
// returns errLimit if there was more.
func readLimited(buf []byte, r io.Reader, limit int64) ([]byte, error) {
	for {
		if int64(len(buf)) >= limit {
			var one [1]byte
			n, err := r.Read(one[:])
			if n > 0 {
				return buf, errLimit
			}
			if err == io.EOF {
				return buf, nil
			}
			if err != nil {
				return buf, err
			}
			continue
		}
		if len(buf) == cap(buf) {
			grow := min(max(cap(buf), 32<<10), int(limit)-len(buf))
			nb := make([]byte, len(buf), len(buf)+grow)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// walkZip lists and inspects a zip archive (PKWARE APPNOTE.TXT).
func (st *state) walkZip(path string, data []byte, prefix string, depth int) {
	var ra io.ReaderAt = bytes.NewReader(data)
	size := int64(len(data))
	if n, ok := zipEntries(data); ok && n > uint64(st.maxEntries) {
		st.find(KindLimitArchiveEntries, path, fmt.Sprintf("%d entries, more than %d; the first %d are inspected", n, st.maxEntries, st.maxEntries), ErrArchiveEntries)
		// The first MaxArchiveEntries are read, not none (issue 12).
		if ra, size, ok = zipFirst(data, st.maxEntries); !ok {
			return
		}
	}
	src := &counter{ra: ra}
	zr, err := zipReaderAt(src, size)
	if err != nil {
		st.find(KindMalformed, path, "zip: "+err.Error(), fmt.Errorf("%w: %w", ErrMalformedArchive, err))
		// Streaming extractors read the local headers all the same.
		st.zipLocals(path, data, nil, prefix, depth)
		return
	}
	if len(zr.File) > st.maxEntries {
		st.find(KindLimitArchiveEntries, path, fmt.Sprintf("%d entries, more than %d; the first %d are inspected", len(zr.File), st.maxEntries, st.maxEntries), ErrArchiveEntries)
		zr.File = zr.File[:st.maxEntries]
	}
	skip := st.zipOverlaps(path, zr.File, int64(len(data)))
	var encrypted []string
	ooxml, vba := "", ""
	for _, f := range zr.File {
		switch {
		// ECMA-376 Part 2 §9.1.1.1: part names compare without ASCII
		// case, and Office opens "[CONTENT_TYPES].XML" too.
		case strings.EqualFold(f.Name, "[Content_Types].xml"):
			ooxml = f.Name
		case strings.EqualFold(baseName(f.Name), "vbaProject.bin"):
			vba = f.Name
		}
	}
	if ooxml != "" && vba != "" {
		// ECMA-376 with [MS-OFFMACRO]: the VBA project of an OOXML
		// document is the part vbaProject.bin.
		st.find(KindMacro, path, fmt.Sprintf("OOXML document with a VBA project (%s)", vba), nil)
	}
	// Names from Info-ZIP Unicode Path extra fields, checked once the
	// entries they name are reported.
	type altName struct {
		at         int // index the entry's part takes in Report.Parts
		path, name string
	}
	var alts []altName
	defer func() {
		for _, a := range alts {
			if a.at < len(st.report.Parts) && st.report.Parts[a.at].Path == st.shortPath(a.path) {
				st.checkName(a.path, a.name)
			}
		}
	}()
	for i, f := range zr.File {
		if !st.alive(path) {
			return
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		name := strings.ToValidUTF8(f.Name, "\uFFFD")
		p := Part{Path: prefix + ":" + name, Depth: depth + 1, Filename: name}
		if u, ok := zipUnicodePath(f); ok && u != name {
			alts = append(alts, altName{len(st.report.Parts), p.Path, u})
		}
		if f.Flags&1 != 0 {
			// APPNOTE 4.4.4: bit 0 of the general purpose flag marks an
			// encrypted entry.
			p.Encrypted = true
			p.Size = int64(min(f.UncompressedSize64, 1<<62))
			if st.addPart(p) < 0 {
				return
			}
			st.checkName(p.Path, name)
			encrypted = append(encrypted, name)
			continue
		}
		if skip[i] {
			continue
		}
		if content, ok := storedContent(f, data); ok {
			// A stored entry is a slice of the archive already in
			// memory: no copy, so nested stored archives cost nothing.
			if crc32.ChecksumIEEE(content) != f.CRC32 {
				st.find(KindMalformed, p.Path, "zip: checksum error", fmt.Errorf("%w: %w", ErrMalformedArchive, zip.ErrChecksum))
			}
			st.entryBytes(p, content)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			if st.addPart(p) >= 0 {
				st.classify(err, p.Path)
			}
			continue
		}
		// The declared compressed size is the attacker's word: the data
		// cannot be larger than the archive.
		m := &meter{r: rc, st: st, max: st.ratioMax(int64(min(f.CompressedSize64, uint64(len(data))))), src: src, base: src.n}
		st.entry(m, m, p, int64(min(f.UncompressedSize64, 1<<30)))
		rc.Close()
	}
	st.zipLocals(path, data, zr.File, prefix, depth)
	if len(encrypted) > 0 {
		st.find(KindEncrypted, path, fmt.Sprintf("%d of %d entries encrypted, cannot inspect: %s", len(encrypted), len(zr.File), strings.Join(encrypted[:min(len(encrypted), 3)], ", ")), nil)
	}
}

// zipUnicodePath returns the name in f's Info-ZIP Unicode Path extra
// field (APPNOTE 4.6.9, tag 0x7075), which 7-Zip and WinRAR extract
// under instead of the header's name when the field's CRC-32 matches
// that name. archive/zip does not read it.
func zipUnicodePath(f *zip.File) (string, bool) {
	for x := f.Extra; len(x) >= 4; {
		tag, size := binary.LittleEndian.Uint16(x), int(binary.LittleEndian.Uint16(x[2:]))
		if size > len(x)-4 {
			return "", false
		}
		field := x[4 : 4+size]
		x = x[4+size:]
		if tag != 0x7075 || len(field) < 5 || field[0] != 1 {
			continue
		}
		if binary.LittleEndian.Uint32(field[1:]) != crc32.ChecksumIEEE([]byte(f.Name)) {
			return "", false
		}
		return strings.ToValidUTF8(string(field[5:]), "\uFFFD"), true
	}
	return "", false
}

// zipOverlaps reports zip entries whose data overlaps that of another
// entry, the construction of overlapping-entry zip bombs (one
// compressed stream, many central directory entries); it marks all but
// the first of each overlapping set to be skipped.
func (st *state) zipOverlaps(path string, files []*zip.File, size int64) map[int]bool {
	type span struct {
		i          int
		start, end int64
	}
	spans := make([]span, 0, len(files))
	for i, f := range files {
		off, err := f.DataOffset()
		if err != nil {
			continue
		}
		end := off + int64(min(f.CompressedSize64, uint64(size)))
		spans = append(spans, span{i, off, end})
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
	var skip map[int]bool
	var maxEnd int64 = -1
	for _, s := range spans {
		if s.start < maxEnd && s.end > s.start {
			if skip == nil {
				skip = make(map[int]bool)
			}
			skip[s.i] = true
		}
		maxEnd = max(maxEnd, s.end)
	}
	if len(skip) > 0 {
		st.find(KindOverlap, path, fmt.Sprintf("%d of %d entries overlap another's data; not read", len(skip), len(files)), ErrOverlap)
	}
	return skip
}

// zipEntries returns the entry count of a zip's end of central directory
// record (APPNOTE 4.3.16, 4.3.14 for zip64), before archive/zip reads
// the directory into memory.
func zipEntries(data []byte) (uint64, bool) {
	const eocdLen = 22
	lo := max(0, len(data)-eocdLen-65535)
	i := bytes.LastIndex(data[lo:], []byte("PK\x05\x06"))
	if i < 0 {
		return 0, false
	}
	i += lo
	if i+eocdLen > len(data) {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint16(data[i+10:]))
	if n != 0xFFFF || i < 20 {
		return n, true
	}
	loc := data[i-20:]
	if string(loc[:4]) != "PK\x06\x07" {
		return n, true
	}
	off := binary.LittleEndian.Uint64(loc[8:])
	// The zip64 end record is 56 bytes (APPNOTE 4.3.14); its offset is
	// the archive's word and must leave room for it.
	if len(data) < 56 || off > uint64(len(data)-56) || string(data[off:off+4]) != "PK\x06\x06" {
		return n, true
	}
	return binary.LittleEndian.Uint64(data[off+32:]), true
}

// walkTar lists and inspects a tar archive (POSIX.1-2001 pax, GNU) read
// from r.
func (st *state) walkTar(path string, r io.Reader, m *meter, prefix string, depth int) {
	tr := tar.NewReader(r)
	n := 0
	for st.alive(path) {
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			st.classify(m.cause(err), path)
			return
		}
		switch hdr.Typeflag {
		case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo, tar.TypeXGlobalHeader, 'V':
			// No content (POSIX.1-2001 ustar header-only types; the pax
			// global header and the GNU volume label 'V' are metadata).
			continue
		}
		// Any other type is a file: regular, sparse, contiguous ('7')
		// and the types GNU tar and libarchive do not know, which they
		// extract as regular files.
		n++
		if n > st.maxEntries {
			st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d entries", st.maxEntries), ErrArchiveEntries)
			return
		}
		name := strings.ToValidUTF8(hdr.Name, "\uFFFD")
		st.entry(tr, m, Part{Path: prefix + ":" + name, Depth: depth + 1, Filename: name}, min(hdr.Size, 1<<30))
	}
}

// zipReader opens data as a zip archive, accepting insecure paths (they
// are names to inspect, not to extract).
func zipReader(data []byte) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, err
	}
	return zr, nil
}
