// Package dkim verifies and signs DomainKeys Identified Mail signatures
// (RFC 6376), with ed25519-sha256 (RFC 8463) and the cryptographic
// updates of RFC 8301. Its sub-packages build on it:
//
//   - dkim/dmarc evaluates DMARC (RFC 7489, RFC 9091) from DKIM and SPF
//     results;
//   - dkim/arc verifies and seals Authenticated Received Chains
//     (RFC 8617), whose ARC-Message-Signature is a DKIM signature;
//   - the top-level authres package builds and parses Authentication-Results header
//     fields (RFC 8601) for all of them.
//
// They live under dkim because all three stand on it: DMARC aligns DKIM
// results, ARC signs and verifies with DKIM's canonicalization, hashing
// and key records (exported here: ReadHeader, ParseTags, HeaderHash,
// BodyHasher, LookupKey, SignDigest, FormatField), and every result
// renders into authres. SPF is another package; dmarc takes its result
// as a plain value, so neither imports the other.
//
// # Verifying
//
//	v := &dkim.Verifier{Resolver: r} // *resolver.Resolver or *net.Resolver
//	results, err := v.Verify(ctx, message) // err: unreadable message only
//	for _, res := range results {
//		fmt.Println(res.Result, res.Domain, res.KeyBits, res.Authentic, res.Err)
//	}
//
// Each DKIM-Signature gets a Verification: a Result (pass, fail, neutral,
// policy, temperror, permerror, RFC 8601 §2.7.1), the cause in Err
// (errors.Is against the Err* sentinels), the signing domain, selector,
// algorithm, key size, and whether the key record was DNSSEC-authenticated
// (the AD bit, with a *resolver.Resolver). The message is streamed: key
// lookups run while the body is hashed, once per distinct body
// canonicalization.
//
// # Signing
//
//	s := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: key}
//	field, err := s.Sign(bytes.NewReader(message)) // prepend field
//
// Signing uses rsa-sha256 or ed25519-sha256 (by key type), relaxed/relaxed
// by default, the header fields of RFC 6376 §5.4.1 and oversigns From, To,
// Subject and Date (§8.15).
//
// # Policy and limits
//
// Verifier's fields set the policy, each with a safe default: rsa-sha1
// is refused (RFC 8301 §3.1, ErrSHA1), RSA keys under 1024 bits are a
// permerror (RFC 8301 §3.2) and MinRSABits raises the bar as a policy
// result, l= is refused (ErrBodyLength) unless AllowBodyLength, which
// then reports the unsigned bytes, x= and future t= are checked with a
// clock skew against an injectable Now, From must be signed and
// RequiredHeaders adds more. Limits: MaxHeaderBytes (256 KiB,
// ErrHeaderTooLarge), MaxSignatures (10, ErrTooManySignatures),
// MaxKeyRecordBytes (4096, ErrKeyTooLarge), MaxRSABits (8192,
// ErrKeyTooLarge).
//
// # RFC map
//
//   - RFC 6376 §3.2 tag-lists: ParseTags, FormatField.
//   - §3.4 canonicalization: Canonicalization.AppendHeader (§3.4.1,
//     §3.4.2), BodyHasher (§3.4.3, §3.4.4, l= §3.5).
//   - §3.5 DKIM-Signature: ParseSignature, Signer.Sign.
//   - §3.6.1, §3.6.2 key records: ParseKey, LookupKey, KeyRecord.
//   - §3.7 hashes: HeaderHash, StripSignature.
//   - §5 signing: Signer (§5.4 header selection, §5.4.2 bottom-up,
//     §8.15 oversigning).
//   - §6.1 verification: Verifier.Verify (§6.1.1 signature checks,
//     §6.1.2 key lookup and its temporary and permanent failures,
//     §6.1.3 body hash then signature).
//   - RFC 8463 ed25519-sha256: Ed25519SHA256, KeyRecord.
//   - RFC 8301 §3.1 no rsa-sha1 (AllowSHA1), §3.2 RSA keys of 1024 bits
//     or more (MinRSABits).
//   - RFC 8601 §2.7.1, RFC 6008: Verification.AuthResult.
//
// # Interoperability
//
// testdata/gen-fixtures.sh signs fixtures with dkimpy (rsa-sha256 and
// ed25519-sha256, the four canonicalizations, i= and l=), OpenDKIM's
// opendkim-testmsg (rsa-sha1 only: refused unless AllowSHA1) and the
// OpenDKIM filter in test mode (rsa-sha256 and ed25519-sha256, relaxed
// headers); the tests verify every one, and the examples of RFC 6376
// Appendix A and RFC 8463 Appendix A. The other way, dkimpy and the
// OpenDKIM filter verify what Signer signs (tests that skip when the
// programs are absent, unless SPAMKIT_INTEGRATION=1).
//
// # Divergences
//
//   - A bare LF ends a line as CRLF does (mail stored on Unix).
//   - Several key records at one name are each tried (RFC 6376 §3.6.2.2
//     leaves the choice to the verifier).
//   - A key in testing mode (t=y) turns a fail into neutral (§3.6.1).
//   - Expired signatures (x=) are a permerror, future ones (t=) a policy
//     result.
//
// # Relation to go-msgauth
//
// github.com/emersion/go-msgauth's dkim package is the reference our tests
// compare against (its signatures verify here and ours there, and bench/
// measures both). It is not used at run time: its Verify has no context,
// reads the clock from a package variable, cannot report key size, DNSSEC
// or l= content, does not export the canonicalization and header hashing
// ARC needs, and strips b= with a regular expression that also matches
// inside other tags' values.
package dkim
