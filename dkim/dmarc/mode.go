package dmarc

// Mode selects the rules of an evaluation: how the policy record and
// organizational domains are found, and how a record is read.
type Mode string

// The modes.
const (
	// ModeRFC9989 follows RFC 9989 (the zero value's mode): policy
	// discovery and organizational domains by the DNS tree walk (§4.10),
	// psd=, t= and np=; pct=, rf= and ri= are removed (pct=0 reads as
	// t=y, §A.6); several records at one name are discarded and the walk
	// goes on.
	ModeRFC9989 Mode = "rfc9989"
	// ModeRFC7489 reproduces RFC 7489 verdicts: the record at the From
	// domain, then at its organizational domain found with the public
	// suffix list (§3.2, §6.6.3); pct= sampling (§6.6.4); np= of RFC
	// 9091; several records at one name are a permerror. For sites that
	// must reproduce older verdicts (and OpenDMARC's).
	ModeRFC7489 Mode = "rfc7489"
)

// String returns the mode's token; the zero Mode is ModeRFC9989.
func (m Mode) String() string {
	if m == "" {
		return string(ModeRFC9989)
	}
	return string(m)
}

// DiscoveryMethod returns the RFC 9990 aggregate report's
// policy_published discovery_method for m: "treewalk" or "psl".
func (m Mode) DiscoveryMethod() string {
	if m == ModeRFC7489 {
		return "psl"
	}
	return "treewalk"
}

// OverrideType is why a disposition differs from the policy: the
// PolicyOverrideType tokens of RFC 9990 §3.1.6 (and RFC 7489 Appendix
// C's forwarded and sampled_out).
type OverrideType string

// The override types.
const (
	OverrideLocalPolicy      OverrideType = "local_policy"      // the receiver's policy (the ARC override, RFC 8617 §7.2.1)
	OverrideMailingList      OverrideType = "mailing_list"      // a mailing list, by local heuristics
	OverrideOther            OverrideType = "other"             // anything else
	OverridePolicyTestMode   OverrideType = "policy_test_mode"  // t=y: the policy applied one level down (RFC 9989 §4.7)
	OverrideTrustedForwarder OverrideType = "trusted_forwarder" // a forwarder known to the receiver
	OverrideForwarded        OverrideType = "forwarded"         // RFC 7489 only
	OverrideSampledOut       OverrideType = "sampled_out"       // pct= sampling, RFC 7489 §6.6.4
)

// String returns the type's token.
func (t OverrideType) String() string { return string(t) }

// Override is one reason the disposition differs from the policy, for
// the aggregate report's policy_evaluated reason (RFC 9990 §3.1.6).
type Override struct {
	Type    OverrideType
	Comment string // e.g. "t=y", or "arc=pass as[1].d=lists.example as[1].s=arc" (RFC 8617 §7.2.1)
}

// DKIMResult is one DKIM result as DMARC saw it, for reports (RFC 9990
// DKIMAuthResultType).
type DKIMResult struct {
	Domain   string // d=
	Selector string // s=
	Result   string // the dkim result token: pass, fail, neutral, policy, temperror, permerror, none
	// Aligned reports that it passed and aligned with the From domain.
	Aligned bool
}

// SPFResult is the SPF result as DMARC saw it, for reports (RFC 9990
// SPFAuthResultType).
type SPFResult struct {
	Domain string // the domain checked
	Scope  string // "mfrom" or "helo"
	Result string // the RFC 7208 token, lower case, "none" if SPF was not checked
	// Aligned reports that it passed and aligned with the From domain.
	Aligned bool
}
