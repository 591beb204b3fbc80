package greylist

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// BodyDigest is the digest of a normalized message body (SHA-256), the
// body key of Checker.CheckBody.
type BodyDigest [sha256.Size]byte

// String returns the digest in lower-case hex.
func (d BodyDigest) String() string { return hex.EncodeToString(d[:]) }

func (d *BodyDigest) appendHex(dst []byte) []byte { return hex.AppendEncode(dst, d[:]) }

// BodyHash computes the BodyDigest of a message body written to it in
// chunks of any size, as they arrive (a milter's body callbacks). Write
// the body only, from the first octet after the empty line that ends the
// header. The zero BodyHash is ready; it is not safe for concurrent use.
//
// The body is normalized so that the copies of one message that reach
// us by different paths, or again on a retry, hash alike: line ends are
// LF whatever they were (CRLF, bare CR is kept as data), every run of
// spaces and tabs is one space, spaces at the end of a line are dropped,
// and empty lines at the end of the body are dropped (RFC 6376 §3.4.4's
// relaxed body canonicalization, LF-terminated). A body personalized per
// recipient (a name, a tracking link) hashes differently for each: the
// body key then greylists per recipient, as the triplet does. Memory use
// is constant, whatever the body's length.
type BodyHash struct {
	h        hash.Hash
	space    bool // a run of spaces or tabs is pending
	cr       bool // a CR is pending
	empties  int  // LFs pending (empty lines not yet known to be inner)
	nonEmpty bool // a byte other than space and line end was written
	out      []byte
}

// Write adds p to the body. It never fails.
func (b *BodyHash) Write(p []byte) (int, error) {
	if b.h == nil {
		b.h = sha256.New()
		b.out = make([]byte, 0, 4096)
	}
	for _, c := range p {
		if b.cr {
			b.cr = false
			if c != '\n' {
				b.emit('\r')
			}
		}
		switch c {
		case ' ', '\t':
			b.space = true
		case '\r':
			b.cr = true
		case '\n':
			b.space = false
			b.empties++
		default:
			b.emit(c)
		}
	}
	return len(p), nil
}

// emit writes c after what is pending: the held line ends and a space.
func (b *BodyHash) emit(c byte) {
	if !b.nonEmpty {
		// Line ends and spaces before the first text are kept as written
		// (normalized), like those between lines of text.
		b.nonEmpty = true
	}
	for ; b.empties > 0; b.empties-- {
		b.put('\n')
	}
	if b.space {
		b.put(' ')
		b.space = false
	}
	b.put(c)
}

func (b *BodyHash) put(c byte) {
	b.out = append(b.out, c)
	if len(b.out) == cap(b.out) {
		b.h.Write(b.out)
		b.out = b.out[:0]
	}
}

// Sum returns the digest of the body written so far; b can take more
// writes after it. The empty body (or one of only line ends and spaces)
// hashes as nothing; any other ends with exactly one line end.
func (b *BodyHash) Sum() BodyDigest {
	var h hash.Hash = sha256.New()
	if b.h != nil {
		c, err := b.h.(hash.Cloner).Clone()
		if err != nil {
			panic("greylist: sha256 state not clonable: " + err.Error()) // the standard library's hashes always are
		}
		h = c
		h.Write(b.out)
	}
	if b.cr {
		h.Write([]byte{'\r'})
	}
	if b.nonEmpty || b.cr {
		h.Write([]byte{'\n'})
	}
	var d BodyDigest
	h.Sum(d[:0])
	return d
}
