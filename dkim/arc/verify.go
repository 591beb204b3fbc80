package arc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
)

// Verifier verifies ARC chains. The zero value uses net.DefaultResolver
// and the defaults below.
//
// A Verifier is safe for concurrent use by multiple goroutines; its
// fields must not change after first use.
type Verifier struct {
	// Resolver fetches key records. If nil, net.DefaultResolver.
	Resolver dkim.Resolver
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
}

// keyCache memoizes key lookups within one verification: a chain's
// hops often share a selector, and every set has two signatures.
type keyCache map[string]keyEntry

type keyEntry struct {
	keys []*dkim.Key
	err  error
}

// Verify reads a message from r and validates its ARC chain (RFC 8617
// §5.2). The error is non-nil only when the message cannot be read.
func (v *Verifier) Verify(ctx context.Context, r io.Reader) (Verification, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	h, err := dkim.ReadHeader(br, v.MaxHeaderBytes)
	if err != nil {
		return Verification{}, err
	}
	return v.VerifyHeader(ctx, h, br)
}

// VerifyHeader is Verify for a message whose header is already read.
func (v *Verifier) VerifyHeader(ctx context.Context, h dkim.Header, body io.Reader) (Verification, error) {
	maxSets := v.MaxSets
	if maxSets <= 0 || maxSets > MaxSets {
		maxSets = MaxSets
	}
	sets, err := collect(h, maxSets)
	if err != nil {
		return Verification{Result: Fail, Err: err}, nil
	}
	n := len(sets)
	if n == 0 {
		return Verification{Result: None}, nil // §5.2 step 1
	}
	res := Verification{Instances: n, Sets: make([]SetResult, n)}
	keys := keyCache{}
	seals := make([]*seal, n)
	for i, s := range sets {
		sr := &res.Sets[i]
		sr.Instance = i + 1
		if hdr, err := authres.Parse(aarPayload(s.aar[0])); err == nil {
			sr.Results = hdr
		}
		sl, err := parseSeal(s.as[0])
		if err != nil {
			return fail(res, i+1, err), nil
		}
		seals[i] = sl
		sr.Domain, sr.Selector, sr.CV = sl.domain, sl.selector, sl.cv
	}
	// §5.2 step 2: a chain the last hop saw fail stays failed.
	if seals[n-1].cv == Fail {
		return fail(res, n, ErrChainFailed), nil
	}
	// §5.2 step 3.3: cv=none for i=1, pass above.
	for i, sl := range seals {
		if want := map[bool]Result{true: None, false: Pass}[i == 0]; sl.cv != want {
			return fail(res, i+1, fmt.Errorf("%w: instance %d has cv=%s, want %s", ErrStructure, i+1, sl.cv, want)), nil
		}
	}

	// Message signatures: parse all, hash the body once per distinct
	// canonicalization, check newest first (step 4), then older ones for
	// oldest-pass (step 5).
	amss := make([]*dkim.Signature, n)
	amsErr := make([]error, n)
	type bodyKey struct {
		alg   dkim.Algorithm
		canon dkim.Canonicalization
		limit int64
	}
	hashers := map[bodyKey]*dkim.BodyHasher{}
	var writers []io.Writer
	for i, s := range sets {
		sig, inst, err := dkim.ParseARCSignature(s.ams[0])
		if err == nil && inst != i+1 {
			err = fmt.Errorf("%w: AMS instance %d in set %d", ErrStructure, inst, i+1)
		}
		if err == nil && slices.ContainsFunc(sig.Headers, func(n string) bool { return strings.EqualFold(n, "arc-seal") }) {
			// RFC 8617 §4.1.2: an AMS MUST NOT sign ARC-Seal fields.
			err = fmt.Errorf("%w: AMS %d signs ARC-Seal", ErrMessageSignature, i+1)
		}
		if err == nil && sig.Algorithm == dkim.RSASHA1 {
			// RFC 8301 §3.1, which RFC 8617 §4.1.2 inherits from DKIM.
			err = fmt.Errorf("%w: %w", ErrMessageSignature, dkim.ErrSHA1)
		}
		if err != nil {
			amsErr[i] = err
			continue
		}
		amss[i] = sig
		k := bodyKey{sig.Algorithm, sig.BodyCanon, sig.Length}
		if hashers[k] == nil {
			hashers[k] = dkim.NewBodyHasher(sig.Algorithm, sig.BodyCanon, sig.Length)
			writers = append(writers, hashers[k])
		}
	}
	if len(writers) > 0 {
		if _, err := io.Copy(io.MultiWriter(writers...), body); err != nil {
			return Verification{}, err
		}
	}
	sums := map[bodyKey][]byte{}
	for k, bh := range hashers {
		sums[k], _ = bh.Sum()
	}
	for i := n - 1; i >= 0; i-- {
		if amsErr[i] == nil {
			sig := amss[i]
			if subtle.ConstantTimeCompare(sums[bodyKey{sig.Algorithm, sig.BodyCanon, sig.Length}], sig.BodyHash) != 1 {
				amsErr[i] = fmt.Errorf("%w: %w", ErrMessageSignature, dkim.ErrBodyHash)
			} else {
				digest := dkim.HeaderHash(sig.Algorithm, h, sig.Headers, sig.HeaderCanon, sig.Field.Raw)
				amsErr[i] = v.verifyDigest(ctx, keys, sig.Selector, sig.Domain, sig.Algorithm, digest, sig.Sig, ErrMessageSignature)
			}
		}
		res.Sets[i].AMSErr = amsErr[i]
		if i == n-1 && amsErr[i] != nil {
			return fail(res, n, amsErr[i]), nil // step 4
		}
		if amsErr[i] != nil {
			break // step 5: oldest-pass is the instance above
		}
		res.OldestPass = i + 1
	}

	// §5.2 step 6: every seal, newest first.
	var buf []byte
	for i := n - 1; i >= 0; i-- {
		hh := seals[i].alg.Hash().New()
		for j := 0; j <= i; j++ {
			for _, f := range []dkim.Field{sets[j].aar[0], sets[j].ams[0]} {
				buf = dkim.Relaxed.AppendHeader(buf[:0], f.Raw)
				hh.Write(buf)
			}
			raw := sets[j].as[0].Raw
			if j == i {
				raw = dkim.StripSignature(raw)
			}
			buf = dkim.Relaxed.AppendHeader(buf[:0], raw)
			if j == i {
				buf = bytes.TrimRight(buf, "\r\n")
			}
			hh.Write(buf)
		}
		err := v.verifyDigest(ctx, keys, seals[i].selector, seals[i].domain, seals[i].alg, hh.Sum(nil), seals[i].sig, ErrSeal)
		res.Sets[i].SealErr = err
		if err != nil {
			return fail(res, i+1, err), nil
		}
	}
	res.Result = Pass
	return res, nil
}

