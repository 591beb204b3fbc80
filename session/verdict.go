package session

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/spf"
)

// Action is what the MTA should do with the connection, the recipient or
// the message. The zero Action is Continue.
type Action uint8

// The actions, from the mildest. A stage method returns Continue,
// Tempfail or Reject; EndOfData returns one of Accept, AddHeader,
// Quarantine, Tempfail, Reject.
const (
	// Continue: go on with the SMTP dialogue (the stage found nothing
	// to refuse).
	Continue Action = iota
	// Accept: deliver the message; add Verdict.Headers all the same
	// (Authentication-Results, Received-SPF and X-Spam-Status are
	// added to every message).
	Accept
	// AddHeader: deliver with the headers, which flag it as spam
	// (X-Spam-Flag: YES): the score reached Engine.RequiredScore.
	AddHeader
	// Quarantine: deliver to quarantine (a milter's SMFIR_QUARANTINE,
	// with Reply.Text as the reason): the score reached
	// Engine.QuarantineScore, or DMARC said quarantine.
	Quarantine
	// Tempfail: answer Reply, a 4xx: try again later (greylisting, a
	// rate limit, an internal error under TempfailOnError).
	Tempfail
	// Reject: answer Reply, a 5xx: refused for good.
	Reject
)

var actionNames = [...]string{"continue", "accept", "add-header", "quarantine", "tempfail", "reject"}

// String returns the action's name: "continue", "accept", "add-header",
// "quarantine", "tempfail" or "reject".
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// MarshalText renders the action as its name, for JSON.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Reply is an SMTP reply for an MTA to send: the code (RFC 5321 §4.2),
// the enhanced status code (RFC 3463) and a human text. The zero Reply
// is Continue, with no reply to send.
type Reply struct {
	Action   Action `json:"action"`
	Code     int    `json:"code,omitempty"`     // 250, 451, 550, 554
	Enhanced string `json:"enhanced,omitempty"` // "4.7.1", "5.7.1"
	Text     string `json:"text,omitempty"`     // for people; no addresses, no error chains
	// Tarpit is how long the MTA should pause before sending this
	// reply: harvest's progressive tarpit (harvest.Outcome.Tarpit) for
	// a client with many unknown recipients or errors. Zero for
	// well-behaved clients; a Continue reply may carry one.
	Tarpit time.Duration `json:"tarpit,omitempty"`
}

// String renders the reply as an SMTP server would send it, "550 5.7.1
// Message rejected as spam", or the action's name when there is no code.
func (r Reply) String() string {
	if r.Code == 0 {
		return r.Action.String()
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(r.Code))
	if r.Enhanced != "" {
		b.WriteByte(' ')
		b.WriteString(r.Enhanced)
	}
	if r.Text != "" {
		b.WriteByte(' ')
		b.WriteString(r.Text)
	}
	return b.String()
}

// Field is a header field to add to the message: Name without the colon,
// Value as it follows "Name:", possibly folded (CRLF followed by a space
// or a tab), with no final CRLF.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// String renders the field "Name: Value" (folded as Value is, no final
// CRLF).
func (f Field) String() string { return f.Name + ":" + f.Value }

// Row is one line of the score table: what one check found and what it
// scored. Every check that was configured has at least one row, also when
// it could not finish (Result "temperror", "timeout", "error",
// "skipped"): a check that did not finish never vanishes from the table.
type Row struct {
	Check  string  `json:"check"`            // "spf", "dkim", "dmarc", "arc", "iprev", "rdns", "helo", "dnsbl", "uribl", "hashbl", "mime", "bayes", "greylist", "batv", "harvest", "size"
	Rule   Rule    `json:"rule"`             // the rule that fired, e.g. SPF_FAIL; its score is Score
	Result string  `json:"result"`           // the check's own result token: pass, fail, temperror, listed, spam...
	Score  float64 `json:"score"`            // the rule's points (Engine.Scores), 0 for an informational row
	Reason string  `json:"reason,omitempty"` // a short stable phrase, as the check's Reason()
	Err    error   `json:"-"`                // for logs: why the check did not finish (wraps the check's sentinel, or one of this package's)
}

