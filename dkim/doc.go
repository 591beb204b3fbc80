// Package dkim verifies and signs DomainKeys Identified Mail signatures
// (RFC 6376), with ed25519-sha256 (RFC 8463) and the cryptographic
// updates of RFC 8301. Its sub-packages build on it:
//
//   - dkim/dmarc evaluates DMARC (RFC 7489, RFC 9091) from DKIM and SPF
//     results;
//   - dkim/arc verifies and seals Authenticated Received Chains
//     (RFC 8617), whose ARC-Message-Signature is a DKIM signature;
//   - the top-level authres package builds and parses
//     Authentication-Results header fields (RFC 8601) for all of them.
//
// They live under dkim because all three stand on it: DMARC aligns DKIM
// results, ARC signs and verifies with DKIM's canonicalization, hashing
// and key records (exported here: ReadHeader, ParseTags, HeaderHash,
// BodyHasher, Body, LookupKey, SignDigest, FormatField), and every result
// renders into authres. SPF is another package; dmarc takes its result
// as a plain value, so neither imports the other.
//
// # Verifying
//
//	v := &dkim.Verifier{Resolver: r} // *resolver.Resolver or *net.Resolver
//	outs, err := v.Verify(ctx, message) // err: unreadable message only
//	for _, o := range outs {
//		fmt.Println(o) // pass d=example.com s=sel a=rsa-sha256 (2048 bits)
//	}
//	results := dkim.AuthResults(outs) // dkim=none for an unsigned message
//
// Each DKIM-Signature gets an Outcome: a Result (pass, fail, neutral,
// policy, temperror, permerror, RFC 8601 §2.7.1), the cause in Err
// (errors.Is against the Err* sentinels; for logs, it may name the DNS
// server), a short phrase for headers in Reason ("no key for signature",
// "DNS timeout", "body hash did not verify"), the signing domain,
// selector, algorithm, key size, and whether the key record was
// DNSSEC-authenticated (the AD bit, with a *resolver.Resolver).
// AuthResult renders it for Authentication-Results, with Reason as
// reason=. Outcome, like every result of the module, has value methods:
// fmt.Println(o) prints the result.
//
// A pass vouches for the instances of each field that the signature
// covers, taken from the bottom (RFC 6376 §5.4.2); mail readers show
// the top one (§8.15). Outcome.UnsignedFields names the signed fields
// the message has more instances of than h= lists: a From or Subject
// added above a message signed without oversigning. Refuse a pass whose
// UnsignedFields holds a field you show; package dmarc fails such a
// message by default.
//
// The message is streamed: key lookups run while the body is hashed,
// once per distinct body canonicalization, and the body is always read
// to its end, signatures or not. Verifier.Timeout (10 s) bounds the
// lookups of one verification; Verifier.Trace receives each outcome.
//
// # Where the header ends
//
// ReadHeader, used by every reader of the package and of arc, follows
// the module's one rule (internal/header): a leading mbox "From " line
// is skipped (mbox files and corpora such as SpamAssassin's start each
// message so); the header ends at the empty line, or before the first
// line that is neither a field nor a folded continuation, which is the
// first line of the body and hashed as such. It returns the offset of
// the body.
//
// # Streaming (milters)
//
// Every reader of a body has a push form: Verifier.Begin and
// Signer.Begin (and arc's Verifier.Begin and Sealer.Begin) return a
// stream, an io.Writer for body chunks with a final Close, as hash.Hash
// and go-msgauth's dkim.Signer are written to. A Body shared by the
// streams of one message hashes each chunk once per distinct (hash,
// canonicalization, l=), whether the hash is for a DKIM-Signature, an
// ARC-Message-Signature, a signature or a seal being made. A
// HeaderBuilder rebuilds the header from the (name, value) pairs of a
// milter's header callback (see its doc for the MTAs' leading-space and
// line-end conventions); it refuses a value that is not one field body
// (ErrFieldValue), and reports a header over its limit as an error that
// HeaderTooLarge turns into the Outcome Verify would give. A stream used
// without Begin reports ErrNotStarted.
//
//	var hb dkim.HeaderBuilder
//	hb.Add(name, value)             // per header callback
//	var body dkim.Body
//	ds, _ := dkimVerifier.Begin(ctx, hb.Header(), &body) // at end of header
//	as, _ := arcVerifier.Begin(ctx, hb.Header(), &body)
//	body.Write(chunk)               // per body callback
//	outs, chain := ds.Close(), as.Close() // at end of message
//
// # Concurrency
//
// Verifier and Signer are safe for concurrent use by multiple goroutines
// once their fields are set; a stream is not. A verification fetches
// its keys in goroutines of its own, while the body is hashed. A panic
// there (in the Resolver) does not end the process: it is raised again
// on the goroutine that waits for the keys (Close, or Verify and
// VerifyHeader), where that goroutine's recover sees it as it would a
// panic of a lookup made inline, and a later Close raises it again
// rather than return unfinished outcomes. The value raised is an error
// naming the original value, with the stack of the goroutine it came
// from; errors.Unwrap returns the original value when it was an error.
// The panic of a stream abandoned without Close is dropped with it.
// Every check package of the module does the same.
//
// # Signing
//
//	s := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: key}
//	field, err := s.Sign(bytes.NewReader(message)) // prepend field
//
// Signing uses rsa-sha256 or ed25519-sha256 (by key type), relaxed/relaxed
// by default, the header fields of RFC 6376 §5.4.1 and oversigns From, To,
// Subject and Date (§8.15). SignHeader and Begin sign a header already
// read, the body read or written.
//
// # Policy and limits
//
// Verifier's fields set the policy, each with a safe default: rsa-sha1
// is refused (RFC 8301 §3.1, ErrSHA1), RSA keys under 1024 bits are a
// permerror (RFC 8301 §3.2) and MinRSABits raises the bar as a policy
// result, l= is refused (ErrBodyLength) unless AllowBodyLength, which
// then reports the unsigned bytes, x= and future t= are checked with a
// clock skew against an injectable Now, From must be signed and
// RequiredHeaders adds more. Limits, each reported in an Outcome's Err
// and never as Verify's error: MaxHeaderBytes (256 KiB,
// ErrHeaderTooLarge, one PermError Outcome), MaxSignatures (10, ErrTooManySignatures),
// MaxKeyRecordBytes (4096, ErrKeyTooLarge), MaxRSABits (8192,
// ErrKeyTooLarge), MaxKeyRecords (3 records tried per signature,
// ErrTooManyKeys), MaxVerifyWork (1024 units per message,
// ErrWorkLimit), Timeout (10 s, a TempError with Reason "DNS
// timeout"); HeaderBuilder.MaxHeaderBytes (256 KiB) in milters, whose
// error HeaderTooLarge turns into the same Outcome.
//
// # Bounds
//
// What one message can cost, whatever its sender and its DNS answers:
//
//   - Signature verifications: at most MaxSignatures × MaxKeyRecords
//     (30), and at most MaxVerifyWork work units in all (Key.Work: an
//     RSA-1024 verification is one unit, RSA-2048 four, RSA-8192 64,
//     ed25519 two), so 1024 units are 16 RSA-8192 verifications, about
//     50 ms of CPU. A selector publishing 44 decoy RSA-8192 keys used to
//     cost 440 of them for 10 signatures. The signatures left over are a
//     policy result (ErrWorkLimit), never a pass.
//   - The context is checked before each verification and, in Verify
//     and VerifyHeader, before each 32 KiB chunk of the body: once it is
//     done the rest of the body is drained unhashed and the signatures
//     left are a temperror (ErrInterrupted), however many keys were
//     fetched.
//   - Header work is linear in the header's size per signature: a
//     field's value is unfolded in one pass (Field.Value,
//     Canonicalization.AppendHeader), h= picks fields through an index
//     (HeaderHash), tag-lists are parsed in one pass with duplicate
//     names found through a set (ParseTags), and UnsignedFields counts
//     names in one pass. The header itself is bounded by
//     MaxHeaderBytes.
//   - The body is streamed: memory does not grow with it (one partial
//     line of at most 4 KiB held per hash).
//
// # RFC map
//
//   - RFC 6376 §3.2 tag-lists: ParseTags, FormatField.
//   - §3.4 canonicalization: Canonicalization.AppendHeader (§3.4.1,
//     §3.4.2), BodyHasher and Body (§3.4.3, §3.4.4, l= §3.5).
//   - §3.5 DKIM-Signature: ParseSignature, Signer.Sign.
//   - §3.6.1, §3.6.2 key records: ParseKey, LookupKey, KeyRecord.
//   - §3.7 hashes: HeaderHash, StripSignature.
//   - §5.4.2, §8.15 fields with instances a signature does not cover:
//     Outcome.UnsignedFields, UnsignedFields.
//   - §5 signing: Signer (§5.4 header selection, §5.4.2 bottom-up,
//     §8.15 oversigning).
//   - §6.1 verification: Verifier.Verify, VerifyHeader, Begin (§6.1.1
//     signature checks, §6.1.2 key lookup and its temporary and
//     permanent failures, §6.1.3 body hash then signature).
//   - RFC 8463 ed25519-sha256: Ed25519SHA256, KeyRecord.
//   - RFC 8301 §3.1 no rsa-sha1 (AllowSHA1), §3.2 RSA keys of 1024 bits
//     or more (MinRSABits).
//   - RFC 8601 §2.7.1, RFC 6008: Outcome.AuthResult, AuthResults
//     (dkim=none for no signature), Outcome.Reason.
//   - RFC 5322 §2.2, RFC 4155 (where the header ends): ReadHeader,
//     HeaderBuilder.
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
//   - A leading mbox From_ line is not part of the message; a line that
//     is neither a field nor a continuation ends the header without an
//     empty line (RFC 5322 requires one; Postfix and mail readers read
//     such messages so).
//   - Of several key records at one name, the first MaxKeyRecords (3)
//     that parse are tried, in answer order (RFC 6376 §3.6.2.2 leaves
//     such a record set undefined, §6.1.2 step 3 lets the verifier
//     choose one or cycle); a signature none of them verifies while
//     more were published is a policy result (ErrTooManyKeys).
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
