package batv

import "errors"

// Sentinel errors, grouped by phase. The Err field of an Outcome wraps
// one of them, so classify with errors.Is. ErrNoKey, ErrConfig and
// ErrAddress are also returned as errors, when Sign, Verify or Check
// cannot run.
var (
	// ErrConfig reports a Checker that cannot be used: a key number that
	// is not a single digit, two keys with the same number, a secret that
	// is empty or longer than MaxSecret, or ValidDays outside 1–MaxValidDays.
	ErrConfig = errors.New("batv: invalid configuration")
	// ErrNoKey reports that no key can sign now (none configured, none
	// whose NotBefore has passed, or none that outlives a new tag), or,
	// from Verify and Check, that the Checker has no keys at all.
	ErrNoKey = errors.New("batv: no usable key")
	// ErrAddress reports an address that is not local-part@domain
	// (Sign), or a MAIL FROM or RCPT TO argument that is not one.
	ErrAddress = errors.New("batv: not an address")
	// ErrTooLong reports a limit: a tagged local part longer than
	// Checker.MaxLocalPart (Sign), or an address longer than
	// Checker.MaxAddress (Verify, Check).
	ErrTooLong = errors.New("batv: address too long")

	// ErrNotTagged reports an address without a prvs= tag (Parse).
	ErrNotTagged = errors.New("batv: no prvs tag")
	// ErrSyntax reports a prvs= local part that is not
	// "prvs=" K DDD SSSSSS "=" loc-core (the prvs scheme of draft-levine-smtp-batv-01):
	// a tag of another scheme or length, non-digits, non-hex.
	ErrSyntax = errors.New("batv: malformed prvs tag")

	// ErrUnknownKey reports a tag whose key number K names no key.
	ErrUnknownKey = errors.New("batv: unknown key number")
	// ErrBadHash reports a tag whose hash does not match: forged, or
	// made for another address.
	ErrBadHash = errors.New("batv: hash mismatch")
	// ErrExpired reports a valid tag whose expiry day has passed.
	ErrExpired = errors.New("batv: tag expired")
	// ErrKeyExpired reports a valid tag made with a key whose NotAfter
	// has passed.
	ErrKeyExpired = errors.New("batv: key expired")
)
