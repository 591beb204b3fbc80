package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// xz files (the .xz format of XZ Utils, "The .xz File Format" 1.1.0):
// a 12-byte stream header, blocks (a header naming the filter chain,
// the packed data, padding to 4 bytes and the check), then the index.
// The container is read here, so that the LZMA2 decoder is given the
// dictionary this package allows (the filter's, cut to the block's
// uncompressed size when the header gives it, refused above
// st.dictionary()); github.com/ulikunitz/xz's own reader takes the
// stream's dictionary as given. Filter chains of LZMA2 alone, or the
// x86 branch converter (BCJ) then LZMA2, are decoded; others (Delta,
// ARM, PowerPC... filters) are KindUnsupported.

const xzMagic = "\xfd7zXZ\x00"

// xzCheckSize is the size of a block's check for each check type (its
// low four bits of the stream flags).
var xzCheckSize = [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}

// xzVarint reads a multibyte integer (up to 9 bytes, 7 bits each).
func xzVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < 9 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if i > 0 && b[i] == 0 {
				return 0, 0, errors.New("xz: integer not in its shortest form")
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("xz: truncated integer")
}

// xzBlock is what a block header says.
type xzBlock struct {
	headerLen int
	unpacked  int64 // -1 if not given
	dict      int64
	bcj       int // x86 filters before LZMA2 (XZ Utils takes --x86 more than once)
}

// parseXzBlock reads the block header at the start of b.
func parseXzBlock(b []byte) (xzBlock, error) {
	blk := xzBlock{unpacked: -1}
	if len(b) < 1 {
		return blk, errors.New("xz: truncated block header")
	}
	blk.headerLen = (int(b[0]) + 1) * 4
	if len(b) < blk.headerLen || blk.headerLen < 8 {
		return blk, errors.New("xz: truncated block header")
	}
	h := b[1 : blk.headerLen-4] // without the size byte and the CRC32
	flags := h[0]
	if flags&0x3c != 0 {
		return blk, errors.New("xz: reserved block flags")
	}
	h = h[1:]
	read := func() (uint64, error) {
		v, n, err := xzVarint(h)
		if err != nil {
			return 0, err
		}
		h = h[n:]
		return v, nil
	}
	if flags&0x40 != 0 {
		if _, err := read(); err != nil {
			return blk, err
		}
	}
	if flags&0x80 != 0 {
		v, err := read()
		if err != nil {
			return blk, err
		}
		blk.unpacked = int64(min(v, 1<<62))
	}
	n := int(flags&3) + 1
	for i := range n {
		id, err := read()
		if err != nil {
			return blk, err
		}
		size, err := read()
		if err != nil {
			return blk, err
		}
		if size > uint64(len(h)) {
			return blk, errors.New("xz: truncated filter properties")
		}
		props := h[:size]
		h = h[size:]
		last := i == n-1
		switch {
		case id == 0x21 && last && len(props) == 1 && props[0] <= 40:
			p := props[0]
			blk.dict = 0xffffffff
			if p < 40 {
				blk.dict = int64(2|p&1) << (p/2 + 11)
			}
		case id == 0x04 && !last && len(props) == 0:
			blk.bcj++
		case id == 0x21:
			return blk, errors.New("xz: bad LZMA2 filter")
		default:
			return blk, fmt.Errorf("%w: xz filter %#x", errSz7Unsupported, id)
		}
	}
	return blk, nil
}

// walkXz inspects the file an xz stream holds, under the limits.
func (st *state) walkXz(path string, data []byte, prefix, name string, depth int) {
	if len(data) < 12 || !bytes.HasPrefix(data, []byte(xzMagic)) || data[6] != 0 || data[7] > 0x0f {
		st.find(KindUnsupported, path, "xz stream header not understood: its content is not inspected", ErrMalformedArchive)
		return
	}
	check := xzCheckSize[data[7]]
	x := &xzReader{st: st, data: data, off: 12, check: check}
	base := baseName(name)
	inner := trimExt(base, ".xz")
	if extension(base) == "txz" {
		inner = base[:len(base)-len(".txz")] + ".tar"
	}
	m := &meter{r: x, st: st, max: st.ratioMax(int64(len(data))), src: &x.in}
	st.entry(m, m, Part{Path: prefix + ":" + inner, Depth: depth + 1, Filename: inner}, 0)
	x.close()
	if x.err != nil {
		st.sz7Error(path, x.err, "block")
	}
}

// xzReader decodes the blocks of an xz stream one after another.
type xzReader struct {
	st    *state
	data  []byte
	off   int // where the next block header is
	check int
	in    counter   // the packed bytes consumed, for the ratio
	cur   io.Reader // the block being decoded, nil between blocks
	body  *counter  // its packed data, to find where it ends
	start int       // where its packed data starts
	held  int64     // its dictionary, counted as held
	err   error     // why the stream was not read to its end, for the report
	done  bool
}

func (x *xzReader) close() {
	x.st.held -= x.held
	x.held = 0
}

