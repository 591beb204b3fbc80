package dkim

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/internal/dnsreason"
)

// Result is the outcome of verifying one signature, with the tokens of
// RFC 8601 §2.7.1.
type Result string

// The results.
const (
	// None: the message carries no signature. No Outcome of a
	// verification has it; AuthResults renders an empty list as dkim=none.
	None Result = "none"
	// Pass: the signature verified.
	Pass Result = "pass"
	// Fail: the signature or the body hash did not verify.
	Fail Result = "fail"
	// Neutral: the signature or body hash did not verify, but the key is
	// in testing mode (t=y) and the failure does not count (RFC 6376
	// §3.6.1). A signature that verifies with a t=y key is Pass, with
	// Outcome.Testing set.
	Neutral Result = "neutral"
	// Policy: the signature may be valid but local policy refuses it
	// (l=, a weak key above the RFC minimum, a future timestamp, an
	// unsigned required header), or a limit left it unverified (too
	// many signatures, too many key records, the work limit).
	Policy Result = "policy"
	// TempError: the key could not be fetched for now (RFC 6376
	// §6.1.2), or the context ended before the signature was verified.
	TempError Result = "temperror"
	// PermError: the signature cannot be verified: syntax, missing or
	// revoked key, unsupported algorithm, expiry (RFC 6376 §6.1).
	PermError Result = "permerror"
)

// String returns the result token.
func (r Result) String() string { return string(r) }

// Outcome is the result of verifying one DKIM-Signature, with the facts
// that led to it.
type Outcome struct {
	// Result is the verdict; Err says why it is not Pass.
	Result Result
	// Err is the cause of a result other than Pass, wrapping one of the
	// package's sentinel errors (and, for DNS failures, the resolver's
	// error, which may name the server). It is for logs; Reason gives
	// the phrase for headers.
	Err error

	Domain      string           // d=, the SDID, lower case
	Selector    string           // s=
	Identifier  string           // i=, the AUID ("@" + Domain if absent)
	Algorithm   Algorithm        // a=
	HeaderCanon Canonicalization // c=, header part
	BodyCanon   Canonicalization // c=, body part
	Headers     []string         // h=
	Time        time.Time        // t=, zero if absent
	Expiration  time.Time        // x=, zero if absent

	// KeyBits is the key's size in bits (RSA modulus; 256 for ed25519),
	// 0 if no key was fetched.
	KeyBits int
	// Authentic reports that the key record's answer carried the AD bit
	// (DNSSEC-authenticated by the resolver).
	Authentic bool
	// Testing reports that the key record has t=y.
	Testing bool

	// BodyLength is the l= value, or -1 if absent.
	BodyLength int64
	// UnsignedBodyBytes counts the canonical body bytes beyond l=:
	// content anyone could have appended (RFC 6376 §8.2).
	UnsignedBodyBytes int64

	// UnsignedFields names, in lower case and in h= order, each header
	// field the signature covers of which the message has more
	// instances than h= lists: the signature covers the bottom ones
	// (RFC 6376 §5.4.2) while mail readers show the top one (§8.15), so
	// a From or Subject added above a signed message leaves a pass that
	// vouches for text the reader does not see. A signer prevents it by
	// oversigning (Signer.Oversign); a caller should refuse a pass whose
	// UnsignedFields holds a field it shows (From, Subject, To, Date).
	// Package dmarc fails such a message by default. It is set for every
	// signature that parses, whatever its result.
	UnsignedFields []string

	// Field is the DKIM-Signature header field as it was in the message.
	Field Field
	// HeaderB is the start of the b= value, to tell signatures apart in
	// an Authentication-Results header.b (RFC 6008 §4).
	HeaderB string
}

