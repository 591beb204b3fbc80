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
//     RFC 8601 §3. Verdicts: none, mismatch, confirmed, temperror. The
//     forward lookups of several names run concurrently.
//   - Generic: the six published S25R (Selective SMTP Rejection) rules
//     for generic host names, with an allowlist of domains, and
//     detection of the client address embedded in the name (dotted,
//     dashed, reversed, zero-padded, hex, IPv6 forms).
//   - CheckHELO: the HELO/EHLO argument's syntax (an FQDN or an address
//     literal, RFC 5321 §4.1.1.1, §4.1.3, §2.3.5), a bare IP without
//     brackets, a HELO naming our own host or address, and whether the
//     name resolves, and to the client.
//
// Each returns a typed verdict with its evidence; none returns an error
// for a verdict. RFC 5321 §4.1.4 says a server must not refuse mail only
// because the HELO name fails to verify; use the verdicts to score or
// delay (as S25R does: it delays clients matching its rules rather than
// rejecting them) and reject only on strong evidence.
//
// # Standards
//
//   - RFC 1035 §3.5: in-addr.arpa (and RFC 3596 §2.5 ip6.arpa) PTR
//     lookups.
//   - RFC 8601 §3 (iprev): PTR names, then their addresses must include
//     the client; a temporary failure is temperror.
//   - RFC 5321 §4.1.1.1 (EHLO syntax), §4.1.3 (address literals),
//     §2.3.5 (fully qualified names), §4.1.4 (no refusal on a failed
//     HELO verification alone).
//   - RFC 1123 §2.1: host name syntax.
//   - S25R, Asami Hideo, "Selective SMTP Rejection": rules 1–6 for
//     generic names (S25RRules lists them with their patterns).
//
// # Limits
//
// Checker.MaxNames (10) bounds the PTR names checked (ErrTooManyNames),
// Checker.MaxAddrs (32) the addresses compared per name
// (ErrTooManyAddrs); a limit reached is reported in the result's Err
// beside the verdict, never instead of it.
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
//
// # Concurrency
//
// A Checker holds no state: once its fields are set it is safe for
// concurrent use by multiple goroutines. Caching is the resolver's
// (resolver.Cache).
//
// # Usage
//
//	c := &rdns.Checker{Resolver: r, HostNames: []string{"mx.example.org"}}
//	f := c.FCrDNS(ctx, ip)
//	if f.Verdict == rdns.FCrDNSNone {
//		// delay: no reverse DNS
//	}
//	for _, name := range f.Names {
//		if g := c.Generic(name, ip); g.Generic {
//			// delay: dynamic-looking name (g.Rule, g.Embedded)
//		}
//	}
//	h := c.CheckHELO(ctx, helo, ip)
//	if h.Verdict == rdns.HELOOurs || h.Verdict == rdns.HELOInvalid {
//		// reject: forged or malformed HELO
//	}
package rdns
