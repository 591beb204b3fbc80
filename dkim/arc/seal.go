package arc

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
)

// DefaultHeaders are the header fields an ARC-Message-Signature covers
// when Sealer.Headers is nil (those present are signed).
var DefaultHeaders = []string{
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "DKIM-Signature", "List-Id",
}

// Sealer adds an ARC set to messages (RFC 8617 §5.1). Domain, Selector,
// Key and AuthServID are required.
//
// A Sealer is safe for concurrent use by multiple goroutines; its fields
// must not change after first use.
type Sealer struct {
	Domain   string        // d=
	Selector string        // s=
	Key      crypto.Signer // *rsa.PrivateKey (rsa-sha256) or ed25519.PrivateKey
	// AuthServID is the authserv-id of the ARC-Authentication-Results.
	AuthServID string
	// Headers lists the fields the ARC-Message-Signature covers. If nil,
	// DefaultHeaders.
	Headers []string
	// Oversign lists fields the ARC-Message-Signature covers once more
	// than they occur, so that another instance added above the sealed
	// message (which readers would show) breaks it (RFC 6376 §8.15). If
	// nil, dkim.DefaultOversign (From, To, Subject, Date); an empty
	// non-nil slice oversigns nothing.
	Oversign []string
	// Now returns the time for t=. If nil, time.Now.
	Now func() time.Time
	// Expiration, if positive, gives the ARC-Message-Signature an x= that
	// long after its t= (RFC 6376 §3.5, by RFC 8617 §4.1.2), after which
	// verifiers refuse it; at least one second after t=. If zero, no x=.
	Expiration time.Duration
	// MaxHeaderBytes bounds the header block read. If zero,
	// dkim.DefaultMaxHeaderBytes.
	MaxHeaderBytes int
}

// Seal reads a message from r and returns the ARC set to prepend to it:
// ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results
// (carrying results, this hop's findings), each CRLF-terminated. cv is
// the chain status this hop found for the incoming message (Verify's
// Result): none (or empty) for a message without sets, pass or fail
// otherwise. With cv=fail the seal covers only the new set (RFC 8617
// §5.1.2), so a malformed chain can still be sealed as failed. Where
// the header ends is dkim.ReadHeader's rule.
func (s *Sealer) Seal(r io.Reader, results []authres.Result, cv Result) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	br := bufio.NewReaderSize(r, 16<<10)
	h, _, err := dkim.ReadHeader(br, s.MaxHeaderBytes)
	if err != nil {
		return "", err
	}
	ss, err := s.Begin(h, nil)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(ss, br); err != nil {
		return "", err
	}
	return ss.Close(results, cv)
}

// check validates the configuration and returns the algorithm.
func (s *Sealer) check() error {
	if s.Domain == "" || s.Selector == "" || s.Key == nil || s.AuthServID == "" {
		return fmt.Errorf("%w: Domain, Selector, Key and AuthServID are required", ErrSealerConfig)
	}
	switch s.Key.Public().(type) {
	case *rsa.PublicKey, ed25519.PublicKey:
	default:
		return fmt.Errorf("%w: key of type %T", ErrSealerConfig, s.Key.Public())
	}
	for _, name := range slices.Concat(s.Headers, s.Oversign) {
		// RFC 8617 §4.1.2: ARC-Seal fields MUST NOT be in an AMS's h=.
		if strings.EqualFold(name, "ARC-Seal") {
			return fmt.Errorf("%w: Headers or Oversign includes ARC-Seal", ErrSealerConfig)
		}
	}
	return nil
}

// Begin starts sealing a message whose header is h, and returns the
// stream to write its body to, then Close, with this hop's results and
// chain status, for the ARC set: the push form of Seal. A milter knows
// the chain status only at the end of the message, when the chain's
// verification over the same body is closed; the body hash the seal
// needs is computed meanwhile. body, if not nil, is a dkim.Body shared
// with other streams over the same message (see dkim.Body). Begin fails
// when the Sealer is unusable (ErrSealerConfig) or body was already
// written to without the hash the seal needs (dkim.ErrBodyStarted).
func (s *Sealer) Begin(h dkim.Header, body *dkim.Body) (*SealStream, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	alg := dkim.RSASHA256
	if _, ok := s.Key.Public().(ed25519.PublicKey); ok {
		alg = dkim.Ed25519SHA256
	}
	if body == nil {
		body = new(dkim.Body)
	}
	// ARC-Message-Signature (§4.1.2): relaxed/relaxed, no l=.
	bh, err := body.Hasher(alg, dkim.Relaxed, -1)
	if err != nil {
		return nil, err
	}
	return &SealStream{s: s, h: h, body: body, bh: bh, alg: alg}, nil
}

// SealStream is a seal in progress, from Sealer.Begin: an io.Writer for
// the message body, and Close for the ARC set. It is not safe for
// concurrent use.
type SealStream struct {
	s      *Sealer
	h      dkim.Header
	body   *dkim.Body
	bh     *dkim.BodyHasher
	alg    dkim.Algorithm
	fields string
	err    error
	closed bool
}

// Write hashes the body chunk p. When streams share a Body, write each
// chunk once: to the Body, or to any one of them. It fails only after
// Close (dkim.ErrBodyClosed), or on a stream not made by Begin
// (dkim.ErrNotStarted).
func (ss *SealStream) Write(p []byte) (int, error) {
	if ss.body == nil {
		return 0, dkim.ErrNotStarted
	}
	return ss.body.Write(p)
}

