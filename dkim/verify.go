package dkim

import (
	"bufio"
	"cmp"
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

	"github.com/spamkit/spamkit/internal/guard"
)

// Defaults of the Verifier's limits and policy.
const (
	DefaultMaxSignatures = 10
	DefaultMinRSABits    = 1024
	DefaultMaxRSABits    = 8192
	DefaultClockSkew     = 5 * time.Minute
	// DefaultMaxKeyRecords is the number of key records tried per
	// signature.
	DefaultMaxKeyRecords = 3
	// DefaultMaxVerifyWork is the verification work allowed per
	// message, in Key.Work units: 1024, the cost of 16 RSA-8192, 256
	// RSA-2048 or 512 ed25519 verifications (about 50 ms of CPU).
	DefaultMaxVerifyWork = 1024
	// DefaultTimeout bounds the key lookups of one verification.
	DefaultTimeout = 10 * time.Second
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
	// Timeout bounds the key lookups of one verification (they run
	// concurrently, from the start of the verification), on top of the
	// context's deadline: a lookup cut short is a TempError. If zero,
	// DefaultTimeout (10 s); if negative, only the context bounds them.
	Timeout time.Duration
	// Trace, if not nil, receives a line for each signature's outcome,
	// from the goroutine that ends the verification. Verifications
	// running at once call it concurrently.
	Trace func(format string, args ...any)

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
	// return one PermError Outcome wrapping ErrHeaderTooLarge. If zero,
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxKeyRecordBytes bounds a key record (ErrKeyTooLarge). If zero,
	// DefaultMaxKeyRecordBytes.
	MaxKeyRecordBytes int
	// MaxKeyRecords bounds the key records tried for a signature: the
	// first ones that parse, in the order of the DNS answer (RFC 6376
	// §6.1.2 step 3 lets the verifier choose one or cycle through them;
	// §3.6.2.2 leaves several records at one name undefined). A
	// signature that none of them verifies while more were published is
	// a Policy result with ErrTooManyKeys. If zero,
	// DefaultMaxKeyRecords.
	MaxKeyRecords int
	// MaxVerifyWork bounds the signature verifications of one message,
	// in work units (see Key.Work: an RSA-1024 verification is one unit,
	// an RSA-8192 one 64): the cost of signatures × keys tried × key
	// size. Signatures that would take a verification beyond it are a
	// Policy result with ErrWorkLimit. If zero, DefaultMaxVerifyWork.
	MaxVerifyWork int

	onVerify func(*Key) // called before each verification (tests)
}

// Verify reads a message from r and verifies each of its DKIM-Signature
// header fields, in header order. Key lookups run concurrently, while the
// body is read and hashed once per distinct (hash, canonicalization, l=).
// The body is streamed: memory does not grow with its size. Where the
// header ends is ReadHeader's rule (a leading mbox From_ line is
// skipped).
//
// A message without signatures gives an empty list. Verdicts, including
// DNS failures and limits, are in the Outcomes: a header over
// MaxHeaderBytes gives one Outcome, a PermError wrapping
// ErrHeaderTooLarge (RFC 8601 §2.7.1: the same message would fail the
// same way, so the error is not transient), never an empty list, which
// would read as an unsigned message. The error is non-nil only when the
// message cannot be read (a read error), and then the list is nil. r is
// read to its end, or to the error.
func (v *Verifier) Verify(ctx context.Context, r io.Reader) ([]Outcome, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	h, _, err := ReadHeader(br, v.MaxHeaderBytes)
	if errors.Is(err, ErrHeaderTooLarge) {
		if _, rerr := io.Copy(io.Discard, br); rerr != nil {
			return nil, rerr
		}
		return []Outcome{HeaderTooLarge(err)}, nil
	}
	if err != nil {
		return nil, err
	}
	return v.VerifyHeader(ctx, h, br)
}

// HeaderTooLarge returns the Outcome of a message whose header is over a
// limit (err wraps ErrHeaderTooLarge, as from ReadHeader or
// HeaderBuilder.Add): a PermError, so that a caller reading the header
// itself reports the limit as Verify does, never as an unsigned message.
func HeaderTooLarge(err error) Outcome {
	return Outcome{Result: PermError, Err: err, BodyLength: -1}
}

// VerifyHeader is Verify for a message whose header is already read:
// body yields the bytes after the header (nil for no body). It always
// reads body to its end (or to a read error), signatures or not, so that
// a body fanned out to several readers through io.Pipe never blocks.
// Begin is the same verification with the body written to it instead.
func (v *Verifier) VerifyHeader(ctx context.Context, h Header, body io.Reader) ([]Outcome, error) {
	s, err := v.Begin(ctx, h, nil)
	if err != nil {
		return nil, err // not reached: a Body of its own is never started
	}
	if body != nil { // nil: a message without a body
		if err := copyBody(ctx, s, body); err != nil {
			s.abort()
			return nil, err
		}
	}
	return s.Close(), nil
}

