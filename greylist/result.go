package greylist

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Result is the verdict of a greylisting check.
type Result string

const (
	// Pass: the triplet was seen before, retried after Delay and within
	// RetryWindow (or passed already and is remembered for MaxAge). The
	// mail may go on. Also the result of a failed store with
	// Checker.FailOpen (Outcome.Err then says so).
	Pass Result = "pass"
	// Greylisted: first sight of the triplet, or a retry before Delay
	// has passed. Answer with a temporary failure (Outcome.Reply);
	// Outcome.RetryAfter says when a retry can pass. Also the result
	// returned beside an error: a check that could not run defers the
	// mail, it never loses it.
	Greylisted Result = "greylisted"
	// Allowlisted: a static list (client address or name, sender,
	// recipient), the null-sender policy or the automatic allowlist of
	// clients lets the mail through without greylisting; Outcome.List
	// says which and Outcome.Match which entry.
	Allowlisted Result = "allowlisted"
	// Trapped: the client sent to a greytrap address, now or within
	// Checker.TrapTime before. Answer with a temporary failure
	// (Outcome.Reply, which looks like greylisting so that the client
	// learns nothing about the trap).
	Trapped Result = "trapped"
)

// String returns the result's token ("pass", "greylisted", ...).
func (r Result) String() string { return string(r) }

// List names the allowlist that let a mail through (Outcome.List).
type List string

const (
	// ListClient: Checker.AllowClients matched the client address.
	ListClient List = "client"
	// ListClientName: Checker.AllowClients matched the client host name.
	ListClientName List = "client-name"
	// ListSender: Checker.AllowSenders matched the envelope sender.
	ListSender List = "sender"
	// ListRecipient: Checker.AllowRecipients matched the recipient.
	ListRecipient List = "recipient"
	// ListNullSender: the null sender with Checker.PassNullSender.
	ListNullSender List = "null-sender"
	// ListAuto: the client (network, or SPF-validated domain) passed
	// greylisting Checker.AutoAllowAfter times (postgrey's
	// auto-whitelist-clients).
	ListAuto List = "auto"
)

// String returns the list's token.
func (l List) String() string { return string(l) }

// why is the detail behind an outcome, rendered by Reason.
type why uint8

const (
	whyNone why = iota
	whyNew
	whyEarly
	whyRetried
	whyKnown
	whyAllowlisted
	whyTrapHit
	whyTrapped
	whyStore
	whyInvalid
)

// Outcome is the result of a greylisting check with its evidence.
type Outcome struct {
	// Result is the verdict.
	Result Result
	// RetryAfter is, for Greylisted, how long from the check's time until
	// a retry can pass (zero when the check could not run); for Trapped,
	// how long the client stays trapped. Zero otherwise.
	RetryAfter time.Duration
	// First is when the triplet (or body key) was first seen, for Pass and
	// Greylisted decided by the store; zero otherwise.
	First time.Time
	// Waited is, for the Pass that ends a triplet's greylisting, the time
	// since its first sight (what postgrey's X-Greylist header reports as
	// "delayed N seconds"); zero otherwise, known triplets included.
	Waited time.Duration
	// List is, for Allowlisted, the list that matched.
	List List
	// Match is, for Allowlisted, the list entry that matched (as written
	// in the list: "192.0.2.0/24", "example.com", "/^mx[0-9]*\.example\.net$/",
	// "postmaster@"); for ListAuto the client key (the network, or
	// "spf:" and the domain).
	Match string
	// Err is the cause when the outcome is not a plain verdict: the store
	// error behind a fail-open Pass or a Greylisted returned beside an
	// error (wrapping ErrStore), a limit reached (ErrAddressTooLong,
	// ErrStoreFull), an SPF domain ignored (ErrInvalidDomain). It may
	// name servers and ports: keep it out of replies and headers.
	Err error

	why why
}

