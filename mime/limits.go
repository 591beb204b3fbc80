package mime

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// counter counts the compressed bytes a decompressor reads from an
// archive in memory, so that a meter measures the ratio of what was
// decompressed to what was consumed so far, not to the whole stream:
// a gzip of 1 GiB of zeros (1 MiB) would otherwise be allowed 100 MiB
// before its ratio showed, and reach MaxPartBytes first, while the same
// bytes in a zip entry are a ratio finding.
type counter struct {
	r  io.Reader   // for streams (gzip, bzip2)
	ra io.ReaderAt // for zip
	n  int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ReadByte lets compress/flate read byte by byte (an io.ByteReader is
// not wrapped in a read-ahead buffer), so that the count is exact.
func (c *counter) ReadByte() (byte, error) {
	br, ok := c.r.(io.ByteReader)
	if !ok {
		var b [1]byte
		_, err := io.ReadFull(c, b[:])
		return b[0], err
	}
	b, err := br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *counter) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.ra.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// overRatio reports whether n bytes decompressed from consumed
// compressed bytes exceed MaxRatio, past RatioFloor.
func (st *state) overRatio(n, consumed int64) bool {
	return n > RatioFloor && n > max(consumed, 1)*st.maxRatio
}

// zipReaderAt opens a zip archive of size bytes read through c,
// accepting insecure paths as zipReader does.
func zipReaderAt(c *counter, size int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(c, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, err
	}
	return zr, nil
}

// buffer returns a buffer of length n and capacity at least c for an
// archive entry kept whole: the smallest spare one large enough, else a
// new one. Reusing the buffers of the entries before keeps a bomb of
// many entries (or parts) decompressing to MaxPartBytes each from
// leaving their buffers, and those of their growth, as garbage: three
// bzip2 attachments of 34 MiB of text each reached a heap of 120 MiB,
// though only one buffer is live at a time. Two are kept: an archive
// entry and the entry inside it (a .bz2 in a tar).
func (st *state) buffer(n int, c int64) []byte {
	best := -1
	for i, s := range st.spare {
		if int64(cap(s)) >= c && (best < 0 || cap(s) < cap(st.spare[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]byte, n, c)
	}
	s := st.spare[best]
	st.spare[best] = nil
	return s[:n]
}

// release hands back a buffer whose entry is done with: nothing refers
// to it any more (parts hold digests and copies, not slices of it). The
// two largest are kept.
func (st *state) release(b []byte) {
	small := 0
	if cap(st.spare[1]) < cap(st.spare[0]) {
		small = 1
	}
	if cap(b) > cap(st.spare[small]) {
		st.spare[small] = b[:0]
	}
}

// typeMessage is the detected type of content sniffed as a message.
const typeMessage = "message/rfc822"

// messageFields are header fields (RFC 5322 §3.6, RFC 2045, RFC 5321
// trace fields) by which content is sniffed as a message: two of them
// in a header of well-formed fields, or one in a file named .eml.
var messageFields = []string{
	"received", "return-path", "from", "to", "cc", "subject", "date", "message-id",
	"mime-version", "content-type", "reply-to", "sender", "delivered-to", "dkim-signature",
	"authentication-results", "content-transfer-encoding", "x-mailer", "in-reply-to", "references",
}

// looksLikeMessage reports whether data starts as an Internet message
// (RFC 5322 §2.2): after an optional mbox "From " line (RFC 4155), a
// header of fields and folded lines up to an empty line (or the end of
// the first 8 KiB), with at least two known message fields, or one if
// the file is named as a message (.eml).
func looksLikeMessage(data []byte, named bool) bool {
	head := data[:min(len(data), 8<<10)]
	if bytes.HasPrefix(head, []byte("From ")) {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			return false
		}
		head = head[i+1:]
	}
	known, fields := 0, 0
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break // a line cut by the window
		}
		line := bytes.TrimSuffix(head[:i], []byte("\r"))
		head = head[i+1:]
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if fields == 0 {
				return false
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return false
		}
		for _, c := range line[:colon] {
			if c <= ' ' || c > '~' {
				return false
			}
		}
		fields++
		for _, f := range messageFields {
			if asciiEqualFold(line[:colon], f) {
				known++
				break
			}
		}
	}
	return known >= 2 || (named && known >= 1)
}

// zipFirst returns a view of the zip archive data that holds only its
// first n central directory entries (PKWARE APPNOTE 4.3.12), ended by a
// made-up end of central directory record (4.3.16), so that an archive
// padded past MaxArchiveEntries has its first entries read rather than
// none, without reading its whole directory. ok is false for zip64
// archives and directories that do not hold n entries where the end
// record says.
func zipFirst(data []byte, n int) (ra io.ReaderAt, size int64, ok bool) {
	const eocdLen = 22
	lo := max(0, len(data)-eocdLen-65535)
	i := bytes.LastIndex(data[lo:], []byte("PK\x05\x06"))
	if i < 0 || lo+i+eocdLen > len(data) {
		return nil, 0, false
	}
	eocd := data[lo+i:]
	cdOff := int64(binary.LittleEndian.Uint32(eocd[16:]))
	if cdOff == 0xFFFFFFFF || binary.LittleEndian.Uint16(eocd[10:]) == 0xFFFF || n > 0xFFFF {
		return nil, 0, false // zip64
	}
	end := cdOff
	for range n {
		if end < 0 || end+46 > int64(len(data)) || string(data[end:end+4]) != "PK\x01\x02" {
			return nil, 0, false
		}
		r := data[end:]
		end += 46 + int64(binary.LittleEndian.Uint16(r[28:])) + int64(binary.LittleEndian.Uint16(r[30:])) + int64(binary.LittleEndian.Uint16(r[32:]))
	}
	if end > int64(len(data)) {
		return nil, 0, false
	}
	rec := make([]byte, eocdLen)
	copy(rec, "PK\x05\x06")
	binary.LittleEndian.PutUint16(rec[8:], uint16(n))
	binary.LittleEndian.PutUint16(rec[10:], uint16(n))
	binary.LittleEndian.PutUint32(rec[12:], uint32(end-cdOff))
	binary.LittleEndian.PutUint32(rec[16:], uint32(cdOff))
	return joined{data[:end], rec}, end + eocdLen, true
}

// joined reads two byte slices as one.
type joined struct{ a, b []byte }

func (j joined) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("mime: negative offset")
	}
	n := 0
	if off < int64(len(j.a)) {
		n = copy(p, j.a[off:])
	}
	if n < len(p) {
		if o := off + int64(n) - int64(len(j.a)); o < int64(len(j.b)) {
			n += copy(p[n:], j.b[o:])
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
