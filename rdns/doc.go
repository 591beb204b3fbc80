// Package rdns holds connect-time heuristics about an SMTP client: its
// reverse DNS, whether that name looks like a dynamic or residential
// address, and its HELO argument. They are the "reject or delay clients
// with no reverse DNS or with dynamic-looking names" checks of Postfix
// (reject_unknown_client_hostname, reject_unknown_reverse_client_hostname,
// reject_invalid_helo_hostname, ...) and of S25R.
//
//   - FCrDNS: forward-confirmed reverse DNS. The client's PTR names
//     (RFC 1035 §3.5) are looked up and each name's A or AAAA records
//     compared with the client address, as in the "iprev" method of
//     RFC 8601 §3. Results: none, mismatch, confirmed, temperror;
//     FCrDNSOutcome.AuthResult renders them as iprev's pass, fail,
//     permerror and temperror (RFC 8601 §2.7.3) for an
//     Authentication-Results field. The forward lookups of several names
//     run concurrently.
//   - Generic: the six published S25R (Selective SMTP Rejection) rules
//     for generic host names, with an allowlist of domains, and
//     detection of the client address embedded in the name (dotted,
//     dashed, reversed, zero-padded, hex, IPv6 forms).
//   - CheckHELO: the HELO/EHLO argument's syntax (an FQDN or an address
//     literal, RFC 5321 §4.1.1.1, §4.1.3, §2.3.5), a bare IP without
//     brackets, a HELO naming our own host or address, and whether the
//     name resolves, and to the client. It takes the client address
//     first, then the HELO argument: SMTP order, as spf.Checker.CheckHELO.
//
// RFC 5321 §4.1.4 says a server must not refuse mail only because the
// HELO name fails to verify; use the results to score or delay (as S25R
// does: it delays clients matching its rules rather than rejecting them)
// and reject only on strong evidence.
//
// # Results
//
// The checks have the shape of every spamkit check. FCrDNS and
// CheckHELO return an outcome and an error: FCrDNSOutcome and
// HELOOutcome, whose Result is the verdict (FCrDNSResult, HELOResult)
// and whose Err is its cause (the DNS error behind a temperror, the
// syntax error behind HELOInvalid, a limit that cut the check short),
// wrapping this package's sentinels. The error return is non-nil only
// when the check cannot run: a client address that is not valid
// (ErrInvalidIP). A DNS failure or timeout is a temperror, never a pass.
// Generic looks nothing up and always runs, so it returns its
// GenericOutcome alone (Result Generic or NotGeneric).
//
// Outcomes have value receivers: String for logs (it includes Err,
// which may name the resolver's address and port), Reason for a short
// stable phrase fit for a header or an SMTP reply ("no PTR record", "DNS
// timeout"), which never holds an error chain, an address, a port or a
// name the client chose.
//
// # Standards
//
//   - RFC 1035 §3.5: in-addr.arpa (and RFC 3596 §2.5 ip6.arpa) PTR
//     lookups.
//   - RFC 8601 §3 (iprev): PTR names, then their addresses must include
//     the client; §2.7.3: the results pass, fail, temperror, permerror
//     and the policy.iprev property (FCrDNSOutcome.AuthResult).
//   - RFC 5321 §4.1.1.1 (EHLO syntax), §4.1.3 (address literals),
//     §2.3.5 (fully qualified names), §4.1.4 (no refusal on a failed
//     HELO verification alone).
//   - RFC 1123 §2.1: host name syntax.
//   - S25R, Asami Hideo, "Selective SMTP Rejection": rules 1–6 for
//     generic names (S25RRules lists them with their patterns).
//
// # Limits
//
// Each limit has a default, a field to change it and a sentinel error;
// a limit reached is reported in the outcome's Err beside the result,
// never as the error return and never as a pass:
//
//   - Checker.MaxNames: 10 PTR names checked (ErrTooManyNames). If none
//     of them confirms, the result is FCrDNSMismatch with the limit in
//     Err, rendered as iprev=permerror: the evaluation could not be
//     completed.
//   - Checker.MaxAddrs: 32 addresses compared per name
//     (ErrTooManyAddrs), likewise; for CheckHELO, HELOResolves with the
//     limit in Err.
//   - Checker.Timeout: DefaultTimeout (10 s) for all the lookups of one
//     check; negative means ctx's deadline alone. A lookup still out
//     then is a temperror ("DNS timeout").
//
// The zero Checker is ready to use: a nil Resolver means
// net.DefaultResolver, zero limits their defaults. Checker.Trace, if
// set, sees every lookup and its answer; the package never logs.
//
// # Divergences
//
//   - S25R rule 0 (no reverse name) is FCrDNS's "none"; rules 1–6 are
//     applied to the PTR name, whether or not it is forward-confirmed
//     (Postfix applies them to the name only when it is).
//   - Underscores are accepted in names (found in real PTR records).
//   - A PTR name that is not a valid host name is skipped (it cannot
//     confirm), not a temperror; so are the malformed names that make
//     *net.Resolver return the valid ones with an error.
//   - RFC 8601 §2.7.3 has no result for a check cut short by a local
//     limit; it is reported as iprev=permerror (see Limits).
//
// # Concurrency
//
// A Checker holds no state: once its fields are set it is safe for
// concurrent use by multiple goroutines. Caching is the resolver's
// (resolver.Cache).
//
// FCrDNS looks up the addresses of several PTR names in goroutines of
// its own. A panic there (in the Resolver, or in Trace) does not end
// the process: once the lookups are done it is raised again on the
// goroutine that called FCrDNS, where that goroutine's recover sees it
// as it would a panic of a lookup made inline. The value raised is an
// error naming the original value, with the stack of the goroutine it
// came from; errors.Unwrap returns the original value when it was an
// error. Every check package of the module does the same.
//
// # Usage
//
//	c := &rdns.Checker{Resolver: r, HostNames: []string{"mx.example.org"}}
//	f, err := c.FCrDNS(ctx, ip)
//	if err != nil {
//		// ip is not valid
//	}
//	if f.Result == rdns.FCrDNSNone {
//		// delay: no reverse DNS (f.Reason() for the reply)
//	}
//	ar.Results = append(ar.Results, f.AuthResult()) // iprev=...
//	for _, name := range f.Names {
//		if g := c.Generic(name, ip); g.Result == rdns.Generic {
//			// delay: dynamic-looking name (g.Rule, g.Embedded)
//		}
//	}
//	h, err := c.CheckHELO(ctx, ip, helo)
//	if h.Result == rdns.HELOOurs || h.Result == rdns.HELOInvalid {
//		// reject: forged or malformed HELO
//	}
package rdns
