package mime

import (
	"fmt"
	"slices"
	"strings"
)

// Action is what a Policy decides for a message.
type Action string

// Actions.
const (
	ActionAccept Action = "accept" // deliver as is
	ActionReject Action = "reject" // refuse the message (SMTP 554 5.7.1, RFC 3463)
	ActionStrip  Action = "strip"  // deliver without the parts in Decision.Paths
)

// String returns the action's token.
func (a Action) String() string { return string(a) }

// DefaultReject are the kinds that reject a message when Policy.Reject
// is nil: programs, names built to deceive, and overlapping-entry bombs.
var DefaultReject = []Kind{KindExecutable, KindDoubleExtension, KindRTLO, KindOverlap}

// DefaultStrip are the kinds whose parts are stripped when Policy.Strip
// is nil. Encrypted and unsupported archives, malformed structure and
// limits other than the compression ratio are accepted by default, as
// amavisd-new and ClamAV do; list them to act on them.
var DefaultStrip = []Kind{KindDangerousExtension, KindMacro, KindHTMLActive, KindTypeMismatch, KindLookalike, KindLimitRatio}

// Policy maps findings to an action. Its zero value uses DefaultReject
// and DefaultStrip. A Policy is safe for concurrent use.
type Policy struct {
	// Reject lists the kinds that reject the message. If nil,
	// DefaultReject; an empty non-nil slice rejects nothing.
	Reject []Kind
	// Strip lists the kinds whose parts are stripped. If nil,
	// DefaultStrip; an empty non-nil slice strips nothing.
	Strip []Kind
}

// Decision is a Policy's verdict on a report.
type Decision struct {
	Action Action
	// Reasons are the findings that decided the action.
	Reasons []Finding
	// Paths are the parts to strip (for ActionStrip): the outermost
	// parts present verbatim in the message that hold the findings.
	Paths []string
}

// String renders the decision on one line.
func (d Decision) String() string {
	if len(d.Reasons) == 0 {
		return string(d.Action)
	}
	var r []string
	for _, f := range d.Reasons {
		r = append(r, f.Kind.String()+" at "+f.Path)
	}
	return fmt.Sprintf("%s (%s)", d.Action, strings.Join(r, "; "))
}

// Match reports whether p is one of the parts to strip; it is the match
// function for Strip.
func (d Decision) Match(p Part) bool { return slices.Contains(d.Paths, p.Path) }

// Decide returns the action for the report: reject if a finding has a
// Reject kind, else strip if one has a Strip kind, else accept. A Strip
// finding on a part that cannot be stripped (the message itself, a
// single-part message) rejects.
func (p Policy) Decide(r *Report) Decision {
	reject, strip := p.Reject, p.Strip
	if reject == nil {
		reject = DefaultReject
	}
	if strip == nil {
		strip = DefaultStrip
	}
	var d Decision
	for _, f := range r.Findings {
		if slices.Contains(reject, f.Kind) {
			d.Reasons = append(d.Reasons, f)
		}
	}
	if len(d.Reasons) > 0 {
		d.Action = ActionReject
		return d
	}
	byPath := r.byPath()
	var unstrippable []Finding
	for _, f := range r.Findings {
		if !slices.Contains(strip, f.Kind) {
			continue
		}
		d.Reasons = append(d.Reasons, f)
		i, ok := r.stripTarget(byPath, f.Path)
		if !ok {
			unstrippable = append(unstrippable, f)
			continue
		}
		if path := r.Parts[i].Path; !slices.Contains(d.Paths, path) {
			d.Paths = append(d.Paths, path)
		}
	}
	switch {
	case len(unstrippable) > 0:
		return Decision{Action: ActionReject, Reasons: unstrippable}
	case len(d.Reasons) > 0:
		d.Action = ActionStrip
	default:
		d.Action = ActionAccept
	}
	return d
}
