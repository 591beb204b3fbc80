package dkim

import (
	"fmt"
	"time"

	"github.com/spamkit/spamkit/authres"
)

// Result is the outcome of verifying one signature, with the tokens of
// RFC 8601 §2.7.1.
type Result string

// The results.
const (
	// None: the message carries no signature (no Verification has it;
	// it is what a caller reports for an empty list).
	None Result = "none"
	// Pass: the signature verified.
	Pass Result = "pass"
	// Fail: the signature or the body hash did not verify.
	Fail Result = "fail"
	// Neutral: the signature or body hash did not verify, but the key is
	// in testing mode (t=y) and the failure does not count (RFC 6376
	// §3.6.1). A signature that verifies with a t=y key is Pass, with
	// Verification.Testing set.
	Neutral Result = "neutral"
	// Policy: the signature may be valid but local policy refuses it
	// (l=, a weak key above the RFC minimum, a future timestamp, an
	// unsigned required header, too many signatures).
	Policy Result = "policy"
	// TempError: the key could not be fetched for now (RFC 6376 §6.1.2).
	TempError Result = "temperror"
	// PermError: the signature cannot be verified: syntax, missing or
	// revoked key, unsupported algorithm, expiry (RFC 6376 §6.1).
	PermError Result = "permerror"
)

// String returns the result token.
func (r Result) String() string { return string(r) }

// Verification is the result of verifying one DKIM-Signature, with the
// facts that led to it.
type Verification struct {
	// Result is the verdict; Err says why it is not Pass.
	Result Result
	// Err is the cause of a result other than Pass, wrapping one of the
	// package's sentinel errors.
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

	// Field is the DKIM-Signature header field as it was in the message.
	Field Field
	// HeaderB is the start of the b= value, to tell signatures apart in
	// an Authentication-Results header.b (RFC 6008 §4).
	HeaderB string
}

// String renders v for logs, e.g. "pass d=example.com s=sel a=rsa-sha256
// (2048 bits)".
func (v *Verification) String() string {
	s := fmt.Sprintf("%s d=%s s=%s a=%s", v.Result, v.Domain, v.Selector, v.Algorithm)
	if v.KeyBits > 0 {
		s += fmt.Sprintf(" (%d bits)", v.KeyBits)
	}
	if v.Err != nil {
		s += ": " + v.Err.Error()
	}
	return s
}

// AuthResult renders v as an Authentication-Results dkim result (RFC 8601
// §2.7.1): header.d, header.i, header.s, header.a and header.b (RFC 6008),
// and the cause as reason.
func (v *Verification) AuthResult() authres.Result {
	r := authres.Result{Method: "dkim", Value: string(v.Result)}
	if v.Err != nil {
		r.Reason = v.Err.Error()
	}
	r.Props = []authres.Prop{
		{Type: "header", Property: "d", Value: v.Domain},
		{Type: "header", Property: "i", Value: v.Identifier},
		{Type: "header", Property: "s", Value: v.Selector},
		{Type: "header", Property: "a", Value: string(v.Algorithm)},
		{Type: "header", Property: "b", Value: v.HeaderB},
	}
	return r
}
