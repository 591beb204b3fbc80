package harvest

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Result is the verdict on one SMTP event.
type Result string

const (
	// Allow: go on (after Outcome.Tarpit, if set).
	Allow Result = "allow"
	// Delay: the event is over a rate; it would be within it after
	// Outcome.Wait. Either pause that long and go on (tarpitting) or
	// answer Outcome.Reply (a 4xx) so that the client retries later.
	Delay Result = "delay"
	// Reject: refuse the event with Outcome.Reply; a 421 reply also
	// closes the connection (RFC 5321 §3.8).
	Reject Result = "reject"
)

// String returns the result's token ("allow", "delay", "reject").
func (r Result) String() string { return string(r) }

// Counts are the events of one client in a window.
type Counts struct {
	Connections uint32
	Messages    uint32
	Recipients  uint32 // known and unknown
	Unknown     uint32
	Errors      uint32
}

func (c *Counts) add(d Counts) {
	c.Connections = sat(c.Connections, d.Connections)
	c.Messages = sat(c.Messages, d.Messages)
	c.Recipients = sat(c.Recipients, d.Recipients)
	c.Unknown = sat(c.Unknown, d.Unknown)
	c.Errors = sat(c.Errors, d.Errors)
}

func sat(a, b uint32) uint32 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint32(0)
}

// Outcome is the verdict on one event with its evidence.
type Outcome struct {
	// Result is the verdict.
	Result Result
	// Client is what the client is counted as: its address, or its
	// network with Config.IPv4Prefix or IPv6Prefix.
	Client netip.Prefix
	// Window are the client's counts over the sliding window, this event
	// included (estimates: the previous fixed window is weighted by the
	// share of it still inside the sliding window). A client blocked on
	// this node is not counted while its block lasts: its events are
	// refused before they are counted.
	Window Counts
	// Wait is, for Delay, how long until the event would be within its
	// rate.
	Wait time.Duration
	// Tarpit is the pause suggested before answering this command:
	// Config.Tarpit applied to the client's unknown recipients and
	// errors in the window. Zero for well-behaved clients.
	Tarpit time.Duration
	// Until is, for a blocked client (ErrHarvest, ErrBlocked), when the
	// block ends.
	Until time.Time
	// Offences is the number of times the client has been judged a
	// harvester (escalating the block).
	Offences int
	// Err is why the result is not Allow (wrapping one of the package's
	// sentinels), or with FailOpen the store failure behind an Allow; nil
	// otherwise.
	Err error

	connect bool // the outcome of a Connect: refused before the greeting
}

// String renders the outcome for logs, e.g.
// `reject 192.0.2.1/32 (rcpt 22, unknown 21): harvest: too many unknown recipients`.
func (o Outcome) String() string {
	s := string(o.Result)
	if s == "" {
		s = "none"
	}
	if o.Client.IsValid() {
		s += " " + o.Client.String()
	}
	w := o.Window
	s += fmt.Sprintf(" (conn %d, mail %d, rcpt %d, unknown %d, errors %d)",
		w.Connections, w.Messages, w.Recipients, w.Unknown, w.Errors)
	if o.Wait > 0 {
		s += " wait " + o.Wait.String()
	}
	if o.Tarpit > 0 {
		s += " tarpit " + o.Tarpit.String()
	}
	if !o.Until.IsZero() {
		s += " until " + o.Until.UTC().Format(time.RFC3339)
	}
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// cause is the first sentinel in o.Err, in the order of reasons.
func (o Outcome) cause() error {
	for _, e := range []error{ErrInvalidIP, ErrHarvest, ErrBlocked, ErrTooManyErrors,
		ErrConcurrency, ErrConnectionRate, ErrMessageRate, ErrRecipientRate,
		ErrTooManyRecipients} {
		if errors.Is(o.Err, e) {
			return e
		}
	}
	if errors.Is(o.Err, ErrStore) && o.Result != Allow {
		return ErrStore
	}
	return nil
}

// Reason returns a short, stable phrase for the outcome, fit for a log
// field or an SMTP reply text: "" for a plain allow, "too many unknown
// recipients", "temporarily blocked", "too many errors", "too many
// connections", "connection rate limit exceeded", "message rate limit
// exceeded", "recipient rate limit exceeded", "too many recipients",
// "service temporarily unavailable", "invalid client address", or "no
// result" for the zero Outcome. It never holds an address or an error
// chain.
func (o Outcome) Reason() string {
	switch o.cause() {
	case ErrInvalidIP:
		return "invalid client address"
	case ErrHarvest:
		return "too many unknown recipients"
	case ErrBlocked:
		return "temporarily blocked"
	case ErrTooManyErrors:
		return "too many errors"
	case ErrConcurrency:
		return "too many connections"
	case ErrConnectionRate:
		return "connection rate limit exceeded"
	case ErrMessageRate:
		return "message rate limit exceeded"
	case ErrRecipientRate:
		return "recipient rate limit exceeded"
	case ErrTooManyRecipients:
		return "too many recipients"
	case ErrStore:
		return "service temporarily unavailable"
	}
	if o.Result == "" {
		return "no result"
	}
	return ""
}

// Reply is a suggested SMTP reply: a code (RFC 5321 §4.2), an enhanced
// status code (RFC 3463) and a text.
type Reply struct {
	Code     int
	Enhanced string
	Text     string
}

// String renders the reply as one line without CRLF, e.g.
// "421 4.7.1 Too many unknown recipients, try again later".
func (r Reply) String() string {
	if r.Code == 0 {
		return ""
	}
	return strconv.Itoa(r.Code) + " " + r.Enhanced + " " + r.Text
}

// Reply returns the SMTP reply suggested for the outcome; the zero Reply
// for Allow. A Connect's refusals are all 421s, the only refusal a
// server may send before its greeting besides 554 (RFC 5321 §3.8,
// §4.3.2). Every refusal is temporary (4xx), since a block ends and a
// rate recovers; the harvest verdict and a block answer every command
// with the same 421, whether the recipient exists or not, so that a
// prober learns nothing more (a 421 closes the connection, RFC 5321
// §3.8).
func (o Outcome) Reply() Reply {
	switch o.cause() {
	case ErrHarvest, ErrBlocked:
		return Reply{421, "4.7.1", "Too many unknown recipients, try again later"}
	case ErrTooManyErrors:
		return Reply{421, "4.7.0", "Too many errors, closing connection"}
	case ErrConcurrency:
		return Reply{421, "4.7.0", "Too many concurrent connections from your network"}
	case ErrConnectionRate:
		return Reply{421, "4.7.0", "Too many connections, slow down"}
	case ErrMessageRate:
		return Reply{450, "4.7.1", "Too much mail, slow down"}
	case ErrRecipientRate:
		return Reply{450, "4.7.1", "Too many recipients, slow down"}
	case ErrTooManyRecipients:
		// RFC 5321 §4.5.3.1.10: 452 for too many recipients; the
		// client sends the rest in another transaction.
		return Reply{452, "4.5.3", "Too many recipients"}
	case ErrStore, ErrInvalidIP:
		if o.connect {
			// Before the greeting only 220, 554 (RFC 5321 §4.3.2)
			// and 421 (§3.8) may be sent.
			return Reply{421, "4.3.0", "Service temporarily unavailable"}
		}
		return Reply{451, "4.3.0", "Service temporarily unavailable"}
	}
	return Reply{}
}