// String renders the outcome for logs, e.g.
// "greylisted (first attempt, retry in 5m0s)".
func (o Outcome) String() string {
	if o.Result == "" {
		s := "none (no result)"
		if o.Err != nil {
			s += ": " + o.Err.Error()
		}
		return s
	}
	s := string(o.Result) + " (" + o.Reason()
	switch {
	case o.Result == Allowlisted && o.Match != "":
		s += ": " + o.Match
	case o.RetryAfter > 0:
		// Whole seconds, rounded up as in Reply: a real clock's
		// "4m59.999538608s" reads badly in a log.
		s += ", retry in " + ceilSecond(o.RetryAfter).String()
	case o.Waited > 0:
		s += ", waited " + o.Waited.Round(time.Second).String()
	}
	s += ")"
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// Reason returns a short, stable phrase for the outcome, fit for a log
// field or a header comment: "first attempt", "retried too early",
// "retried after the delay", "known triplet", "client allowlisted",
// "client name allowlisted", "sender allowlisted", "recipient
// allowlisted", "null sender", "client auto-allowlisted", "greytrap
// hit", "client trapped", "greylist store unavailable", "invalid
// input", or "no result" for the zero Outcome. It never holds an error
// chain, an address, a port or anything the client chose.
func (o Outcome) Reason() string {
	switch o.why {
	case whyNew:
		return "first attempt"
	case whyEarly:
		return "retried too early"
	case whyRetried:
		return "retried after the delay"
	case whyKnown:
		return "known triplet"
	case whyAllowlisted:
		switch o.List {
		case ListClient:
			return "client allowlisted"
		case ListClientName:
			return "client name allowlisted"
		case ListSender:
			return "sender allowlisted"
		case ListRecipient:
			return "recipient allowlisted"
		case ListNullSender:
			return "null sender"
		case ListAuto:
			return "client auto-allowlisted"
		}
		return "allowlisted"
	case whyTrapHit:
		return "greytrap hit"
	case whyTrapped:
		return "client trapped"
	case whyStore:
		return "greylist store unavailable"
	case whyInvalid:
		return "invalid input"
	}
	switch {
	case errors.Is(o.Err, ErrStore):
		return "greylist store unavailable"
	case o.Result == "":
		return "no result"
	}
	return string(o.Result)
}

// Reply is a suggested SMTP reply (RFC 5321 §4.2, enhanced status code
// RFC 3463).
type Reply struct {
	// Code is the reply code (451), or 0 when no reply is needed.
	Code int
	// Enhanced is the enhanced status code (RFC 3463 §3.8 "4.7.1";
	// "4.3.0" when the check could not run).
	Enhanced string
	// Text is the human-readable text.
	Text string
}

// String renders the reply as one SMTP reply line without CRLF, e.g.
// "451 4.7.1 Greylisted, please try again in 300 seconds", or "" for
// the zero Reply.
func (r Reply) String() string {
	if r.Code == 0 {
		return ""
	}
	return strconv.Itoa(r.Code) + " " + r.Enhanced + " " + r.Text
}

// Reply returns the SMTP reply suggested for the outcome: for
// Greylisted, 451 4.7.1 "Greylisted, please try again in N seconds"
// (RFC 6647: a temporary failure; RFC 3463 §3.8: 4.7.1, delivery
// not authorized, message refused), or 451 4.3.0 "Greylisting
// temporarily unavailable, please try again later" when the check could
// not run; for Trapped, 451 4.7.1 "Greylisted, please try again later"
// (what a trapped client sees tells it nothing about the trap, as in
// OpenBSD spamd). Pass and Allowlisted need no reply: the zero Reply.
//
// With Postfix's policy protocol the reply becomes
// "action=DEFER_IF_PERMIT " + Enhanced + " " + Text (postgrey's action):
// the mail is deferred only if nothing later rejects it.
func (o Outcome) Reply() Reply {
	switch o.Result {
	case Greylisted:
		if o.why == whyStore || o.why == whyInvalid {
			return Reply{Code: 451, Enhanced: "4.3.0", Text: "Greylisting temporarily unavailable, please try again later"}
		}
		secs := int64(ceilSecond(o.RetryAfter) / time.Second)
		return Reply{Code: 451, Enhanced: "4.7.1", Text: "Greylisted, please try again in " + strconv.FormatInt(secs, 10) + " seconds"}
	case Trapped:
		return Reply{Code: 451, Enhanced: "4.7.1", Text: "Greylisted, please try again later"}
	}
	return Reply{}
}

// ceilSecond rounds d up to a whole second, at least one.
func ceilSecond(d time.Duration) time.Duration {
	d = (d + time.Second - 1) / time.Second * time.Second
	return max(d, time.Second)
}

// compile-time check that Outcome prints through fmt with value receivers.
var _ fmt.Stringer = Outcome{}
