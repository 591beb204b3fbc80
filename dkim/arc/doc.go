// Package arc verifies and seals Authenticated Received Chains (RFC
// 8617), so that a receiver can trust the authentication results of the
// intermediaries (mailing lists, forwarders) that broke a message's DKIM
// signature or SPF alignment.
//
// An ARC set is three header fields with the same instance i=:
// ARC-Authentication-Results (what that hop found), ARC-Message-Signature
// (a DKIM signature of the message as the hop saw it) and ARC-Seal (a
// signature over the sets so far, with cv= the chain status the hop saw).
//
//	v := &arc.Verifier{Resolver: r}
//	res, err := v.Verify(ctx, message) // err: unreadable message only
//	fmt.Println(res)                    // pass sets=3 oldest-pass=2
//	ar := res.AuthResult()              // arc=pass header.oldest-pass=2
//
//	s := &arc.Sealer{Domain: "example.org", Selector: "arc", Key: key, AuthServID: "mx.example.org"}
//	fields, err := s.Seal(bytes.NewReader(message), results, res.Result) // prepend fields
//
// The Outcome has the chain status in Result, the cause of a fail in
// Err (for logs: it may name the DNS server) and a short phrase for
// headers in Reason ("message signature i=3: body hash did not verify",
// "seal i=2: DNS timeout"), which AuthResult puts in reason=.
//
// Outcome.UnsignedFields names the fields the newest
// ARC-Message-Signature covers of which the message has more instances
// than its h= lists (a From or Subject added above the sealed message,
// RFC 6376 §5.4.2, §8.15): do not trust a pass whose UnsignedFields
// holds a field you show.
//
// For milters, Verifier.Begin and Sealer.Begin take the body as writes
// (see dkim.Body): one dkim.Body shared with the DKIM verification
// hashes each chunk once for DKIM signatures, ARC-Message-Signatures
// and the new seal alike. The seal's findings and cv are given to
// SealStream.Close, at the end of the message, when the verifications
// are closed. Verify and VerifyHeader always read the body to its end,
// chain or not.
//
// A key that cannot be fetched for a temporary DNS failure (timeout,
// SERVFAIL, REFUSED) is not a broken chain: the result stays fail (RFC
// 8617 keeps its cv= vocabulary, it has no temperror), Outcome.Temporary
// reports it and Reason says "temporary DNS failure (DNS timeout)", so
// that a receiver can defer the message instead of blaming the sealers.
//
// Each ARC-Message-Signature's x= and t= are checked as package dkim
// checks a DKIM-Signature's (RFC 8617 §4.1.2 makes it one; RFC 6376
// §3.5): past x= it has expired (dkim.ErrExpired), a t= in the future is
// refused (dkim.ErrFuture), both within Verifier.ClockSkew (5 minutes)
// of Verifier.Now. Sealer.Expiration writes an x=.
//
// Verification follows RFC 8617 §5.2: collect the sets (at most 50,
// §4.2.1), fail on gaps, duplicates or a wrong cv= (§5.2 step 3),
// validate the newest ARC-Message-Signature, compute oldest-pass by
// validating the older ones (optional step, done), then validate every
// ARC-Seal from the newest down. The result is none, pass or fail with
// the failing instance.
//
// It reuses package dkim's canonicalization, header hashing, body
// hashing and key records; the key checks (minimum RSA size, key type)
// are DKIM's.
//
// Sealing follows RFC 8617 §5.1: the new instance is one above the
// highest present (at most 50), the ARC-Message-Signature is a DKIM
// signature (relaxed/relaxed, From always signed, never ARC-Seal, From,
// To, Subject and Date oversigned by default: Sealer.Oversign), and
// the ARC-Seal covers every set, oldest first, with the hop's cv=; a
// failed chain (cv=fail) is sealed over the new set alone (§5.1.2), as
// dkimpy does.
//
// # RFC 8617 map
//
//   - §4.1.1 ARC-Authentication-Results: Sealer.Seal writes it (authres
//     payload after "i=N;"); SetResult.Results parses it.
//   - §4.1.2 ARC-Message-Signature: a DKIM signature (dkim.ParseARCSignature,
//     dkim.HeaderHash, dkim.BodyHasher); never signs ARC-Seal.
//   - §4.1.3 ARC-Seal: no h= (parseSeal refuses it), cv= none/pass/fail.
//   - §4.2.1 instances 1 to 50: dkim.ParseInstance, MaxSets,
//     ErrTooManySets.
//   - RFC 6376 §5.4.2, §8.15 (by §4.1.2) fields above the newest
//     message signature's: Outcome.UnsignedFields.
//   - §4.4 chain validation status: Result.
//   - §5.1.1 sealing: instance = highest + 1, the seal hashes every set
//     in instance order, relaxed, the new seal last without b= and CRLF.
//   - §5.1.2 cv=fail: the seal covers the new set alone.
//   - §5.2 validation: steps 1 (none), 2 (newest cv=fail), 3 (structure,
//     cv= per instance: ErrStructure) are in Verifier.Begin, 4 (newest
//     AMS), 5 (oldest-pass), 6 (every seal, newest first) in
//     VerifyStream.Close.
//   - RFC 8601 §2.7 / RFC 8617 §10.2: Outcome.AuthResult (arc=,
//     header.oldest-pass, reason= from Outcome.Reason).
//
// Keys: RSA keys under 1024 bits (Verifier.MinRSABits) or over 8192 bits
// are refused, as in package dkim (RFC 8301); key records are looked up
// once per selector and domain within a verification, all at its start,
// concurrently, while the body is hashed. Verifier.Timeout (10 s) bounds
// them; Verifier.Trace receives each outcome. Of several records at one
// name, the first MaxKeyRecords (3) that parse are tried (RFC 6376
// §6.1.2 step 3); a signature or seal none of them verifies while more
// were published fails the chain with dkim.ErrTooManyKeys.
//
// # Concurrency
//
// Verifier and Sealer are safe for concurrent use by multiple goroutines
// once their fields are set; a stream is not. The key lookups run in
// goroutines of the verification's own. A panic there (in the Resolver)
// does not end the process: it is raised again on the goroutine that
// waits for the keys (Close, or Verify and VerifyHeader), where that
// goroutine's recover sees it as it would a panic of a lookup made
// inline, and a later Close raises it again rather than return an
// unfinished outcome. The value raised is an error naming the original
// value, with the stack of the goroutine it came from; errors.Unwrap
// returns the original value when it was an error. The panic of a
// stream abandoned without Close is dropped with it. Every check
// package of the module does the same.
//
// # Bounds
//
// What one message can cost, whatever its sender and its DNS answers:
//
//   - Key lookups: at most two per set (its seal's and its message
//     signature's selector), 100 for a full chain, each once.
//   - Verifications: at most 2 × MaxSets × MaxKeyRecords (300), and at
//     most MaxVerifyWork work units in all (dkim.Key.Work: RSA-1024 one
//     unit, RSA-2048 four, RSA-8192 64); the default, 1024, passes a
//     full 50-set chain over RSA-2048 keys (400 units) and stops one
//     over 44 decoy RSA-8192 keys per selector, which took 4,300
//     verifications (14 s of CPU), at 16. Reaching it fails the chain
//     (dkim.ErrWorkLimit), never passes it.
//   - The context is checked before each verification: once it is done
//     the chain fails with dkim.ErrInterrupted, however many keys were
//     fetched.
//   - Hashing is linear in the header per message signature (at most
//     MaxSets of them, dkim.HeaderHash) and in the chain for all the
//     seals together: one running hash, cloned at each set, gives every
//     seal's digest (hashing each prefix anew cost sets²/2). The header
//     is bounded by MaxHeaderBytes (256 KiB): a longer one is a fail
//     wrapping dkim.ErrHeaderTooLarge (reason "header too large"), since
//     RFC 8617 has no permerror and a chain that was not read cannot be
//     said absent (none).
//
// Interoperability: the tests verify chains of 1 to 3 hops sealed by
// dkimpy (dkim/testdata/gen-fixtures.sh), and dkimpy's arc_verify passes
// the chains of 1 to 3 hops sealed here (rsa-sha256; dkimpy's ARC code
// has no ed25519-sha256, so our ed25519 seals are checked by our own
// verifier only).
//
// Divergences: a chain whose newest seal says cv=fail is reported fail
// (ErrChainFailed) without validating signatures (§5.2 step 2). Where
// the header ends is dkim.ReadHeader's rule (a leading mbox From_ line
// is skipped).
package arc
