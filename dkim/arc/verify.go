package arc

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/guard"
)

// DefaultTimeout bounds the key lookups of one verification.
const DefaultTimeout = dkim.DefaultTimeout

// Verifier verifies ARC chains. The zero value uses net.DefaultResolver
// and the defaults below.
//
// A Verifier is safe for concurrent use by multiple goroutines; its
// fields must not change after first use.
type Verifier struct {
	// Resolver fetches key records. If nil, net.DefaultResolver.
	Resolver dkim.Resolver
	// Timeout bounds the key lookups of one verification (they run
	// concurrently, from the start of the verification), on top of the
	// context's deadline: a lookup cut short fails the chain. If zero,
	// DefaultTimeout (10 s); if negative, only the context bounds them.
	Timeout time.Duration
	// Trace, if not nil, receives a line with each verification's
	// outcome, from the goroutine that ends the verification.
	// Verifications running at once call it concurrently.
	Trace func(format string, args ...any)
	// MaxSets bounds the chain's length. If zero or above MaxSets (50,
	// RFC 8617 §4.2.1), MaxSets.
	MaxSets int
	// MinRSABits is the shortest RSA key accepted. If zero, 1024
	// (RFC 8301 §3.2, applied to ARC by RFC 8617 §4.1.2).
	MinRSABits int
	// MaxHeaderBytes bounds the header block (dkim.ErrHeaderTooLarge).
	// If zero, dkim.DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxKeyRecordBytes bounds a key record (dkim.ErrKeyTooLarge). If
	// zero, dkim.DefaultMaxKeyRecordBytes.
	MaxKeyRecordBytes int
	// MaxKeyRecords bounds the key records tried for a signature or a
	// seal, the first ones of the answer that parse, as in package dkim
	// (dkim.Verifier.MaxKeyRecords): the chain fails with
	// dkim.ErrTooManyKeys when none of them verifies and more were
	// published. If zero, dkim.DefaultMaxKeyRecords (3).
	MaxKeyRecords int
	// MaxVerifyWork bounds the verifications of one chain in
	// dkim.Key.Work units (an RSA-1024 verification is one, RSA-2048
	// four, RSA-8192 64): reaching it fails the chain with
	// dkim.ErrWorkLimit. If zero, dkim.DefaultMaxVerifyWork (1024: a
	// 50-set chain over RSA-2048 keys takes 400).
	MaxVerifyWork int
	// Now returns the current time, for the ARC-Message-Signatures' x=
	// and t= (RFC 8617 §4.1.2: they are DKIM signatures, checked as
	// package dkim does, RFC 6376 §3.5). If nil, time.Now.
	Now func() time.Time
	// ClockSkew is the tolerance for x= and a future t=. If zero,
	// dkim.DefaultClockSkew (5 minutes); if negative, none.
	ClockSkew time.Duration

	onVerify func(*dkim.Key) // called before each verification (tests)
}

// keyEntry is the answer of one key lookup; a verification looks each
// selector and domain up once (a chain's hops often share one, and every
// set has two signatures).
type keyEntry struct {
	selector, domain string
	keys             []*dkim.Key
	err              error
}

// Verify reads a message from r and validates its ARC chain (RFC 8617
// §5.2). A header over MaxHeaderBytes is a Fail wrapping
// dkim.ErrHeaderTooLarge: RFC 8617 has no permerror, and the chain
// cannot be said absent (none) when it was not read (§5.2 fails a chain
// that cannot be validated). The error is non-nil only when the message
// cannot be read, and then the Outcome is a Fail wrapping it too; r is
// read to its end, or to the error. Where the header ends is
// dkim.ReadHeader's rule (a leading mbox From_ line is skipped).
func (v *Verifier) Verify(ctx context.Context, r io.Reader) (Outcome, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	h, _, err := dkim.ReadHeader(br, v.MaxHeaderBytes)
	if errors.Is(err, dkim.ErrHeaderTooLarge) {
		if _, rerr := io.Copy(io.Discard, br); rerr != nil {
			return Outcome{Result: Fail, Err: rerr}, rerr
		}
		return Outcome{Result: Fail, Err: err}, nil
	}
	if err != nil {
		return Outcome{Result: Fail, Err: err}, err
	}
	return v.VerifyHeader(ctx, h, br)
}

