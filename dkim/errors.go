package dkim

import "errors"

// Errors, grouped by phase. An Outcome's Err wraps one of them (and,
// for DNS failures, the resolver's error), so classify with errors.Is.
// Only read errors are returned by Verify itself: every other case,
// ErrHeaderTooLarge included, is carried in an Outcome.
var (
	// Reading the message.

	// ErrHeaderTooLarge reports a header block longer than
	// Verifier.MaxHeaderBytes (or Signer.MaxHeaderBytes,
	// HeaderBuilder.MaxHeaderBytes).
	ErrHeaderTooLarge = errors.New("dkim: header block too large")
	// ErrFieldName reports a header field name given to
	// HeaderBuilder.Add that is empty, holds a colon, white space, a
	// control or a non-ASCII octet (RFC 5322 §2.2), or is too long for
	// its colon to be within a line's 998 octets (§2.1.1).
	ErrFieldName = errors.New("dkim: invalid header field name")
	// ErrFieldValue reports a header field value given to
	// HeaderBuilder.Add that is not one field body (RFC 5322 §2.2): a
	// line break not followed by white space (it would start another
	// field, or the body, inside this one), a NUL or a lone CR.
	ErrFieldValue = errors.New("dkim: invalid header field value")
	// ErrBodyStarted reports a body hasher asked of a Body that has
	// already been written to (or closed): the new hasher would miss the
	// start of the body. Begin every stream sharing a Body before the
	// first Write.
	ErrBodyStarted = errors.New("dkim: body already started")
	// ErrNotStarted reports a stream (VerifyStream, SignStream, their
	// arc twins) or BodyHasher used without being made by Begin or
	// NewBodyHasher: its zero value has nothing to hash into.
	ErrNotStarted = errors.New("dkim: stream not started (use Begin)")
	// ErrBodyClosed reports a Write after the body was closed.
	ErrBodyClosed = errors.New("dkim: write after end of body")
	// ErrTooManySignatures marks the signatures beyond
	// Verifier.MaxSignatures, which are not verified (RFC 6376 §6.1
	// allows a verifier to limit the signatures it checks).
	ErrTooManySignatures = errors.New("dkim: too many signatures")

	// Parsing a DKIM-Signature (RFC 6376 §3.5) or key record (§3.6.1).

	// ErrSyntax reports a malformed tag-list (RFC 6376 §3.2) or tag value.
	ErrSyntax = errors.New("dkim: syntax error")
	// ErrMissingTag reports that a required tag is absent.
	ErrMissingTag = errors.New("dkim: required tag missing")
	// ErrDuplicateTag reports a tag given twice (RFC 6376 §3.2).
	ErrDuplicateTag = errors.New("dkim: duplicate tag")
	// ErrVersion reports an unsupported v= value.
	ErrVersion = errors.New("dkim: unsupported version")
	// ErrAlgorithm reports an unknown or unsupported a= algorithm.
	ErrAlgorithm = errors.New("dkim: unsupported algorithm")
	// ErrCanonicalization reports an unknown c= value.
	ErrCanonicalization = errors.New("dkim: unsupported canonicalization")
	// ErrIdentifier reports an i= whose domain is not d= or a
	// subdomain of it (RFC 6376 §3.5).
	ErrIdentifier = errors.New("dkim: identity not in the signing domain")
	// ErrFromNotSigned reports an h= without From (RFC 6376 §5.4).
	ErrFromNotSigned = errors.New("dkim: From header field not signed")
	// ErrQueryMethod reports a q= without dns/txt (RFC 6376 §3.5).
	ErrQueryMethod = errors.New("dkim: unsupported query method")

	// Looking up and checking the key.

	// ErrNoKey reports that no key record exists (NXDOMAIN or NODATA,
	// RFC 6376 §6.1.2: permanent failure).
	ErrNoKey = errors.New("dkim: no key record")
	// ErrKeyUnavailable reports a temporary DNS failure (RFC 6376
	// §6.1.2: temporary failure).
	ErrKeyUnavailable = errors.New("dkim: key record unavailable")
	// ErrKeySyntax reports a malformed key record or key data.
	ErrKeySyntax = errors.New("dkim: malformed key record")
	// ErrKeyRevoked reports a key record with an empty p= (RFC 6376
	// §3.6.1).
	ErrKeyRevoked = errors.New("dkim: key revoked")
	// ErrKeyTooLarge reports a key record longer than MaxKeyRecordBytes
	// or an RSA key longer than MaxRSABits.
	ErrKeyTooLarge = errors.New("dkim: key record or key too large")
	// ErrKeyMismatch reports a key that may not be used for this
	// signature: its k= differs from a=, its h= excludes the hash, its
	// s= excludes email, or (t=s) the identity is a subdomain.
	ErrKeyMismatch = errors.New("dkim: key not usable for this signature")
	// ErrWeakKey reports an RSA key shorter than 1024 bits (RFC 8301
	// §3.2) or than Verifier.MinRSABits.
	ErrWeakKey = errors.New("dkim: RSA key too short")

	// Verifying.

	// ErrTooManyKeys reports a signature that none of the first
	// Verifier.MaxKeyRecords key records verified while its selector
	// published more: the others were not tried.
	ErrTooManyKeys = errors.New("dkim: too many key records")
	// ErrWorkLimit reports a signature not verified because the message's
	// verifications reached Verifier.MaxVerifyWork.
	ErrWorkLimit = errors.New("dkim: verification work limit reached")
	// ErrInterrupted reports a signature not verified because the
	// context was done (it wraps the context's error).
	ErrInterrupted = errors.New("dkim: verification interrupted")

	// ErrBodyHash reports a body hash that does not match (RFC 6376
	// §6.1.3).
	ErrBodyHash = errors.New("dkim: body hash did not verify")
	// ErrBadSignature reports a signature that does not verify.
	ErrBadSignature = errors.New("dkim: signature did not verify")
	// ErrExpired reports a signature past its x= (RFC 6376 §3.5).
	ErrExpired = errors.New("dkim: signature expired")
	// ErrFuture reports a t= in the future by more than the clock skew.
	ErrFuture = errors.New("dkim: signature timestamp in the future")
	// ErrSHA1 reports an rsa-sha1 signature, refused unless
	// Verifier.AllowSHA1 (RFC 8301 §3.1).
	ErrSHA1 = errors.New("dkim: rsa-sha1 refused")
	// ErrBodyLength reports an l= tag, refused unless
	// Verifier.AllowBodyLength (RFC 6376 §8.2).
	ErrBodyLength = errors.New("dkim: body length limit l= refused")
	// ErrBodyTooShort reports a body shorter than l= (RFC 6376 §6.1.3).
	ErrBodyTooShort = errors.New("dkim: body shorter than l=")
	// ErrHeaderNotSigned reports that a header field named in
	// Verifier.RequiredHeaders is present but not covered by h=.
	ErrHeaderNotSigned = errors.New("dkim: required header field not signed")

	// Signing.

	// ErrSignerConfig reports an unusable Signer: no domain, selector or
	// key, an unsupported key type, or a header list without From.
	ErrSignerConfig = errors.New("dkim: invalid signer configuration")
	// ErrPEM reports a private key that cannot be read from PEM.
	ErrPEM = errors.New("dkim: cannot read private key")
)
