// Package spamkit is an embeddable library of anti-spam checks for Go
// mail software: MTAs, milters, policy servers. Each check is its own
// package behind a small interface, takes a context.Context where it may
// block, uses net/netip, and returns a typed verdict with the evidence;
// a verdict is never an error. Libraries do not log.
//
// This package holds no code; it is the map of the module and the place
// where its conventions are written down.
//
// # Conventions
//
// Every check package has the same shape, so that a user of one can guess
// the others:
//
//   - The engine is a struct (Checker, or Verifier, Evaluator, Scanner
//     where the RFC speaks so) whose zero value is ready to use: a nil
//     Resolver means net.DefaultResolver, every zero limit its documented
//     default. It is safe for concurrent use once its fields are set, and
//     says so.
//   - Check methods take ctx first, then the facts in SMTP order (client
//     IP, HELO name, MAIL FROM, RCPT TO, message), and return a value
//     result and an error: (Outcome, error). The error is non-nil only
//     when the check could not run at all (arguments it cannot use, such
//     as a MAIL FROM that is no RFC 5321 path, an unreadable message).
//     Everything that happened while it ran, DNS failures and limits
//     included, is in the result. A verdict is never an error. A pure
//     computation over bytes in memory that always runs (mime's Scan,
//     rdns's Generic) returns its result alone.
//   - The result struct is named Outcome (prefixed where a package has
//     several checks: rdns.FCrDNSOutcome, rdns.HELOOutcome). Its verdict
//     field is Result, of the package's string type Result whose typed
//     constants are the RFC tokens (pass, fail, temperror...). Its cause
//     field is Err: why the result is not a definitive one (the DNS error
//     behind a temperror, the syntax error behind a permerror, the limit
//     that was reached), wrapping the package's exported sentinels so that
//     errors.Is works. Err is for logs: it may name servers and ports.
//   - Results have value receivers: String() for people and logs, Reason()
//     for a short stable phrase that may go into a header ("DNS timeout",
//     "lookup limit exceeded": never an error chain, an address or a
//     port), and, for the methods of RFC 8601, AuthResult() returning an
//     authres.Result, so one Authentication-Results field is built from all
//     checks (see package authres). AuthResult's reason= is exactly
//     Reason(); Reason() is empty when the result needs no explanation and
//     otherwise a short stable phrase. The same DNS failure has the same
//     phrase in every package (internal/dnsreason). AuthResult always
//     renders a registered token: the zero result, and the result
//     returned beside an error, render one too (none where the method has
//     it), never an empty value.
//   - A limit (depth, size, count, time) is named, defaulted, overridable,
//     has its own sentinel error, and when reached is reported in the
//     result's Err (or, in mime, as a finding), never as the error return
//     and never as a clean pass.
//   - Each DNS-using engine has a Timeout field bounding one check (its
//     default documented), so no check waits for ever on a dead server;
//     CPU-only checks (mime, bayes) never share a deadline with DNS.
//   - Each engine has an optional Trace func(format string, args ...any)
//     hook; libraries never log.
//   - A panic in user code (a Resolver, a Trace hook) run on a goroutine
//     a check starts is raised again on the caller's goroutine
//     (internal/guard), as a *guard.Panic naming the value, so the
//     caller's recover sees it as if the code had run inline; a panic
//     never ends the process from a goroutine the caller cannot reach.
//     runtime.Goexit there is raised the same way (guard.ErrGoexit), so
//     a lookup that left no answer never reads as an empty one.
//   - Anything that reads a message body also takes it as writes (an
//     io.Writer with a final step), so a milter can fan body chunks out.
//   - The header of a message is found by one rule (internal/header): a
//     leading mbox "From " line is skipped, the header ends at the empty
//     line or at the first line that is neither a field nor a folded
//     continuation, which then starts the body.
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
//   - authres: the one Authentication-Results type (RFC 8601) every check
//     renders into (spf, dkim, dmarc, arc, iprev), a parser with an
//     authserv-id check for trusted upstream results; its sub-package
//     authres/msgauth converts to and from
//     github.com/emersion/go-msgauth/authres (a package of its own, so
//     that the checks do not bring go-msgauth into a build).
//
//   - spf: the Sender Policy Framework, RFC 7208 check_host() with
//     macros, exp=, the lookup and void limits, HELO and MAIL FROM
//     identities, Received-SPF (RFC 7208 §9.1); Sender ID (RFC 4406,
//     RFC 4407, historic).
//
//   - dkim: DKIM verification and signing (RFC 6376, RFC 8463 ed25519,
//     RFC 8301) with context-aware DNS, key size and DNSSEC in each result;
//     dkim/dmarc: DMARC evaluation by RFC 9989 (the DNS tree walk for
//     policy discovery and organizational domains, psd=, t=, np=; parser
//     warnings) or, selectably, RFC 7489 (public suffix list, pct=), with
//     a trusted-ARC-sealer override (RFC 8617 §7.2) and report-ready
//     outcomes, differential-tested against OpenDMARC; dkim/dmarc/report:
//     DMARC aggregate reports (RFC 9990) both ways, written and parsed,
//     and failure reports (RFC 9991) parsed; dkim/arc: ARC verification
//     (AMS t=/x=, temporary DNS failures told from broken chains) and
//     sealing (RFC 8617). github.com/emersion/go-msgauth is the reference
//     the tests interoperate with and bench/ measures against (dkim/doc.go
//     says why it is not used at run time).
//
//   - rbl: DNSBL, DNSWL, URIBL and hash-list lookups (RFC 5782) with
//     return-code filters, weights and postscreen-style scoring.
//
//   - rdns: connect-time client heuristics: forward-confirmed reverse DNS,
//     generic (dynamic) host names, HELO checks (RFC 5321 §4.1.4).
//
//   - mime: a recursive MIME (RFC 2045, RFC 2046, RFC 2047, RFC 2231) and
//     archive (zip read both by its central directory and by its local
//     headers, gzip, tar, bzip2, RAR 5, 7z, xz) scanner that also opens what mail
//     carries inside other things (messages wherever attached, uuencode
//     and yEnc in text, TNEF winmail.dat, PDF and RTF embedded files) and
//     finds dangerous attachments, macro documents, active content (HTML,
//     SVG, PDF, RTF) and mislabelled executables, survives MIME and
//     archive bombs under named limits, never passes by default what a
//     limit kept it from inspecting, strips attachments by policy, and
//     hands the decoded texts to URIBL extraction and classifiers. It
//     streams its own walk and uses github.com/jhillyerd/enmime's
//     tolerant media-type parser.
//
//   - harvest: directory-harvest detection and per-client limits: counts
//     connections, messages, recipients, unknown recipients and errors
//     per address or network (/32, /24, /64) over sliding windows,
//     judges harvesters (unknown ≥ N and unknown/total ≥ ratio) and
//     blocks them with escalation, every later RCPT getting the same
//     answer; golang.org/x/time/rate buckets and connection caps per
//     client; a tarpit schedule and a stuttering net.Conn (spamd);
//     postscreen's greeting-pause test as a net.Listener wrapper (works
//     with go-smtp's Server.Serve); a bounded, sharded client table; a
//     Store for clusters, in memory or in Redis (harvest/redisstore, its
//     own package so that harvest does not import go-redis).
//     harvest/spambot: outbound spambot detection per internal host
//     (messages, distinct recipient domains, MX lookups, direct port-25
//     connections, rejected recipients; thresholds from published
//     practice).
//
//   - batv: Bounce Address Tag Validation (draft-levine-smtp-batv, the
//     prvs scheme): signs envelope senders with prvs= tags (numbered
//     keys, rotation, expiry) and refuses backscatter at RCPT time; its
//     tags interoperate with Exim's ${prvs} and ${prvscheck}.
//
//   - greylist: triplet greylisting (RFC 6647) as postgrey does it
//     (defaults, key, sender normalization, whitelist_clients and
//     whitelist_recipients files), plus an SPF-validated domain key, a
//     body key at end of DATA, automatic allowlisting of clients and
//     greytraps (OpenBSD spamd); stores in memory (sharded, bounded), in
//     a bbolt file (greylist/boltstore, durable across kill -9,
//     group-commit fsync) and in Redis (greylist/redisstore, an atomic
//     Lua check-and-update, TTLs, Redis Cluster hash tags) for several MX
//     hosts; greylist/greylisttest is the behavioural suite of a Store.
//
//   - bayes: a trainable Bayesian classifier (Robinson f(w), Fisher
//     chi-square, bogofilter 1.2.5's parameters) over header-tagged
//     tokens, mime's decoded texts, HTML without tags, URL hosts and
//     CJK character bigrams; stores in memory, in bbolt
//     (bayes/boltstore, durable across kill -9) and in Redis with
//     per-user namespaces (bayes/redisstore); bogofilter and
//     SpamAssassin dump import; bayes/storetest is the behavioural suite
//     of a store.
//
//   - session: the composition of every check above along an SMTP
//     session, which the programs share: stage methods that mirror SMTP
//     (Connect, Helo, Mail, Rcpt, Write for the message as it arrives,
//     EndOfData), DNS checks started early and concurrently, content
//     checks fed once from the same bytes, and a Verdict holding one
//     Authentication-Results, Received-SPF, SpamAssassin's X-Spam-*
//     fields, a per-check score table (default scores from rspamd and
//     SpamAssassin, cited in its doc) and the action with its SMTP reply
//     (RFC 3463 codes). It depends on the check packages; none of them
//     depends on it.
//
// # Programs
//
// Directory examples holds runnable programs composing the packages;
// examples/spamcheck runs every check on messages through package
// session and ends each with the composed verdict; with -demo it runs on
// bundled samples against a bundled DNS zone, with no network:
//
//	go run ./examples/spamcheck -demo
//
// examples/policyd is a Postfix policy delegation server
// (check_policy_service) that greylists through package greylist
// (memory, bbolt or Redis store), checks SPF as policyd-spf does
// (Received-SPF, 550 5.7.23 by option, the SPF-validated domain keying
// the greylist) and scores the client on DNS lists as postscreen does;
// its protocol code is examples/policyd/policy. It can replace postgrey:
//
//	go run ./examples/policyd -listen 127.0.0.1:10023 -store bolt:/var/lib/policyd/greylist.db
//
// examples/bayes trains and classifies as bogofilter does (exit 0 spam,
// 1 ham, 2 unsure), and its eval subcommand runs a k-fold evaluation
// beside bogofilter on the same folds of a corpus that
// scripts/fetch-corpus fetches outside the module:
//
//	scripts/fetch-corpus ../corpus/spamassassin
//	go run ./examples/bayes eval -k 5 -peer bogofilter -neutralize-host spamassassin.taint.org ../corpus/spamassassin
//
// examples/spambots reads a Postfix, BIND and netfilter syslog and lists
// the internal hosts that behave like spambots, with their evidence:
//
//	go run ./examples/spambots -year 2026 -exempt 10.1.0.25,10.1.0.53 examples/spambots/testdata/maillog
//
// examples/milter is a milter for Postfix and Sendmail (d--j/go-milter),
// and examples/smtpd an inbound SMTP server (go-smtp) with pregreet,
// harvest limits and Maildir or LMTP delivery; both are thin adapters over
// package session:
//
//	go run ./examples/milter -config examples/milter/milter.conf.sample
//
// Benchmarks against peer libraries live in the separate module bench,
// so this module's go.mod carries no peer.
package spamkit
