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
//	fmt.Println(res.Result, res.Instances, res.FailedInstance, res.OldestPass)
//
//	s := &arc.Sealer{Domain: "example.org", Selector: "arc", Key: key, AuthServID: "mx.example.org"}
//	fields, err := s.Seal(bytes.NewReader(message), results, res.Result) // prepend fields
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
// signature (relaxed/relaxed, From always signed, never ARC-Seal), and
// the ARC-Seal covers every set, oldest first, with the hop's cv=; a
// failed chain (cv=fail) is sealed over the new set alone (§5.1.2), as
// dkimpy does.
//
// Divergences: a chain whose newest seal says cv=fail is reported fail
// (ErrChainFailed) without validating signatures (§5.2 step 2).
package arc