// VerifyHeader is Verify for a message whose header is already read:
// body yields the bytes after the header (nil for no body). It always
// reads body to its end (or to a read error), chain or not, so that
// a body fanned out to several readers through io.Pipe never blocks.
// Begin is the same verification with the body written to it instead.
func (v *Verifier) VerifyHeader(ctx context.Context, h dkim.Header, body io.Reader) (Outcome, error) {
	s, err := v.Begin(ctx, h, nil)
	if err != nil {
		return Outcome{Result: Fail, Err: err}, err // not reached: a Body of its own is never started
	}
	if body != nil { // nil: a message without a body
		if _, err := io.Copy(s, body); err != nil {
			s.abort()
			return Outcome{Result: Fail, Err: err}, err
		}
	}
	return s.Close(), nil
}

// Begin starts the verification of the chain of a message whose header
// is h, and returns the stream to write its body to (the bytes after the
// header, in chunks of any size), then Close for the outcome: the push
// form of VerifyHeader, for milters. The chain's structure is checked
// and the key lookups start at once.
//
// body, if not nil, is the dkim.Body the stream hashes into, shared with
// other streams over the same message (a DKIM verification above all:
// an ARC-Message-Signature with the same hash, canonicalization and l=
// as a DKIM-Signature shares its body hash). Begin every stream before
// writing the first chunk, since a hasher cannot join a started Body
// (dkim.ErrBodyStarted, the only error). If nil, the stream has a Body
// of its own.
func (v *Verifier) Begin(ctx context.Context, h dkim.Header, body *dkim.Body) (*VerifyStream, error) {
	if body == nil {
		body = new(dkim.Body)
	}
	s := &VerifyStream{v: v, h: h, body: body, parent: ctx}
	maxSets := v.MaxSets
	if maxSets <= 0 || maxSets > MaxSets {
		maxSets = MaxSets
	}
	sets, err := collect(h, maxSets)
	if err != nil {
		return s.decided(Outcome{Result: Fail, Err: err}), nil
	}
	n := len(sets)
	if n == 0 {
		return s.decided(Outcome{Result: None}), nil // §5.2 step 1
	}
	res := Outcome{Instances: n, Sets: make([]SetResult, n)}
	seals := make([]*seal, n)
	for i, st := range sets {
		sr := &res.Sets[i]
		sr.Instance = i + 1
		if hdr, err := authres.Parse(aarPayload(st.aar[0])); err == nil {
			sr.Results = hdr
		}
		sl, err := parseSeal(st.as[0])
		if err != nil {
			return s.decided(fail(res, i+1, err)), nil
		}
		seals[i] = sl
		sr.Domain, sr.Selector, sr.CV = sl.domain, sl.selector, sl.cv
	}
	// §5.2 step 2: a chain the last hop saw fail stays failed.
	if seals[n-1].cv == Fail {
		return s.decided(fail(res, n, ErrChainFailed)), nil
	}
	// §5.2 step 3.3: cv=none for i=1, pass above.
	for i, sl := range seals {
		if want := map[bool]Result{true: None, false: Pass}[i == 0]; sl.cv != want {
			return s.decided(fail(res, i+1, fmt.Errorf("%w: instance %d has cv=%s, want %s", ErrStructure, i+1, sl.cv, want))), nil
		}
	}

	// Message signatures: parse all, hash the body once per distinct
	// canonicalization (shared with whatever else hashes into body).
	amss := make([]*dkim.Signature, n)
	amsErr := make([]error, n)
	hashers := make([]*dkim.BodyHasher, n)
	now, skew := v.clock()
	for i, st := range sets {
		sig, inst, err := dkim.ParseARCSignature(st.ams[0])
		switch {
		case err != nil:
			err = fmt.Errorf("%w: %w", ErrMessageSignature, err)
		case inst != i+1:
			err = fmt.Errorf("%w: AMS instance %d in set %d", ErrStructure, inst, i+1)
		case slices.ContainsFunc(sig.Headers, func(n string) bool { return strings.EqualFold(n, "arc-seal") }):
			// RFC 8617 §4.1.2: an AMS MUST NOT sign ARC-Seal fields.
			err = fmt.Errorf("%w: AMS %d signs ARC-Seal", ErrMessageSignature, i+1)
		case sig.Algorithm == dkim.RSASHA1:
			// RFC 8301 §3.1, which RFC 8617 §4.1.2 inherits from DKIM.
			err = fmt.Errorf("%w: %w", ErrMessageSignature, dkim.ErrSHA1)
		case !sig.Expiration.IsZero() && now.After(sig.Expiration.Add(skew)):
			// RFC 6376 §3.5 x= (by RFC 8617 §4.1.2): an expired
			// signature does not verify.
			err = fmt.Errorf("%w: %w: x=%d", ErrMessageSignature, dkim.ErrExpired, sig.Expiration.Unix())
		case !sig.Time.IsZero() && sig.Time.After(now.Add(skew)):
			// RFC 6376 §3.5 t=: a signature dated in the future is
			// refused, as package dkim does.
			err = fmt.Errorf("%w: %w: t=%d", ErrMessageSignature, dkim.ErrFuture, sig.Time.Unix())
		}
		if err != nil {
			amsErr[i] = err
			continue
		}
		if hashers[i], err = body.Hasher(sig.Algorithm, sig.BodyCanon, sig.Length); err != nil {
			return nil, err
		}
		amss[i] = sig
	}
	if amsErr[n-1] != nil {
		// §5.2 step 4: the newest message signature cannot verify.
		res.Sets[n-1].AMSErr = amsErr[n-1]
		return s.decided(fail(res, n, amsErr[n-1])), nil
	}
	res.UnsignedFields = dkim.UnsignedFields(h, amss[n-1].Headers)
	s.res, s.sets, s.seals, s.amss, s.amsErr, s.hashers = res, sets, seals, amss, amsErr, hashers

	// Fetch every key the chain names while the body is hashed.
	s.keys = map[string]*keyEntry{}
	want := func(selector, domain string) {
		name := keyName(selector, domain)
		if s.keys[name] == nil {
			s.keys[name] = &keyEntry{selector: selector, domain: domain}
		}
	}
	for i := range n {
		want(seals[i].selector, seals[i].domain)
		if amss[i] != nil {
			want(amss[i].Selector, amss[i].Domain)
		}
	}
	// One context for the lookups, cancelled by Close (or abort): a
	// second one derived and dropped would stay registered with ctx.
	if v.Timeout >= 0 {
		s.ctx, s.cancel = context.WithTimeout(ctx, cmp.Or(v.Timeout, DefaultTimeout))
	} else {
		s.ctx, s.cancel = context.WithCancel(ctx)
	}
	r := v.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	for _, e := range s.keys {
		s.wg.Go(func() {
			s.g.Run(func() {
				e.keys, _, e.err = dkim.LookupKey(s.ctx, r, e.selector, e.domain, v.MaxKeyRecordBytes)
			})
		})
	}
	return s, nil
}