func (x *xzReader) Read(p []byte) (int, error) {
	for {
		if x.done {
			return 0, io.EOF
		}
		if x.err != nil {
			return 0, x.err
		}
		if x.cur == nil {
			if err := x.next(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := x.cur.Read(p)
		if err == io.EOF {
			// The block's end: padding to 4 bytes, then its check.
			end := x.start + int(x.body.n)
			end += (4 - (end-x.off)%4) % 4
			end += x.check
			if end > len(x.data) {
				x.err = errors.New("xz: truncated block")
				return n, x.err
			}
			x.in.n += int64(end - x.start - int(x.body.n))
			x.off = end
			x.cur = nil
			x.close()
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			x.err = fmt.Errorf("xz: %w", err)
		}
		return n, x.err
	}
}

// next opens the block at x.off, or ends the stream at the index.
func (x *xzReader) next() error {
	if x.off >= len(x.data) {
		x.err = errors.New("xz: truncated stream")
		return x.err
	}
	if x.data[x.off] == 0 {
		// The index indicator: the stream's blocks end. Another stream
		// may follow (after stream padding), whose output XZ Utils
		// appends to this one's: it is read too.
		end, err := xzStreamEnd(x.data, x.off)
		if err != nil {
			x.err = err
			return err
		}
		for end < len(x.data) && x.data[end] == 0 {
			end++
		}
		if end == len(x.data) {
			x.done = true
			return io.EOF
		}
		rest := x.data[end:]
		if len(rest) < 12 || !bytes.HasPrefix(rest, []byte(xzMagic)) || rest[6] != 0 || rest[7] > 0x0f {
			x.err = errors.New("xz: data after the stream")
			return x.err
		}
		x.check = xzCheckSize[rest[7]]
		x.in.n += int64(end + 12 - x.off)
		x.off = end + 12
		return nil
	}
	blk, err := parseXzBlock(x.data[x.off:])
	if err != nil {
		x.err = err
		return err
	}
	// No match reaches further back than what was decoded: the block's
	// size when its header gives it, and the most the stream may
	// decode (the ratio) in any case.
	dict := min(blk.dict, x.st.ratioMax(int64(len(x.data))))
	if blk.unpacked >= 0 && blk.unpacked < dict {
		dict = blk.unpacked
	}
	dict = max(dict, lzma.MinDictCap)
	if allowed := x.st.dictionary(); dict > allowed {
		x.err = fmt.Errorf("%w: xz LZMA2 dictionary of %d bytes (declared %d) above the %d allowed", ErrDictionary, dict, blk.dict, allowed)
		return x.err
	}
	// Setting up a block's decoder (its dictionary allocated and
	// cleared) is work as decoding that many bytes is, whatever the
	// block holds: it is counted against MaxTotalBytes, so that a file
	// of empty 16-byte blocks (a 4 MiB one allocated 1.3 GiB) stops
	// there.
	x.st.total += dict
	if x.st.total > x.st.maxTotal {
		x.err = fmt.Errorf("%w: xz blocks", ErrTotalBytes)
		return x.err
	}
	x.start = x.off + blk.headerLen
	x.in.n += int64(blk.headerLen)
	x.body = &counter{r: bytes.NewReader(x.data[x.start:])}
	lr, err := lzma.Reader2Config{DictCap: int(dict)}.NewReader2(&countInto{c: x.body, total: &x.in})
	if err != nil {
		x.err = fmt.Errorf("xz: %w", err)
		return x.err
	}
	x.st.held += dict
	x.held = dict
	var r io.Reader = lr
	for range blk.bcj {
		r = &bcjReader{r: r}
	}
	if blk.unpacked >= 0 {
		r = io.LimitReader(r, blk.unpacked)
	}
	x.cur = r
	return nil
}

// countInto reads through c, adding what it reads to total too.
type countInto struct {
	c     *counter
	total *counter
}

func (r *countInto) Read(p []byte) (int, error) {
	n, err := r.c.Read(p)
	r.total.n += int64(n)
	return n, err
}

func (r *countInto) ReadByte() (byte, error) {
	b, err := r.c.ReadByte()
	if err == nil {
		r.total.n++
	}
	return b, err
}

// xzStreamEnd returns where the stream whose index starts at off ends:
// after the index (its records, padding and CRC32) and the 12-byte
// stream footer.
func xzStreamEnd(b []byte, off int) (int, error) {
	p := off + 1
	n, k, err := xzVarint(b[p:])
	if err != nil {
		return 0, fmt.Errorf("xz index: %w", err)
	}
	p += k
	// Each record is two integers of at least a byte each: the loop
	// ends with the data.
	for i := uint64(0); i < 2*n; i++ {
		_, k, err := xzVarint(b[p:])
		if err != nil {
			return 0, fmt.Errorf("xz index: %w", err)
		}
		p += k
	}
	p += (4 - (p-off)%4) % 4 // index padding
	p += 4 + 12              // its CRC32, the stream footer
	if p > len(b) || string(b[p-2:p]) != "YZ" {
		return 0, errors.New("xz: truncated stream footer")
	}
	return p, nil
}
