// Command smtpd is a small inbound SMTP server (RFC 5321) on
// github.com/emersion/go-smtp that runs spamkit's checks in-process, as
// package session composes them, adds what only an SMTP server can do
// (a greeting pause, a tarpit, per-client rates, refusing unknown users
// without becoming a harvest oracle) and delivers what it accepts to
// Maildirs or to a next hop over LMTP or SMTP. It is an example to copy
// from: every decision about a message is package session's; smtpd is
// the adapter between go-smtp's stages and the session's.
//
// # Running it
//
//	smtpd -listen :25 -hostname mx.example.org \
//	    -domains example.org -mailboxes /etc/smtpd/mailboxes \
//	    -maildir /var/mail/smtpd
//
// or, with the settings in a file (testdata/smtpd.conf is an annotated
// sample) and Dovecot's LMTP as the next hop:
//
//	smtpd -config /etc/smtpd/smtpd.conf -relay lmtp:/run/dovecot/lmtp
//
// Try it on a loopback port with swaks:
//
//	smtpd -listen 127.0.0.1:2525 -domains example.org -maildir /tmp/mail -greet-wait 1s &
//	swaks --server 127.0.0.1 --port 2525 --from alice@example.com --to bob@example.org
//	cat /tmp/mail/bob@example.org/new/*
//
// # The stages
//
//   - Accept: past -max-conns, 421 4.3.2. The client's session starts
//     (session.Connect: harvest's connection accounting and rates, the
//     DNSBL, reverse DNS) while the greeting pause runs
//     (harvest.GreetListener, postscreen's pregreet test, -greet-wait):
//     an early talker gets 521 5.5.1 and is counted as a protocol error
//     of its client (-greet-drop). A client the session refuses gets its
//     421 or 554 instead of the banner (RFC 5321 §3.1, §3.8).
//   - EHLO/HELO: session.Helo (the HELO check, collected at the end).
//   - MAIL: a SIZE over -max-message-bytes is refused 552 5.3.4 (RFC
//     1870); session.Mail (SPF starts; harvest's message rate, 450 4.7.1).
//   - RCPT: the recipient table is asked first (-domains, -mailboxes).
//     A mailbox of ours goes to session.Rcpt (harvest, BATV,
//     greylisting); an unknown user or a foreign domain goes to
//     session.RcptRejected before the client is answered, so that the
//     RCPT that makes harvest judge the client a harvester, and every
//     RCPT after it, known mailboxes included, gets the same 421 4.7.1:
//     the prober learns nothing more. Otherwise unknown users get 550
//     5.1.1, foreign domains 554 5.7.1 (smtpd is never an open relay).
//     Harvest's blocks also refuse the client's later connections.
//   - DATA: the message is streamed to the session (DKIM and ARC body
//     hashes as the bytes arrive), within -data-timeout and
//     -max-message-bytes (552 5.3.4). It is kept once: by the session
//     (Session.Message), which holds what it checks whole; only with
//     -scan-max-bytes under -max-message-bytes does smtpd spool it too
//     (in memory up to 64 KiB, then in an unlinked file of -spool-dir).
//   - End of DATA: session.EndOfData decides within -check-timeout:
//     Reject and Tempfail are answered (a DMARC p=reject failure is 550
//     5.7.1); Accept, AddHeader and Quarantine are delivered with the
//     session's fields (Authentication-Results, Received-SPF, X-Spam-*)
//     on top, then smtpd's Received (RFC 5321 §4.4), within
//     -deliver-timeout. Fields of the received header that only this host
//     may write (an Authentication-Results claiming its authserv-id, RFC
//     8601 §5; X-Spam-* set by the sender in advance), which the session
//     lists in Verdict.Remove, are deleted first, each with its folded
//     lines, the rest kept byte for byte (a milter's SMFIR_CHGHEADER).
//     Quarantined mail goes to each mailbox's Maildir++
//     folder ".Quarantine" (a relay gets it with its headers). Parts the
//     MIME policy strips are removed before delivery.
//
// A 421 closes the connection once sent (RFC 5321 §3.8).
//
// Junk commands: past -junk-limit (100, Postfix's
// smtpd_junk_command_limit) commands that take no mail transaction
// forward, a connection gets 421 4.7.0 and is closed, so that a client
// sending NOOP before each -read-timeout cannot hold a connection (and
// a -max-conns slot) for ever. The count is per connection and restarts
// after each delivered message, as Postfix's. go-smtp has no command
// hook: smtpd sees each command start as go-smtp sets the read deadline
// before reading it (through TLS too), and calls a command junk when no
// stage ran until the next one: no EHLO or HELO starting a session, no
// MAIL or RCPT, no message content. It counts what Postfix counts
// (NOOP, VRFY, RSET; ETRN is unknown to go-smtp) and also HELP, STARTTLS,
// a repeated EHLO (go-smtp shows it to smtpd as a reset, as RSET), a
// BDAT of no octets and commands refused for their syntax, which
// Postfix counts as errors; message content (DATA lines, BDAT chunks)
// never counts, whatever its lines say. Postfix goes on past its limit,
// counting each junk command as an error until smtpd_hard_error_limit
// (20); smtpd ends the connection at the first one past -junk-limit.
// After STARTTLS without an EHLO, smtpd does not hold the TLS
// connection and the 421 is go-smtp's own (4.4.2).
//
// A BDAT transfer the client abandons between chunks (RSET, EHLO, or a
// chunk past -max-message-bytes) ends the connection after the reply
// to that command (after the next one for the 552): go-smtp v0.25.1
// runs Data in a goroutine it does not wait for then, which races with
// the next transfer on the connection (its result could answer the next
// message). A first chunk of no octets followed at once by RSET is the
// one case smtpd cannot close: go-smtp may enter Data only after later
// commands have been read, and the connection ends only at the command
// read after that.
//
// The client's
// protocol errors (go-smtp's 500 to 504 replies: unknown commands, bad
// syntax, commands out of sequence) are reported to the session
// (Session.ProtocolError), which past harvest's max_errors in its window
// answers 421 after the error reply, as Postfix's smtpd_hard_error_limit
// does; after STARTTLS the replies are encrypted below go-smtp and are
// not counted.
//
// Tarpits: with -tarpit, smtpd pauses before a reply as long as the
// session's Reply.Tarpit says (harvest's progressive schedule: nothing
// for the first tarpit_after unknown recipients and errors of a client
// in harvest's window, then tarpit_step more for each, at most
// tarpit_max; Postfix's smtpd_soft_error_limit and smtpd_error_sleep_time
// by default), so a prober's dictionary costs it time as it grows. A
// client refused before the greeting is tarpitted as OpenBSD spamd does:
// its refusal is written one octet per -stutter (harvest.StutterConn),
// so a bot holds its socket for a minute to learn it was refused.
//
// # Delivery
//
// -maildir DIR delivers to DIR/<mailbox>/ (created as needed; a
// catch-all "@domain" line of -mailboxes delivers to DIR/@domain/):
// each copy is written and synced in tmp/, and only when every
// recipient's copy is written are they renamed into new/, so that a
// failure delivers to no one (451 4.3.0, the client retries). Files
// have LF line ends, as MDAs write them.
//
// -relay lmtp:HOST:PORT, lmtp:/path/to/socket or smtp:HOST:PORT sends
// each accepted message on, one connection per message, with the
// envelope as received. If the next hop refuses some recipients before
// the data, nothing is sent and the client is answered 451 4.3.0 (or
// the next hop's refusal, when it refused all alike), so no one gets the
// message twice. Over LMTP, recipients refused after the data while
// others took it make a 451 too: the client's retry duplicates the
// message for those that took it, which is preferred to losing it for
// the others. The next hop's texts are not passed on (they may name
// internal hosts); its codes are.
//
// # Configuration
//
// Every setting is a flag (smtpd -h lists them); -config FILE reads
// "name = value" lines with the same names ("#" starts a comment line;
// double quotes keep spaces at a value's ends; no control characters;
// at most 1 MiB), which the command line overrides. -harvest FILE
// holds package harvest's own settings (dha_unknown, dha_ratio, block,
// message_rate, connection_rate, recipient_rate, tarpit_after...) in its
// main.cf-like syntax (harvest.ParseConfig); -harvest-store
// redis://HOST:PORT/DB shares its counts and blocks between the MX hosts
// of a site (harvest/redisstore), so that a harvester spreading its
// probes over them is judged on their sum and blocked on all; a Redis
// that fails delays the client's commands with 451 4.3.0 unless
// fail_open = yes. -mailboxes FILE lists one
// address a line ("#" comments; "@domain" accepts every local part of
// domain); without it every local part of -domains exists.
//
// The checks are switched by -spf, -dkim, -dmarc, -arc, -rdns,
// -helo-check, -mime (on by default), -dnsbl, -uribl and -hashbl (lists
// in postscreen_dnsbl_sites syntax), -bayes (a bbolt database trained by
// examples/bayes, read-only), -greylist (in memory; -greylist-body for
// one greylisting per message at the end of DATA); the verdict by
// -scores (a file of
// "score RULE points" lines, session.ParseScores), -required-score,
// -quarantine-score, -reject-score and -on-error (package session's
// Engine fields of the same names). DNS goes to -dns HOST:PORT or the
// nameservers of /etc/resolv.conf, through one caching resolver.
//
// # Timeouts and limits
//
// -read-timeout (5 min, RFC 5321 §4.5.3.2.7) bounds the wait for a
// command, -write-timeout a reply, -data-timeout (10 min, §4.5.3.2.6)
// the whole message, -connect-timeout the connect-stage checks,
// -check-timeout those of each later stage, -deliver-timeout the
// delivery. -max-message-bytes (10,240,000 octets, Postfix's
// message_size_limit), -max-conns (1000), -max-rcpts (1000 recipients a
// message, Postfix's smtpd_recipient_limit), harvest's per-client caps
// and rates, the recipient table's limits (1,000,000 mailboxes, 64 MiB).
// A message sent with BDAT (CHUNKING, which go-smtp offers) has each
// chunk bounded by -read-timeout rather than the whole by -data-timeout.
// A message with a CR or LF outside a CRLF is refused, 550 5.5.2 (RFC
// 5321 §2.3.8; SMTP smuggling through a next hop).
//
// Memory: the session keeps the message it checks (up to
// -scan-max-bytes, by default -max-message-bytes), which smtpd delivers
// from; with a lower -scan-max-bytes smtpd spools the message too, 64
// KiB of it in memory. In the worst case about -max-conns ×
// -scan-max-bytes: 10 GB at the defaults with a thousand 10 MB messages
// arriving at once.
// Lower -scan-max-bytes (SpamAssassin's spamc stops at 500 KB) or
// -max-conns where that matters; larger messages then get the header,
// DKIM and ARC checks only.
//
// # Shutdown
//
// On SIGTERM or SIGINT smtpd stops accepting; connections between
// transactions get 421 4.4.2 at once, those in a transaction finish it
// and then get the 421; after -shutdown-grace the rest are cut (their
// clients retry what was not acknowledged: nothing accepted is lost).
// A second signal ends smtpd at once.
//
// # TLS
//
// With -tls-cert and -tls-key, STARTTLS is offered (RFC 3207, TLS 1.2
// or later); Received then says ESMTPS.
package main
