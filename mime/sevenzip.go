package mime

import (
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/ulikunitz/xz/lzma"
)

// 7z archives, as 7-Zip's DOC/7zFormat.txt describes them: a 32-byte
// signature header points at the header at the end of the archive (kept
// plain or itself packed: kEncodedHeader), which lists the packed
// streams, the folders that decode them (a chain of coders: LZMA,
// LZMA2, BCJ, Deflate, BZip2, Copy, 7zAES, PPMd, BCJ2...) and the files
// whose data are the substreams of the folders' output, in order.
//
// The header is parsed here, with every count checked against the
// bytes left before anything is allocated; the LZMA and LZMA2 decoders
// are github.com/ulikunitz/xz/lzma's, given the dictionary this package
// allows (the one the coder declares, cut to the folder's unpacked size,
// refused above st.dictionary()) rather than the one the archive asks
// for.

// Property IDs of the 7z header.
const (
	sz7End               = 0x00
	sz7Header            = 0x01
	sz7ArchiveProperties = 0x02
	sz7AdditionalStreams = 0x03
	sz7MainStreams       = 0x04
	sz7FilesInfo         = 0x05
	sz7PackInfo          = 0x06
	sz7UnpackInfo        = 0x07
	sz7SubStreamsInfo    = 0x08
	sz7Size              = 0x09
	sz7CRC               = 0x0a
	sz7FolderID          = 0x0b
	sz7CodersUnpackSize  = 0x0c
	sz7NumUnpackStream   = 0x0d
	sz7EmptyStream       = 0x0e
	sz7EmptyFile         = 0x0f
	sz7Name              = 0x11
	sz7WinAttributes     = 0x15 // not read: see filesInfo
	sz7EncodedHeader     = 0x17
)

// Coder method IDs (7-Zip's DOC/Methods.txt).
const (
	sz7Copy    = "\x00"
	sz7Delta   = "\x03"
	sz7BCJ     = "\x03\x03\x01\x03"
	sz7BCJNew  = "\x04" // the short ID of the x86 filter, as xz numbers it
	sz7BCJ2    = "\x03\x03\x01\x1b"
	sz7LZMA    = "\x03\x01\x01"
	sz7LZMA2   = "\x21"
	sz7PPMD    = "\x03\x04\x01"
	sz7Deflate = "\x04\x01\x08"
	sz7BZip2   = "\x04\x02\x02"
	sz7AES     = "\x06\xf1\x07\x01"
)

// Bounds of the 7z header parser, beyond which an archive is malformed
// (7-Zip's own limits are of the same order: 64 coders and streams in a
// folder).
const (
	sz7MaxCoders     = 8  // coders in a folder
	sz7MaxStreams    = 16 // in or out streams of a folder
	sz7MaxHeaderNest = 4  // encoded headers decoded in a row
)

var (
	errSz7Encrypted   = errors.New("7z: encrypted (7zAES)")
	errSz7Unsupported = errors.New("7z: coder not supported")
)

type sz7Coder struct {
	id            string
	numIn, numOut int
	props         []byte
}

type sz7Folder struct {
	coders      []sz7Coder
	bindIn      []int    // bind pair i: in stream bindIn[i] takes out stream bindOut[i]
	bindOut     []int    //
	packed      []int    // in streams fed by packed streams, in order
	unpackSizes []uint64 // per out stream
	numSub      int      // files (substreams) whose data it holds
	crc         bool     // the folder's output has a CRC (UnpackInfo)
}

type sz7File struct {
	name      string
	hasStream bool
	dir       bool // no data and not an empty file (kEmptyStream, kEmptyFile)
}

type sz7Archive struct {
	packPos   uint64
	packSizes []uint64
	folders   []sz7Folder
	subSizes  []uint64 // all substreams, folder by folder
	files     []sz7File
	held      int64 // the memory charged for these (sz7Reader.used)
}

// sz7Reader reads the numbers, bytes and bit vectors of a 7z header.
type sz7Reader struct {
	b   []byte
	err error
	// left is what the structures read from the header may still
	// take in memory: a count a few header bytes can state becomes
	// items of tens of bytes each (a folder, a size), so counts are
	// charged against it before anything is allocated; used is what
	// was charged.
	left, used int64
}

