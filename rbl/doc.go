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
// slowest list.
//
// # Results
//
// Each check returns an Outcome and an error, as every spamkit check
// does. The error is non-nil only when the check cannot run: an item
// that is no IP address, domain or email address (ErrInvalidIP,
// ErrInvalidDomain), or no list of the kind to ask (ErrNoLists).
// Everything that happens while it runs is in the Outcome: Result is the
// verdict (Listed, Allowlisted, Clean, Unknown), Hits and Score the
// evidence, ListErrors the lists that could not say (SERVFAIL, timeout,
// error code, a limit), Err those joined (errors.Is finds this package's
// sentinels), and Reason a short phrase for headers and SMTP replies,
// free of error chains, addresses and ports.
//
// A list that fails counts as listed for the verdicts it could take
// away and as not listed for those it could give, so a lookup that
// could not finish never becomes a pass: the result is Unknown when the
// failed lists could have raised the score to the threshold, and never
// Allowlisted when they could have raised it above the allowlist
// threshold; a failed allowlist allowlists nothing. Lists that failed
// without changing the result are still in ListErrors and Err, for logs.
//
// CheckDomains returns a DomainsOutcome: the Outcome of each distinct
// domain and one Result over all (Listed if any domain is). CheckLinks
// takes what Extractor.Links found in a body and counts its limits in
// that result: hosts left out by Extractor.MaxHosts make it Unknown
// unless a checked domain is Listed.
//
// Answers are cached by the resolver (resolver.Cache), not here: when the resolver reports every answer as cached
// (*resolver.Resolver.Cached), the lookups are made inline, without
// goroutines, and a check allocates twice (the query names, the hits).
//
// SelfTest checks a list's RFC 5782 §5 test entries; run it
// periodically as a health check.
//
// ReceivedParser.Relays and Extractor.Links find what to check in a
// message: the relay addresses of Received fields (RFC 5321 §4.4),
// skipping private and trusted hops, and the URLs of decoded text and
// HTML bodies (RFC 3986 authority syntax), with common obfuscations
// undone.
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
// Each limit has a default, a field to change it and a sentinel error.
// A limit reached is a finding, reported in the result's Err beside what
// was found before it, never as the error return, never as a clean
// pass:
//
//   - Checker.MaxZones: 32 distinct zones per item. The zones past it
//     are not asked; each is a ListError wrapping ErrTooManyZones, and
//     the result is Unknown if they could have reached the threshold.
//   - Checker.MaxItems: 100 distinct items per CheckDomains or
//     CheckLinks call (one real message in a few hundred links to more). The first 100 are
//     checked and reported; DomainsOutcome.Unchecked counts the others,
//     its Err wraps ErrTooManyItems, and its Result is Unknown unless a
//     checked domain is Listed.
//   - Checker.MaxAnswers: 32 addresses per answer; more make that list's
//     error ErrTooManyAnswers.
//   - Checker.Timeout: DefaultTimeout, 10 s (postscreen_dnsbl_timeout's
//     default), for all the lookups of one check (all zones of an item;
//     all items of CheckDomains); a zone still out then is a timeout
//     ListError. Negative means ctx's deadline alone.
//   - Checker.MaxParallel: 16 items of CheckDomains at a time (a bound
//     on concurrency, not on what is checked).
//   - ReceivedParser.MaxFields: 100 Received fields; Relays.Err wraps
//     ErrTooManyReceived and IPs are those of the first (newest) 100.
//   - Extractor.MaxHosts: 1000 distinct URL hosts. Hosts are counted
//     before URLs: the first URL of each host is kept whatever came
//     before it, so a flood of links to one host cannot push another
//     host out. The body is not read past the first URL of host 1001;
//     Links.Err wraps ErrTooManyHosts, and Checker.CheckLinks counts it
//     (Unknown unless a checked domain is Listed).
//   - Extractor.MaxURLs: 1000 distinct URLs beyond the first of each
//     host; past it URLs to hosts already found are left out (not
//     their hosts) and Links.Err wraps ErrTooManyURLs.
//   - Extractor.MaxURLLen: 2048 octets after the host; a longer URL is
//     cut there (URL.Cut), its host still found, and Links.Err wraps
//     ErrURLTooLong.
//
// Weights are bounded to ±1,000,000 by ParseList (ErrSyntax).
//
// # Costs
//
// What a message controls costs time and memory linear in its size, and
// what is kept is bounded by the limits above (bench_test.go measures
// each bound at growing sizes; limits_test.go bounds the bytes):
//
//   - Extractor.Links reads the body once, with no step looking further
//     back than a scheme (8 octets) or further ahead than a host, its
//     user information (256 octets) and MaxURLLen. It allocates at most
//     about 8 bytes per byte of body for candidates that are no URL,
//     plus what it keeps: at most MaxHosts + MaxURLs URLs, each of at
//     most 253 octets of host and MaxURLLen more (under 5 MB at the
//     defaults). Links.Hosts is linear in the URLs. It takes no context: bound the body (mime's
//     Scanner.MaxTextBytes bounds Report.Texts to 1 MiB per message).
//   - ReceivedParser.Relays reads the header once, by the module's rule
//     for where a header ends, and unfolds each Received field once into
//     one buffer (RFC 5322 §2.2.3), so a field folded over 100,000 lines
//     costs what its bytes cost; it holds one field at a time, and
//     deduplicates addresses in linear time.
//   - CheckDomains and CheckLinks parse each host once (IDNA, public
//     suffix) under ctx, stopping when it ends, then ask at most MaxItems
//     items × MaxZones zones (and as many TXT reasons), MaxParallel items
//     at a time, all under Timeout. A check of one item asks at most
//     MaxZones zones and reads at most MaxAnswers addresses of an answer.
//     A Hit.Reason is the TXT record as the resolver returns it (within
//     one DNS message); it goes into String, never into Reason.
//   - ParseList and ParseLists are linear in the text (a filter octet's
//     ranges set at most 256 bits each).
//
// The zero Checker is ready to use: a nil Resolver means
// net.DefaultResolver, zero limits their defaults. Checker.Trace, if
// set, sees every query and its answer; the package never logs.
//
// # Concurrency
//
// Checker, ReceivedParser and Extractor hold no state: once their fields
// are set they are safe for concurrent use by multiple goroutines.
//
// A check asks its zones in goroutines of its own, and CheckDomains and
// CheckLinks check their domains in more. A panic there (in the
// Resolver, or in Trace) does not end the process: once the lookups are
// in it is raised again on the goroutine that called the check, where
// that goroutine's recover sees it as it would a panic of a lookup made
// inline. The value raised is an error naming the original value, with
// the stack of the goroutine it came from; errors.Unwrap returns the
// original value when it was an error. A panic in a lookup still running
// when the check's Timeout has passed (a Resolver that does not honour
// ctx) comes after the check has returned its timeout, and is dropped.
// Every check package of the module does the same.
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
//	switch {
//	case err != nil:
//		// misconfigured: no IP list
//	case o.Result == rbl.Listed:
//		// reject with o.Reason(); log o (its Hits say why)
//	case o.Result == rbl.Unknown:
//		// a list that could have listed it failed: log o.Err, perhaps tempfail
//	}
//
//	// URIBL on the body's URLs, and an attachment hash list.
//	uri := &rbl.Checker{Resolver: r, Lists: []rbl.List{
//		{Zone: "dbl.spamhaus.org", Kind: rbl.KindDomain, Filter: dblCodes, ErrorCodes: dblErrors},
//		{Zone: "multi.surbl.org", Kind: rbl.KindDomain, Filter: rbl.BitsFilter(8 | 16 | 64)},
//	}}
//	links := (&rbl.Extractor{}).Links(decodedBody)
//	d, err := uri.CheckLinks(ctx, links) // each domain once, concurrently; limits count
//	// d.Result is Listed, Unknown (a list failed, or a limit left links
//	// unchecked: d.Err says which), Allowlisted or Clean.
//	hbl := &rbl.Checker{Resolver: r, Lists: []rbl.List{{Zone: "_file.hashes.example", Kind: rbl.KindHash}}}
//	o, err = hbl.CheckSHA256(ctx, sha256.Sum256(attachment))
package rbl