// String renders o for logs, e.g. "pass d=example.com s=sel a=rsa-sha256
// (2048 bits)", followed by the whole error for another result.
func (o Outcome) String() string {
	s := fmt.Sprintf("%s d=%s s=%s a=%s", o.Result, o.Domain, o.Selector, o.Algorithm)
	if o.KeyBits > 0 {
		s += fmt.Sprintf(" (%d bits)", o.KeyBits)
	}
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// reasons maps the sentinels to the phrases of Reason, most specific
// first (ErrKeySyntax wraps ErrSyntax, for one).
var reasons = []struct {
	err    error
	phrase string
}{
	{ErrHeaderTooLarge, "header too large"},
	{ErrNotStarted, "verification not started"},
	{ErrTooManySignatures, "too many signatures"},
	{ErrTooManyKeys, "too many key records"},
	{ErrWorkLimit, "verification work limit"},
	{ErrInterrupted, "verification interrupted"},
	{ErrNoKey, "no key for signature"},
	{ErrKeySyntax, "malformed key record"},
	{ErrKeyRevoked, "key revoked"},
	{ErrKeyTooLarge, "key too large"},
	{ErrKeyMismatch, "key not usable for signature"},
	{ErrWeakKey, "key too small"},
	{ErrMissingTag, "required tag missing"},
	{ErrDuplicateTag, "duplicate tag"},
	{ErrVersion, "unsupported version"},
	{ErrAlgorithm, "unsupported algorithm"},
	{ErrCanonicalization, "unsupported canonicalization"},
	{ErrIdentifier, "identity not in signing domain"},
	{ErrFromNotSigned, "From not signed"},
	{ErrQueryMethod, "unsupported query method"},
	{ErrSyntax, "signature syntax error"},
	{ErrBodyHash, "body hash did not verify"},
	{ErrBadSignature, "signature did not verify"},
	{ErrExpired, "signature expired"},
	{ErrFuture, "signature timestamp in the future"},
	{ErrSHA1, "rsa-sha1 refused"},
	{ErrBodyLength, "body length limit refused"},
	{ErrBodyTooShort, "body shorter than l="},
	{ErrHeaderNotSigned, "required header not signed"},
}

// Reason returns a short, stable phrase for o's Err, to go into a header
// such as Authentication-Results reason= (RFC 8601 §2.7): "no key for
// signature", "DNS timeout", "body hash did not verify", "key too
// small"... It never holds the error chain, a server address or a port
// (those stay in Err, for logs). It is "" when Err is nil.
func (o Outcome) Reason() string {
	if o.Err == nil {
		return ""
	}
	if errors.Is(o.Err, ErrKeyUnavailable) {
		return dnsreason.Phrase(o.Err)
	}
	for _, r := range reasons {
		if errors.Is(o.Err, r.err) {
			return r.phrase
		}
	}
	return "signature not verified"
}

// AuthResult renders o as an Authentication-Results dkim result (RFC 8601
// §2.7.1): header.d, header.i, header.s, header.a and header.b (RFC 6008),
// and Reason as reason. The zero Outcome (no verification) renders
// dkim=none.
func (o Outcome) AuthResult() authres.Result {
	return authres.Result{Method: "dkim", Value: string(cmp.Or(o.Result, None)), Reason: o.Reason(), Props: []authres.Prop{
		{Type: "header", Property: "d", Value: o.Domain},
		{Type: "header", Property: "i", Value: o.Identifier},
		{Type: "header", Property: "s", Value: o.Selector},
		{Type: "header", Property: "a", Value: string(o.Algorithm)},
		{Type: "header", Property: "b", Value: o.HeaderB},
	}}
}

// AuthResults renders the outcomes of a message's verification as
// Authentication-Results dkim results, one per signature, and a single
// dkim=none when there is none (RFC 8601 §2.7.1: the message was not
// signed).
func AuthResults(outs []Outcome) []authres.Result {
	if len(outs) == 0 {
		return []authres.Result{{Method: "dkim", Value: string(None)}}
	}
	rs := make([]authres.Result, len(outs))
	for i, o := range outs {
		rs[i] = o.AuthResult()
	}
	return rs
}
