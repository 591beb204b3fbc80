// Package rbl checks IP addresses, domains, email addresses and content
// digests against DNS lists (DNSBL, DNSWL, URIBL/SURBL/DBL, hash lists)
// and scores the answers the way Postfix postscreen does.
//
// # Lists and scoring
//
// A List is one entry of Postfix's postscreen_dnsbl_sites
// (postconf(5)): `domain[=filter][*weight]`, parsed verbatim by
// ParseList and ParseLists and rendered back by List.String:
//
//	zen.spamhaus.org=127.0.0.[2..11]*3
//	list.dnswl.org=127.0.[0..255].0*-2
//
// The semantics are postscreen's:
//
//   - An entry without a filter counts any listing; a filter is an IPv4
//     pattern whose octets are numbers or bracketed `;`-separated lists
//     of numbers and `n..m` ranges.
//   - The weight defaults to 1; negative weights allowlist.
//   - The same zone may appear in several entries with different
//     filters: it is queried once, and each entry whose filter matches
//     any answer adds its weight once (not once per answer).
//   - The score is Listed when it reaches Checker.Threshold (an
//     inclusive lower bound, default 1), Allowlisted when at or below a
//     negative Checker.AllowlistThreshold (0 disables it).
//
// Beyond postscreen, a filter may be a bitmask (`multi.surbl.org=&8`, as
// rspamd's returnbits), entries may be domain, address or hash lists
// (Kind), and List.Reason fetches the TXT record of a hit (RFC 5782 §2.1).
//
// # Query names and answers
//
//   - IPv4: reversed octets; IPv6: reversed nibbles (RFC 5782 §2.1, §2.4).
//   - Domains: the registrable domain by the public suffix list, or the
//     whole host with List.FullHost (RFC 5782 §2.3); IP-literal hosts are
//     looked up reversed.
//   - Addresses and content: a digest label (List.Digest, default
//     SHA-256 in base32), as in Spamhaus HBL.
//   - NXDOMAIN and NODATA mean not listed (RFC 5782 §2.1).
//   - Answers outside 127.0.0.0/8 (RFC 5782 §2.1) and the codes
//     127.255.255.252–255 (Spamhaus: typo, public resolver, rate limit)
//     are list errors, never listings, as are a list's own ErrorCodes.
//
// All zones asked for one item are queried concurrently under one
// deadline (Checker.Timeout), so a check takes about as long as the
// slowest list. A list that fails is reported in Outcome.Errors and the
// others still count; the verdict is Unknown only when the failed lists
// could have raised the score to the threshold. Answers are cached by the
// resolver (resolver.Cache), not here.
//
// SelfTest checks a list's RFC 5782 §5 test entries.
//
// ReceivedIPs and Extractor find what to check in a message: the relay
// addresses of Received fields and the URLs of text and HTML bodies.
//
// # Divergences
//
//   - Postscreen reports an error code reply as no listing silently;
//     here it is a ListError, so operators see a rate-limited or
//     misconfigured list.
//   - Weights are integers, as in postscreen (rspamd uses reals).
//   - A weight of 0 cannot be configured: the zero Weight means 1.
//
// # Usage
//
//	lists, _ := rbl.ParseLists("zen.spamhaus.org=127.0.0.[2..11]*3 list.dnswl.org=127.0.[0..255].0*-2")
//	c := &rbl.Checker{Resolver: r, Lists: lists, Threshold: 3}
//	o, err := c.CheckIP(ctx, clientIP)
//	if err == nil && o.Verdict == rbl.Listed {
//		// reject: o.Hits say why
//	}
package rbl
