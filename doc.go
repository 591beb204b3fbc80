// Package spamkit is an embeddable library of anti-spam checks for Go
// mail software: MTAs, milters, policy servers. Each check is its own
// package behind a small interface, takes a context.Context where it may
// block, uses net/netip, and returns a typed verdict with the evidence;
// a verdict is never an error. Libraries do not log.
//
// This package holds no code; it is the map of the module.
//
// # DNS
//
// Package [github.com/spamkit/spamkit/resolver] is the stub resolver the
// DNS-based checks share, on github.com/miekg/dns: NXDOMAIN, NODATA,
// SERVFAIL and timeouts told apart, TTLs and the AD bit reported, EDNS0
// (RFC 6891) with TCP fallback (RFC 7766), replies checked against the
// question (RFC 5452), and a cache with negative entries (RFC 2308) and
// collapsed concurrent queries. Every check also accepts a *net.Resolver.
//
// Package [github.com/spamkit/spamkit/resolver/resolvertest] is an
// in-process authoritative DNS server (RFC 1034, RFC 1035 master files,
// RFC 4592 wildcards) with failure injection, for testing mail code as
// net/http/httptest is for HTTP.
//
// # Checks
//
//   - spf: the Sender Policy Framework, RFC 7208 check_host() with
//     macros, exp=, the lookup and void limits, HELO and MAIL FROM
//     identities, Received-SPF (RFC 7208 §9.1); Sender ID (RFC 4406,
//     RFC 4407, historic).
//   - dkim: DKIM verification and signing (RFC 6376, RFC 8463 ed25519,
//     RFC 8301) with context-aware DNS, key size and DNSSEC in each result;
//     dkim/dmarc: DMARC evaluation (RFC 7489, RFC 9091 np=) with the
//     public-suffix organizational domain; dkim/arc: ARC verification and
//     sealing (RFC 8617); dkim/authres: Authentication-Results (RFC 8601)
//     built and parsed. github.com/emersion/go-msgauth is the reference
//     the tests interoperate with and bench/ measures against (dkim/doc.go
//     says why it is not used at run time).
//   - rbl: DNSBL, DNSWL, URIBL and hash-list lookups (RFC 5782) with
//     return-code filters, weights and postscreen-style scoring.
//   - rdns: connect-time client heuristics: forward-confirmed reverse DNS,
//     generic (dynamic) host names, HELO checks (RFC 5321 §4.1.4).
//   - mime: a recursive MIME (RFC 2045, RFC 2046, RFC 2047, RFC 2231) and
//     archive (zip, gzip, tar, bzip2, RAR listing) scanner that finds
//     dangerous attachments, macro documents and mislabelled executables,
//     survives MIME and archive bombs under named limits, and strips
//     attachments by policy. It streams its own walk and uses
//     github.com/jhillyerd/enmime's tolerant media-type parser.
//   - greylist, harvest, bayes: triplet greylisting, directory-harvest
//     detection with per-client rate limits, and a Bayesian classifier;
//     planned, not yet in the module.
//
// # Programs
//
// Directory examples holds runnable programs composing the packages;
// examples/spamcheck runs every check on a message, and with -demo on
// bundled samples against a bundled DNS zone, with no network:
//
//	go run ./examples/spamcheck -demo
//
// Benchmarks against peer libraries live in the separate module bench,
// so this module's go.mod carries no peer.
package spamkit
