package mime

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Result is what a Policy decides for a message.
type Result string

// Results. The constants keep the Action prefix, naming what the mail
// system does with the message; a bare Strip would collide with the
// function [Strip] that carries out ActionStrip.
const (
	ActionAccept Result = "accept" // deliver as is
	ActionReject Result = "reject" // refuse the message (SMTP 554 5.7.1, RFC 3463 §3.8)
	ActionStrip  Result = "strip"  // deliver without the parts in Outcome.Paths
)

// String returns the result's token.
func (r Result) String() string { return string(r) }

// DefaultReject are the kinds that reject a message when Policy.Reject
// is nil: programs, names built to deceive, overlapping-entry bombs, and
// zips that show extractors different files.
var DefaultReject = []Kind{KindExecutable, KindDoubleExtension, KindRTLO, KindOverlap, KindZipMismatch}

// DefaultStrip are the kinds whose parts are stripped when Policy.Strip
// is nil. Archive content the scanner cannot decode (KindUnsupported: a
// 7z packed with PPMd, say) is stripped: content that could not be inspected never passes
// silently. Encrypted archives and malformed structure are accepted by
// default, as amavisd-new and ClamAV do (password-protected archives are
// an everyday practice in some countries' business mail); list them to
// act on them. Limits are handled by Policy.Unchecked unless listed here
// or in Reject.
var DefaultStrip = []Kind{KindDangerousExtension, KindMacro, KindHTMLActive, KindActiveContent, KindTypeMismatch, KindLookalike, KindLimitRatio, KindUnsupported}

// Policy maps findings to a result. Its zero value uses DefaultReject,
// DefaultStrip and the default handling of unchecked content. A Policy is
// safe for concurrent use.
type Policy struct {
	// Reject lists the kinds that reject the message. If nil,
	// DefaultReject; an empty non-nil slice rejects nothing.
	Reject []Kind
	// Strip lists the kinds whose parts are stripped. If nil,
	// DefaultStrip; an empty non-nil slice strips nothing.
	Strip []Kind

	// Unchecked is what content a limit kept from being inspected leads
	// to, for the limit kinds in neither Reject nor Strip, and for parts
	// whose archive stream broke off (Part.Truncated with a malformed
	// finding): content that was not checked is not passed as clean.
	//
	// If "" (the default): a part cut short (KindLimitDepth,
	// KindLimitPartBytes, KindLimitHeldBytes, KindLimitRatio,
	// KindLimitArchiveEntries, a broken archive) is stripped; a scan that
	// stopped (KindLimitTime, KindLimitParts, KindLimitTotalBytes), whose
	// unread rest cannot be stripped because it was never seen, rejects
	// the message, as does a part cut short that cannot be stripped (the
	// message itself). ActionStrip means the same. ActionReject rejects
	// for any of them; ActionAccept lets them pass, as amavisd-new's
	// default for "unchecked" mail and ClamAV's AlertExceedsMax=no do.
	// KindLimitTextBytes, which cuts only Report.Texts, is never
	// unchecked content.
	Unchecked Result
}

// Outcome is a Policy's verdict on a report.
type Outcome struct {
	// Result is what to do with the message.
	Result Result
	// Reasons are the findings that decided the result.
	Reasons []Finding
	// Paths are the parts to strip (for ActionStrip): the outermost
	// parts present verbatim in the message that hold the findings.
	Paths []string
	// Err is non-nil when the result is due to content a limit kept from
	// being inspected: the Err of the first such reason, wrapping the
	// limit's sentinel (ErrTime, ErrParts, ErrDepth, ...) or
	// ErrMalformedArchive, so that an MTA may answer a reject for
	// ErrTime with a temporary failure (451 4.7.1) rather than 554, as
	// Postfix's milter_default_action=tempfail does for a milter that
	// did not answer in time. It is for logs.
	Err error
}

// String renders the outcome on one line: the result, then the kind and
// part of each reason.
func (o Outcome) String() string {
	if len(o.Reasons) == 0 {
		return string(o.Result)
	}
	var r []string
	for _, f := range o.Reasons {
		r = append(r, f.Kind.String()+" at "+f.Path)
	}
	return fmt.Sprintf("%s (%s)", o.Result, strings.Join(r, "; "))
}

// Reason returns a short stable phrase saying why, for an SMTP reply or
// a header ("executable attachment", "scan timed out"): the phrases of
// the reasons' kinds, each once, in order. It never holds a file name,
// a path or an error text.
func (o Outcome) Reason() string {
	if len(o.Reasons) == 0 {
		return "nothing to act on"
	}
	var phrases []string
	for _, f := range o.Reasons {
		p := phrase(f)
		if !slices.Contains(phrases, p) {
			phrases = append(phrases, p)
		}
	}
	return strings.Join(phrases, ", ")
}

