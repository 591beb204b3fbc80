package dkim

import (
	"bufio"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// DefaultHeaders are the header fields signed when Signer.Headers is nil:
// those RFC 6376 §5.4.1 recommends, each signed as often as it occurs.
var DefaultHeaders = []string{
	"From", "Reply-To", "Subject", "Date", "To", "Cc",
	"Resent-Date", "Resent-From", "Resent-To", "Resent-Cc",
	"In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe",
	"List-Subscribe", "List-Post", "List-Owner", "List-Archive",
	"Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
}

// DefaultOversign are the header fields signed once more than they occur
// when Signer.Oversign is nil, so that adding another instance breaks the
// signature (RFC 6376 §8.15).
var DefaultOversign = []string{"From", "To", "Subject", "Date"}

// Signer signs messages with DKIM (RFC 6376 §5). Domain, Selector and Key
// are required; the other fields have defaults.
//
// A Signer is safe for concurrent use by multiple goroutines; its fields
// must not change after first use.
type Signer struct {
	// Domain is the SDID, d=.
	Domain string
	// Selector is s=: the key record is at Selector._domainkey.Domain.
	Selector string
	// Key signs: an *rsa.PrivateKey (rsa-sha256) or ed25519.PrivateKey
	// (ed25519-sha256), or any crypto.Signer with such a public key.
	// ParsePrivateKey reads one from PEM.
	Key crypto.Signer
	// Identifier is i=, the AUID, within Domain. If empty, no i= tag.
	Identifier string

	// HeaderCanonicalization and BodyCanonicalization are c=. If empty,
	// Relaxed.
	HeaderCanonicalization Canonicalization
	BodyCanonicalization   Canonicalization
	// Headers lists the header fields to sign, each signed as often as it
	// occurs in the message. If nil, DefaultHeaders. From is always
	// signed.
	Headers []string
	// Oversign lists header fields signed once more than they occur. If
	// nil, DefaultOversign; an empty non-nil slice oversigns nothing.
	Oversign []string
	// Expiration, if positive, sets x= that long after t=, rounded up
	// to whole seconds (so x= is always after t=).
	Expiration time.Duration
	// BodyLength adds l= with the body's canonical length. It lets
	// anyone append to the body; only for lists that add footers.
	BodyLength bool
	// Now returns the signing time, t=. If nil, time.Now.
	Now func() time.Time
	// MaxHeaderBytes bounds the header block read. If zero,
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
}

// Sign reads a message from r and returns the DKIM-Signature header
// field, CRLF-terminated, to prepend to it. Where the header ends is
// ReadHeader's rule (a leading mbox From_ line is skipped, and not
// signed).
func (s *Signer) Sign(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	h, _, err := ReadHeader(br, s.MaxHeaderBytes)
	if err != nil {
		return "", err
	}
	return s.SignHeader(h, br)
}

// SignHeader is Sign for a message whose header is already read: body
// yields the bytes after the header, and is read to its end.
func (s *Signer) SignHeader(h Header, body io.Reader) (string, error) {
	ss, err := s.Begin(h, nil)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(ss, body); err != nil {
		return "", err
	}
	return ss.Close()
}

// Begin starts signing a message whose header is h, and returns the
// stream to write its body to, then Close for the signature: the push
// form of SignHeader. body, if not nil, is a Body shared with other
// streams over the same message (see Body), so that a message verified
// and signed in one pass is hashed once per distinct canonicalization.
// It fails when the Signer is unusable (ErrSignerConfig) or body was
// already written to (ErrBodyStarted) without the hash it needs.
func (s *Signer) Begin(h Header, body *Body) (*SignStream, error) {
	alg, hc, bc, err := s.check()
	if err != nil {
		return nil, err
	}
	if body == nil {
		body = new(Body)
	}
	bh, err := body.Hasher(alg, bc, -1)
	if err != nil {
		return nil, err
	}
	return &SignStream{s: s, h: h, body: body, bh: bh, alg: alg, hc: hc, bc: bc}, nil
}

// SignStream is a signature in progress, from Signer.Begin: an
// io.Writer for the message body, and Close for the DKIM-Signature. It
// is not safe for concurrent use.
type SignStream struct {
	s      *Signer
	h      Header
	body   *Body
	bh     *BodyHasher
	alg    Algorithm
	hc, bc Canonicalization
	field  string
	err    error
	closed bool
}

// Write hashes the body chunk p. When streams share a Body, write each
// chunk once: to the Body, or to any one of them. It fails only after
// Close (ErrBodyClosed), or on a stream not made by Begin
// (ErrNotStarted).
func (ss *SignStream) Write(p []byte) (int, error) {
	if ss.body == nil {
		return 0, ErrNotStarted
	}
	return ss.body.Write(p)
}

// Close ends the body (closing the stream's Body) and returns the
// DKIM-Signature header field, CRLF-terminated, to prepend to the
// message. It fails only when the key fails to sign, or on a stream not
// made by Begin (ErrNotStarted). Later calls return the same.
func (ss *SignStream) Close() (string, error) {
	if ss.s == nil {
		return "", ErrNotStarted
	}
	if !ss.closed {
		ss.closed = true
		ss.body.Close()
		ss.field, ss.err = ss.s.sign(ss.h, ss.bh, ss.alg, ss.hc, ss.bc)
	}
	return ss.field, ss.err
}

// sign makes the signature field for header h and the ended body hash
// bh.
func (s *Signer) sign(h Header, bh *BodyHasher, alg Algorithm, hc, bc Canonicalization) (string, error) {
	bodyHash, n := bh.Sum()
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().Unix()
	tags := Tags{
		{"v", "1"},
		{"a", string(alg)},
		{"c", string(hc) + "/" + string(bc)},
		{"d", s.Domain},
		{"s", s.Selector},
		{"t", strconv.FormatInt(t, 10)},
	}
	if s.Expiration > 0 {
		// x= is in whole seconds and must be after t= (RFC 6376 §3.5):
		// a fractional Expiration rounds up, so one under a second
		// gives t+1 rather than an x= equal to t= that no verifier takes.
		secs := int64(s.Expiration / time.Second)
		if s.Expiration%time.Second != 0 {
			secs++
		}
		tags = append(tags, Tag{"x", strconv.FormatInt(t+secs, 10)})
	}
	if s.BodyLength {
		tags = append(tags, Tag{"l", strconv.FormatInt(n, 10)})
	}
	if s.Identifier != "" {
		tags = append(tags, Tag{"i", s.Identifier})
	}
	names := s.SignedHeaders(h)
	tags = append(tags,
		Tag{"h", strings.Join(names, ":")},
		Tag{"bh", base64.StdEncoding.EncodeToString(bodyHash)},
		Tag{"b", ""},
	)
	field := FormatField("DKIM-Signature", tags)
	digest := HeaderHash(alg, h, names, hc, field)
	sig, err := SignDigest(s.Key, alg, digest)
	if err != nil {
		return "", fmt.Errorf("dkim: signing: %w", err)
	}
	tags[len(tags)-1].Value = base64.StdEncoding.EncodeToString(sig)
	return FormatField("DKIM-Signature", tags), nil
}

// check validates the configuration and returns the algorithm and the
// canonicalizations.
func (s *Signer) check() (Algorithm, Canonicalization, Canonicalization, error) {
	if s.Domain == "" || s.Selector == "" || s.Key == nil {
		return "", "", "", fmt.Errorf("%w: Domain, Selector and Key are required", ErrSignerConfig)
	}
	if s.Identifier != "" {
		at := strings.LastIndexByte(s.Identifier, '@')
		if at < 0 || !isSubdomain(s.Identifier[at+1:], s.Domain) {
			return "", "", "", fmt.Errorf("%w: Identifier %q not within %s", ErrSignerConfig, s.Identifier, s.Domain)
		}
	}
	var alg Algorithm
	switch s.Key.Public().(type) {
	case *rsa.PublicKey:
		alg = RSASHA256
	case ed25519.PublicKey:
		alg = Ed25519SHA256
	default:
		return "", "", "", fmt.Errorf("%w: key of type %T", ErrSignerConfig, s.Key.Public())
	}
	hc, bc := s.HeaderCanonicalization, s.BodyCanonicalization
	if hc == "" {
		hc = Relaxed
	}
	if bc == "" {
		bc = Relaxed
	}
	if hc != Simple && hc != Relaxed || bc != Simple && bc != Relaxed {
		return "", "", "", fmt.Errorf("%w: canonicalization %s/%s", ErrSignerConfig, hc, bc)
	}
	return alg, hc, bc, nil
}

// SignedHeaders returns the h= list s would sign for header h: each
// field of Headers (From included) as often as it occurs, in header
// order, then the Oversign names once more.
func (s *Signer) SignedHeaders(h Header) []string {
	want := s.Headers
	if want == nil {
		want = DefaultHeaders
	}
	over := s.Oversign
	if over == nil {
		over = DefaultOversign
	}
	var names []string
	from := false
	for _, f := range h {
		name := f.Name
		if contains(want, name) || strings.EqualFold(name, "From") {
			names = append(names, strings.ToLower(name))
			from = from || strings.EqualFold(name, "From")
		}
	}
	if !from {
		// RFC 6376 §5.4: From MUST be signed, even when absent (a
		// verifier then requires its absence).
		names = append(names, "from")
	}
	for _, name := range over {
		if !strings.EqualFold(name, "From") || from {
			names = append(names, strings.ToLower(name))
		}
	}
	return names
}
