package dkim

import (
	"bufio"
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Defaults of the Verifier's limits and policy.
const (
	DefaultMaxSignatures = 10
	DefaultMinRSABits    = 1024
	DefaultMaxRSABits    = 8192
	DefaultClockSkew     = 5 * time.Minute
)

// Verifier verifies the DKIM signatures of messages. The zero value is
// ready to use, with net.DefaultResolver and the documented defaults.
//
// A Verifier is safe for concurrent use by multiple goroutines; its
// fields must not change after first use.
type Verifier struct {
	// Resolver fetches key records. If nil, net.DefaultResolver. A
	// *resolver.Resolver also reports DNSSEC authentication.
	Resolver Resolver

	// Now returns the current time, for x= and t=. If nil, time.Now.
	Now func() time.Time
	// ClockSkew is the tolerance for x= and future t=. If zero,
	// DefaultClockSkew; if negative, none.
	ClockSkew time.Duration

	// MinRSABits is the shortest RSA key accepted. If zero,
	// DefaultMinRSABits (1024, RFC 8301 §3.2). Keys under 1024 bits are
	// a PermError; keys under a larger MinRSABits are a Policy result.
	MinRSABits int
	// MaxRSABits is the longest RSA key accepted, bounding the cost of a
	// verification. If zero, DefaultMaxRSABits.
	MaxRSABits int
	// AllowSHA1 accepts rsa-sha1 signatures, which RFC 8301 §3.1
	// forbids; by default they are a PermError (ErrSHA1).
	AllowSHA1 bool
	// AllowBodyLength accepts signatures with l=; by default they are a
	// Policy result (ErrBodyLength), since anything may be appended to
	// the body (RFC 6376 §8.2). When accepted, UnsignedBodyBytes reports
	// how much was.
	AllowBodyLength bool
	// RequiredHeaders lists header fields that, when present in the
	// message, a signature must cover, beyond From which is always
	// required (RFC 6376 §5.4). A signature missing one is a Policy
	// result (ErrHeaderNotSigned). If nil, none beyond From.
	RequiredHeaders []string

	// MaxSignatures is the number of signatures verified; those beyond it
	// get a Policy result with ErrTooManySignatures. If zero,
	// DefaultMaxSignatures.
	MaxSignatures int
	// MaxHeaderBytes bounds the header block; a longer one makes Verify
	// fail with ErrHeaderTooLarge. If zero, DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxKeyRecordBytes bounds a key record (ErrKeyTooLarge). If zero,
	// DefaultMaxKeyRecordBytes.
	MaxKeyRecordBytes int
}

// Verify reads a message from r and verifies each of its DKIM-Signature
// header fields, in header order. Key lookups run concurrently, while the
// body is read and hashed once per distinct (hash, canonicalization, l=).
// The body is streamed: memory does not grow with its size.
//
// A message without signatures gives an empty list. Verdicts, including
// DNS failures, are in the Verifications; the error is non-nil only when
// the message cannot be read (ErrHeaderTooLarge, a read error), and then
// the list is nil.
func (v *Verifier) Verify(ctx context.Context, r io.Reader) ([]Verification, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	h, err := ReadHeader(br, v.MaxHeaderBytes)
	if err != nil {
		return nil, err
	}
	return v.VerifyHeader(ctx, h, br)
}

// VerifyHeader is Verify for a message whose header is already read:
// body yields the bytes after the empty line.
func (v *Verifier) VerifyHeader(ctx context.Context, h Header, body io.Reader) ([]Verification, error) {
	var fields []Field
	for _, f := range h {
		if strings.EqualFold(f.Name, "DKIM-Signature") {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return []Verification{}, nil
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.ClockSkew
	if skew == 0 {
		skew = DefaultClockSkew
	}
	skew = max(skew, 0)
	maxSigs := v.MaxSignatures
	if maxSigs <= 0 {
		maxSigs = DefaultMaxSignatures
	}
	t := now()

	res := make([]Verification, len(fields))
	work := make([]sigWork, 0, min(len(fields), maxSigs))
	for i, f := range fields {
		ver := &res[i]
		ver.Field = f
		ver.BodyLength = -1
		if i >= maxSigs {
			ver.Result, ver.Err = Policy, fmt.Errorf("%w: only %d verified", ErrTooManySignatures, maxSigs)
			continue
		}
		sig, err := ParseSignature(f)
		if sig != nil {
			ver.fill(sig)
		} else {
			v.fillPartial(ver, f)
		}
		if err != nil {
			ver.Result, ver.Err = PermError, err
			continue
		}
		if r, err := v.precheck(sig, h, t, skew); err != nil {
			ver.Result, ver.Err = r, err
			continue
		}
		work = append(work, sigWork{ver: ver, sig: sig})
	}
	if len(work) == 0 {
		return res, nil
	}

	// Fetch the keys while the body is hashed.
	var wg sync.WaitGroup
	for i := range work {
		w := &work[i]
		wg.Go(func() {
			w.keys, w.authentic, w.keyErr = LookupKey(ctx, v.resolver(), w.sig.Selector, w.sig.Domain, v.MaxKeyRecordBytes)
		})
	}

	hashers := make([]*bodyState, 0, 1)
	for i := range work {
		w := &work[i]
		for _, b := range hashers {
			if b.alg.Hash() == w.sig.Algorithm.Hash() && b.canon == w.sig.BodyCanon && b.limit == w.sig.Length {
				w.body = b
			}
		}
		if w.body == nil {
			w.body = &bodyState{alg: w.sig.Algorithm, canon: w.sig.BodyCanon, limit: w.sig.Length}
			w.body.h = NewBodyHasher(w.sig.Algorithm, w.sig.BodyCanon, w.sig.Length)
			hashers = append(hashers, w.body)
		}
	}
	var dst io.Writer = hashers[0].h
	if len(hashers) > 1 {
		ws := make([]io.Writer, len(hashers))
		for i, b := range hashers {
			ws[i] = b.h
		}
		dst = io.MultiWriter(ws...)
	}
	_, err := io.Copy(dst, body)
	if err != nil {
		wg.Wait()
		return nil, err
	}
	for _, b := range hashers {
		b.sum, b.n = b.h.Sum()
	}
	wg.Wait()

	for i := range work {
		v.finish(&work[i], h)
	}
	return res, nil
}

type sigWork struct {
	ver       *Verification
	sig       *Signature
	body      *bodyState
	keys      []*Key
	authentic bool
	keyErr    error
}

type bodyState struct {
	alg   Algorithm
	canon Canonicalization
	limit int64
	h     *BodyHasher
	sum   []byte
	n     int64
}

func (v *Verifier) resolver() Resolver {
	if v.Resolver != nil {
		return v.Resolver
	}
	return net.DefaultResolver
}

func (ver *Verification) fill(s *Signature) {
	ver.Domain, ver.Selector, ver.Identifier = s.Domain, s.Selector, s.Identifier
	ver.Algorithm, ver.HeaderCanon, ver.BodyCanon = s.Algorithm, s.HeaderCanon, s.BodyCanon
	ver.Headers, ver.Time, ver.Expiration, ver.BodyLength = s.Headers, s.Time, s.Expiration, s.Length
	ver.HeaderB = headerB(s.Tags)
}

// fillPartial reports what can be read of a signature that does not
// parse, so that the result still names its domain and selector.
func (v *Verifier) fillPartial(ver *Verification, f Field) {
	_, list, _ := strings.Cut(f.Raw, ":")
	for spec := range strings.SplitSeq(list, ";") {
		name, value, _ := strings.Cut(spec, "=")
		switch trimFWS(name) {
		case "d":
			ver.Domain = strings.ToLower(stripFWS(value))
		case "s":
			ver.Selector = stripFWS(value)
		case "a":
			ver.Algorithm = Algorithm(strings.ToLower(stripFWS(value)))
		case "b":
			ver.HeaderB = headerBValue(value)
		}
	}
}

func headerB(tags Tags) string {
	b, _ := tags.Get("b")
	return headerBValue(b)
}

// headerBValue returns the first 8 characters of a b= value, enough to
// tell signatures apart (RFC 6008 §4 suggests at least 8).
func headerBValue(b string) string {
	b = stripFWS(b)
	if len(b) > 8 {
		b = b[:8]
	}
	return b
}

// precheck applies the checks that need neither key nor body.
func (v *Verifier) precheck(s *Signature, h Header, now time.Time, skew time.Duration) (Result, error) {
	if s.Algorithm == RSASHA1 && !v.AllowSHA1 {
		// RFC 8301 §3.1: verifiers MUST NOT consider rsa-sha1 valid.
		return PermError, ErrSHA1
	}
	// RFC 6376 §6.1.1: an expired signature is invalid.
	if !s.Expiration.IsZero() && now.After(s.Expiration.Add(skew)) {
		return PermError, fmt.Errorf("%w: x=%d", ErrExpired, s.Expiration.Unix())
	}
	// RFC 6376 §3.5 t=: verifiers MAY ignore signatures dated in the future.
	if !s.Time.IsZero() && s.Time.After(now.Add(skew)) {
		return Policy, fmt.Errorf("%w: t=%d", ErrFuture, s.Time.Unix())
	}
	if s.Length >= 0 && !v.AllowBodyLength {
		return Policy, fmt.Errorf("%w: l=%d", ErrBodyLength, s.Length)
	}
	for _, name := range v.RequiredHeaders {
		if contains(s.Headers, name) {
			continue
		}
		for _, f := range h {
			if strings.EqualFold(f.Name, name) {
				return Policy, fmt.Errorf("%w: %s", ErrHeaderNotSigned, name)
			}
		}
	}
	return "", nil
}

// finish checks the key, the body hash and the signature.
func (v *Verifier) finish(w *sigWork, h Header) {
	ver, sig := w.ver, w.sig
	ver.Authentic = w.authentic
	if w.keyErr != nil {
		ver.Result, ver.Err = PermError, w.keyErr
		if errors.Is(w.keyErr, ErrKeyUnavailable) {
			ver.Result = TempError
		}
		return
	}
	var digest []byte
	var lastErr error
	lastRes := PermError
	for _, k := range w.keys {
		ver.KeyBits, ver.Testing = k.Bits, k.Testing
		if r, err := v.checkKey(k, sig); err != nil {
			lastRes, lastErr = r, err
			continue
		}
		// RFC 6376 §6.1.3: the body hash first.
		if sig.Length >= 0 {
			if w.body.n < sig.Length {
				lastRes, lastErr = PermError, fmt.Errorf("%w: l=%d, body %d", ErrBodyTooShort, sig.Length, w.body.n)
				break
			}
			ver.UnsignedBodyBytes = w.body.n - sig.Length
		}
		if subtle.ConstantTimeCompare(w.body.sum, sig.BodyHash) != 1 {
			lastRes, lastErr = Fail, ErrBodyHash
			break
		}
		if digest == nil {
			digest = HeaderHash(sig.Algorithm, h, sig.Headers, sig.HeaderCanon, sig.Field.Raw)
		}
		if err := k.verify(sig.Algorithm, digest, sig.Sig); err != nil {
			lastRes, lastErr = Fail, err
			continue
		}
		ver.Result, ver.Err = Pass, nil
		return
	}
	if lastRes == Fail && ver.Testing {
		// RFC 6376 §3.6.1 t=y: do not treat the failure differently from
		// an unsigned message.
		lastRes = Neutral
	}
	ver.Result, ver.Err = lastRes, lastErr
}

// checkKey applies RFC 6376 §6.1.2 steps 5–9 and RFC 8301 §3.2.
func (v *Verifier) checkKey(k *Key, s *Signature) (Result, error) {
	if k.Type != s.Algorithm.KeyType() {
		return PermError, fmt.Errorf("%w: a=%s with k=%s", ErrKeyMismatch, s.Algorithm, k.Type)
	}
	if k.Hashes != nil {
		_, hashName, _ := strings.Cut(string(s.Algorithm), "-")
		if !contains(k.Hashes, hashName) {
			return PermError, fmt.Errorf("%w: key h=%s excludes %s", ErrKeyMismatch, strings.Join(k.Hashes, ":"), hashName)
		}
	}
	if k.Services != nil && !contains(k.Services, "email") {
		return PermError, fmt.Errorf("%w: key s=%s", ErrKeyMismatch, strings.Join(k.Services, ":"))
	}
	if k.Strict {
		// t=s: the AUID's domain must be d= itself.
		at := strings.LastIndexByte(s.Identifier, '@')
		if !strings.EqualFold(s.Identifier[at+1:], s.Domain) {
			return PermError, fmt.Errorf("%w: key t=s and i=%s", ErrKeyMismatch, s.Identifier)
		}
	}
	if rk, ok := k.Public.(*rsa.PublicKey); ok {
		bits := rk.N.BitLen()
		maxBits := v.MaxRSABits
		if maxBits <= 0 {
			maxBits = DefaultMaxRSABits
		}
		minBits := v.MinRSABits
		if minBits <= 0 {
			minBits = DefaultMinRSABits
		}
		switch {
		case bits > maxBits:
			return PermError, fmt.Errorf("%w: %d-bit RSA key, limit %d", ErrKeyTooLarge, bits, maxBits)
		case bits < DefaultMinRSABits:
			return PermError, fmt.Errorf("%w: %d bits", ErrWeakKey, bits)
		case bits < minBits:
			return Policy, fmt.Errorf("%w: %d bits, minimum %d", ErrWeakKey, bits, minBits)
		}
	}
	return "", nil
}