// clock returns the time the signatures are checked against and the
// skew allowed.
func (v *Verifier) clock() (time.Time, time.Duration) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.ClockSkew
	switch {
	case skew == 0:
		skew = dkim.DefaultClockSkew
	case skew < 0:
		skew = 0
	}
	return now, skew
}

func keyName(selector, domain string) string {
	return strings.ToLower(selector + "._domainkey." + domain)
}

// VerifyStream is a chain verification in progress, from
// Verifier.Begin: an io.Writer for the message body, and Close for the
// outcome. It is not safe for concurrent use. Close releases its
// resources; the lookups of a stream abandoned without Close end by
// themselves, within the Verifier's Timeout.
type VerifyStream struct {
	v       *Verifier
	h       dkim.Header
	body    *dkim.Body
	res     Outcome
	done    bool // res is final
	sets    []set
	seals   []*seal
	amss    []*dkim.Signature
	amsErr  []error
	hashers []*dkim.BodyHasher
	keys    map[string]*keyEntry
	ctx     context.Context // the lookups'
	cancel  context.CancelFunc
	parent  context.Context // the caller's, checked before each verification
	work    int             // dkim.Key.Work units spent (MaxVerifyWork)
	wg      sync.WaitGroup
	g       guard.Catcher // a panic in a lookup, raised by Close and abort
	closed  bool
}

// decided returns s with its outcome known before the body.
func (s *VerifyStream) decided(res Outcome) *VerifyStream {
	s.res, s.done = res, true
	return s
}

// Write hashes the body chunk p. When streams share a Body, write each
// chunk once: to the Body, or to any one of them. It fails only after
// Close (dkim.ErrBodyClosed), or on a stream not made by Begin
// (dkim.ErrNotStarted).
func (s *VerifyStream) Write(p []byte) (int, error) {
	if s.body == nil {
		return 0, dkim.ErrNotStarted
	}
	return s.body.Write(p)
}

