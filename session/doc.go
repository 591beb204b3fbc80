// Package session composes spamkit's checks along an SMTP session: the
// glue between the facts an MTA learns (client address, HELO, MAIL FROM,
// RCPT TO, the message as it streams) and what it must do (continue,
// tempfail, reject at each stage; at the end of the message, accept with
// header fields, quarantine or refuse). examples/milter, examples/smtpd and
// examples/spamcheck are thin adapters over it, so nothing is composed
// twice.
//
// It depends on the check packages; none of them depends on it.
//
// # Usage
//
// An Engine is the configuration, zero-value ready (every check is off
// until its field is set), shared by all connections; a Session is one
// connection, whose methods mirror SMTP:
//
//	e := &session.Engine{
//		AuthServID: "mx.example.org",
//		RDNS:       &rdns.Checker{Resolver: r},
//		DNSBL:      &rbl.Checker{Resolver: r, Lists: lists, Threshold: 3},
//		SPF:        &spf.Checker{Resolver: r, ReceiverHost: "mx.example.org"},
//		DKIM:       &dkim.Verifier{Resolver: r},
//		DMARC:      &dmarc.Evaluator{Resolver: r},
//		ARC:        &arc.Verifier{Resolver: r},
//		MIME:       &mime.Scanner{},
//	}
//	s := e.NewSession(ctx)
//	defer s.Close()
//	if r := s.Connect(ctx, ip, ""); r.Action != session.Continue {
//		// answer r (554 5.7.1 for a listed client) and hang up
//	}
//	s.Helo(ctx, helo)
//	s.Mail(ctx, from)          // SPF starts now, in the background
//	r := s.Rcpt(ctx, rcpt)     // 451 4.7.1 when greylisted
//	s.Write(chunk)             // as the message arrives; any chunking
//	v, err := s.EndOfData(ctx) // v.Action, v.Reply, v.Headers
//
// For a message whose envelope and bytes are at hand, Engine.Check runs
// the whole session at once.
//
// Engine.Validate, called once the fields are set, reports what the
// checks cannot use (ErrConfig): a NaN or infinite score or threshold, a
// list checker with no list it can ask. A session of such an Engine
// does not hide it: every verdict has a SPAMKIT_ERROR row ("configuration
// error") for it, decided by OnError (451 4.3.0 by default), never a
// clean row for a check that could not run.
//
// # Stages
//
//   - Connect: FCrDNS (rdns, the iprev method) and the DNSBL/DNSWL
//     lookups (rbl) start concurrently; Connect waits for the DNSBL only
//     (ConnectTimeout) and rejects a listed client with 554 5.7.1
//     (RFC 5321 §3.1 allows 554 instead of the greeting; RFC 3463 §3.8
//     5.7.1), as postscreen does; the harvest checker's block or rate
//     limit answers 421. The replies of Connect, Mail, Rcpt, RcptRejected
//     and ProtocolError carry harvest's tarpit (Reply.Tarpit), the pause
//     to make before answering, Continue replies included.
//     A session without a client address (Connect not called, or called
//     with the zero netip.Addr: a message read from a file) skips the
//     checks of the client (iprev, HELO, DNSBL, SPF, greylisting), each
//     with a SPAMKIT_SKIPPED row.
//   - Helo: the HELO checks start: rdns.CheckHELO (unless NoHELO) and
//     SPF of the HELO identity (RFC 7208 §2.3; scored, not in
//     Authentication-Results).
//   - Mail: a new transaction; SPF (RFC 7208 §2.4) starts and runs while
//     the client sends its recipients and message.
//   - Rcpt: harvest counts; BATV refuses bounces to untagged addresses
//     (550 5.7.1); greylisting answers 451 4.7.1 (RFC 6647), keyed on the
//     SPF-validated domain if SPF passed, else on the client network: Rcpt
//     waits for SPF (RcptTimeout) so that the key is a function of the
//     facts, not of the DNS's speed, and a retry passes if either key's
//     triplet has waited (with GreylistBody, greylisting waits for the end
//     of DATA and the body key instead). The wait (and at the end of
//     DATA the DNS waits before the body greylisting, not the checks
//     after it) ends a reserve before the caller's deadline (a quarter of
//     the time left, at most 1 s), so that a stalled lookup never leaves
//     the greylist store an ended ctx, which greylist counts as a store
//     failure (451 4.3.0). RcptRejected counts a recipient the MTA
//     refused (harvest's unknown recipients).
//   - Write: the message, in chunks of any size. Once its header is
//     complete the DKIM, ARC (and ARC sealing) streams begin on one
//     dkim.Body, and every body byte is hashed as it arrives, once. The
//     message is kept once (Session holds the only copy: mime and bayes
//     read it in place), up to MaxMessageBytes; above it the content
//     checks are skipped (a SPAMKIT_TOOBIG row) and only the header and
//     the streamed checks run. Message lends that copy to an SMTP server
//     that delivers the message itself; StrippedMessage and StrippedBody
//     give it with the parts the mime policy strips removed.
//   - EndOfData: collects the DNS checks (DataTimeout: one still running
//     is a temperror row), runs DMARC with the SPF, DKIM and ARC results,
//     the content checks on their own deadline (ContentTimeout: a dead
//     DNS server never starves the mime scan or the classifier), URIBL
//     over mime's decoded texts and hash lists over the sender and the
//     attachments' digests, then scores and decides.
//   - Reset ends a transaction (RSET); Close ends the connection.
//
// # Verdict
//
// The Verdict has the action and its SMTP reply, the score table (Rows:
// every configured check has a row, also when it did not finish), the
// total and the fields to add, in order:
//
//   - the ARC set, when ARCSealer is set (RFC 8617 §5.1), over the
//     message as delivered: when the mime policy strips parts, over the
//     received header and the stripped body (StrippedBody,
//     StrippedMessage), so that the next hop can verify this host's
//     ARC-Message-Signature; without ARC (the verifier) only a message
//     that carries no ARC set is sealed (cv=none); when no set is added,
//     an ARC_NOT_SEALED row says why;
//   - one Authentication-Results field (RFC 8601) with iprev, spf, dkim
//     (one per signature), dmarc and arc;
//   - Received-SPF (RFC 7208 §9.1);
//   - X-Spam-Flag: YES (spam only), X-Spam-Score and X-Spam-Status in
//     SpamAssassin's default format ("Yes, score=7.2 required=5.0
//     tests=BAYES_99,SPF_FAIL autolearn=no version=spamkit": tests with
//     non-zero points in name order, scores with one decimal, a ham whose
//     score would print as the threshold printed one tenth below it, as
//     SpamAssassin's get_tag_value_for_score does), so that Sieve and
//     procmail rules written for SpamAssassin keep working;
//   - X-Spam-Report: the table, one "* points RULE check=result (reason)"
//     line per row, in SMTP order.
//
// and the received fields to delete before delivery (Verdict.Remove, as
// FieldRef: name and 1-based index among the fields of that name, bottom
// up): Authentication-Results claiming AuthServID, which RFC 8601 §5 says
// a receiver must remove from mail arriving from outside, and X-Spam-* (and
// X-Spamkit-*) fields a sender set in advance to pass for this host's.
//
// Header text is for strangers: reasons are the checks' Reason() phrases,
// never error chains or addresses (Row.Err and Verdict.Err carry those,
// for logs).
//
// The action is decided in this order:
//
//  0. the connection was refused (a listed client, a harvest block) and
//     the caller went on anyway: that reply;
//  1. the mime policy rejects: 554 5.7.1 (RFC 3463 §3.8); a scan cut
//     short by ContentTimeout is this side's limit, not the message's
//     fault: 451 4.3.0 under TempfailOnError (the sender retries), and
//     under AcceptOnError a check that did not finish, as in 5;
//  2. DMARC fails with a reject disposition (unless DMARCScoreOnly):
//     550 5.7.1, as RFC 9989 §7 lets a receiver do; then a header over
//     MaxHeaderBytes: 552 5.3.4 (RFC 3463 §3.4), checks that could not
//     read the header whole being no verdict on it;
//  3. the score reaches RejectScore (15, rspamd's reject): 550 5.7.1;
//  4. greylisted by the body key (Engine.GreylistBody): 451 4.7.1;
//  5. a check did not finish for a fault on this side (a store that
//     failed, a check that could not run, a configuration that
//     Engine.Validate refuses: ErrConfig): under TempfailOnError (the
//     default) 451 4.3.0 (RFC 3463 §3.4), so the sender retries and
//     nothing is lost or passed unjudged; under AcceptOnError the message
//     goes on with a SPAMKIT_ERROR row and an X-Spamkit-Error field;
//  6. DMARC quarantine, or the score reaches QuarantineScore: Quarantine;
//  7. the score reaches RequiredScore (5.0, SpamAssassin's
//     required_score): AddHeader (X-Spam-Flag: YES);
//  8. otherwise Accept.
//
// A DNS failure is no fault: SPF, DKIM, DMARC, ARC and iprev report
// temperror (in the table and in Authentication-Results), the DNSBL and
// the URIBL a *_TEMPERROR row, none of which scores, and the content
// checks still run in full. Nor is a Bayes classifier below its training
// minimum (bayes.ErrUntrained): it did not judge the message, and its row
// is "SPAMKIT_SKIPPED bayes=skipped (not enough training)", with no
// points (BAYES_UNKNOWN is for a classifier that failed, its store).
//
// # Scores
//
// Scores are points per Rule. The rule names are SpamAssassin's where it
// has the test (SPF_FAIL, DKIM_VALID, DMARC_REJECT, RDNS_NONE, BAYES_99,
// URIBL_BLACK...), rspamd's meaning otherwise. Engine.Scores overrides any
// of them; DefaultScores is this table (SA: SpamAssassin 4.0
// rules/50_scores.cf, score set 3, network and Bayes on; rspamd: 3.x
// conf/scores.d, policies_group.conf and hfilter_group.conf):
//
//	rule                 points  from
//	SPF_PASS             -0.2    rspamd R_SPF_ALLOW (SA SPF_PASS -0.001)
//	SPF_FAIL              1.0    rspamd R_SPF_FAIL (SA 0.001; set 1 0.919)
//	SPF_SOFTFAIL          0      rspamd R_SPF_SOFTFAIL (SA 0.665)
//	SPF_NEUTRAL           0      rspamd R_SPF_NEUTRAL (SA 0.779)
//	SPF_NONE, _TEMPERROR,
//	  _PERMERROR          0      rspamd R_SPF_NA, R_SPF_DNSFAIL, R_SPF_PERMFAIL
//	SPF_HELO_PASS        -0.001  SA
//	SPF_HELO_FAIL         0.001  SA
//	SPF_HELO_SOFTFAIL     0.732  SA
//	SPF_HELO_NEUTRAL      0.112  SA
//	SPF_HELO_NONE         0.001  SA
//	DKIM_VALID           -0.1    rspamd R_DKIM_ALLOW (SA -0.1)
//	DKIM_INVALID          1.0    rspamd R_DKIM_REJECT (SA 0.1)
//	DKIM_NONE, _TEMPERROR 0      rspamd R_DKIM_NA, R_DKIM_TEMPFAIL
//	DMARC_PASS           -0.5    rspamd DMARC_POLICY_ALLOW (SA -0.001)
//	DMARC_REJECT          2.0    rspamd DMARC_POLICY_REJECT (SA 1.797)
//	DMARC_QUAR            1.5    rspamd DMARC_POLICY_QUARANTINE (SA 1.198)
//	DMARC_NONE            0.1    rspamd DMARC_POLICY_SOFTFAIL (SA 0.898)
//	DMARC_MISSING         0      rspamd DMARC_NA (SA 0.001)
//	ARC_VALID            -1.0    rspamd ARC_ALLOW
//	ARC_INVALID           1.0    rspamd ARC_REJECT
//	ARC_NONE, _TEMPERROR  0      rspamd ARC_NA, ARC_DNSFAIL
//	RDNS_NONE             0.793  SA RDNS_NONE (rspamd RDNS_NONE 2.0)
//	RDNS_MISMATCH         0.793  SA RDNS_NONE: Postfix records a PTR that
//	                             does not confirm as "unknown", which is
//	                             what RDNS_NONE reads (rspamd
//	                             HFILTER_HOSTNAME_UNKNOWN 2.5)
//	RDNS_DYNAMIC          0.982  SA RDNS_DYNAMIC
//	RDNS_TEMPERROR        0      rspamd RDNS_DNSFAIL
//	HELO_BAREIP           3.0    rspamd HFILTER_HELO_BAREIP
//	HELO_INVALID          2.0    rspamd HFILTER_HELO_NOT_FQDN
//	HELO_UNRESOLVABLE     0.3    rspamd HFILTER_HELO_NORES_A_OR_MX
//	HELO_RESOLVES         1.0    rspamd HFILTER_HELO_IP_A
//	HELO_LITERAL_MISMATCH 1.0    rspamd HFILTER_HELO_IP_A
//	HELO_OURS             3.0    rspamd HFILTER_HELO_5 (SA HELO_LOCALHOST 3.828)
//	HELO_TEMPERROR        0      rspamd HFILTER_HELO_DNSFAIL
//	RCVD_IN_DNSBL         3.335  SA RCVD_IN_PBL (a listed client is
//	                             also refused at Connect unless
//	                             DNSBLScoreOnly)
//	RCVD_IN_DNSWL        -2.3    SA RCVD_IN_DNSWL_MED
//	URIBL_BLACK           1.7    SA URIBL_BLACK
//	HASHBL_LISTED         2.5    SA URIBL_DBL_MALWARE (SA ships no HashBL score)
//	BAYES_00             -1.9    SA
//	BAYES_05             -0.5    SA
//	BAYES_20, BAYES_40   -0.001  SA
//	BAYES_50              0.8    SA
//	BAYES_60              1.5    SA
//	BAYES_80              2.0    SA
//	BAYES_95              3.0    SA
//	BAYES_99              3.5    SA
//	BAYES_999             0.2    SA (on top of BAYES_99)
//
// Every other rule scores 0: it is in the table for the record
// (MIME_REJECT is an action, not points; *_TEMPERROR rows say a check
// could not finish and never count as a pass).
//
// # Limits
//
// MaxMessageBytes (10 MiB, ErrMessageTooLarge), MaxHeaderBytes
// (256 KiB, ErrHeaderTooLarge) and MaxRcpts (1000 recipients a
// transaction, Postfix's smtpd_recipient_limit, ErrTooManyRcpts: past it
// Rcpt answers 452 4.5.3, RFC 5321 §4.5.3.1.10) bound what a session
// holds; ConnectTimeout,
// RcptTimeout, DataTimeout and ContentTimeout bound each stage
// (ErrTimeout). Each is a row when reached, never a clean pass. A header
// over MaxHeaderBytes refuses the message (552 5.3.4, a
// SPAMKIT_HDR_TOOBIG row): padding the header must not hide a From, a
// forged Authentication-Results or a DKIM signature from the checks.
// Past the cut the header is still read as it streams, with bounded
// memory (at most 1000 fields of 1 KiB, of the names From,
// Authentication-Results, X-Spam-* and X-Spamkit-*), so that DMARC sees
// that From and Verdict.Remove lists those fields. The
// checks' own limits are theirs (spf's lookups, mime's bombs) and show in
// their rows.
//
// # Concurrency
//
// An Engine is safe for concurrent use once its fields are set; a Session
// is not (its methods are called in SMTP order by one goroutine). The DNS
// checks a Session starts run in goroutines of their own, bounded by the
// checks' Timeout fields and the session's context, and ended by Close.
// A panic in one of them (a bug in a check, or in a Resolver or store
// plugged into it) is recovered: that check's SPAMKIT_ERROR row, with
// ErrPanic and ErrCheck, decided by OnError like any internal error; a
// panic in a stage method's own goroutine is the caller's to recover.
// The package does not log; Engine.Trace receives a line per decision.
package session
