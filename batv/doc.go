// Package batv implements Bounce Address Tag Validation, "Simple Private
// Signature" (prvs) as specified by draft-levine-smtp-batv-01, to refuse
// backscatter: the bounces that a forger's spam, sent in our name, makes
// other servers return to us.
//
// Outgoing mail is sent with a signed envelope sender (MAIL FROM):
//
//	alice@example.com  →  prvs=179678e81a=alice@example.com
//
// where 1 is the key number K, 796 the day the tag expires (DDD: days
// since 1970-01-01 UTC, modulo 1000) and 78e81a the first three octets
// of HMAC-SHA1 (RFC 2104) over "1796alice@example.com" under key 1
// (secret "keep this secret", as in Example; the prvs scheme's hash-source =
// K DDD orig-mailfrom). A real bounce comes
// back with the null sender to that tagged address; a bounce of mail we
// never sent comes to an untagged address, or to a tag that does not
// verify, and is refused at RCPT time with a 550, before its data is
// accepted.
//
//   - Checker.Sign tags a MAIL FROM (the null sender stays null).
//   - Checker.Check takes MAIL FROM and RCPT TO (SMTP order) and returns
//     an Outcome: Valid, Invalid, Expired or Missing for a bounce (null
//     MAIL FROM), Exempt for an untagged bounce to postmaster (with or
//     without a domain, RFC 5321 §4.5.1) or to an address Checker.Exempt
//     names, NotBounce otherwise. Angle brackets are accepted around
//     either address, and Sign keeps them around the tagged one. Outcome.Reply
//     suggests the SMTP reply, Outcome.Address is the recipient to
//     deliver to, without its tag.
//   - Checker.Verify checks a tag whatever the sender.
//   - Parse reads a prvs= address; Strip removes a tag without checking
//     it, to normalize addresses (greylisting, per-sender accounting).
//
// # Interoperability
//
// The tags are those of Exim's ${prvs} and ${prvscheck} (src/expand.c):
// the tests hold Sign to tags made by Exim 4.96 and Verify to Exim's
// prvscheck answers on ours (testdata/exim-*.txt, made by
// testdata/exim-vectors.sh). batv-tools (batv-milter, batv-sign) compute
// the same hash source, quoting the draft's grammar (tag-val = K DDD
// SSSSSS; hash-source = K DDD orig-mailfrom). Any of them can share a
// key with this package. Not compatible: indimail's batv(1), whose hash
// is MD5 over K DDD, the address and the key, not an HMAC (its manual's
// prvs=0891a9abd5=test@example.com, key 1632203830, is the MD5 of
// "0891test@example.com1632203830"), and whose DDD is the signing day.
//
// # Keys and time
//
// Keys are numbered 0–9 so that several can be live: add a key with a
// NotBefore in the future to every verifier, let signers switch at
// NotBefore, then retire the old one with NotAfter once its last tags
// have expired. Secrets are 1 to 64 octets (MaxSecret). The current
// time comes from Checker.Now (time.Now if nil), so tests and replays
// inject it.
//
// # Results and errors
//
// Check and Verify return (Outcome, error). The error is non-nil only
// when the check cannot run: a Checker with no key (ErrNoKey), a bad
// configuration (ErrConfig), a recipient that is not local@domain
// (ErrAddress). Everything else is a verdict with its cause in
// Outcome.Err (ErrBadHash, ErrUnknownKey, ErrSyntax, ErrExpired,
// ErrKeyExpired, ErrTooLong), classified with errors.Is. Outcome.Reason
// is a short stable phrase for replies and headers; it never holds an
// address or an error chain.
//
// Sign, Verify and Check take no context.Context: they compute over
// memory (one HMAC-SHA1), never block, and always finish, like
// rdns.Generic.
//
// # Limits
//
//   - Checker.ValidDays: a tag is valid for 7 days (DefaultValidDays,
//     the validity Exim stamps), 1–MaxValidDays (498).
//   - Checker.MaxLocalPart: Sign refuses (ErrTooLong) to make a tagged
//     local part over 64 octets (RFC 5321 §4.5.3.1.1), since a tag adds
//     16: a local part over 48 octets cannot be tagged by default.
//   - Checker.MaxAddress: addresses over 254 octets (RFC 5321
//     §4.5.3.1.3) are not signed (ErrTooLong) and a tagged recipient over
//     it is Invalid with ErrTooLong.
//
// # Zero value
//
// The zero Checker has no key: Sign, Verify and Check return ErrNoKey
// (except Sign of the null sender, which needs none). Parse and Strip
// need no Checker. Zero limits are their defaults.
//
// # Security
//
// The hash is compared in constant time (crypto/subtle) and computed
// without allocation. Three octets of hash give a forger one chance in
// 2^24 per guess; refusing at RCPT time costs them a connection per
// guess. Verification checks the hash before the expiry, so an expired
// and a forged tag are told apart only for tags we made.
//
// # Divergences
//
//   - DDD modulo 1000 cannot tell a tag expiring in d days from one
//     that expired 1000−d days ago. Verify takes a DDD up to ValidDays
//     (plus one day of clock skew) ahead as unexpired and any other as
//     expired; Exim's prvscheck takes any DDD not behind today (with a
//     wrap only in the last week of a cycle) as unexpired. A tag made
//     with a longer validity than the verifier's ValidDays is therefore
//     Expired here; raise ValidDays before signing with a longer one.
//     Tags come back valid every 1000 days, a limit of the format.
//   - The draft leaves case to the MTAs; like Exim we hash the address
//     exactly as given, so a relay that changes its case breaks the tag.
//     The scheme name and hash digits are read in either case.
//   - Secrets over 64 octets are refused, as Exim refuses them, rather
//     than hashed first as RFC 2104 §2 allows.
//   - Strip removes prvs tags of any length from 1 to 32 characters
//     (Cisco IronPort writes 9), while Parse and Verify accept only the
//     draft's 10, so other schemes' tags are Invalid, never Valid.
//
// # Usage
//
//	c := &batv.Checker{Keys: []batv.Key{{Number: 1, Secret: secret}}}
//	// outgoing: MAIL FROM
//	from, err := c.Sign("alice@example.com")
//	// incoming: RCPT TO
//	o, err := c.Check(mailFrom, rcpt)
//	if err != nil {
//		// misconfigured, or rcpt is not an address
//	}
//	if o.Refuse() {
//		return o.Reply() // 550 5.7.1 ...
//	}
//	deliverTo(o.Address)
//
// Mail relayed through forwarders that verify the sender (SPF
// re-checks, callbacks) sees the tagged address; mailing list software
// that keys on the sender address should see Strip's result.
package batv