// Memory charged per item read from a 7z header (a folder with its
// slices, a coder, a size).
const (
	sz7FolderCost = 160
	sz7CoderCost  = 64
	sz7SizeCost   = 8
)

// errSz7Held marks a header whose structures would take more memory
// than the scan may hold.
var errSz7Held = fmt.Errorf("7z header: %w", ErrHeldBytes)

// alloc charges n items of size bytes each, and reports whether they
// fit in what is left.
func (r *sz7Reader) alloc(n, size int) bool {
	if r.err != nil {
		return false
	}
	cost := int64(n) * int64(size)
	if cost > r.left {
		r.err = fmt.Errorf("%w: %d items of %d bytes, %d bytes left", errSz7Held, n, size, r.left)
		return false
	}
	r.left -= cost
	r.used += cost
	return true
}

func (r *sz7Reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("7z header: "+format, args...)
	}
}

func (r *sz7Reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *sz7Reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("truncated")
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

// number reads 7z's variable-length integer: the leading one bits of
// the first byte count the little-endian bytes that follow.
func (r *sz7Reader) number() uint64 {
	first := r.byte()
	var v uint64
	mask := byte(0x80)
	for i := 0; i < 8; i++ {
		if first&mask == 0 {
			return v | uint64(first&(mask-1))<<(8*i)
		}
		v |= uint64(r.byte()) << (8 * i)
		mask >>= 1
	}
	return v
}

// count reads a number of items each taking at least min bytes of what
// is left, so that a count is never larger than the header could hold.
func (r *sz7Reader) count(min int) int {
	n := r.number()
	if r.err == nil && n > uint64(len(r.b)/min) {
		r.fail("count %d larger than the header", n)
		return 0
	}
	return int(n)
}

// bits reads a bit vector of n items, most significant bit first.
func (r *sz7Reader) bits(n int) []bool {
	p := r.bytes(uint64((n + 7) / 8))
	if p == nil {
		return make([]bool, n)
	}
	v := make([]bool, n)
	for i := range v {
		v[i] = p[i/8]&(0x80>>(i%8)) != 0
	}
	return v
}

// defined reads an "all defined" byte and, if it is 0, a bit vector.
func (r *sz7Reader) defined(n int) []bool {
	if r.byte() != 0 {
		v := make([]bool, n)
		for i := range v {
			v[i] = true
		}
		return v
	}
	return r.bits(n)
}

// digests skips the CRCs of n streams and reports which are defined.
func (r *sz7Reader) digests(n int) []bool {
	def := r.defined(n)
	for _, d := range def {
		if d {
			r.bytes(4)
		}
	}
	return def
}

// streamsInfo reads PackInfo, UnpackInfo and SubStreamsInfo into a.
func (r *sz7Reader) streamsInfo(a *sz7Archive) {
	for r.err == nil {
		switch id := r.byte(); id {
		case sz7End:
			return
		case sz7PackInfo:
			a.packPos = r.number()
			n := r.count(1)
			if !r.alloc(n, sz7SizeCost) {
				return
			}
			a.packSizes = make([]uint64, n)
			for r.err == nil {
				t := r.byte()
				if t == sz7End {
					break
				}
				switch t {
				case sz7Size:
					for i := range a.packSizes {
						a.packSizes[i] = r.number()
					}
				case sz7CRC:
					r.digests(len(a.packSizes))
				default:
					r.fail("property %#x in PackInfo", t)
				}
			}
		case sz7UnpackInfo:
			if r.byte() != sz7FolderID {
				r.fail("UnpackInfo without folders")
				return
			}
			n := r.count(2)
			if !r.alloc(n, sz7FolderCost) {
				return
			}
			a.folders = make([]sz7Folder, n)
			if r.byte() != 0 {
				r.fail("folders in an additional stream")
				return
			}
			for i := range a.folders {
				r.folder(&a.folders[i])
			}
			if r.byte() != sz7CodersUnpackSize {
				r.fail("no unpack sizes")
				return
			}
			for i := range a.folders {
				f := &a.folders[i]
				for j := range f.unpackSizes {
					f.unpackSizes[j] = r.number()
				}
				f.numSub = 1
			}
			for r.err == nil {
				t := r.byte()
				if t == sz7End {
					break
				}
				if t != sz7CRC {
					r.fail("property %#x in UnpackInfo", t)
					return
				}
				for i, d := range r.digests(len(a.folders)) {
					a.folders[i].crc = d
				}
			}
		case sz7SubStreamsInfo:
			r.subStreams(a)
		default:
			r.fail("property %#x in StreamsInfo", id)
		}
	}
}

// folder reads one folder: its coders, bind pairs and packed streams.
func (r *sz7Reader) folder(f *sz7Folder) {
	n := r.count(1)
	if n == 0 || n > sz7MaxCoders {
		r.fail("%d coders in a folder", n)
		return
	}
	if !r.alloc(n, sz7CoderCost) {
		return
	}
	f.coders = make([]sz7Coder, n)
	in, out := 0, 0
	for i := range f.coders {
		flags := r.byte()
		if flags&0x80 != 0 {
			r.fail("alternative methods")
			return
		}
		c := &f.coders[i]
		c.id = string(r.bytes(uint64(flags & 0x0f)))
		c.numIn, c.numOut = 1, 1
		if flags&0x10 != 0 {
			c.numIn, c.numOut = int(min(r.number(), sz7MaxStreams+1)), int(min(r.number(), sz7MaxStreams+1))
		}
		if flags&0x20 != 0 {
			c.props = r.bytes(r.number())
		}
		in += c.numIn
		out += c.numOut
		if in > sz7MaxStreams || out > sz7MaxStreams || out == 0 {
			r.fail("%d in and %d out streams in a folder", in, out)
			return
		}
	}
	for range out - 1 {
		i, o := r.number(), r.number()
		if i >= uint64(in) || o >= uint64(out) {
			r.fail("bind pair out of range")
			return
		}
		f.bindIn, f.bindOut = append(f.bindIn, int(i)), append(f.bindOut, int(o))
	}
	numPacked := in - (out - 1)
	if numPacked < 1 {
		r.fail("folder without packed streams")
		return
	}
	if numPacked == 1 {
		for i := range in {
			if !slices.Contains(f.bindIn, i) {
				f.packed = []int{i}
				break
			}
		}
	} else {
		for range numPacked {
			i := r.number()
			if i >= uint64(in) {
				r.fail("packed stream out of range")
				return
			}
			f.packed = append(f.packed, int(i))
		}
	}
	f.unpackSizes = make([]uint64, out)
}

// mainOut returns the folder's output: the out stream no bind pair
// takes.
func (f *sz7Folder) mainOut() int {
	for o := range f.unpackSizes {
		if !slices.Contains(f.bindOut, o) {
			return o
		}
	}
	return -1
}

func (f *sz7Folder) size() uint64 {
	if o := f.mainOut(); o >= 0 {
		return f.unpackSizes[o]
	}
	return 0
}

// subStreams reads how the folders' outputs split into files.
func (r *sz7Reader) subStreams(a *sz7Archive) {
	t := r.byte()
	if t == sz7NumUnpackStream {
		total := 0
		for i := range a.folders {
			a.folders[i].numSub = r.count(0x1)
			total += a.folders[i].numSub
			// All but one substream of a folder have their size
			// (a byte at least) in what follows.
			if total > len(r.b)+len(a.folders) {
				r.fail("more substreams than the header could hold")
				return
			}
		}
		t = r.byte()
	}
	total := 0
	for _, f := range a.folders {
		total += f.numSub
	}
	if !r.alloc(total, sz7SizeCost) {
		return
	}
	for _, f := range a.folders {
		if f.numSub == 0 {
			continue
		}
		var sum uint64
		if t == sz7Size {
			for range f.numSub - 1 {
				s := r.number()
				if r.err != nil {
					return
				}
				sum += s
				a.subSizes = append(a.subSizes, s)
			}
		} else if f.numSub > 1 {
			r.fail("several substreams without sizes")
			return
		}
		if sum > f.size() {
			r.fail("substreams larger than their folder")
			return
		}
		a.subSizes = append(a.subSizes, f.size()-sum)
	}
	if t == sz7Size {
		t = r.byte()
	}
	for r.err == nil && t != sz7End {
		if t != sz7CRC {
			r.fail("property %#x in SubStreamsInfo", t)
			return
		}
		// The CRCs of the substreams not covered by their folder's:
		// all but the single substream of a folder with a CRC.
		n := 0
		for _, f := range a.folders {
			if f.numSub != 1 || !f.crc {
				n += f.numSub
			}
		}
		r.digests(n)
		t = r.byte()
	}
}

// filesInfo reads the files' names and which have data.
func (r *sz7Reader) filesInfo(a *sz7Archive, maxFiles int) {
	n := r.count(0x1)
	if n > maxFiles {
		n = maxFiles + 1 // the caller reports the limit; the rest is not read
	}
	a.files = make([]sz7File, n)
	for i := range a.files {
		a.files[i].hasStream = true
	}
	var empty []bool
	for r.err == nil {
		t := r.number()
		if t == sz7End {
			return
		}
		body := &sz7Reader{b: r.bytes(r.number())}
		if r.err != nil {
			return
		}
		switch t {
		case sz7EmptyStream:
			empty = body.bits(n)
			for i := range a.files {
				a.files[i].hasStream = !empty[i]
				a.files[i].dir = empty[i]
			}
		case sz7EmptyFile:
			k := 0
			for i := range a.files {
				if !a.files[i].hasStream {
					k++
				}
			}
			ef := body.bits(k)
			k = 0
			for i := range a.files {
				if !a.files[i].hasStream {
					a.files[i].dir = !ef[k]
					k++
				}
			}
		case sz7Name:
			if body.byte() != 0 {
				body.fail("names in an additional stream")
			}
			for i := range a.files {
				a.files[i].name = body.utf16z()
			}
		}
		// kWinAttributes is not read: 7-Zip takes an item for a
		// directory from kEmptyStream and kEmptyFile alone, and
		// extracts an item with data as a file whatever its
		// FILE_ATTRIBUTE_DIRECTORY bit says.
		if body.err != nil {
			r.err = body.err
		}
	}
}

// utf16z reads a NUL-terminated UTF-16LE name.
func (r *sz7Reader) utf16z() string {
	var u []uint16
	for r.err == nil {
		p := r.bytes(2)
		if p == nil {
			break
		}
		c := binary.LittleEndian.Uint16(p)
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return strings.ToValidUTF8(string(utf16.Decode(u)), "\uFFFD")
}

// walk7z lists and inspects a 7z archive under the limits.
func (st *state) walk7z(path string, data []byte, prefix string, depth int) {
	a, err := st.open7z(path, data)
	if err != nil {
		st.sz7Error(path, err, "header")
		return
	}
	st.held += a.held
	defer func() { st.held -= a.held }()
	var sizes []uint64
	if a.subSizes != nil {
		sizes = a.subSizes
	} else {
		for _, f := range a.folders {
			if f.numSub > 0 {
				sizes = append(sizes, f.size())
			}
		}
	}
	// Files with data take the substreams in order, folder by folder.
	files := a.files
	if len(files) > st.maxEntries {
		files = files[:st.maxEntries]
	}
	fi, sub, packIdx := 0, 0, 0
	var encrypted, unsupported []string
	var method string
	n := 0
	next := func() (sz7File, bool) {
		for fi < len(files) {
			f := files[fi]
			fi++
			if f.dir {
				continue
			}
			n++
			return f, true
		}
		return sz7File{}, false
	}
	for i, fo := range a.folders {
		start := packIdx
		packIdx += len(fo.packed)
		if fo.numSub == 0 {
			continue
		}
		if !st.alive(path) {
			return
		}
		var group []sz7File
		var gsizes []uint64
		for k := 0; k < fo.numSub; k++ {
			// Empty files (no stream) before this one are listed as met.
			f, ok := next()
			for ok && !f.hasStream {
				st.entryBytes(Part{Path: prefix + ":" + f.name, Depth: depth + 1, Filename: f.name}, nil)
				f, ok = next()
			}
			if !ok {
				break
			}
			group = append(group, f)
			if sub < len(sizes) {
				gsizes = append(gsizes, sizes[sub])
			} else {
				gsizes = append(gsizes, 0)
			}
			sub++
		}
		if len(group) == 0 {
			break // no file left to read (or MaxArchiveEntries reached)
		}
		err := st.sz7Folder(path, data, a, i, start, group, gsizes, prefix, depth)
		switch {
		case errors.Is(err, errSz7Encrypted):
			for k, f := range group {
				encrypted = append(encrypted, f.name)
				st.sz7Name(prefix, f, depth, true, gsizes[k])
			}
		case errors.Is(err, errSz7Unsupported):
			for k, f := range group {
				unsupported = append(unsupported, f.name)
				st.sz7Name(prefix, f, depth, false, gsizes[k])
			}
			method = strings.TrimPrefix(err.Error(), errSz7Unsupported.Error()+": ")
		}
	}
	// Files beyond the streams (a header that lists more than its
	// folders hold) and empty files after the last stream.
	for {
		f, ok := next()
		if !ok {
			break
		}
		if f.hasStream {
			st.sz7Name(prefix, f, depth, false, 0)
		} else {
			st.entryBytes(Part{Path: prefix + ":" + f.name, Depth: depth + 1, Filename: f.name}, nil)
		}
	}
	if len(a.files) > st.maxEntries {
		st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d entries", st.maxEntries), ErrArchiveEntries)
	}
	if len(encrypted) > 0 {
		st.find(KindEncrypted, path, fmt.Sprintf("%d of %d entries encrypted (7zAES), cannot inspect: %s", len(encrypted), n, strings.Join(encrypted[:min(len(encrypted), 3)], ", ")), nil)
	}
	if len(unsupported) > 0 {
		st.find(KindUnsupported, path, fmt.Sprintf("%d of %d entries packed with a method not decoded here (%s), cannot inspect: %s", len(unsupported), n, method, strings.Join(unsupported[:min(len(unsupported), 3)], ", ")), nil)
	}
}

// sz7Name reports an entry whose content is not read (encrypted, packed
// with a method not decoded here, after a limit stopped its folder) by
// its name, with its declared size.
func (st *state) sz7Name(prefix string, f sz7File, depth int, encrypted bool, size uint64) {
	p := Part{Path: prefix + ":" + f.name, Depth: depth + 1, Filename: f.name, Encrypted: encrypted}
	if encrypted {
		p.Size = int64(min(size, 1<<62))
	}
	if st.addPart(p) >= 0 {
		st.checkName(p.Path, f.name)
	}
}

// open7z reads the signature header and the header, decoding an
// encoded header under the limits.
func (st *state) open7z(path string, data []byte) (*sz7Archive, error) {
	if len(data) < 32 {
		return nil, errors.New("7z: truncated signature header")
	}
	off := binary.LittleEndian.Uint64(data[12:])
	size := binary.LittleEndian.Uint64(data[20:])
	if off > uint64(len(data)-32) || size > uint64(len(data)-32)-off {
		return nil, errors.New("7z: header beyond the end of the archive")
	}
	h := data[32+off : 32+off+size]
	var held int64
	defer func() { st.held -= held }()
	for range sz7MaxHeaderNest {
		// The header's structures may take half of what MaxHeldBytes
		// leaves.
		r := &sz7Reader{b: h, left: max(0, st.maxHeld-st.held) / 2}
		switch r.byte() {
		case sz7Header:
			a := &sz7Archive{}
			r.header(a, st.maxEntries)
			a.held = r.used
			return a, r.err
		case sz7EncodedHeader:
			enc := &sz7Archive{}
			r.streamsInfo(enc)
			if r.err != nil {
				return nil, r.err
			}
			if len(enc.folders) == 0 {
				return nil, errors.New("7z: encoded header without a folder")
			}
			limit, k := st.budget(true)
			hs := enc.folders[0].size()
			if hs > uint64(limit) {
				st.overBudget(k, path)
				return nil, fmt.Errorf("%w: 7z header of %d bytes", errSz7Limit, hs)
			}
			rd, release, err := st.sz7Decode(data, enc, 0, 0)
			if err != nil {
				return nil, err
			}
			buf := make([]byte, hs)
			_, err = io.ReadFull(rd, buf)
			release()
			if err != nil {
				return nil, fmt.Errorf("7z header: %w", err)
			}
			st.held += int64(hs)
			held += int64(hs)
			h = buf
		default:
			return nil, errors.New("7z: no header")
		}
	}
	return nil, errors.New("7z: encoded headers nested too deep")
}

// errSz7Limit marks an error already reported as a limit.
var errSz7Limit = errors.New("7z: limit reached")

// header reads a plain header into a.
func (r *sz7Reader) header(a *sz7Archive, maxFiles int) {
	for r.err == nil {
		switch id := r.byte(); id {
		case sz7End:
			return
		case sz7ArchiveProperties:
			for r.err == nil {
				if r.byte() == 0 {
					break
				}
				r.bytes(r.number())
			}
		case sz7AdditionalStreams:
			r.streamsInfo(&sz7Archive{})
		case sz7MainStreams:
			r.streamsInfo(a)
		case sz7FilesInfo:
			r.filesInfo(a, maxFiles)
		default:
			r.fail("property %#x in the header", id)
		}
	}
}

// sz7Folder decodes folder i and inspects its files, of the sizes
// given, in order.
func (st *state) sz7Folder(path string, data []byte, a *sz7Archive, i, packIdx int, files []sz7File, sizes []uint64, prefix string, depth int) error {
	rd, release, err := st.sz7Decode(data, a, i, packIdx)
	if err != nil {
		if !errors.Is(err, errSz7Encrypted) && !errors.Is(err, errSz7Unsupported) {
			st.sz7Error(path, err, "folder")
			for k, f := range files {
				st.sz7Name(prefix, f, depth, false, sizes[k])
			}
		}
		return err
	}
	defer release()
	src := rd.(*sz7Stream)
	m := &meter{r: src, st: st, max: st.ratioMax(src.packed), src: src.in}
	sr := &stickyReader{r: m}
	for k, f := range files {
		if !st.alive(path) {
			return nil
		}
		lr := io.LimitReader(sr, int64(min(sizes[k], 1<<62)))
		p := Part{Path: prefix + ":" + f.name, Depth: depth + 1, Filename: f.name}
		st.entry(lr, m, p, int64(min(sizes[k], 1<<30)))
		stopped := sr.err != nil
		if !stopped {
			stopped = !st.skip(lr, p.Path)
		}
		if stopped {
			// The folder's stream is stopped: the files after this
			// one are listed by name only.
			for j, g := range files[k+1:] {
				st.sz7Name(prefix, g, depth, false, sizes[k+1+j])
			}
			return nil
		}
	}
	return nil
}

// skip reads and drops what an entry did not read of r, so that the
// next file of a solid folder can be read, counting it against
// MaxTotalBytes: decoding it is work a bomb could ask for. It reports
// whether the folder may go on; an error here was not seen by the
// entry, and is reported.
func (st *state) skip(r io.Reader, path string) bool {
	var buf [32 << 10]byte
	for {
		n, err := r.Read(buf[:])
		st.total += int64(n)
		if st.total > st.maxTotal {
			st.stop(KindLimitTotalBytes, path, fmt.Sprintf("more than %d decoded bytes in total", st.maxTotal), ErrTotalBytes)
			return false
		}
		if err == io.EOF {
			return true
		}
		if err != nil {
			st.classify(err, path)
			return false
		}
	}
}

// stickyReader keeps the first error of r (not io.EOF): a folder's
// decoder that failed in one file stops the files after it.
type stickyReader struct {
	r   io.Reader
	err error
}

func (s *stickyReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// sz7Error reports an error of the 7z reader.
func (st *state) sz7Error(path string, err error, what string) {
	switch {
	case errors.Is(err, errSz7Limit):
	case errors.Is(err, errSz7Encrypted):
		st.find(KindEncrypted, path, "7z with encrypted headers (7zAES): names and content cannot be inspected", nil)
	case errors.Is(err, errSz7Unsupported):
		st.find(KindUnsupported, path, fmt.Sprintf("7z %s packed with a method not decoded here (%v): its content is not inspected", what, err), nil)
	case errors.Is(err, ErrDictionary):
		st.find(KindLimitDictionary, path, err.Error(), err)
	case errors.Is(err, ErrTotalBytes):
		st.stop(KindLimitTotalBytes, path, fmt.Sprintf("more than %d decoded bytes in total", st.maxTotal), ErrTotalBytes)
	case errors.Is(err, ErrHeldBytes):
		st.find(KindLimitHeldBytes, path, err.Error(), ErrHeldBytes)
	default:
		// A header or folder this reader does not understand may still
		// be one 7-Zip extracts: its content was not inspected, which is
		// not a pass (KindUnsupported is stripped by default).
		st.find(KindUnsupported, path, fmt.Sprintf("7z %s not understood (%v): its content is not inspected", what, err), fmt.Errorf("%w: %w", ErrMalformedArchive, err))
	}
}

// sz7Stream is a folder's decoded output, with the count of packed
// bytes consumed for the ratio.
type sz7Stream struct {
	io.Reader
	in     *counter
	packed int64
}

// sz7Decode returns the decoded output of folder i of a, whose packed
// streams start at packIdx, and a function that releases the memory
// its decoders hold. Only chains of coders with one input and one
// output each are decoded (not BCJ2).
func (st *state) sz7Decode(data []byte, a *sz7Archive, i, packIdx int) (io.Reader, func(), error) {
	f := &a.folders[i]
	for _, c := range f.coders {
		if c.id == sz7AES {
			return nil, nil, errSz7Encrypted
		}
	}
	if len(f.packed) != 1 {
		return nil, nil, fmt.Errorf("%w: %s", errSz7Unsupported, f.methods())
	}
	for _, c := range f.coders {
		if c.numIn != 1 || c.numOut != 1 {
			return nil, nil, fmt.Errorf("%w: %s", errSz7Unsupported, f.methods())
		}
	}
	// The packed stream's place in the archive.
	if packIdx >= len(a.packSizes) {
		return nil, nil, errors.New("7z: folder without its packed stream")
	}
	start := 32 + a.packPos
	for _, s := range a.packSizes[:packIdx] {
		start += s
		if start < s {
			return nil, nil, errors.New("7z: packed streams beyond the archive")
		}
	}
	psize := a.packSizes[packIdx]
	if start > uint64(len(data)) || psize > uint64(len(data))-start {
		return nil, nil, errors.New("7z: packed stream beyond the end of the archive")
	}
	in := &counter{r: bytes.NewReader(data[start : start+psize])}
	// With one in and one out stream each, coder j's in stream is j and
	// its out stream is j: walk from the packed stream's coder up the
	// bind pairs to the folder's output.
	var held int64
	release := func() { st.held -= held }
	var r io.Reader = in
	c := f.packed[0]
	for steps := 0; ; steps++ {
		if steps > len(f.coders) {
			release()
			return nil, nil, errors.New("7z: bind pairs loop")
		}
		// No decoder yields more than the folder's output is allowed
		// (the ratio), so no dictionary needs to be larger.
		dr, dict, err := st.sz7Coder(f.coders[c], r, f.unpackSizes[c], uint64(st.ratioMax(int64(psize))))
		if err != nil {
			release()
			return nil, nil, err
		}
		st.held += dict
		held += dict
		r = dr
		// Who takes out stream c?
		next := -1
		for b, o := range f.bindOut {
			if o == c {
				next = f.bindIn[b]
			}
		}
		if next < 0 {
			break
		}
		c = next
	}
	return &sz7Stream{Reader: io.LimitReader(r, int64(min(f.size(), 1<<62))), in: in, packed: int64(psize)}, release, nil
}

// methods names the folder's coders, for findings.
func (f *sz7Folder) methods() string {
	var names []string
	for _, c := range f.coders {
		names = append(names, sz7MethodName(c.id))
	}
	return strings.Join(names, "+")
}

func sz7MethodName(id string) string {
	switch id {
	case sz7Copy:
		return "Copy"
	case sz7Delta:
		return "Delta"
	case sz7BCJ, sz7BCJNew:
		return "BCJ"
	case sz7BCJ2:
		return "BCJ2"
	case sz7LZMA:
		return "LZMA"
	case sz7LZMA2:
		return "LZMA2"
	case sz7PPMD:
		return "PPMd"
	case sz7Deflate:
		return "Deflate"
	case sz7BZip2:
		return "BZip2"
	case sz7AES:
		return "7zAES"
	}
	return fmt.Sprintf("method %x", id)
}

// sz7Coder returns a decoder of coder c reading r, whose output is out
// bytes, and the dictionary it holds.
func (st *state) sz7Coder(c sz7Coder, r io.Reader, out, most uint64) (io.Reader, int64, error) {
	switch c.id {
	case sz7Copy:
		return r, 0, nil
	case sz7BCJ, sz7BCJNew:
		if len(c.props) != 0 {
			return nil, 0, fmt.Errorf("%w: BCJ with a start offset", errSz7Unsupported)
		}
		if err := st.sz7Mem("BCJ", sz7BCJMem); err != nil {
			return nil, 0, err
		}
		return &bcjReader{r: r}, sz7BCJMem, nil
	case sz7Deflate:
		if err := st.sz7Mem("Deflate", sz7DeflateMem); err != nil {
			return nil, 0, err
		}
		return flate.NewReader(r), sz7DeflateMem, nil
	case sz7BZip2:
		if err := st.sz7Mem("BZip2", sz7BZip2Mem); err != nil {
			return nil, 0, err
		}
		return bzip2.NewReader(r), sz7BZip2Mem, nil
	case sz7LZMA:
		if len(c.props) != 5 || c.props[0] >= 9*5*5 {
			return nil, 0, errors.New("7z: bad LZMA properties")
		}
		// The literal coder's probabilities: 0x300 two-byte counters
		// per literal context, 2^(lc+lp) of them (6 MiB at lc 8, lp 4,
		// whatever the dictionary).
		lc, lp := int(c.props[0]%9), int(c.props[0]/9%5)
		lit := int64(2*0x300)<<(lc+lp) + sz7LZMAMem
		declared := int64(binary.LittleEndian.Uint32(c.props[1:]))
		dict, err := st.sz7Dict(declared, min(out, most), lit)
		if err != nil {
			return nil, 0, err
		}
		// The classic .lzma header (properties, dictionary, size)
		// before the raw stream, with the dictionary this package
		// allows.
		var hdr [13]byte
		hdr[0] = c.props[0]
		binary.LittleEndian.PutUint32(hdr[1:], uint32(dict))
		binary.LittleEndian.PutUint64(hdr[5:], out)
		lr, err := lzma.ReaderConfig{DictCap: int(dict)}.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), r))
		if err != nil {
			return nil, 0, fmt.Errorf("7z: LZMA: %w", err)
		}
		return lr, dict + lit, nil
	case sz7LZMA2:
		if len(c.props) != 1 || c.props[0] > 40 {
			return nil, 0, errors.New("7z: bad LZMA2 dictionary property")
		}
		p := c.props[0]
		declared := int64(0xffffffff)
		if p < 40 {
			declared = int64(2|p&1) << (p/2 + 11)
		}
		// LZMA2 keeps lc+lp at most 4: a small literal coder.
		dict, err := st.sz7Dict(declared, min(out, most), sz7LZMAMem)
		if err != nil {
			return nil, 0, err
		}
		lr, err := lzma.Reader2Config{DictCap: int(dict)}.NewReader2(r)
		if err != nil {
			return nil, 0, fmt.Errorf("7z: LZMA2: %w", err)
		}
		return lr, dict + sz7LZMAMem, nil
	}
	return nil, 0, fmt.Errorf("%w: %s", errSz7Unsupported, sz7MethodName(c.id))
}