// phrase is the phrase of Outcome.Reason for a finding.
func phrase(f Finding) string {
	switch f.Kind {
	case KindDangerousExtension:
		return "dangerous file type"
	case KindDoubleExtension:
		return "double file name extension"
	case KindRTLO:
		return "deceptive file name"
	case KindLookalike:
		return "lookalike file name"
	case KindTypeMismatch:
		return "mislabelled content"
	case KindMacro:
		return "Office macro"
	case KindExecutable:
		return "executable attachment"
	case KindEncrypted:
		return "encrypted archive"
	case KindUnsupported:
		return "archive not inspected"
	case KindHTMLActive:
		return "active HTML attachment"
	case KindActiveContent:
		return "active content in a document"
	case KindMalformed:
		if errors.Is(f.Err, ErrMalformedArchive) {
			return "malformed archive"
		}
		return "malformed MIME"
	case KindOverlap:
		return "zip bomb"
	case KindZipMismatch:
		return "inconsistent zip"
	case KindLimitDictionary:
		return "archive dictionary too large to scan"
	case KindLimitDepth:
		return "nesting too deep to scan"
	case KindLimitParts:
		return "too many parts to scan"
	case KindLimitPartBytes, KindLimitHeldBytes:
		return "attachment too large to scan"
	case KindLimitTotalBytes:
		return "message too large to scan"
	case KindLimitRatio:
		return "compression ratio too high"
	case KindLimitArchiveEntries:
		return "too many archive entries"
	case KindLimitTime:
		return "scan timed out"
	case KindLimitParamBytes:
		return "header parameter too long"
	case KindLimitReportBytes:
		return "too many parts to scan"
	case KindLimitNameBytes:
		return "file name too long"
	case KindLimitTextBytes:
		return "text too large"
	}
	return "content policy"
}

// Match reports whether p is one of the parts to strip; it is the match
// function for Strip.
func (o Outcome) Match(p Part) bool { return slices.Contains(o.Paths, p.Path) }

// action is what one finding calls for.
type action int

const (
	actNone action = iota
	actStrip
	actReject
)

// Decide returns the result for the report: reject if a finding has a
// Reject kind, else strip if one has a Strip kind, else accept; content
// left unchecked by a limit is handled as Unchecked says. A finding to
// strip on a part that cannot be stripped (the message itself, a
// single-part message) or on the unread rest of a stopped scan rejects.
func (p Policy) Decide(r Report) Outcome {
	reject, strip := p.Reject, p.Strip
	if reject == nil {
		reject = DefaultReject
	}
	if strip == nil {
		strip = DefaultStrip
	}
	byPath := r.byPath()
	act := func(f Finding) action {
		switch {
		case slices.Contains(reject, f.Kind):
			return actReject
		case slices.Contains(strip, f.Kind):
			return actStrip
		case !uncheckedFinding(r, byPath, f) || p.Unchecked == ActionAccept:
			return actNone
		case p.Unchecked == ActionReject || f.Kind.scanWide():
			return actReject
		}
		return actStrip
	}
	var o Outcome
	for _, f := range r.Findings {
		if act(f) == actReject {
			o.Reasons = append(o.Reasons, f)
		}
	}
	if len(o.Reasons) > 0 {
		o.Result = ActionReject
		o.Err = limitErr(r, byPath, o.Reasons)
		return o
	}
	var unstrippable []Finding
	for _, f := range r.Findings {
		if act(f) != actStrip {
			continue
		}
		o.Reasons = append(o.Reasons, f)
		// A scan-wide limit is about the rest of the message, which
		// was never read: only rejecting covers it.
		i, ok := r.stripTarget(byPath, f.Path)
		if !ok || f.Kind.scanWide() {
			unstrippable = append(unstrippable, f)
			continue
		}
		if path := r.Parts[i].Path; !slices.Contains(o.Paths, path) {
			o.Paths = append(o.Paths, path)
		}
	}
	switch {
	case len(unstrippable) > 0:
		return Outcome{Result: ActionReject, Reasons: unstrippable, Err: limitErr(r, byPath, unstrippable)}
	case len(o.Reasons) > 0:
		o.Result = ActionStrip
		o.Err = limitErr(r, byPath, o.Reasons)
	default:
		o.Result = ActionAccept
	}
	return o
}

// uncheckedFinding reports whether f says that content was not
// inspected: a limit other than MaxTextBytes, or a broken archive stream
// (a malformed-archive finding on a part read only in part).
func uncheckedFinding(r Report, byPath map[string]int, f Finding) bool {
	if f.Kind.unchecked() {
		return true
	}
	if f.Kind != KindMalformed || !errors.Is(f.Err, ErrMalformedArchive) {
		return false
	}
	i, ok := byPath[f.Path]
	return ok && r.Parts[i].Truncated
}

// limitErr returns the Err of the first of reasons that is unchecked
// content, or nil.
func limitErr(r Report, byPath map[string]int, reasons []Finding) error {
	for _, f := range reasons {
		if uncheckedFinding(r, byPath, f) {
			return f.Err
		}
	}
	return nil
}
