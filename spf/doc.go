// Package spf implements the Sender Policy Framework, RFC 7208: the
// check_host() function, the Received-SPF header field and the spf=
// entry of Authentication-Results.
//
// A Checker evaluates the policy a domain publishes in DNS for the
// address of an SMTP client:
//
//	c := &spf.Checker{Resolver: r, ReceiverHost: "mx.example.org"}
//	o, err := c.Check(ctx, clientIP, heloName, mailFrom)
//	if err != nil {
//		// the check could not run: an invalid address or MAIL FROM
//	}
//	switch o.Result {
//	case spf.Fail:
//		// reject: o.Explanation says why, o.ReceivedSPF() records it
//	case spf.TempError:
//		// 451, try again later
//	}
//
// A verdict is not an error: fail, softfail, temperror and permerror are
// Results, and Outcome.Err (wrapping one of the Err* sentinels) tells
// why a result is an error one; Outcome.Reason says it in a short
// phrase for headers. The error return is for a check that could not
// run at all. Outcome also carries the matched
// mechanism, the explanation, and the number of DNS-querying terms and
// void lookups.
//
// # RFC map
//
//   - Identities: MAIL FROM with postmaster@HELO for the null reverse-path
//     ([RFC 7208 §2.4], Checker.Check), HELO ([§2.3], Checker.CheckHELO);
//     check_host itself is Checker.CheckHost ([§4]).
//   - Domain validation before any lookup ([§4.3]), record lookup and
//     selection, v=spf1 and more than one record ([§4.4], [§4.5]).
//   - Mechanisms all, include, a, mx, ptr, ip4, ip6, exists with qualifiers
//     and dual CIDR lengths ([§5]); modifiers redirect= and exp=, unknown
//     modifiers ignored ([§6]); macros with every letter, transformers and
//     delimiters, c/r/t only in explanations, upper-case letters
//     URL-escaped, expansions longer than 253 octets truncated from the
//     left ([§7]).
//   - Limits ([§4.6.4]): 10 DNS-querying terms (Checker.MaxDNSLookups,
//     ErrTooManyLookups), 2 void lookups (MaxVoidLookups,
//     ErrTooManyVoidLookups), 10 MX names per mx (MaxMXNames,
//     ErrTooManyMXNames), 10 PTR names per ptr or %{p} (MaxPTRNames; the
//     others are ignored as the RFC says, no error), plus a bound on one
//     macro expansion (MaxMacroExpansion, ErrMacroTooLong) and on the
//     whole check (Timeout, 20 s).
//   - Results ([§2.6]): DNS failures other than NXDOMAIN/NODATA are
//     temperror, NXDOMAIN and NODATA are void lookups.
//   - Received-SPF ([§9.1]): Outcome.ReceivedSPF; Authentication-Results
//     ([RFC 8601 §2.7.2]): Outcome.AuthResult.
//
// # Sender ID (historic)
//
// Sender ID ([RFC 4406], [RFC 4407]) is historic ([RFC 6686]) and must
// not drive rejections; it is here because it costs little on the same
// core. Checker.CheckSenderID evaluates the spf2.0/mfrom or spf2.0/pra
// record of a scope (falling back to v=spf1, RFC 4406 §3.4), PRA selects
// the Purported Responsible Address from the header fields
// (Resent-Sender, Resent-From, Sender, From; RFC 4407 §2) and
// Checker.CheckPRA does both.
//
// # Conformance
//
// The openspf RFC 7208 test suite (testdata/rfc7208-tests.yml) passes
// whole, 203 of 203 tests, with its DNS data served by an in-process
// authoritative server (resolver/resolvertest).
//
// # Divergences and choices
//
//   - The SPF RR type (99) is never queried ([§3.1] retired it).
//   - A target name that is not a valid DNS name after macro expansion
//     (an empty label, a label over 63 octets) is not queried and counts
//     as a void lookup, like NXDOMAIN.
//   - %{p} does not count toward the 10 DNS-querying terms; only the ptr
//     mechanism does ([§4.6.4] lists the terms; pyspf and mox agree).
//   - The explanation of a fail uses Checker.DefaultExplanation, an
//     explain-string, when exp= is missing or unusable; it is empty by
//     default.
//   - Outcome.Mechanism is the directive that matched, in canonical form
//     (no "+", default prefix lengths left out).
//
// # Performance
//
// Parsed records are cached by text, and with a *resolver.Resolver the
// checker reads cached answers without copying them, so a check against
// a warm cache allocates little. Lookups the sequential evaluation will
// need (the targets of include, a, mx and exists of a record, the
// addresses of MX hosts) are prefetched concurrently when a record came
// from the network, so that the wall time of a cold check approaches the
// longest chain of dependent lookups rather than the sum of all round
// trips. Evaluation stays sequential: results, counts and limits are the
// same with Checker.NoPrefetch.
//
// [RFC 7208 §2.4]: https://www.rfc-editor.org/rfc/rfc7208#section-2.4
// [§2.3]: https://www.rfc-editor.org/rfc/rfc7208#section-2.3
// [§2.6]: https://www.rfc-editor.org/rfc/rfc7208#section-2.6
// [§3.1]: https://www.rfc-editor.org/rfc/rfc7208#section-3.1
// [§4]: https://www.rfc-editor.org/rfc/rfc7208#section-4
// [§4.3]: https://www.rfc-editor.org/rfc/rfc7208#section-4.3
// [§4.4]: https://www.rfc-editor.org/rfc/rfc7208#section-4.4
// [§4.5]: https://www.rfc-editor.org/rfc/rfc7208#section-4.5
// [§4.6.4]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4
// [§5]: https://www.rfc-editor.org/rfc/rfc7208#section-5
// [§6]: https://www.rfc-editor.org/rfc/rfc7208#section-6
// [§7]: https://www.rfc-editor.org/rfc/rfc7208#section-7
// [§9.1]: https://www.rfc-editor.org/rfc/rfc7208#section-9.1
// [RFC 4406]: https://www.rfc-editor.org/rfc/rfc4406
// [RFC 4407]: https://www.rfc-editor.org/rfc/rfc4407
// [RFC 6686]: https://www.rfc-editor.org/rfc/rfc6686
// [RFC 8601 §2.7.2]: https://www.rfc-editor.org/rfc/rfc8601#section-2.7.2
package spf