// Begin starts the verification of a message whose header is h, and
// returns the stream to write its body to (the bytes after the header,
// in chunks of any size), then Close for the outcomes: the push form of
// VerifyHeader, for milters and other callers that receive the body
// piecewise. Key lookups start at once and run while the body is
// written.
//
// body, if not nil, is the Body the stream hashes into, shared with
// other streams over the same message (see Body): Begin every stream
// before writing the first chunk, since a hasher cannot join a started
// Body (ErrBodyStarted, the only error). If nil, the stream has a Body
// of its own.
func (v *Verifier) Begin(ctx context.Context, h Header, body *Body) (*VerifyStream, error) {
	if body == nil {
		body = new(Body)
	}
	s := &VerifyStream{v: v, h: h, body: body, res: []Outcome{}, parent: ctx}
	var fields []Field
	for _, f := range h {
		if strings.EqualFold(f.Name, "DKIM-Signature") {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return s, nil
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

	s.res = make([]Outcome, len(fields))
	s.sigs = make([]sigWork, 0, min(len(fields), maxSigs))
	for i, f := range fields {
		out := &s.res[i]
		out.Field = f
		out.BodyLength = -1
		if i >= maxSigs {
			out.Result, out.Err = Policy, fmt.Errorf("%w: only %d verified", ErrTooManySignatures, maxSigs)
			continue
		}
		sig, err := ParseSignature(f)
		if sig != nil {
			out.fill(sig)
			out.UnsignedFields = UnsignedFields(h, sig.Headers)
		} else {
			fillPartial(out, f)
		}
		if err != nil {
			out.Result, out.Err = PermError, err
			continue
		}
		if r, err := v.precheck(sig, h, t, skew); err != nil {
			out.Result, out.Err = r, err
			continue
		}
		bh, err := body.Hasher(sig.Algorithm, sig.BodyCanon, sig.Length)
		if err != nil {
			return nil, err
		}
		s.sigs = append(s.sigs, sigWork{out: out, sig: sig, body: bh})
	}
	if len(s.sigs) == 0 {
		return s, nil
	}

	// Fetch the keys while the body is hashed.
	// One context for the lookups, cancelled by Close (or abort): a
	// second one derived and dropped would stay registered with ctx.
	if v.Timeout >= 0 {
		s.ctx, s.cancel = context.WithTimeout(ctx, cmp.Or(v.Timeout, DefaultTimeout))
	} else {
		s.ctx, s.cancel = context.WithCancel(ctx)
	}
	for i := range s.sigs {
		w := &s.sigs[i]
		s.wg.Go(func() {
			s.g.Run(func() {
				w.keys, w.authentic, w.keyErr = LookupKey(s.ctx, v.resolver(), w.sig.Selector, w.sig.Domain, v.MaxKeyRecordBytes)
			})
		})
	}
	return s, nil
}

// VerifyStream is a verification in progress, from Verifier.Begin: an
// io.Writer for the message body, and Close for the outcomes. It is not
// safe for concurrent use. Close releases its resources; the lookups of
// a stream abandoned without Close end by themselves, within the
// Verifier's Timeout.
type VerifyStream struct {
	v      *Verifier
	h      Header
	body   *Body
	res    []Outcome
	sigs   []sigWork
	ctx    context.Context // the lookups'
	cancel context.CancelFunc
	parent context.Context // the caller's, checked before each verification
	work   int             // Key.Work units spent so far (MaxVerifyWork)
	wg     sync.WaitGroup
	g      guard.Catcher // a panic in a lookup, raised by Close and abort
	closed bool
}

// Write hashes the body chunk p. When streams share a Body, write each
// chunk once: to the Body, or to any one of them. It fails only after
// Close (ErrBodyClosed), or on a stream not made by Begin
// (ErrNotStarted).
func (s *VerifyStream) Write(p []byte) (int, error) {
	if s.body == nil {
		return 0, ErrNotStarted
	}
	return s.body.Write(p)
}

// Close ends the body (closing the stream's Body), waits for the key
// lookups and returns one Outcome per DKIM-Signature, in header order;
// an empty list for a message without signatures. Verdicts, DNS
// failures included, are in the Outcomes. Later calls return the same
// list. A stream not made by Begin verified nothing: its list is one
// PermError wrapping ErrNotStarted, never the empty list of an unsigned
// message. A panic in a key lookup is raised again here, by every call
// (see Concurrency in the package documentation).
func (s *VerifyStream) Close() []Outcome {
	if s.closed {
		s.g.Repanic() // the outcomes were never finished
		return s.res
	}
	s.closed = true
	if s.v == nil {
		s.res = []Outcome{{Result: PermError, Err: ErrNotStarted, BodyLength: -1}}
		return s.res
	}
	s.body.Close()
	s.wg.Wait()
	if s.cancel != nil {
		s.cancel()
	}
	s.g.Repanic()
	for i := range s.sigs {
		s.v.finish(s, &s.sigs[i])
	}
	if s.v.Trace != nil {
		for _, o := range s.res {
			s.v.Trace("dkim: %s", o)
		}
	}
	return s.res
}

// abort stops the lookups of a verification that will not be closed.
func (s *VerifyStream) abort() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	s.g.Repanic()
}

type sigWork struct {
	out       *Outcome
	sig       *Signature
	body      *BodyHasher
	keys      []*Key
	authentic bool
	keyErr    error
}

func (v *Verifier) resolver() Resolver {
	if v.Resolver != nil {
		return v.Resolver
	}
	return net.DefaultResolver
}

func (o *Outcome) fill(s *Signature) {
	o.Domain, o.Selector, o.Identifier = s.Domain, s.Selector, s.Identifier
	o.Algorithm, o.HeaderCanon, o.BodyCanon = s.Algorithm, s.HeaderCanon, s.BodyCanon
	o.Headers, o.Time, o.Expiration, o.BodyLength = s.Headers, s.Time, s.Expiration, s.Length
	o.HeaderB = headerB(s.Tags)
}

// fillPartial reports what can be read of a signature that does not
// parse, so that the result still names its domain and selector.
func fillPartial(out *Outcome, f Field) {
	_, list, _ := strings.Cut(f.Raw, ":")
	for spec := range strings.SplitSeq(list, ";") {
		name, value, _ := strings.Cut(spec, "=")
		switch trimFWS(name) {
		case "d":
			out.Domain = strings.ToLower(stripFWS(value))
		case "s":
			out.Selector = stripFWS(value)
		case "a":
			out.Algorithm = Algorithm(strings.ToLower(stripFWS(value)))
		case "b":
			out.HeaderB = headerBValue(value)
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

// finish checks the key, the body hash and the signature. It tries the
// first MaxKeyRecords keys, stops when the caller's context is done, and
// charges each verification to the stream's MaxVerifyWork.
func (v *Verifier) finish(s *VerifyStream, w *sigWork) {
	out, sig := w.out, w.sig
	out.Authentic = w.authentic
	if w.keyErr != nil {
		out.Result, out.Err = PermError, w.keyErr
		if errors.Is(w.keyErr, ErrKeyUnavailable) {
			out.Result = TempError
		}
		return
	}
	maxKeys := v.MaxKeyRecords
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeyRecords
	}
	maxWork := v.MaxVerifyWork
	if maxWork <= 0 {
		maxWork = DefaultMaxVerifyWork
	}
	keys := w.keys
	if len(keys) > maxKeys {
		// RFC 6376 §6.1.2 step 3: the verifier may choose the records
		// it tries; the first ones of the answer.
		keys = keys[:maxKeys]
	}
	var digest []byte
	var lastErr error
	lastRes := PermError
	exhausted := true // every key tried failed
	for _, k := range keys {
		out.KeyBits, out.Testing = k.Bits, k.Testing
		if err := s.parent.Err(); err != nil {
			// Before the body hash too: the body may not have been
			// hashed to its end (copyBody).
			out.Result, out.Err = TempError, fmt.Errorf("%w: %w", ErrInterrupted, err)
			return
		}
		if r, err := v.checkKey(k, sig); err != nil {
			lastRes, lastErr = r, err
			continue
		}
		// RFC 6376 §6.1.3: the body hash first.
		sum, n := w.body.Sum()
		if sig.Length >= 0 {
			if n < sig.Length {
				lastRes, lastErr = PermError, fmt.Errorf("%w: l=%d, body %d", ErrBodyTooShort, sig.Length, n)
				exhausted = false
				break
			}
			out.UnsignedBodyBytes = n - sig.Length
		}
		if subtle.ConstantTimeCompare(sum, sig.BodyHash) != 1 {
			lastRes, lastErr = Fail, ErrBodyHash
			exhausted = false
			break
		}
		cost := k.Work()
		if s.work+cost > maxWork {
			out.Result, out.Err = Policy, fmt.Errorf("%w: %d units spent, %d more needed, limit %d", ErrWorkLimit, s.work, cost, maxWork)
			return
		}
		s.work += cost
		if digest == nil {
			digest = HeaderHash(sig.Algorithm, s.h, sig.Headers, sig.HeaderCanon, sig.Field.Raw)
		}
		if v.onVerify != nil {
			v.onVerify(k)
		}
		if err := k.verify(sig.Algorithm, digest, sig.Sig); err != nil {
			lastRes, lastErr = Fail, err
			continue
		}
		out.Result, out.Err = Pass, nil
		return
	}
	if exhausted && len(w.keys) > len(keys) {
		// Keys were left untried: not a verdict on the signature.
		out.Result, out.Err = Policy, fmt.Errorf("%w: %d published, %d tried: %w", ErrTooManyKeys, len(w.keys), len(keys), lastErr)
		return
	}
	if lastRes == Fail && out.Testing {
		// RFC 6376 §3.6.1 t=y: do not treat the failure differently from
		// an unsigned message.
		lastRes = Neutral
	}
	out.Result, out.Err = lastRes, lastErr
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
