package report

import (
	"net/netip"
	"time"
)

// Disposition is the policy action applied to a row's messages (RFC 9990
// §3.1.1.9, ActionDispositionType of the schema, Appendix A).
type Disposition string

// The dispositions of RFC 9990's schema.
const (
	DispositionNone       Disposition = "none"       // no action taken
	DispositionPass       Disposition = "pass"       // no action: DMARC passed under an enforcing policy
	DispositionQuarantine Disposition = "quarantine" // failed DMARC, quarantined
	DispositionReject     Disposition = "reject"     // failed DMARC, rejected
)

// String returns the disposition token.
func (d Disposition) String() string { return string(d) }

// Aligned is the result of a DMARC identifier alignment test (the dkim and
// spf elements of policy_evaluated, DMARCResultType).
type Aligned string

// The alignment results.
const (
	AlignedPass Aligned = "pass" // an identifier of the method passed and aligned
	AlignedFail Aligned = "fail" // none did
)

// String returns the token.
func (a Aligned) String() string { return string(a) }

// ReasonType is a policy override type (RFC 9990 §3.1.6).
type ReasonType string

// The override types of RFC 9990 §3.1.6.
const (
	// LocalPolicy: the receiver's local policy exempted the message (an
	// override for a trusted ARC sealer is recorded so, RFC 8617 §7.2).
	LocalPolicy ReasonType = "local_policy"
	// MailingList: local heuristics found the message came through a
	// mailing list.
	MailingList ReasonType = "mailing_list"
	// Other: an exception the comment explains.
	Other ReasonType = "other"
	// PolicyTestMode: the record's t=y exempted the message.
	PolicyTestMode ReasonType = "policy_test_mode"
	// TrustedForwarder: the failure was anticipated by evidence linking
	// the message to a known, trusted forwarder.
	TrustedForwarder ReasonType = "trusted_forwarder"
)

// String returns the token.
func (t ReasonType) String() string { return string(t) }

// Reason is a policy override reason: a type and an optional comment.
type Reason struct {
	Type    ReasonType
	Comment string
}

// DKIMAuth is one DKIM signature's result, uninterpreted with respect to
// DMARC (RFC 9990 §3.1.1.12). Result is an RFC 8601 §2.7.1 token: none,
// pass, fail, policy, neutral, temperror, permerror.
type DKIMAuth struct {
	Domain      string // d=
	Selector    string // s=
	Result      string
	HumanResult string
}

// SPFAuth is the SPF result (RFC 9990 §3.1.1.13). Scope is "mfrom" (the
// only value RFC 9990 allows; RFC 7489-era reports also have "helo") or
// empty. Result is an RFC 8601 §2.7.2 token: none, pass, fail, softfail,
// policy, neutral, temperror, permerror.
type SPFAuth struct {
	Domain      string
	Scope       string
	Result      string
	HumanResult string
}

// Row is one record of an aggregate report: messages from one source
// address with the same evaluation, identifiers and authentication
// results (RFC 9990 §3.1.1.7 to §3.1.1.13). It is what a Reporter
// accumulates and what Parse returns, so that a report round-trips.
type Row struct {
	SourceIP netip.Addr
	// Count is the number of messages. In Reporter.Add, zero means one.
	Count int64

	// policy_evaluated
	Disposition Disposition
	DKIM        Aligned // the DKIM alignment test
	SPF         Aligned // the SPF alignment test
	Reasons     []Reason

	// identifiers
	HeaderFrom   string // RFC5322.From domain
	EnvelopeFrom string // RFC5321.MailFrom domain, "" if unknown or null
	EnvelopeTo   string // RFC5321.RcptTo domain, "" if not reported

	// auth_results
	DKIMResults []DKIMAuth
	// SPFResults holds at most one result in RFC 9990 reports (the
	// schema's spf maxOccurs is 1); RFC 7489-era reports may hold more.
	SPFResults []SPFAuth
}

// Policy is the published policy of a report (RFC 9990 §3.1.1.5,
// policy_published). Empty strings are elements absent from the report.
type Policy struct {
	Domain          string // the DMARC Policy Domain
	DiscoveryMethod string // "psl" or "treewalk"
	P, SP, NP       string // none, quarantine, reject
	ADKIM, ASPF     string // r or s
	FO              string // failure reporting options
	Testing         string // t=: "y" or "n"
	// Percent is pct= of RFC 7489-era reports, -1 if absent. RFC 9990
	// has no pct element; a Reporter never writes it.
	Percent int
}

// Metadata is the report_metadata of a report (RFC 9990 §3.1.1.3).
type Metadata struct {
	OrgName          string
	Email            string
	ExtraContactInfo string
	ReportID         string
	Begin, End       time.Time // date_range, UTC, whole seconds
	Errors           []string
	Generator        string
}

// Report is a parsed aggregate report, or one to be written.
type Report struct {
	// Namespace is the root element's namespace: "urn:ietf:params:xml:ns:dmarc-2.0"
	// for RFC 9990 reports, empty for most RFC 7489-era ones.
	Namespace string
	Version   string
	Metadata  Metadata
	Policy    Policy
	Rows      []Row
	// Warnings lists what Parse tolerated (unknown result tokens,
	// values with stray spaces or case, an unparsable count or address),
	// at most Parser.MaxWarnings of them, for operators' diagnostics.
	Warnings []string
}

// Namespace is RFC 9990's XML namespace (§6.1).
const Namespace = "urn:ietf:params:xml:ns:dmarc-2.0"
