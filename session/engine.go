package session

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/spamkit/spamkit/batv"
	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/spf"
)

// Defaults of the Engine fields.
const (
	DefaultRequiredScore   = 5.0              // SpamAssassin's required_score
	DefaultRejectScore     = 15.0             // rspamd's reject action
	DefaultMaxMessageBytes = 10 << 20         // Postfix's message_size_limit is 10,240,000
	DefaultMaxHeaderBytes  = 256 << 10        // dkim.DefaultMaxHeaderBytes
	DefaultConnectTimeout  = 10 * time.Second // postscreen_dnsbl_timeout
	DefaultRcptTimeout     = 10 * time.Second
	DefaultDataTimeout     = 30 * time.Second
	DefaultContentTimeout  = 30 * time.Second
	DefaultMaxRcpts        = 1000 // Postfix's smtpd_recipient_limit
)

// Engine is a configured composition of the checks. Each check is on when
// its field is set and off when nil: the zero Engine runs no check and
// accepts every message with an Authentication-Results field that says so.
// Set the fields before the first NewSession; an Engine is then safe for
// concurrent use by multiple goroutines, with one Session per SMTP
// connection. The check engines it points to are shared by its sessions,
// as they are safe for concurrent use.
type Engine struct {
	// AuthServID is the authserv-id of Authentication-Results (RFC 8601
	// §2.5), the receiving host's name. If empty, "localhost".
	AuthServID string

	// RDNS checks the client at Connect (FCrDNS, the iprev method of
	// RFC 8601 §3; generic host names) and the HELO name at Helo.
	RDNS *rdns.Checker
	// NoHELO turns the HELO checks (rdns.CheckHELO at Helo) off while
	// RDNS keeps checking the client (FCrDNS, generic names), for a
	// configuration that switches them apart. SPF of the HELO identity
	// is SPF's.
	NoHELO bool
	// DNSBL checks the client address at Connect against its DNSBL and
	// DNSWL lists with their weights (postscreen_dnsbl_sites). A
	// client it finds Listed (score at or over its Threshold) is
	// rejected at Connect with 554 5.7.1 unless DNSBLScoreOnly; one it
	// finds Allowlisted scores RCVD_IN_DNSWL.
	DNSBL *rbl.Checker
	// DNSBLScoreOnly makes a listed client score RCVD_IN_DNSBL instead
	// of being rejected at Connect.
	DNSBLScoreOnly bool
	// SPF checks MAIL FROM (RFC 7208 §2.4; postmaster@HELO for the null
	// sender). The check starts at Mail and runs while the client sends
	// its recipients and message.
	SPF *spf.Checker
	// BATV refuses, at Rcpt, bounces (null MAIL FROM) to addresses
	// without a valid BATV tag (550 5.7.1, as batv.Outcome.Reply).
	BATV *batv.Checker
	// Greylist greylists each recipient at Rcpt (451 4.7.1), keyed on
	// the SPF-validated domain when SPF passed (Rcpt waits for SPF, at
	// most RcptTimeout), else on the client network; a retry passes when
	// the triplet of either key has waited (see Session.Rcpt).
	Greylist *greylist.Checker
	// GreylistBody greylists at the end of DATA by the body key
	// (greylist.Checker.CheckBody: client, sender and a digest of the
	// normalized body, hashed as Write receives it) instead of per
	// recipient at Rcpt: a message to many recipients is greylisted
	// once, at the cost of receiving it on every attempt (see package
	// greylist). The Verdict is then Tempfail 451 4.7.1.
	GreylistBody bool
	// Harvest counts connections, messages and recipients per client
	// and judges harvesters and rate limits; its refusals (421, 450)
	// are the stage methods' replies.
	Harvest *harvest.Checker
	// DKIM verifies the message's signatures; the body is hashed as
	// Write receives it.
	DKIM *dkim.Verifier
	// DMARC evaluates the From domain's policy with the SPF and DKIM
	// results (and ARC's, for its trusted-sealer override). A fail
	// whose disposition is reject is refused with 550 5.7.1 and one
	// whose disposition is quarantine quarantined, unless
	// DMARCScoreOnly.
	DMARC *dmarc.Evaluator
	// DMARCScoreOnly makes DMARC failures score (DMARC_REJECT,
	// DMARC_QUARANTINE) without deciding the action.
	DMARCScoreOnly bool
	// ARC verifies the message's ARC chain (RFC 8617).
	ARC *arc.Verifier
	// ARCSealer, if set, adds an ARC set sealing this host's
	// Authentication-Results to Verdict.Headers (RFC 8617 §5.1). Its
	// ARC-Message-Signature signs the message as delivered: with parts
	// stripped by the mime policy, the received header and the stripped
	// body. The seal's cv= is ARC's verdict on the received chain; with
	// ARC nil, a message carrying no ARC set is sealed all the same (its
	// chain is none, cv=none: RFC 8617 §5.1.1), and one carrying sets is
	// not (nothing verified them). A message left unsealed has an
	// ARC_NOT_SEALED row saying why (the action stands).
	ARCSealer *arc.Sealer
	// MIME scans the message: attachments, archives, macros; Policy
	// decides reject (554 5.7.1) or strip.
	MIME *mime.Scanner
	// MIMEPolicy maps the scan's findings to reject, strip or accept;
	// its zero value is mime's default policy.
	MIMEPolicy mime.Policy
	// URIBL checks the domains of the links in the decoded text and
	// HTML parts (which needs MIME).
	URIBL *rbl.Checker
	// HashBL checks the MAIL FROM address (rbl.KindAddress lists) and
	// the attachments' SHA-256 (rbl.KindHash lists; needs MIME). One
	// with neither kind of list is a configuration error (Validate).
	HashBL *rbl.Checker
	// Bayes classifies the message. With MIME set it reads mime's walk
	// of the message (bayes.Classifier.ClassifyReport) instead of
	// walking it again, so its texts are those MIME decodes (up to
	// MIME's MaxTextBytes, 1 MiB by default as bayes's own).
	Bayes *bayes.Classifier

	// Scores are the points of the rules; a rule missing from the map
	// scores as in DefaultScores (set it to 0 to turn it off). Points
	// and thresholds must be finite: NaN or an infinity is a
	// configuration error (Validate, ErrConfig).
	Scores Scores
	// RequiredScore is the score from which a message is spam: the
	// action is AddHeader and X-Spam-Flag is YES. If zero,
	// DefaultRequiredScore (5.0).
	RequiredScore float64
	// QuarantineScore, if positive, is the score from which the message
	// is quarantined. If zero, no message is quarantined on its score.
	QuarantineScore float64
	// RejectScore is the score from which the message is rejected with
	// 550 5.7.1. If zero, DefaultRejectScore (15); if negative, no
	// message is rejected on its score.
	RejectScore float64
	// OnError is what becomes of a message that a check could not
	// judge because of a fault on this side (a store that failed, a
	// stage out of time, a check that could not run): TempfailOnError
	// (the default) or AcceptOnError. DNS failures are not faults:
	// they are temperror rows.
	OnError ErrorPolicy

	// MaxMessageBytes bounds the message the session holds for the
	// content checks (mime, bayes, URIBL, hash lists); above it they
	// are skipped (a SPAMKIT_TOOBIG row, ErrMessageTooLarge) and only
	// the header and the streamed checks (DKIM, ARC) run. If zero,
	// DefaultMaxMessageBytes (10 MiB); if negative, no limit.
	MaxMessageBytes int64
	// MaxHeaderBytes bounds the header block the checks read. A longer
	// header is refused: Reject 552 5.3.4 with a SPAMKIT_HDR_TOOBIG row
	// (ErrHeaderTooLarge), since the checks did not read it whole (no
	// DKIM or ARC; a field past the cut would be shown to the reader
	// unjudged). Past the cut the session still reads the header as it
	// streams, for From (DMARC) and the fields Verdict.Remove lists,
	// keeping at most 1000 of them of 1 KiB each. If zero,
	// DefaultMaxHeaderBytes (256 KiB).
	MaxHeaderBytes int

	// MaxRcpts bounds the recipients of one transaction (Rcpt calls
	// between Mail and the end of the message): past it Rcpt answers
	// 452 4.5.3 "Too many recipients" (RFC 5321 §4.5.3.1.10, RFC 3463
	// §3.5) without checking or keeping the recipient, and the verdict
	// has a SPAMKIT_TOO_MANY_RCPTS row (ErrTooManyRcpts); the message
	// goes on to the recipients taken, and the client sends it again
	// for the others. If zero, DefaultMaxRcpts (1000, Postfix's
	// smtpd_recipient_limit); if negative, no limit.
	MaxRcpts int

	// ConnectTimeout bounds how long Connect waits for the DNSBL. If
	// zero, DefaultConnectTimeout; if negative, ctx alone.
	ConnectTimeout time.Duration
	// RcptTimeout bounds Rcpt's store calls (greylist, harvest), and
	// the greylist's at the end of DATA with GreylistBody. If
	// zero, DefaultRcptTimeout; if negative, ctx alone.
	RcptTimeout time.Duration
	// DataTimeout bounds how long EndOfData waits for the DNS checks
	// (those started earlier and URIBL, hash lists, DKIM and DMARC
	// lookups); one still running then is a temperror row. If zero,
	// DefaultDataTimeout; if negative, ctx alone.
	DataTimeout time.Duration
	// ContentTimeout bounds the CPU checks (mime, bayes) apart from
	// the DNS ones, so that a dead DNS server does not starve them. If
	// zero, DefaultContentTimeout; if negative, ctx alone.
	ContentTimeout time.Duration

	// Now returns the current time, for the durations Trace reports
	// (each check keeps its own clock). If nil, time.Now.
	Now func() time.Time
	// Trace, if set, receives a line for each stage and decision. It
	// must be safe for concurrent use.
	Trace func(format string, args ...any)
}

