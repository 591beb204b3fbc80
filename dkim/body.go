package dkim

import (
	"context"
	"crypto"
	"fmt"
	"hash"
	"io"
)

// BodyHasher computes a body hash (RFC 6376 §3.7) as the body is written
// to it. It is not safe for concurrent use.
type BodyHasher struct {
	b    *bodyHasher
	h    hash.Hash
	sum  []byte // set by Sum
	n    int64
	done bool
}

// NewBodyHasher returns a BodyHasher for algorithm alg's hash and body
// canonicalization c, hashing at most limit canonical bytes (limit < 0:
// the whole body).
func NewBodyHasher(alg Algorithm, c Canonicalization, limit int64) *BodyHasher {
	h := alg.newHash()
	return &BodyHasher{b: newBodyHasher(h, c, limit), h: h}
}

// Write canonicalizes and hashes p. It fails only after Sum
// (ErrBodyClosed), or on a BodyHasher not made by NewBodyHasher or
// Body.Hasher (ErrNotStarted).
func (b *BodyHasher) Write(p []byte) (int, error) {
	if b.b == nil {
		return 0, ErrNotStarted
	}
	if b.done {
		return 0, ErrBodyClosed
	}
	return b.b.Write(p)
}

// Sum ends the body and returns its hash and its canonical length, which
// counts the bytes beyond the limit too. Later calls return the same;
// writes may not follow. The zero BodyHasher, which hashed nothing,
// returns nil and 0.
func (b *BodyHasher) Sum() ([]byte, int64) {
	if b.b == nil {
		return nil, 0
	}
	if !b.done {
		b.done = true
		b.n = b.b.close()
		b.sum = b.h.Sum(nil)
	}
	return b.sum, b.n
}

// Body hashes one message body for every signature that needs it: DKIM
// signatures and ARC-Message-Signatures (package arc) with the same hash
// function, body canonicalization and length limit share one
// BodyHasher, so each body byte is canonicalized and hashed once per
// distinct hash, however many verifications, signers and sealers read
// the body. It is the fan-out point of a milter: create one Body per
// message, Begin every stream on it (Verifier.Begin, Signer.Begin and
// their arc twins), then Write each body chunk once, to the Body or to
// any one of the streams, and Close the streams.
//
//	var body dkim.Body
//	ds, _ := dkimVerifier.Begin(ctx, h, &body)
//	as, _ := arcVerifier.Begin(ctx, h, &body)
//	for chunk := range chunks {
//		body.Write(chunk)
//	}
//	dkimOutcomes, arcOutcome := ds.Close(), as.Close()
//
// The zero value is an empty Body ready to use. A Body is not safe for
// concurrent use.
type Body struct {
	keys    []bodyKey
	hashers []*BodyHasher
	started bool // written to, or closed
	closed  bool
}

type bodyKey struct {
	hash  crypto.Hash
	canon Canonicalization
	limit int64
}

// Hasher returns b's hasher for algorithm alg's hash function, body
// canonicalization c and limit (an l= value; < 0 for the whole body),
// adding one if b has none yet. Once b has been written to or closed, a
// hasher it lacks cannot be added: that is ErrBodyStarted. The hasher
// belongs to b: read it with Sum after b is closed, never write to it.
func (b *Body) Hasher(alg Algorithm, c Canonicalization, limit int64) (*BodyHasher, error) {
	if limit < 0 {
		limit = -1
	}
	k := bodyKey{alg.Hash(), c, limit}
	if k.hash == 0 {
		return nil, fmt.Errorf("%w: a=%s", ErrAlgorithm, alg)
	}
	for i, have := range b.keys {
		if have == k {
			return b.hashers[i], nil
		}
	}
	if b.started {
		return nil, fmt.Errorf("%w: no %s/%s body hash (l=%d) was computed", ErrBodyStarted, k.hash, c, limit)
	}
	h := NewBodyHasher(alg, c, limit)
	b.keys = append(b.keys, k)
	b.hashers = append(b.hashers, h)
	return h, nil
}

// Len returns the number of distinct body hashes b computes.
func (b *Body) Len() int { return len(b.hashers) }

// Write writes the body chunk p to every hasher. It fails only after
// Close (ErrBodyClosed). The bytes are those after the empty line that
// ends the header, as they are (CRLF or bare LF line ends).
func (b *Body) Write(p []byte) (int, error) {
	if b.closed {
		return 0, ErrBodyClosed
	}
	b.started = true
	for _, h := range b.hashers {
		h.b.Write(p)
	}
	return len(p), nil
}

// Close ends the body: each hasher's Sum is final. Closing again does
// nothing. The streams on b close it when they are closed; the error is
// always nil (Close is there to make a Body an io.WriteCloser).
func (b *Body) Close() error {
	if !b.closed {
		b.closed, b.started = true, true
		for _, h := range b.hashers {
			h.Sum()
		}
	}
	return nil
}

// copyBody writes body to w to its end, checking ctx before each chunk:
// once ctx is done, the rest is read and discarded, not hashed (a body
// fanned out through io.Pipe must still be read to its end). The
// verification then reports ErrInterrupted.
func copyBody(ctx context.Context, w io.Writer, body io.Reader) error {
	buf := make([]byte, 32<<10)
	for ctx.Err() == nil {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	_, err := io.Copy(io.Discard, body)
	return err
}