func fail(res Verification, inst int, err error) Verification {
	res.Result, res.Err, res.FailedInstance, res.OldestPass = Fail, err, inst, 0
	return res
}

// verifyDigest fetches the key and verifies sig; failures wrap kind.
func (v *Verifier) verifyDigest(ctx context.Context, cache keyCache, selector, domain string, alg dkim.Algorithm, digest, sig []byte, kind error) error {
	name := selector + "._domainkey." + domain
	e, ok := cache[name]
	if !ok {
		r := v.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		e.keys, _, e.err = dkim.LookupKey(ctx, r, selector, domain, v.MaxKeyRecordBytes)
		cache[name] = e
	}
	keys, err := e.keys, e.err
	if err != nil {
		return fmt.Errorf("%w: %w", kind, err)
	}
	minBits := v.MinRSABits
	if minBits <= 0 {
		minBits = dkim.DefaultMinRSABits
	}
	err = errors.New("no usable key")
	for _, k := range keys {
		if k.Type == "rsa" && k.Bits > dkim.DefaultMaxRSABits {
			err = fmt.Errorf("%w: %d-bit RSA key", dkim.ErrKeyTooLarge, k.Bits)
			continue
		}
		if k.Type == "rsa" && k.Bits < minBits {
			err = fmt.Errorf("%w: %d bits", dkim.ErrWeakKey, k.Bits)
			continue
		}
		if err = k.VerifyDigest(alg, digest, sig); err == nil {
			return nil
		}
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

func parseSeal(f dkim.Field) (*seal, error) {
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
