package mime

import "io"

// bcjReader undoes 7-Zip's x86 branch converter (BCJ), which turns the
// relative targets of CALL (E8) and JMP (E9) instructions into absolute
// ones before compression: each E8/E9 followed by a 32-bit operand
// whose top byte is 0x00 or 0xFF was converted, unless the bytes just
// before it were themselves E8/E9 candidates in the pattern the
// converter skips (the prevMask state below). The decoder applies the
// inverse, so that a 7z entry's content (and its digest) is the file
// that was packed.
type bcjReader struct {
	r   io.Reader
	buf []byte // buf[:ready] is decoded; buf[ready:] waits for more input
	off int    // what of buf[:ready] was read
	rdy int
	pos uint32 // stream position of buf[0]
	// The converter's state: the recent E8/E9 candidates, and where
	// the last one was.
	prevMask uint32
	prevPos  uint32
	eof      bool
	err      error
}

// bcjBuf is the decoder's buffer: an instruction is 5 bytes, so 4 may
// wait for the next read.
const bcjBuf = 16 << 10

func (b *bcjReader) Read(p []byte) (int, error) {
	for b.off == b.rdy {
		if b.eof {
			// The last bytes, too short for an instruction, pass as
			// they are.
			if b.rdy < len(b.buf) {
				b.rdy = len(b.buf)
				continue
			}
			return 0, b.err
		}
		// Keep what waits, read more, convert what can be.
		b.pos += uint32(b.rdy)
		n := copy(b.buf, b.buf[b.rdy:])
		b.buf = b.buf[:n]
		b.off, b.rdy = 0, 0
		if cap(b.buf) < bcjBuf {
			nb := make([]byte, n, bcjBuf)
			copy(nb, b.buf)
			b.buf = nb
		}
		m, err := io.ReadAtLeast(b.r, b.buf[n:cap(b.buf)], 1)
		b.buf = b.buf[:n+m]
		if err != nil {
			b.eof = true
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			b.err = err
		}
		b.rdy = b.convert(b.buf)
	}
	n := copy(p, b.buf[b.off:b.rdy])
	b.off += n
	return n, nil
}

// bcjAllowed and bcjBit are the converter's tables: which states of the
// three bytes before an E8/E9 allow converting it, and which byte of
// the operand to test again after a conversion.
var (
	bcjAllowed = [8]bool{true, true, true, false, true, false, false, false}
	bcjBit     = [8]uint32{0, 1, 2, 2, 3, 3, 3, 3}
)

func bcjMSByte(c byte) bool { return c == 0 || c == 0xff }

// convert decodes the instructions of buf, whose first byte is at
// stream position b.pos, and returns how many bytes are final.
func (b *bcjReader) convert(buf []byte) int {
	if len(buf) < 5 {
		return 0
	}
	if b.pos-b.prevPos > 5 {
		b.prevPos = b.pos - 5
	}
	i := 0
	for i <= len(buf)-5 {
		c := buf[i]
		if c != 0xe8 && c != 0xe9 {
			i++
			continue
		}
		at := b.pos + uint32(i)
		if d := at - b.prevPos; d > 5 {
			b.prevMask = 0
		} else {
			for range d {
				b.prevMask = (b.prevMask & 0x77) << 1
			}
		}
		b.prevPos = at
		top := buf[i+4]
		if bcjMSByte(top) && bcjAllowed[(b.prevMask>>1)&7] && b.prevMask>>1 < 0x10 {
			src := uint32(top)<<24 | uint32(buf[i+3])<<16 | uint32(buf[i+2])<<8 | uint32(buf[i+1])
			var dest uint32
			for {
				dest = src - (at + 5)
				if b.prevMask == 0 {
					break
				}
				k := bcjBit[b.prevMask>>1]
				if !bcjMSByte(byte(dest >> (24 - k*8))) {
					break
				}
				src = dest ^ (1<<(32-k*8) - 1)
			}
			buf[i+4] = ^byte((dest>>24)&1 - 1)
			buf[i+3] = byte(dest >> 16)
			buf[i+2] = byte(dest >> 8)
			buf[i+1] = byte(dest)
			i += 5
			b.prevMask = 0
		} else {
			i++
			b.prevMask |= 1
			if bcjMSByte(top) {
				b.prevMask |= 0x10
			}
		}
	}
	return i
}
