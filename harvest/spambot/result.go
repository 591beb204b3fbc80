package spambot

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Kind is the kind of an event.
type Kind uint8

const (
	// Message: the host submitted a message (one per message, whatever
	// its number of recipients).
	Message Kind = iota
	// Recipient: the host sent to a recipient; Event.Domain is its
	// domain. Counted as distinct recipient domains.
	Recipient
	// MXLookup: the host asked DNS for an MX record.
	MXLookup
	// DirectSMTP: the host opened a TCP connection to port 25 outside
	// the network, bypassing the mail servers.
	DirectSMTP
	// Rejected: a recipient the host sent to was refused permanently,
	// by our server or by the remote one (a 5xx reply, a bounce).
	Rejected
	// NumKinds is the number of kinds.
	NumKinds = 5
)

var kindNames = [NumKinds]string{"messages", "distinct recipient domains", "MX lookups", "direct port-25 connections", "rejected recipients"}

// String names the quantity the kind counts ("distinct recipient
// domains").
func (k Kind) String() string {
	if int(k) < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Result is the verdict on a host.
type Result string

const (
	// Clean: no threshold reached.
	Clean Result = "clean"
	// Suspect: some thresholds reached, fewer than SpambotSignals.
	Suspect Result = "suspect"
	// Spambot: at least SpambotSignals thresholds reached at once.
	Spambot Result = "spambot"
)

// String returns the result's token.
func (r Result) String() string { return string(r) }

// Threshold is a count in a sliding window: a host that reaches Count
// events of one kind within Window gives a signal.
type Threshold struct {
	// Count is the number of events that gives a signal; negative
	// disables the kind. If zero, the kind's default.
	Count int
	// Window is the sliding window. If zero, the kind's default.
	Window time.Duration
}

// Evidence is the count of one kind against its threshold.
type Evidence struct {
	Kind      Kind
	Count     int       // events (distinct domains for Recipient) in the window
	Threshold Threshold // the threshold in force, defaults filled in
}

// String renders the evidence: "rejected recipients: 24 (≥ 20 in 1h0m0s)".
func (e Evidence) String() string {
	return fmt.Sprintf("%s: %d (≥ %d in %s)", e.Kind, e.Count, e.Threshold.Count, e.Threshold.Window)
}

// Outcome is the verdict on one host with its evidence.
type Outcome struct {
	// Result is the verdict.
	Result Result
	// Host is the host's address.
	Host netip.Addr
	// At is the instant the verdict holds for.
	At time.Time
	// Counts are the host's counts of each kind (indexed by Kind) in
	// that kind's window.
	Counts [NumKinds]int
	// Signals are the kinds whose thresholds are reached, in Kind
	// order; nil when Clean.
	Signals []Evidence
	// Err wraps ErrTooManyHosts when recording the event made the
	// Detector forget another host; nil otherwise.
	Err error
}

// String renders the outcome for logs: "spambot 10.1.2.17: MX lookups:
// 3 (≥ 1 in 1h0m0s); direct port-25 connections: 12 (≥ 1 in 1h0m0s)".
func (o Outcome) String() string {
	r := string(o.Result)
	if r == "" {
		r = "none"
	}
	s := r + " " + o.Host.String()
	if len(o.Signals) > 0 {
		parts := make([]string, len(o.Signals))
		for i, e := range o.Signals {
			parts[i] = e.String()
		}
		s += ": " + strings.Join(parts, "; ")
	}
	if o.Err != nil {
		s += " (" + o.Err.Error() + ")"
	}
	return s
}

// Reason returns a short stable phrase: "spambot behaviour",
// "suspicious outbound mail", "no spambot behaviour" or, for the zero
// Outcome, "no result".
func (o Outcome) Reason() string {
	switch o.Result {
	case Spambot:
		return "spambot behaviour"
	case Suspect:
		return "suspicious outbound mail"
	case Clean:
		return "no spambot behaviour"
	}
	return "no result"
}
