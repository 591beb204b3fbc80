// Package spf implements the Sender Policy Framework, RFC 7208: the
// check_host() function, the Received-SPF header field and the spf
// result of Authentication-Results.
//
// A Checker evaluates the policy a domain publishes in DNS for the
// address of an SMTP client. Its zero value is ready to use (with
// net.DefaultResolver), and it is safe for concurrent use:
//
//	c := &spf.Checker{Resolver: r, ReceiverHost: "mx.example.org"}
//	helo, _ := c.CheckHELO(ctx, clientIP, heloName) // §2.3: at once
//	o, err := c.Check(ctx, clientIP, heloName, mailFrom)
//	if err != nil {
//		// the check could not run: an invalid address, or a MAIL FROM
//		// that is no RFC 5321 path (ErrInvalidIdentity); o is none
//	}
//	switch o.Result {
//	case spf.Fail:
//		// reject: o.Explanation says why
//	case spf.TempError:
//		// 451, try again later
//	}
//	msg = o.ReceivedSPF() + "\r\n" + msg
//	ar := authres.Header{ServID: "mx.example.org",
//		Results: []authres.Result{helo.AuthResult(), o.AuthResult()}}
//
// # Results
//
// The check methods return (Outcome, error), as every check of the
// module does. A verdict is not an error: fail, softfail, temperror and
// permerror are Results. The error is non-nil only when the check could
// not run at all (ErrInvalidIP, ErrInvalidIdentity); the Outcome is then
// none with the same error in Err. Everything that happened while the
// check ran is in the Outcome: the matched mechanism, the explanation,
// the number of DNS-querying terms and void lookups, and in Err, wrapping
// one of the Err* sentinels for errors.Is, why a result is none,
// temperror or permerror (the DNS failure, the syntax error, the limit
// reached). Err is for logs: it may name DNS servers and ports.
// Outcome.Reason gives the same cause as a short stable phrase ("DNS
// timeout", "too many DNS lookups", "syntax error in record"), which is
// what the headers carry: the problem= and comment of Received-SPF
// (ReceivedSPF) and the reason= of Authentication-Results (AuthResult,
// an authres.Result that goes into one header with the results of the
// other checks): reason= is exactly Reason, empty for a definitive
// result (the matched mechanism is in Mechanism, String and Received-SPF's
// mechanism=, not in reason=). Received-SPF keeps an SMTPUTF8 sender's
// UTF-8 as is (RFC 6532 §3.2); controls and octets that are no UTF-8
// become "?". Outcome, its String, Reason, ReceivedSPF and AuthResult
// are values with value receivers.
//
// # RFC map
//
//   - Identities: MAIL FROM with postmaster@HELO for the null reverse-path
//     ([RFC 7208 §2.4], Checker.Check), HELO ([§2.3], Checker.CheckHELO);
//     check_host itself is Checker.CheckHost ([§4]). Check reads its
//     mailFrom as an RFC 5321 reverse-path ([RFC 5321 §4.1.2]; SMTPUTF8,
//     [RFC 6531]), see below.
//   - Domain validation before any lookup ([§4.3]: a malformed domain, an
//     address literal, a single label give none), U-labels turned into
//     A-labels ([§4.3]); record lookup and selection, v=spf1 and more than
//     one record ([§4.4], [§4.5]).
//   - Mechanisms all, include, a, mx, ptr, ip4, ip6, exists with qualifiers
//     and dual CIDR lengths ([§5]; a prefix length is digits only, no
//     sign, no leading zero, at most 32 or 128, else the record is a
//     permerror, [§5.6], [§4.6]); modifiers redirect= and exp=, unknown
//     modifiers ignored ([§6]); macros with every letter, transformers
//     and delimiters, c/r/t only in explanations, upper-case letters
//     URL-escaped, expansions longer than 253 octets truncated from the
//     left ([§7]).
//   - Limits ([§4.6.4]): 10 DNS-querying terms (Checker.MaxDNSLookups,
//     ErrTooManyLookups), 2 void lookups (MaxVoidLookups,
//     ErrTooManyVoidLookups; counted per term, see the divergences), 10
//     MX names per mx (MaxMXNames, ErrTooManyMXNames), 10 PTR names per
//     ptr or %{p} (MaxPTRNames; the others are ignored as the RFC says,
//     no error), plus a bound on one macro expansion, literal text
//     included (MaxMacroExpansion, 8192 octets, ErrMacroTooLong; an
//     explanation that long is dropped), and on the whole check
//     (Checker.Timeout, 20 s by default as [§4.6.4] asks at least, on
//     top of the context's deadline; running out is temperror).
//   - Results ([§2.6]): DNS failures other than NXDOMAIN/NODATA are
//     temperror, NXDOMAIN and NODATA are void lookups.
//   - Received-SPF ([§9.1]): Outcome.ReceivedSPF; Authentication-Results
//     ([RFC 8601 §2.7.2]): Outcome.AuthResult.
//   - Checker.Trace, if set, receives a line for each step; the package
//     does not log.
//
// # MAIL FROM
//
// Check takes the argument of MAIL FROM as the client sent it, angle
// brackets included or not, "" or "<>" for the null reverse-path, and
// refuses anything that is not a reverse-path with ErrInvalidIdentity: a
// header field ("Return-Path: a@example.com"), a space outside quotes,
// a control character, invalid UTF-8, no domain (an empty one, or one
// IDNA maps to nothing, such as a soft hyphen alone: never the null
// reverse-path), ESMTP parameters after the path. The error says what
// is wrong and at which offset; it does
// not repeat the input, and the refused Outcome has no Sender or Domain,
// so no header shows it. What it accepts beyond the strict grammar, each
// for mail seen in practice: a missing local-part ("@example.com", which
// [§4.3] turns into postmaster), Dot-strings with empty atoms ("a..b",
// "a.", issued by some mobile carriers), a source route (read and
// ignored, [RFC 5321] Appendix C), a domain ending in the root's dot.
// The labels of the domain are left to check_host: one that breaks the
// DNS rules (an empty label, one over 63 octets) gives none ([§4.3]),
// not an error, as the test suite's emptylabel wants. A quoted local-part
// is unquoted for the macros and Outcome.Sender: "jo smith"@example.com
// gives %{l} = jo smith. The headers (ReceivedSPF, AuthResult) show the
// address quoted again wherever its local-part is no dot-atom, so that
// "a@b"@example.com is never rendered a@b@example.com.
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
// authoritative server (resolver/resolvertest). The suite gives each
// MAIL FROM as check_host's <sender>; the one whose local-part has a
// space (dorky-sentinel, "Macro Error@e8.example.com") is passed to
// Check quoted, as an SMTP client must send it.
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
//   - Void lookups are counted per term, as [§4.6.4] words the limit
//     ("the number of "terms" for which DNS queries return" no answer):
//     an a, mx, ptr or exists term whose own lookup finds nothing counts
//     once; the address lookups of the hosts of an mx and the PTR lookup
//     of %{p} do not count. pyspf and Mail::SPF count every empty
//     answer, so that "v=spf1 mx ~all" with three IPv4-only MX hosts is
//     a permerror there for every IPv6 client, a common, correct policy
//     broken by a limit meant against abuse; here it is softfail. The
//     host lookups of an mx stay bounded by MaxMXNames.
//   - A <domain> must be printable ASCII to be checked ([§4.3]: names in
//     A-labels; Check converts U-labels first); a HELO of other octets
//     is none without a lookup.
//   - %{l} and %{s} of a quoted local-part are its content, without the
//     quotes (the suite's reading, see above).
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
// # Concurrency
//
// A Checker is safe for concurrent use by multiple goroutines once its
// fields are set. The prefetched lookups run in goroutines of the
// check's own. A panic there (in the Resolver, or in Trace) does not end
// the process: it is raised again on the goroutine that called Check or
// CheckHELO, once the other lookups are cancelled and done, where that
// goroutine's recover sees it as it would a panic of a lookup made
// inline (as every lookup is with NoPrefetch). The value raised is an
// error naming the original value, with the stack of the goroutine it
// came from; errors.Unwrap returns the original value when it was an
// error. Every check package of the module does the same.
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
// [§5.6]: https://www.rfc-editor.org/rfc/rfc7208#section-5.6
// [§4.6]: https://www.rfc-editor.org/rfc/rfc7208#section-4.6
// [RFC 5321 §4.1.2]: https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2
// [RFC 5321]: https://www.rfc-editor.org/rfc/rfc5321
// [RFC 6531]: https://www.rfc-editor.org/rfc/rfc6531
// [RFC 4406]: https://www.rfc-editor.org/rfc/rfc4406
// [RFC 4407]: https://www.rfc-editor.org/rfc/rfc4407
// [RFC 6686]: https://www.rfc-editor.org/rfc/rfc6686
// [RFC 8601 §2.7.2]: https://www.rfc-editor.org/rfc/rfc8601#section-2.7.2
package spf