// String renders the row as a line of the table: "  0.9 SPF_FAIL spf=fail
// (reason)".
func (r Row) String() string {
	s := fmt.Sprintf("%5s %s %s=%s", formatScore(r.Score), r.Rule, r.Check, r.Result)
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	return s
}

// Verdict is the end of a message: what the MTA should do and the header
// fields to add, with the per-check table behind it.
type Verdict struct {
	// Action is what to do with the message; Reply is the SMTP reply
	// to give at the end of DATA (250 for Accept, AddHeader and
	// Quarantine; 4xx for Tempfail; 5xx for Reject).
	Action Action `json:"action"`
	Reply  Reply  `json:"reply"`
	// Score is the total of the rows' scores; Required is
	// Engine.RequiredScore, the score from which a message is spam
	// (X-Spam-Flag: YES).
	Score    float64 `json:"score"`
	Required float64 `json:"required"`
	// Rows is the score table, in SMTP order (connect, HELO, MAIL,
	// RCPT, content), every configured check included.
	Rows []Row `json:"rows"`
	// Headers are the fields to add at the top of the message, in this
	// order: the ARC set (when Engine.ARCSealer is set), one
	// Authentication-Results, Received-SPF (when SPF ran), X-Spam-Flag
	// (spam only), X-Spam-Score, X-Spam-Status, X-Spam-Report (the
	// table).
	Headers []Field `json:"headers"`
	// Remove lists the received fields to delete before delivery, in
	// the order to delete them (bottom up): the Authentication-Results
	// fields claiming Engine.AuthServID, which only this host may add
	// (RFC 8601 §5: an MTA must remove those arriving from outside),
	// and the X-Spam-* and X-Spamkit-* fields a sender set in advance
	// ("X-Spam-Status: No") to fool the rules that read this host's.
	// Empty if none.
	Remove []FieldRef `json:"remove,omitempty"`
	// Strip lists the MIME parts (mime.Part.Path) to remove before
	// delivery when the mime policy strips (see Session.Strip); empty
	// otherwise.
	Strip []string `json:"strip,omitempty"`
	// Err joins the internal errors (a store that failed, a stage out
	// of time): why Action is Tempfail under TempfailOnError, or what
	// the X-Spamkit-Error field is about under AcceptOnError. For logs.
	Err error `json:"-"`
	// Checks holds every check's own outcome, for programs that want
	// more than the table.
	Checks Checks `json:"-"`
}

// FieldRef names one field of the received header: Name as written in
// the message and Index, its 1-based position among the fields of that
// name (compared case-insensitively) in the header as written to the
// Session, as a milter's SMFIR_CHGHEADER (ChangeHeader with an empty
// value) takes it.
type FieldRef struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// String renders the reference as "Name[Index]".
func (r FieldRef) String() string { return r.Name + "[" + strconv.Itoa(r.Index) + "]" }

// Spam reports whether the message is spam: its score reached Required.
func (v Verdict) Spam() bool { return v.Score >= v.Required }

// String renders a one-line summary: "reject 550 5.7.1 ... score=7.2
// required=5.0".
func (v Verdict) String() string {
	return fmt.Sprintf("%s (%s) score=%.1f required=%.1f", v.Action, v.Reply, v.Score, v.Required)
}

// Checks holds the outcomes of the checks of one message, nil or empty
// for those that did not run.
type Checks struct {
	FCrDNS   *rdns.FCrDNSOutcome
	Generic  *rdns.GenericOutcome
	HELO     *rdns.HELOOutcome
	DNSBL    *rbl.Outcome
	SPF      *spf.Outcome
	SPFHELO  *spf.Outcome // the HELO identity (RFC 7208 §2.3)
	DKIM     []dkim.Outcome
	DMARC    *dmarc.Outcome
	ARC      *arc.Outcome
	MIME     *mime.Report
	Decision *mime.Outcome // the mime policy's decision over MIME
	URIBL    *rbl.DomainsOutcome
	HashBL   []HashOutcome
	Bayes    *bayes.Outcome
	// AuthResults is the Authentication-Results field, as a value.
	AuthResults authres.Header
}

// HashOutcome is the hash-list check of one item: the sender address or
// an attachment.
type HashOutcome struct {
	What    string // "sender" or "attachment"
	Name    string // the address, or the attachment's file name
	Path    string // the attachment's mime.Part.Path
	Outcome rbl.Outcome
}