// Close ends the body (closing the stream's Body) and returns the ARC
// set to prepend to the message, with results and cv as for Seal. It
// fails when the chain cannot take cv (ErrStructure) or another set
// (ErrTooManySets), or the key fails to sign, or the stream was not made
// by Begin (dkim.ErrNotStarted). Later calls return the same, whatever
// their arguments.
func (ss *SealStream) Close(results []authres.Result, cv Result) (string, error) {
	if ss.s == nil {
		return "", dkim.ErrNotStarted
	}
	if !ss.closed {
		ss.closed = true
		ss.body.Close()
		ss.fields, ss.err = ss.seal(results, cv)
	}
	return ss.fields, ss.err
}

func (ss *SealStream) seal(results []authres.Result, cv Result) (string, error) {
	s, h, alg := ss.s, ss.h, ss.alg
	// §5.1.1: the new instance is one above the highest present. A
	// failed chain (§5.1.2) may be malformed, so its instances are only
	// scanned; a valid one must have every set.
	var sets []set
	var err error
	top, anyARC := topInstance(h)
	if cv != Fail {
		if sets, err = collect(h, MaxSets); err != nil {
			return "", err
		}
	}
	inst := top + 1
	if inst > MaxSets {
		// §4.2.1: a chain cannot grow past 50 sets.
		return "", fmt.Errorf("%w: instance %d", ErrTooManySets, inst)
	}
	switch {
	case inst == 1 && !anyARC:
		if cv != None && cv != "" {
			return "", fmt.Errorf("%w: cv=%s without ARC sets", ErrStructure, cv)
		}
		cv = None // §5.1.1 step 2: the first set has cv=none
	case cv == Fail:
		sets = nil // §5.1.2: the seal covers only its own set
	case cv != Pass:
		return "", fmt.Errorf("%w: cv=%q with %d sets present", ErrStructure, cv, top)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	sealTime := now()
	t := strconv.FormatInt(sealTime.Unix(), 10)
	i := strconv.Itoa(inst)

	// ARC-Authentication-Results (§4.1.1).
	aar := "ARC-Authentication-Results: i=" + i + "; " + authres.Header{ServID: s.AuthServID, Results: results}.String() + "\r\n"

	// ARC-Message-Signature (§4.1.2): a DKIM signature, relaxed/relaxed.
	bodyHash, _ := ss.bh.Sum()
	want := s.Headers
	if want == nil {
		want = DefaultHeaders
	}
	var names []string
	from := false
	for _, f := range h {
		for _, w := range want {
			if strings.EqualFold(f.Name, w) || strings.EqualFold(f.Name, "From") {
				names = append(names, strings.ToLower(f.Name))
				from = from || strings.EqualFold(f.Name, "From")
				break
			}
		}
	}
	if !from {
		names = append(names, "from") // RFC 6376 §5.4, via RFC 8617 §4.1.2
	}
	over := s.Oversign
	if over == nil {
		over = dkim.DefaultOversign
	}
	for _, name := range over {
		names = append(names, strings.ToLower(name)) // RFC 6376 §8.15
	}
	amsTags := dkim.Tags{{Name: "i", Value: i}, {Name: "a", Value: string(alg)}, {Name: "c", Value: "relaxed/relaxed"},
		{Name: "d", Value: s.Domain}, {Name: "s", Value: s.Selector}, {Name: "t", Value: t}}
	if s.Expiration > 0 {
		// x= MUST be greater than t= (RFC 6376 §3.5): under a second
		// of Expiration, one second after t=.
		x := max(sealTime.Add(s.Expiration).Unix(), sealTime.Unix()+1)
		amsTags = append(amsTags, dkim.Tag{Name: "x", Value: strconv.FormatInt(x, 10)})
	}
	amsTags = append(amsTags, dkim.Tag{Name: "h", Value: strings.Join(names, ":")},
		dkim.Tag{Name: "bh", Value: base64.StdEncoding.EncodeToString(bodyHash)}, dkim.Tag{Name: "b", Value: ""})
	ams := dkim.FormatField("ARC-Message-Signature", amsTags)
	sig, err := dkim.SignDigest(s.Key, alg, dkim.HeaderHash(alg, h, names, dkim.Relaxed, ams))
	if err != nil {
		return "", fmt.Errorf("arc: signing: %w", err)
	}
	amsTags[len(amsTags)-1].Value = base64.StdEncoding.EncodeToString(sig)
	ams = dkim.FormatField("ARC-Message-Signature", amsTags)

	// ARC-Seal (§4.1.3): over every set, oldest first, this one last.
	asTags := dkim.Tags{{Name: "i", Value: i}, {Name: "a", Value: string(alg)}, {Name: "cv", Value: string(cv)},
		{Name: "d", Value: s.Domain}, {Name: "s", Value: s.Selector}, {Name: "t", Value: t}, {Name: "b", Value: ""}}
	as := dkim.FormatField("ARC-Seal", asTags)
	hh := alg.Hash().New()
	var buf []byte
	for _, st := range sets {
		for _, f := range []dkim.Field{st.aar[0], st.ams[0], st.as[0]} {
			buf = dkim.Relaxed.AppendHeader(buf[:0], f.Raw)
			hh.Write(buf)
		}
	}
	for _, raw := range []string{aar, ams} {
		buf = dkim.Relaxed.AppendHeader(buf[:0], raw)
		hh.Write(buf)
	}
	buf = dkim.Relaxed.AppendHeader(buf[:0], dkim.StripSignature(as))
	hh.Write(bytes.TrimRight(buf, "\r\n"))
	sig, err = dkim.SignDigest(s.Key, alg, hh.Sum(nil))
	if err != nil {
		return "", fmt.Errorf("arc: signing: %w", err)
	}
	asTags[len(asTags)-1].Value = base64.StdEncoding.EncodeToString(sig)
	as = dkim.FormatField("ARC-Seal", asTags)
	return as + ams + aar, nil
}

func decodeB64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}