// maxRcpts returns the recipient limit, 0 for none.
func (e *Engine) maxRcpts() int {
	switch {
	case e.MaxRcpts == 0:
		return DefaultMaxRcpts
	case e.MaxRcpts < 0:
		return 0
	}
	return e.MaxRcpts
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// ErrorPolicy says what an internal error does to a message.
type ErrorPolicy uint8

const (
	// TempfailOnError answers 451 4.3.0: the sender keeps the message
	// and tries again, so nothing is lost and nothing passes unjudged.
	TempfailOnError ErrorPolicy = iota
	// AcceptOnError delivers the message as its score says, with an
	// X-Spamkit-Error field naming the checks that did not finish (and
	// a SPAMKIT_ERROR row), for sites that prefer delivery to delay.
	AcceptOnError
)

// String returns "tempfail" or "accept".
func (p ErrorPolicy) String() string {
	if p == AcceptOnError {
		return "accept"
	}
	return "tempfail"
}

// Validate reports the fields the Engine cannot use, each wrapping
// ErrConfig:
//
//   - a score (Scores) or threshold (RequiredScore, QuarantineScore,
//     RejectScore) that is NaN or infinite, as ParseScores refuses them:
//     a session counts it as unset (the rule's default points, the
//     default threshold, none for QuarantineScore), so that scores and
//     decisions stay numbers, and its verdicts have a SPAMKIT_ERROR row
//     of check "config";
//   - a list checker with no list it can ask (also wrapping
//     rbl.ErrNoLists): DNSBL without an IP list, URIBL without a domain
//     list (or without MIME, whose texts it reads), HashBL without an
//     address list or a SHA-256 hash list: a check that can never run.
//     A session does not run it and its verdicts have a SPAMKIT_ERROR
//     row of that check ("dnsbl", "uribl", "hashbl") instead of a row
//     that would read as clean.
//
// Call it once the fields are set, to refuse a bad configuration at
// start-up. The SPAMKIT_ERROR rows (reason "configuration error") are
// internal errors decided by OnError: 451 4.3.0 by default, so that no
// message passes unjudged by a check the operator asked for, and under
// AcceptOnError delivery with X-Spamkit-Error naming the check.
func (e *Engine) Validate() error {
	return errors.Join(e.scoresConfig(), e.dnsblConfig(), e.uriblConfig(), e.hashblConfig())
}

// dnsblConfig reports a DNSBL with no IP list to ask.
func (e *Engine) dnsblConfig() error {
	return listsConfig(e.DNSBL, "DNSBL", "IP", func(l rbl.List) bool { return l.Kind == "" || l.Kind == rbl.KindIP })
}

// uriblConfig reports a URIBL with no domain list to ask, or without
// MIME (whose decoded texts it reads).
func (e *Engine) uriblConfig() error {
	if err := listsConfig(e.URIBL, "URIBL", "domain", func(l rbl.List) bool { return l.Kind == rbl.KindDomain }); err != nil {
		return err
	}
	if e.URIBL != nil && e.MIME == nil {
		return fmt.Errorf("%w: URIBL without MIME: no text to read links from", ErrConfig)
	}
	return nil
}

// hashblConfig reports a HashBL with neither an address list nor a
// SHA-256 hash list (the digest mime gives of attachments).
func (e *Engine) hashblConfig() error {
	return listsConfig(e.HashBL, "HashBL", "address or SHA-256 hash", func(l rbl.List) bool {
		return l.Kind == rbl.KindAddress || (l.Kind == rbl.KindHash && (l.Digest == "" || l.Digest == rbl.SHA256Base32))
	})
}

// listsConfig reports a list checker c (if set) with no list the
// session can ask (none for which usable is true): a check that could
// never run.
func listsConfig(c *rbl.Checker, field, kind string, usable func(rbl.List) bool) error {
	if c == nil || slices.ContainsFunc(c.Lists, usable) {
		return nil
	}
	return fmt.Errorf("%w: %s has no %s list: %w", ErrConfig, field, kind, rbl.ErrNoLists)
}

// scoresConfig reports the non-finite scores and thresholds.
func (e *Engine) scoresConfig() error {
	var errs []error
	bad := false
	for _, v := range e.Scores {
		bad = bad || !finite(v)
	}
	if bad { // in rule order, for a stable message; sorted only then (each EndOfData checks)
		for _, r := range slices.Sorted(maps.Keys(e.Scores)) {
			if v := e.Scores[r]; !finite(v) {
				errs = append(errs, fmt.Errorf("%w: Scores[%s] is %v", ErrConfig, r, v))
			}
		}
	}
	for _, t := range []struct {
		name string
		v    float64
	}{{"RequiredScore", e.RequiredScore}, {"QuarantineScore", e.QuarantineScore}, {"RejectScore", e.RejectScore}} {
		if !finite(t.v) {
			errs = append(errs, fmt.Errorf("%w: %s is %v", ErrConfig, t.name, t.v))
		}
	}
	return errors.Join(errs...)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// NewSession starts the session of one SMTP connection. ctx bounds the
// session's background lookups (Close ends them too).
func (e *Engine) NewSession(ctx context.Context) *Session {
	return newSession(ctx, e)
}

// Check runs a whole session over one message, for programs that have
// the message and its envelope at once (a command-line checker, a
// batch): Connect, Helo, Mail, Rcpt for each recipient, Write,
// EndOfData. A stage that refuses ends it with that reply as the
// Verdict.
func (e *Engine) Check(ctx context.Context, env Envelope, msg []byte) (Verdict, error) {
	s := e.NewSession(ctx)
	defer s.Close()
	return s.run(ctx, env, msg)
}

// Envelope is the SMTP facts of one message, for Engine.Check.
type Envelope struct {
	IP       netip.Addr // client address
	Hostname string     // client's name as the MTA knows it, "" if none
	HELO     string
	MailFrom string   // "" or "<>" for the null sender
	Rcpts    []string // recipients
}
