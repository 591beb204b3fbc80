// Package greylist greylists SMTP transactions (RFC 6647): the first
// attempt of a (client, sender, recipient) triplet is answered with a
// temporary failure, and a retry after Delay passes, because real MTAs
// retry and most spamware does not. It is a library replacement for
// postgrey, with OpenBSD spamd's greytraps, rspamd's body key, and stores
// for one host (MemoryStore), a durable file (greylist/boltstore) and a
// cluster of MX hosts (greylist/redisstore).
//
// # Key
//
// A triplet's key is the client network (IPv4 /24 and IPv6 /64 by
// default, Checker.IPv4Prefix and IPv6Prefix, 32 and 128 for the full
// address), the normalized envelope sender (NormalizeSender: lower-cased,
// SRS decoded to the original sender, BATV tag, "+" extension and
// VERP-style numbers removed, as postgrey does, SRS beyond it) and the
// recipient (NormalizeRecipient: lower-cased). The key goes to the store
// as bytes; no address is logged.
//
// The null sender (MAIL FROM:<>: bounces, DSNs, read receipts, and the
// sender-verification probes other MTAs send) is greylisted like any
// other sender, keyed as NullSenderKey, as postgrey does: real MTAs retry
// their bounces, and backscatter, a large share of null-sender mail, is
// mostly sent once. The cost is that a remote site's sender verification
// probe is delayed, and with it that site's mail from us until its
// callout cache holds the answer; a site that verifies its senders with
// callouts, or sees many bounces it wants now, sets
// Checker.PassNullSender (Allowlisted, ListNullSender).
//
// # SPF-validated domain key
//
// Big senders send from pools of hundreds of addresses and retry from a
// different one each time: the network key greylists them for hours,
// which is why postgrey's lists hold so many of them. When the caller
// passes the MAIL FROM domain that SPF (RFC 7208) validated for the
// client to Check (spfDomain), the client part of the key is "spf:" and
// that domain instead of the network, and a retry from any address the
// domain authorizes passes. The automatic allowlist then counts the
// domain too. The trade-offs: a spammer with its own SPF-passing domain
// gains the same freedom (it still has to retry, which is what
// greylisting tests); the domain key is as good as the SPF check behind
// it (pass only a "pass", never "neutral" or "softfail"); and greytraps
// stay keyed on the network, so that one forged or mistaken mail to a
// trap from a big provider's pool does not trap the provider's domain
// everywhere. An allowlist shields only what earned it. A network
// auto-allowlisted by its own deliveries is not trapped: its trap hits
// are Allowlisted and it stays open. A domain's allowlist is earned on
// whatever networks its mail came from but holds wherever SPF passes for
// it (a spammer's own domain with "v=spf1 +all" passes from anywhere),
// so it shields the domain's mail and never a network: a trap hit from
// an auto-allowlisted domain, on a network not itself allowlisted,
// traps that network for every other sender, as any trap hit does,
// while that message is Allowlisted by its domain. The domain keeps its
// standing: its mail is Allowlisted by the domain key, from a trapped
// network too. A check with an SPF domain costs two store operations
// (the network's trap and allowlist state, then the domain's triplet;
// the domain's allowlist state when the network is trapped), three on a
// trap hit (the network, the domain's allowlist state, then the
// network's trap).
//
// # Body key
//
// At the end of DATA, Checker.CheckBody greylists the message once by a
// digest of its normalized body (BodyHash, SHA-256; as rspamd's greylist
// module does) with the client and sender, instead of once per
// recipient: a message to 50 recipients costs one delay and one store
// entry, not 50. The trade-offs: the whole message is received before it
// is refused, on every attempt (the bandwidth greylisting at RCPT saves
// is spent); the refusal at end of DATA is for all recipients together,
// so one allowlisted recipient does not let the others' copy through
// (the message is Allowlisted only when every recipient is); a body
// personalized per recipient, or changed between attempts (a date, a
// tracking link, a different MIME boundary), gets a new key each time
// and never passes until the client retries the identical body, which
// real MTAs do since they retry the queued message. Postfix's policy
// protocol sees no body: the body key is for milters and MTAs in Go.
//
// # Behaviour
//
// First sight: Greylisted, Outcome.RetryAfter the time to Delay (300 s).
// A retry after Delay and within RetryWindow (2 days) of first sight
// passes, and the triplet is remembered for MaxAge (35 days) after its
// last use; a retry later than RetryWindow starts again. After
// AutoAllowAfter (5) triplets from one client have passed (counted at
// most once per AutoAllowInterval, one hour), the client itself is
// allowlisted for MaxAge (postgrey's auto-whitelist-clients), refreshed
// as it sends. Static lists let mail through without touching the store:
// client networks and host names (Checker.AllowClients), senders and
// recipients (AllowSenders, AllowRecipients); ParseClientList and
// ParseAddressList read postgrey's whitelist_clients and
// whitelist_recipients files. A recipient in Checker.Traps blocks the
// client network for TrapTime (24 h; OpenBSD spamd's greytrapping):
// Trapped, whose reply looks like greylisting. A client allowlisted by a
// list, or a network auto-allowlisted, is not trapped; a sender
// auto-allowlisted through its SPF-validated domain is Allowlisted, but
// its trap hit traps the network for every other sender (see above).
//
// Request.Apply is the algorithm, written once; MemoryStore and
// boltstore run it under their lock or transaction, redisstore runs its
// Lua twin in Redis, and greylist/greylisttest checks any Store against
// it.
//
// # Results
//
// Check and CheckBody return an Outcome and an error, the shape of every
// spamkit check. Outcome.Result is Pass, Greylisted, Allowlisted or
// Trapped, with RetryAfter, First and Waited, the list and entry that
// allowlisted, and Err, the cause of anything not plain (a store failure
// behind a fail-open pass, a limit reached). Reason gives a short stable
// phrase and Reply the SMTP reply to send (451 4.7.1 for Greylisted and
// Trapped). The error return is non-nil only when the check could not
// run: invalid input, configuration out of range, or a store failure
// without Checker.FailOpen; the outcome beside it is Greylisted with a
// 451 4.3.0 reply, so the mail is deferred and never lost. With FailOpen,
// a store failure is a Pass with Err wrapping ErrStore and Reason
// "greylist store unavailable".
//
// # Limits
//
//   - Checker.MaxAddressLen: 256 octets of sender and recipient in a key
//     (RFC 5321 §4.5.3.1.3); a longer address is cut, ErrAddressTooLong
//     in Outcome.Err.
//   - MemoryStore.MaxEntries: DefaultMaxEntries entries; at the bound
//     the entry expiring first among a sample is evicted, ErrStoreFull in
//     Outcome.Err.
//   - MaxListLine: 64 KiB per list file line (ErrLineTooLong).
//   - Checker.Timeout: 5 s per store operation, then ErrStore.
//
// # Standards and divergences
//
//   - RFC 6647 (greylisting): the triplet, the temporary failure, the
//     delay and the network key for senders with several addresses.
//   - RFC 5321 §4.5.5 (null reverse-path), §4.5.3.1.3 (path length),
//     §4.2 (replies); RFC 3463 §3.8 (4.7.1).
//   - RFC 7208 (SPF), whose pass the caller reports.
//   - postgrey 1.37: its defaults, key, sender substitutions and list
//     syntax; it does not decode SRS, reads a two-number partial IPv4
//     address as a /24 (here /16), compiles /regexps/ as Perl (here RE2:
//     no backreferences or look-around, such a line is a *LineError), and
//     counts its automatic allowlist per address (here per client key).
//
// # Concurrency
//
// A Checker, a MemoryStore and filled lists are safe for concurrent use
// by multiple goroutines. Time is taken from Checker.Now, so tests use
// fixed instants.
//
// # Usage
//
//	c := &greylist.Checker{Store: store, Delay: 5 * time.Minute}
//	out, err := c.Check(ctx, ip, clientName, mailFrom, rcpt, spfPassDomain)
//	if err != nil || out.Result == greylist.Greylisted || out.Result == greylist.Trapped {
//		reply(out.Reply()) // 451 4.7.1 ...
//	}
package greylist
