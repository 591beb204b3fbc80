// Package dmarc evaluates Domain-based Message Authentication, Reporting
// and Conformance for a message, by RFC 9989 (the DMARC base, which
// obsoletes RFC 7489 and RFC 9091) or, selectably, by RFC 7489, from its
// DKIM results (package dkim), an SPF result given as a plain value (so
// that this package does not depend on any SPF implementation) and,
// for the trusted-forwarder override, its ARC chain (package dkim/arc).
//
//	e := &dmarc.Evaluator{Resolver: r} // ModeRFC9989: the DNS tree walk
//	o, err := e.Evaluate(ctx, dmarc.Input{
//		Header: header, // its From fields: counted, and their domains
//		SPF:    dmarc.SPF{Result: "pass", Domain: "bounces.example.com"},
//		DKIM:   outcomes, // from dkim.Verifier.Verify
//		ARC:    &chain,   // from arc.Verifier.Verify, for TrustedSealers
//	}) // err: an Input it cannot use only
//	fmt.Println(o)              // fail from=example.com policy=reject disposition=reject
//	ar := o.AuthResult()        // dmarc=fail reason="no aligned identifier passed" ...
//
// The Outcome has the result, the cause of a none, temperror or
// permerror in Err (for logs: it may name the DNS server), a short
// phrase for headers in Reason ("no DMARC record", "DNS timeout"), the
// policy and disposition, the reasons a disposition differs from the
// policy (Overrides: t=y, pct= sampling, the ARC override), the DKIM and
// SPF results as an aggregate report row holds them (DKIMResults,
// SPFResult: domains, selectors, scope, alignment), and the facts behind
// the result in Details. Evaluator.Timeout (10 s) bounds the lookups of
// one evaluation; Evaluator.Trace receives each outcome. Package
// dkim/dmarc/report turns Outcomes into aggregate reports (RFC 9990).
//
// # Modes
//
// ModeRFC9989, the zero value's, finds the policy record and
// organizational domains by the DNS tree walk (RFC 9989 §4.10): no
// public suffix list. The policy is the record at the From domain, else
// at its organizational domain, else at its public suffix domain
// (§4.10.1); relaxed alignment compares organizational domains, each
// found by its own walk (§4.10.2). A walk queries the name, then its
// parents up to the single-label name (so that a TLD's psd=y policy is
// found); a name of eight labels or more jumps to its last seven, so a
// walk makes at most eight queries (MaxWalkQueries); psd=y or psd=n
// stops it. The organizational domain is the psd=n domain, or the one
// below a psd=y domain, or the domain of the record with the fewest
// labels, or without records the name itself. Names shared by several
// walks of one evaluation are looked up once, identifiers outside the
// From domain's organizational domain cost no lookup (they cannot share
// it), a From domain with a record, signed by itself, costs one query,
// and through a caching resolver a warm evaluation costs none
// (TestTreeWalkQueries counts them for each shape of name).
//
// ModeRFC7489 reproduces RFC 7489 verdicts, for sites that must: the
// record at the From domain, then at its organizational domain found
// with the public suffix list (golang.org/x/net/publicsuffix, §3.2,
// §6.6.3; Evaluator.OrgDomain replaces it), pct= sampling with an
// injectable random source (§6.6.4: a message sampled out gets the next
// policy down), np= of RFC 9091, several records at one name a
// permerror, a record without p= void unless rua= is given. It gives
// the verdicts this package gave before RFC 9989 on all its earlier
// tests (TestEvaluate runs each in both modes; the rows RFC 9989
// decides otherwise are marked).
//
// What RFC 9989 changed, and so what the default does differently from
// before: a record without p= reads as p=none (§4.7); pct=, rf= and ri=
// are removed (pct=0 without t= reads as t=y, §A.6; other pct= values
// no longer sample); t=y applies the policy one level below (reject to
// quarantine, quarantine to none, §4.7) with a policy_test_mode
// override; several records at one name are discarded and the walk goes
// on (§4.10 step 2), which usually ends in none instead of permerror;
// an invalid np= voids the record unless rua= is given, as an invalid
// p= or sp= does (§4.10.1); the policy of a subdomain with no record of
// its own is its organizational domain's even where a record sits in
// between (§4.10.1: From x.mail.example.com takes example.com's, not
// mail.example.com's), and a PSD's record (psd=y) applies below it.
//
// # Records
//
// Parse reads a record by RFC 9989 §4.7 and §4.8: v=DMARC1 first (else
// ErrNotDMARC), other tags in any order, each once, names without case,
// unknown tags ignored, invalid values replaced by their defaults. What
// an operator should know but does not void the record is in
// Record.Warnings, apart from errors: removed tags (pct=, rf=, ri=), an
// unknown tag, an invalid value and how it was read, p= absent or not
// right after v= (RFC 7489 readers void such records or may), the
// obsolete "!size" of a report URI.
//
// # Trusted ARC sealers
//
// A message that fails DMARC because an intermediary changed it (a
// mailing list tagging the subject and adding a footer breaks the
// author's DKIM signature; its SPF domain is its own) can be accepted on
// the word of an intermediary the receiver trusts (RFC 8617 §7.2, RFC
// 9989 §5.4 and §7.4: local policy). Given Evaluator.TrustedSealers and
// Input.ARC, a fail whose ARC chain passes, with no field above the
// newest message signature's coverage (a From added above the sealed
// message), and whose oldest set sealed by a trusted domain has
// ARC-Authentication-Results saying dmarc=pass for the From domain, or
// dkim=pass or spf=pass with a domain aligned with it, gets the
// disposition none, ARCOverride, and an OverrideLocalPolicy override
// whose comment lists the chain as RFC 8617 §7.2.1 suggests
// ("arc=pass as[1].d=lists.example as[1].s=arc"). The result stays
// fail, and reason= says "no aligned identifier passed, trusted ARC
// override" (TestARCOverrideMailingList). A later hop sealed by a domain
// not trusted may have changed the message the trusted AAR speaks of
// (the chain still passes: RFC 8617 §5.2 verifies only the newest
// message signature), so the override also needs every later sealer
// trusted, or the trusted set's message signature still verifying (the
// chain's oldest-pass at or below it): an attacker rewriting a vouched
// message and sealing it with a key of their own gets no override
// (TestARCOverrideUntrustedLaterHop).
//
// # Several From fields
//
// A message with several From fields, or with author addresses in
// several domains, fails by default, with a reject disposition and
// ErrMultipleFrom (Reason "multiple From fields" or "several author
// domains"), without DNS lookups: RFC 9989 §5.3.1 stops validation and
// RFC 7489 §6.6.1 says such messages are typically rejected, and a
// second From above a DKIM-signed message is what readers show while
// the signature covers the other (RFC 6376 §8.15), so a replayed message
// would pass for the signer's domain. Several From fields are seen in
// Input.Header, or in a DKIM outcome whose UnsignedFields holds "from"
// (when only FromDomains is given). Evaluator.AllowMultipleFrom restores
// the evaluation of each domain, the strictest failing result deciding.
//
// # Concurrency
//
// An Evaluator is safe for concurrent use by multiple goroutines once
// its fields are set. It starts no goroutine: its Resolver, Trace,
// OrgDomain and Percent run on the goroutine that called Evaluate, so
// a panic in one reaches that goroutine's recover unchanged. The other
// check packages, which do start goroutines, raise such a panic again
// on the caller's goroutine, so a caller sees the same in all of them.
//
// # Bounds
//
// An evaluation makes, per From domain, at most MaxWalkQueries (8)
// record lookups for policy discovery in ModeRFC9989, one more when a
// From domain of more than eight labels has a psd=y record seven labels
// up (its organizational domain, eight labels, was skipped by the walk
// and is looked up for its record: TestTreeWalkSkippedOrganizationalDomain) (two in
// ModeRFC7489), and for the alignment of identifiers within the From
// domain's organizational domain at most Evaluator.MaxLookups (32) in
// all: past it the identifiers left are not aligned and the message
// fails with ErrTooManyLookups (Reason "too many DNS lookups"), never
// escaping its policy. np= costs two more (RFC 9989 §3.2.13: address and
// MX records, NXDOMAIN for both; through a *net.Resolver, which cannot
// tell NXDOMAIN from NODATA, neither found, RFC 9091 §2.1's reading:
// TestNonexistentNetResolver). One domain is evaluated by default (several fail closed)
// or MaxFromDomains (5) with AllowMultipleFrom; Timeout bounds the
// lookups together. FromDomains and Parse cost time linear in their
// input: duplicate domains and tags are found through a set (comparing
// each with those before took 0.7 s for a From of 16,000 addresses, 1 s
// for a record of 16,000 tags). An Evaluator keeps at most 256 parsed
// records (of up to 1 KiB) so that a warm evaluation does not parse
// again.
//
// # RFC map
//
//   - RFC 9989 §4.4 (RFC 7489 §3.1) identifier alignment (adkim=,
//     aspf=): session.aligned (ModeRFC9989), Evaluator.aligned.
//   - §4.7, §4.8 record format: Parse, Record, Record.Warnings,
//     Record.String; RFC 7489 §6.3, §6.4 in ModeRFC7489.
//   - §4.10 the DNS tree walk: session.walk, next (the label skipping,
//     MaxWalkQueries); §4.10.1 policy discovery: session.discover (p=,
//     sp= for an existing subdomain, np= for a nonexistent one, the PSD
//     record); §4.10.2 organizational domains: orgFrom, and for any
//     domain (e.g. a report destination, RFC 9990 §4)
//     Evaluator.OrganizationalDomain.
//   - §5.3.1 the From domain (A-labels, several domains): FromDomains,
//     Input.Header, ErrMultipleFrom, AllowMultipleFrom, MaxFromDomains
//     (ErrTooManyFrom).
//   - §5.3.6 DNS failures: a temperror (ErrDNS).
//   - §4.7 t=: Outcome.Testing, OverridePolicyTestMode; §A.6 pct=0.
//   - RFC 7489 §6.6.4 pct= sampling (ModeRFC7489): Evaluator.Percent,
//     Outcome.SampledOut, OverrideSampledOut.
//   - RFC 8617 §7.2: Evaluator.TrustedSealers, Outcome.ARCOverride,
//     OverrideLocalPolicy.
//   - RFC 9990 report rows: Outcome.DKIMResults, SPFResult, Overrides,
//     Mode.DiscoveryMethod, Record (policy published).
//   - RFC 8601 §2.7.5: Outcome.AuthResult (dmarc=, header.from,
//     policy.dmarc, reason= from Outcome.Reason).
//
// # Divergences
//
// A temporary DNS failure at a name above the nearest record found by a
// walk ends the walk there, as if no record were above (RFC 9989 §5.3.6
// would make the evaluation a temperror): a TLD's servers failing would
// otherwise leave no mail passing DMARC; Details says so. A DNS failure
// before any record is a temperror. Several records at the From domain
// in ModeRFC7489, and in both modes a record voided by an invalid
// policy tag, are a permerror (RFC 7489 and RFC 9989 say DMARC does not
// apply; RFC 8601 §2.7.5 reports such a record as permerror). A record
// with psd=y at the From domain itself is its own organizational domain
// (§4.10.2 rule 2 excludes the walk's start). Tag names match without
// case (ABNF literals); FromDomains gives the domains of a From field
// net/mail cannot parse too (a malformed From must not escape DMARC),
// and From domains are compared and looked up as A-labels (§5.3.1). An
// SPF result with Scope "helo" is aligned as given (RFC 9989 aligns the
// MAIL FROM identity only; the caller decides what it passes).
//
// # OpenDMARC
//
// TestOpenDMARCDifferential drives Debian's opendmarc 1.4.2 milter (RFC
// 7489, Debian's public suffix list) over the milter protocol with the
// same messages, DKIM and SPF results (as a trusted
// Authentication-Results field) and DNS as ModeRFC7489 gets, in 32
// cases. They agree but for these, where the section named decides for
// us: adkim=s and aspf=s, which OpenDMARC passes for a subdomain (RFC
// 7489 §3.1.1, §3.1.2: strict is an exact match); two records at one
// name, of which OpenDMARC applies one (§6.6.3 step 2: DMARC does not
// apply); a record without p= but with rua=, a permerror for OpenDMARC
// (§6.6.3 step 6: p=none); pct=0 with p=reject, disposition none for
// OpenDMARC (§6.6.4: the next policy down, quarantine); np= for a
// nonexistent subdomain, which OpenDMARC does not know (RFC 9091 §4);
// "V=DMARC1; P=reject", no record for OpenDMARC (§6.4: tag names are
// case-insensitive ABNF literals). The same test lists where the default
// ModeRFC9989 differs from OpenDMARC, with RFC 9989's sections: those
// above, and p= absent (p=none, §4.7), t=y and pct=0 (one level below,
// §4.7, §A.6), several records (discarded, §4.10). OpenDMARC also reads
// smtp.mailfrom=local@domain in Authentication-Results as a domain, so
// the test gives it the domain alone.
//
// go-msgauth's dmarc package was not used: it has no evaluation, no
// context, untyped constants, and its lookup does not tell a temporary
// DNS failure from NXDOMAIN in our resolver's errors.
package dmarc