// sz7Dict returns the dictionary an LZMA decoder of out bytes is given:
// the declared one, cut to the output (no match reaches further back
// than what was decoded, and no more is decoded than the ratio allows),
// at least lzma.MinDictCap; refused above what st.dictionary() allows.
func (st *state) sz7Dict(declared int64, out uint64, other int64) (int64, error) {
	dict := declared
	if out < uint64(dict) {
		dict = int64(out)
	}
	dict = max(dict, lzma.MinDictCap)
	if allowed := st.dictionary(); dict+other > allowed {
		return 0, fmt.Errorf("%w: 7z LZMA dictionary of %d bytes (declared %d) and %d bytes of state above the %d allowed", ErrDictionary, dict, declared, other, allowed)
	}
	return dict, nil
}

// The memory each decoder holds besides an LZMA dictionary, counted as
// held while its folder is read and refused above what st.dictionary()
// allows: a folder chains up to sz7MaxCoders decoders and archives
// nest up to MaxDepth, so what each holds adds up (8 LZMA decoders with
// lc 8 and lp 4 in each of 14 nested 7z took 674 MiB).
const (
	sz7LZMAMem    = 64 << 10 // LZMA/LZMA2 state but the literal coder and the dictionary
	sz7BZip2Mem   = 4 << 20  // compress/bzip2: a 900k-entry block of uint32
	sz7DeflateMem = 64 << 10 // a 32 KiB window and the Huffman tables
	sz7BCJMem     = bcjBuf
)

// sz7Mem refuses a decoder of what bytes above st.dictionary().
func (st *state) sz7Mem(what string, n int64) error {
	if allowed := st.dictionary(); n > allowed {
		return fmt.Errorf("%w: 7z %s decoder of %d bytes above the %d allowed", ErrDictionary, what, n, allowed)
	}
	return nil
}
