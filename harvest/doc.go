// Package harvest defends an SMTP server against directory-harvest
// attacks and against clients that send too much: it counts what each
// client does (connections, messages, recipients, unknown recipients,
// protocol errors) over a sliding window, judges harvesters and blocks
// them, applies per-client token buckets and connection caps, and
// suggests a progressive tarpit.
//
// A harvester probes RCPT TO with dictionary names to learn which
// mailboxes exist: answering "550 User unknown" tells it which names do
// not, accepting and bouncing floods forged senders (the "User unknown
// paradox"). The answer here, from the receiving side, is to recognise
// the client by its unknown recipients, and from then on to give every
// RCPT, valid or not, the same temporary refusal, so that the probe
// learns nothing more.
//
// # Usage
//
// The caller reports each event as it happens and acts on the Outcome:
//
//	var hc harvest.Checker // zero value: the default policy
//
//	o, err := hc.Connect(ctx, ip)
//	defer hc.Disconnect(ip) // every Connect, whatever its result
//	if err != nil || o.Result == harvest.Reject {
//		reply(o.Reply()) // 421: close
//	}
//	...
//	exists := lookup(rcpt)
//	st := harvest.Known
//	if !exists {
//		st = harvest.Unknown
//	}
//	o, _ = hc.Rcpt(ctx, ip, st, n) // before answering
//	switch o.Result {
//	case harvest.Reject, harvest.Delay:
//		reply(o.Reply()) // the same reply for known and unknown
//	case harvest.Allow:
//		time.Sleep(o.Tarpit) // zero for well-behaved clients
//		// answer 250, or 550 5.1.1 for an unknown mailbox
//	}
//
// A Session (Checker.NewSession) does the same for one connection in
// SMTP order, pairing Connect with Close and numbering each
// transaction's recipients; an SMTP server's per-connection session
// (github.com/emersion/go-smtp's Session, say) holds one.
//
// # Verdicts
//
// Results are Allow, Delay (over a rate: Outcome.Wait says how long
// until it would fit) and Reject; Outcome.Err names the cause with one
// of the package's sentinels, Reason gives a short stable phrase and
// Reply a suggested SMTP reply (RFC 5321 §4.2, RFC 3463 enhanced codes).
// All refusals are temporary (4xx): a block ends, a rate recovers, and a
// client wrongly judged retries.
//
//   - Harvest (ErrHarvest): DHAUnknown unknown recipients or more and at
//     least DHARatio of the recipients unknown, within Window. Both must
//     hold: a mailing list's stale addresses are many but a small share,
//     a mistyped address is a large share of one. The verdict falls on
//     an unknown recipient (a known one brings no new evidence, and
//     after a block shorter than Window does not re-judge a client on
//     the old evidence, escalated). The client is blocked
//     for Block, doubled for each repeat offence up to MaxBlock
//     (ErrBlocked for every later event, connections included, with the
//     same 421 as the verdict).
//   - Too many errors (ErrTooManyErrors): MaxErrors protocol errors
//     within Window; answered with a 421 that closes the connection, as
//     Postfix's smtpd_hard_error_limit does. Not a block.
//   - Concurrent connections (ErrConcurrency): more than MaxConcurrent
//     open connections (the idea of sendmail's MaxDaemonChildren, per
//     client, as Postfix's anvil counts them).
//   - Token buckets (golang.org/x/time/rate) per client for connections
//     (ErrConnectionRate), messages (ErrMessageRate) and recipients
//     (ErrRecipientRate): Delay with Wait.
//   - Recipients per message (ErrTooManyRecipients): the 452 4.5.3 of
//     RFC 5321 §4.5.3.1.10.
//
// # Tarpits and greeting pauses
//
// Outcome.Tarpit is a suggested pause before each reply, growing with
// the client's unknown recipients and errors in the window (Tarpit: the
// schedule is computed here, the caller sleeps). StutterConn wraps a
// net.Conn to write replies an octet at a time, as OpenBSD spamd
// stutters at the clients it tarpits.
//
// GreetPause is postscreen's pregreet test (and sendmail's greet_pause):
// before the banner it waits and reports whether the client spoke first,
// out of turn in a dialogue the server opens (RFC 5321 §3.1, §4.3.1);
// what the client sent is kept for the server to read. GreetListener
// applies it to every connection of a net.Listener, so any server with
// an accept loop, such as github.com/emersion/go-smtp's Server.Serve,
// gets it without change: early talkers are dropped with a 521
// (postscreen's "drop" action) or handed out marked (*GreetConn) for
// the server to judge.
//
// # Configuration
//
// ParseConfig reads a Config from a main.cf-like text ("dha_unknown =
// 20", "recipient_rate = 500/1h"), and Config.String writes one back;
// ParseRate reads the "N/duration" rates of rspamd and Haraka.
//
// # Clients
//
// A client is an address or, with Config.IPv4Prefix and IPv6Prefix, a
// network: /24 aggregation catches a slow attack spread over the
// addresses of one network, which no single address would reveal.
// IPv4-mapped IPv6 addresses count as IPv4 (RFC 4291 §2.5.5.2). IPv6
// clients count per /64 by default: one end site may use any address of
// its /64.
//
// # Windows
//
// Counts are kept per fixed window (multiples of Window since the Unix
// epoch, so that nodes sharing a Store agree on them) and read as a
// sliding window: the current window plus the previous one weighted by
// the share of it still inside a window ending now. Two windows after
// its last event a client's counts are zero.
//
// # Defaults
//
// Each default, and where it comes from:
//
//   - Window 1 hour: the unit of the per-hour recipient limits of mail
//     gateways (Cisco AsyncOS "Max. Recipients per Hour") and of the
//     qualification window of Symantec Messaging Gateway's DHA detection,
//     which likewise requires both a minimum number and a minimum
//     percentage of bad recipients.
//   - DHAUnknown 20: Postfix's smtpd_hard_error_limit (20), the number
//     of errors, unknown recipients among them, after which Postfix
//     drops a session.
//   - DHARatio 0.5: the default percentage of bad recipients of
//     Forcepoint Email Security's directory-attack setting (50 %).
//   - Block 3 hours: Forcepoint's default for blocking an address after
//     a directory attack. MaxBlock 24 hours: our choice, one day, the
//     time postscreen remembers that a client passed its greeting test
//     (postscreen_greet_ttl 1d).
//   - MaxErrors 20: Postfix smtpd_hard_error_limit.
//   - MaxConcurrent 50: Postfix smtpd_client_connection_count_limit.
//   - ConnectionRate, MessageRate, RecipientRate: no limit, as Postfix's
//     anvil (smtpd_client_connection_rate_limit, _message_rate_limit,
//     _recipient_rate_limit all 0; anvil_rate_time_unit 60s) and rspamd's
//     ratelimit module, which limits nothing until rates (and its Redis
//     servers) are configured; for values, Haraka's limit plugin, off by
//     default, suggests 5 connections per minute and 50 recipients per 5
//     minutes per host.
//   - MaxRecipientsPerMessage 1000: Postfix smtpd_recipient_limit.
//   - MaxClients 100 000: our choice; about 10 MB (see Memory).
//   - Tarpit: nothing for the first 10 strikes (Postfix
//     smtpd_soft_error_limit), then 1 s more per strike (Postfix
//     smtpd_error_sleep_time 1s, growing as in Postfix 2.0), at most 30 s
//     (our choice, well under RFC 5321 §4.5.3.2's 5 minutes).
//   - GreetPause.Wait 6 s: postscreen_greet_wait outside stress (2 s
//     under stress); sendmail's greet_pause is commonly set to 5 s, and
//     OpenSMTPD's filter-pause defaults to 5 s.
//   - StutterConn.Delay 1 s per octet: spamd's -s default; For mirrors
//     spamd's -S (10 s of stuttering for greylisted clients).
//   - GreetListener.MaxPending 1000 connections in their pause at once:
//     our choice; past it connections go through unpaused
//     (GreetSkipped, ErrTooManyPending), as postscreen under stress
//     shortens its pause rather than refusing clients.
//   - Checker.Timeout 5 s per Store call, as greylist's store calls:
//     a Redis that does not answer fails the call, well within the
//     minutes an SMTP client waits for a reply.
//   - A Store failure delays the event with 451 4.3.0, as Postfix's
//     smtpd_policy_service_default_action (451 4.3.5) does when its
//     policy server does not answer; FailOpen falls back to the node's
//     own counts instead. A ctx that has ended before the Store call is
//     such a failure with any Store (MemoryStore, which ignores ctx,
//     included), as in package greylist.
//
// # Limits
//
// Every limit above is a field (of Config, Checker, GreetPause or
// GreetListener) with its default and, where reaching it is a finding,
// its own sentinel in the outcome's Err (ErrTooManyPending for the
// greeting pauses, ErrConfigTooLarge past MaxConfigBytes for
// ParseConfig). The table itself is bounded:
// MaxClients clients at most (split evenly over up to 64 shards); past
// it a cold client is forgotten, chosen by the CLOCK approximation of
// least recently used in which a new client starts cold (a client seen
// once goes before one that came back, so a flood of new addresses
// recycles its own entries), passing over blocked or connected clients
// so that a flood does not unblock a harvester: one of them is taken
// only when a whole shard is blocked or connected (then the block that
// ends first), at the cost of a lap of that shard per new client.
//
// # Memory
//
// A client costs a constant amount: an 88-octet entry without pointers
// and a 4-octet index slot or two, about 100 bytes measured at the bound
// (BenchmarkMemoryPerClient; TestEvictionMemory holds a million clients
// through a 100 000 bound under 256 bytes per client held, slab growth
// included). Each enabled token bucket adds 8 octets: the bucket is a
// golang.org/x/time/rate Limiter rebuilt for each event from the time at
// which it was (or would have been) empty, which is all the state a
// token bucket has, so that a client does not hold a Limiter's 80 octets
// per dimension; with all three about 127 bytes per client. MaxClients
// 100 000 is about 10 to 13 MB.
//
// # Cluster
//
// A Store shares counts and blocks between nodes (MemoryStore in
// memory; package harvest/redisstore in Redis), so that a harvester
// spreading its probes over several MX hosts is judged on their sum and
// a block holds on all. Token buckets and connection counts stay on each
// node. No shard lock is held during a Store call.
//
// # Concurrency
//
// A Checker is safe for concurrent use by multiple goroutines once its
// fields are set. Clients are spread over shards by a seeded hash, each
// shard with its own mutex; there is no global lock on the path of an
// event, and an event costs no allocation once its client is known.
//
// # Divergences
//
//   - Postfix counts errors per session; here they are counted per
//     client over the window, so an attacker cannot reset them by
//     reconnecting.
//   - The counts are sliding-window estimates (two fixed windows), not
//     exact event logs: constant memory per client.
//   - Harvesters get 421 4.7.1 rather than 550: a temporary answer does
//     not bounce a legitimate sender caught by mistake, and it reveals
//     nothing about the recipient.
//   - Postfix's anvil keys on the exact address; here a client may be a
//     network (IPv4Prefix, IPv6Prefix).
//   - The token buckets are golang.org/x/time/rate limiters, one per
//     client and dimension, refilled continuously; rspamd's leaky
//     buckets and anvil's per-time-unit counters are approximated by a
//     burst of N and a rate of N per period.
//   - The recipients-per-message limit needs the caller to say which
//     recipient of its transaction this is (Rcpt's n), since a client's
//     connections run transactions concurrently.
package harvest