// Close ends the body (closing the stream's Body), waits for the key
// lookups and returns the chain's outcome: none, pass or fail, DNS
// failures included. Later calls return the same. A stream not made by
// Begin verified nothing: its outcome is a Fail wrapping
// dkim.ErrNotStarted, never none. A panic in a key lookup is raised
// again here, by every call (see Concurrency in the package
// documentation).
func (s *VerifyStream) Close() Outcome {
	if s.closed {
		s.g.Repanic() // the outcome was never finished
		return s.res
	}
	s.closed = true
	if s.v == nil {
		s.res = Outcome{Result: Fail, Err: dkim.ErrNotStarted}
		return s.res
	}
	s.body.Close()
	if !s.done {
		s.done = true
		s.wg.Wait()
		s.cancel()
		s.g.Repanic()
		s.res = s.validate()
	}
	if s.v.Trace != nil {
		s.v.Trace("arc: %s", s.res)
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

// validate checks the message signatures, newest first (§5.2 step 4),
// then older ones for oldest-pass (step 5), then every seal (step 6).
func (s *VerifyStream) validate() Outcome {
	res, sets, seals, amss, amsErr, h := s.res, s.sets, s.seals, s.amss, s.amsErr, s.h
	n := len(sets)
	for i := n - 1; i >= 0; i-- {
		if amsErr[i] == nil {
			sig := amss[i]
			if sum, _ := s.hashers[i].Sum(); subtle.ConstantTimeCompare(sum, sig.BodyHash) != 1 {
				amsErr[i] = fmt.Errorf("%w: %w", ErrMessageSignature, dkim.ErrBodyHash)
			} else {
				digest := dkim.HeaderHash(sig.Algorithm, h, sig.Headers, sig.HeaderCanon, sig.Field.Raw)
				amsErr[i] = s.verifyDigest(sig.Selector, sig.Domain, sig.Algorithm, digest, sig.Sig, ErrMessageSignature)
			}
		}
		res.Sets[i].AMSErr = amsErr[i]
		if i == n-1 && amsErr[i] != nil {
			return fail(res, n, amsErr[i]) // step 4
		}
		if amsErr[i] != nil {
			break // step 5: oldest-pass is the instance above
		}
		res.OldestPass = i + 1
	}

	// §5.2 step 6: every seal, newest first.
	digests := sealDigests(sets, seals)
	for i := n - 1; i >= 0; i-- {
		err := s.verifyDigest(seals[i].selector, seals[i].domain, seals[i].alg, digests[i], seals[i].sig, ErrSeal)
		res.Sets[i].SealErr = err
		if err != nil {
			return fail(res, i+1, err)
		}
	}
	res.Result = Pass
	return res
}

// sealDigests returns the hash each seal signs (RFC 8617 §5.1.1): the
// sets up to its own, oldest first, relaxed, its own seal without b=
// and without the final CRLF. Seal i's input is seal i-1's with set i
// appended, so one running hash is cloned at each set: the cost is
// linear in the chain's bytes (hashing each prefix anew cost n²/2 sets).
func sealDigests(sets []set, seals []*seal) [][]byte {
	out := make([][]byte, len(sets))
	var buf []byte
	write := func(h hash.Hash, raw string, last bool) {
		buf = dkim.Relaxed.AppendHeader(buf[:0], raw)
		if last {
			buf = bytes.TrimRight(buf, "\r\n")
		}
		h.Write(buf)
	}
	running := seals[0].alg.Hash().New() // SHA-256 for every a= parseSeal accepts
	for i, st := range sets {
		write(running, st.aar[0].Raw, false)
		write(running, st.ams[0].Raw, false)
		var h hash.Hash
		if c, ok := running.(hash.Cloner); ok && seals[i].alg.Hash() == seals[0].alg.Hash() {
			h, _ = c.Clone()
		}
		if h == nil {
			// Not cloneable: hash the prefix anew.
			h = seals[i].alg.Hash().New()
			for _, prev := range sets[:i] {
				for _, f := range []dkim.Field{prev.aar[0], prev.ams[0], prev.as[0]} {
					write(h, f.Raw, false)
				}
			}
			write(h, st.aar[0].Raw, false)
			write(h, st.ams[0].Raw, false)
		}
		write(h, dkim.StripSignature(st.as[0].Raw), true)
		out[i] = h.Sum(nil)
		write(running, st.as[0].Raw, false)
	}
	return out
}

func fail(res Outcome, inst int, err error) Outcome {
	res.Result, res.Err, res.FailedInstance, res.OldestPass = Fail, err, inst, 0
	return res
}

// verifyDigest verifies sig with the key fetched at Begin; failures
// wrap kind. It tries the first MaxKeyRecords keys, stops when the
// caller's context is done, and charges each verification to the
// stream's MaxVerifyWork.
func (s *VerifyStream) verifyDigest(selector, domain string, alg dkim.Algorithm, digest, sig []byte, kind error) error {
	e := s.keys[keyName(selector, domain)] // every key named was fetched
	if e.err != nil {
		return fmt.Errorf("%w: %w", kind, e.err)
	}
	minBits := s.v.MinRSABits
	if minBits <= 0 {
		minBits = dkim.DefaultMinRSABits
	}
	maxKeys := s.v.MaxKeyRecords
	if maxKeys <= 0 {
		maxKeys = dkim.DefaultMaxKeyRecords
	}
	maxWork := s.v.MaxVerifyWork
	if maxWork <= 0 {
		maxWork = dkim.DefaultMaxVerifyWork
	}
	keys := e.keys
	if len(keys) > maxKeys {
		keys = keys[:maxKeys] // RFC 6376 §6.1.2 step 3: the first ones
	}
	var err error
	for _, k := range keys {
		if k.Type == "rsa" && k.Bits > dkim.DefaultMaxRSABits {
			err = fmt.Errorf("%w: %d-bit RSA key", dkim.ErrKeyTooLarge, k.Bits)
			continue
		}
		if k.Type == "rsa" && k.Bits < minBits {
			err = fmt.Errorf("%w: %d bits", dkim.ErrWeakKey, k.Bits)
			continue
		}
		if cerr := s.parent.Err(); cerr != nil {
			return fmt.Errorf("%w: %w: %w", kind, dkim.ErrInterrupted, cerr)
		}
		cost := k.Work()
		if s.work+cost > maxWork {
			return fmt.Errorf("%w: %w: %d units spent, %d more needed, limit %d", kind, dkim.ErrWorkLimit, s.work, cost, maxWork)
		}
		s.work += cost
		if s.v.onVerify != nil {
			s.v.onVerify(k)
		}
		if err = k.VerifyDigest(alg, digest, sig); err == nil {
			return nil
		}
	}
	if len(e.keys) > len(keys) {
		return fmt.Errorf("%w: %w: %d published, %d tried: %w", kind, dkim.ErrTooManyKeys, len(e.keys), len(keys), err)
	}
	return fmt.Errorf("%w: %w", kind, err)
}

// seal is a parsed ARC-Seal (RFC 8617 §4.1.3).
type seal struct {
	alg              dkim.Algorithm
	domain, selector string
	cv               Result
	sig              []byte
}

// parseSeal parses an ARC-Seal; its errors wrap ErrSeal.
func parseSeal(f dkim.Field) (*seal, error) {
	s, err := parseSealTags(f)
	if err != nil && !errors.Is(err, ErrSeal) {
		err = fmt.Errorf("%w: %w", ErrSeal, err)
	}
	return s, err
}

func parseSealTags(f dkim.Field) (*seal, error) {
	_, list, _ := strings.Cut(f.Raw, ":")
	tags, err := dkim.ParseTags(list)
	if err != nil {
		return nil, err
	}
	// §4.1.3: h= is not allowed in ARC-Seal.
	if _, ok := tags.Get("h"); ok {
		return nil, fmt.Errorf("%w: h= in ARC-Seal", ErrSeal)
	}
	s := &seal{}
	for _, name := range []string{"a", "b", "cv", "d", "s", "i"} {
		if _, ok := tags.Get(name); !ok {
			return nil, fmt.Errorf("%w: ARC-Seal without %s=", dkim.ErrMissingTag, name)
		}
	}
	a, _ := tags.Get("a")
	s.alg = dkim.Algorithm(strings.ToLower(strings.TrimSpace(a)))
	if s.alg != dkim.RSASHA256 && s.alg != dkim.Ed25519SHA256 {
		return nil, fmt.Errorf("%w: a=%s", dkim.ErrAlgorithm, a)
	}
	cv, _ := tags.Get("cv")
	switch s.cv = Result(strings.ToLower(strings.TrimSpace(cv))); s.cv {
	case None, Pass, Fail:
	default:
		return nil, fmt.Errorf("%w: cv=%s", ErrStructure, cv)
	}
	d, _ := tags.Get("d")
	sel, _ := tags.Get("s")
	s.domain, s.selector = strings.ToLower(strings.TrimSpace(d)), strings.TrimSpace(sel)
	b, _ := tags.Get("b")
	if s.sig, err = decodeB64(b); err != nil {
		return nil, fmt.Errorf("%w: b=: %w", dkim.ErrSyntax, err)
	}
	return s, nil
}

// aarPayload returns the authres part of an ARC-Authentication-Results
// value, after "i=N;".
func aarPayload(f dkim.Field) string {
	_, rest, _ := strings.Cut(f.Value(), ";")
	return rest
}
