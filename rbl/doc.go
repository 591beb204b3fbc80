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
// (Kind) or lists of one address family (NoIPv6, NoIPv4), and
// List.Reason fetches the TXT record of a hit (RFC 5782 §2.1).
//
// Lists may also be written in Go, without the postscreen syntax:
//
//	rbl.List{Zone: "zen.spamhaus.org", Filter: rbl.CodeRange(2, 11), Weight: 3, Reason: true}
//	rbl.List{Zone: "multi.surbl.org", Kind: rbl.KindDomain, Filter: rbl.BitsFilter(8 | 64)}
//	rbl.List{Zone: "list.dnswl.org", Filter: rbl.MustParseFilter("127.0.[0..255].[1..3]"), Weight: -2}
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
// slowest list. A list that fails (SERVFAIL, timeout, error code) is
// reported in Outcome.Errors and the others still count; the verdict is
// Unknown only when the failed lists could have raised the score to the
// threshold, and never Allowlisted when they could have raised it above
// the allowlist threshold (a failed allowlist allowlists nothing). Answers are cached by the resolver (resolver.Cache), not
// here: when the resolver reports every answer as cached
// (*resolver.Resolver.Cached), the lookups are made inline, without
// goroutines, and a check allocates twice (the query names, the hits).
//
// SelfTest checks a list's RFC 5782 §5 test entries; run it
// periodically as a health check.
//
// ReceivedParser and Extractor find what to check in a message: the
// relay addresses of Received fields (RFC 5321 §4.4), skipping private
// and trusted hops, and the URLs of decoded text and HTML bodies
// (RFC 3986 authority syntax), with common obfuscations undone.
// Registrable gives the domain a domain list is asked about.
//
// # Standards
//
//   - RFC 5782 §2.1 (IPv4 reversed octets, 127.0.0.0/8 answers, TXT
//     reasons), §2.3 (domain lists), §2.4 (IPv6 nibbles), §5 (test
//     entries 127.0.0.2 / 127.0.0.1, TEST / INVALID).
//   - Postfix postconf(5): postscreen_dnsbl_sites (syntax and weights),
//     postscreen_dnsbl_threshold, postscreen_dnsbl_allowlist_threshold,
//     postscreen_dnsbl_timeout.
//   - Spamhaus return codes 127.255.255.252–255 (typo, public resolver,
//     rate limit) and HBL digest labels; SURBL/rspamd bitmask codes.
//   - RFC 5321 §4.4 (Received trace fields), RFC 3986 §3.2 (URL
//     authority), public suffix list (golang.org/x/net/publicsuffix).
//
// # Limits
//
// Each limit has a default, a field to change it and an error:
// Checker.MaxZones (32 distinct zones per item, ErrTooManyZones),
// Checker.MaxItems (100 distinct items per CheckDomains call,
// ErrTooManyItems) and Checker.MaxParallel (16 items at a time),
// Checker.MaxAnswers (32 addresses per answer, ErrTooManyAnswers as the
// list's error), Checker.Timeout (10 s for all zones of one item; a zone
// still out is a timeout error), ReceivedParser.MaxFields (100,
// ErrTooManyReceived), Extractor.MaxURLs (1000, ErrTooManyURLs) and
// Extractor.MaxURLLen (2048 octets after the host: the URL is cut, no
// error). Weights are bounded to ±1,000,000 by ParseList (ErrSyntax).
//
// # Concurrency
//
// Checker, ReceivedParser and Extractor hold no state: once their fields
// are set they are safe for concurrent use by multiple goroutines.
//
// # Divergences
//
//   - Postscreen reports an error code reply as no listing silently;
//     here it is a ListError, so operators see a rate-limited or
//     misconfigured list.
//   - Weights are integers, as in postscreen (rspamd uses reals).
//   - A weight of 0 cannot be configured: the zero Weight means 1.
//   - An address list's digest is of the address lower-cased, with no
//     provider-specific folding (Gmail dots, +tags); fold before
//     CheckAddress if a list wants it.
//   - URLs are found by scanning, not by parsing HTML: a URL split by
//     markup or encoded beyond the obfuscations listed in Extractor is
//     missed; text that only looks like a URL may be found.
//
// # Usage
//
//	lists, _ := rbl.ParseLists("zen.spamhaus.org=127.0.0.[2..11]*3 list.dnswl.org=127.0.[0..255].0*-2")
//	c := &rbl.Checker{Resolver: r, Lists: lists, Threshold: 3}
//	o, err := c.CheckIP(ctx, clientIP)
//	if err == nil && o.Verdict == rbl.Listed {
//		// reject: o.Hits say why
//	}
//
//	// URIBL on the body's URLs, and an attachment hash list.
//	uri := &rbl.Checker{Resolver: r, Lists: []rbl.List{
//		{Zone: "dbl.spamhaus.org", Kind: rbl.KindDomain, Filter: dblCodes, ErrorCodes: dblErrors},
//		{Zone: "multi.surbl.org", Kind: rbl.KindDomain, Filter: rbl.BitsFilter(8 | 16 | 64)},
//	}}
//	urls, _ := (&rbl.Extractor{}).URLs(decodedBody)
//	hosts := make([]string, len(urls))
//	for i, u := range urls {
//		hosts[i] = u.Host
//	}
//	outcomes, err := uri.CheckDomains(ctx, hosts) // each domain once, concurrently
//	hbl := &rbl.Checker{Resolver: r, Lists: []rbl.List{{Zone: "_file.hashes.example", Kind: rbl.KindHash}}}
//	o, err = hbl.CheckHash(ctx, attachment)
package rbl
