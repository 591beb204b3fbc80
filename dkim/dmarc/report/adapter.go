package report

import (
	"cmp"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
)

// FromDMARC returns the Evaluation a Reporter records for a message
// from ip that package dmarc evaluated from in to o. ok is false when
// there is nothing to report: no record applied (none, temperror,
// permerror), so no rua= either. Set the returned Row's EnvelopeTo to
// report the recipient domain.
//
// The policy's discovery_method is o.Mode's ("treewalk" or "psl") and
// its testing the record's t= (RFC 9989 mode only). The row's
// disposition is o.Disposition, or "pass" for a pass under an enforcing
// policy (RFC 9990's ActionDispositionType); its alignment results are
// o.DKIMAligned and o.SPFAligned; its reasons are o.Overrides (the
// trusted ARC sealer override is local_policy with the chain in the
// comment, t=y is policy_test_mode), RFC 7489's forwarded and
// sampled_out becoming "other" with the token in the comment, since RFC
// 9990 has neither. Every DKIM outcome is in auth_results with its
// Reason as human_result; the SPF result has scope mfrom, or none for a
// HELO identity (RFC 9990 allows only mfrom), and its domain is the
// envelope_from only for mfrom.
func FromDMARC(ip netip.Addr, in dmarc.Input, o dmarc.Outcome) (ev Evaluation, ok bool) {
	rec := o.Record
	if rec == nil || o.Result != dmarc.Pass && o.Result != dmarc.Fail {
		return Evaluation{}, false
	}
	ev.Policy = Policy{
		Domain:          o.PolicyDomain,
		DiscoveryMethod: o.Mode.DiscoveryMethod(),
		P:               string(cmp.Or(rec.Policy, dmarc.PolicyNone)),
		SP:              string(rec.SubdomainPolicy),
		NP:              string(rec.NonexistentPolicy),
		ADKIM:           string(rec.DKIMAlignment),
		ASPF:            string(rec.SPFAlignment),
		FO:              rec.FailureOptions,
	}
	if o.Mode != dmarc.ModeRFC7489 {
		ev.Policy.Testing = "n"
		if rec.Testing {
			ev.Policy.Testing = "y"
		}
	}
	ev.RUA = append([]string(nil), rec.ReportAggregate...)
	row := &ev.Row
	row.SourceIP = ip.Unmap()
	row.HeaderFrom = o.Domain
	row.Disposition = Disposition(cmp.Or(o.Disposition, dmarc.DispositionNone))
	if o.Result == dmarc.Pass {
		row.Disposition = DispositionNone
		if o.Policy == dmarc.PolicyQuarantine || o.Policy == dmarc.PolicyReject {
			row.Disposition = DispositionPass
		}
	}
	row.DKIM, row.SPF = aligned(o.DKIMAligned), aligned(o.SPFAligned)
	sampled := false
	for _, ov := range o.Overrides {
		switch ov.Type {
		case dmarc.OverrideForwarded, dmarc.OverrideSampledOut:
			sampled = sampled || ov.Type == dmarc.OverrideSampledOut
			row.Reasons = append(row.Reasons, Reason{Type: Other, Comment: strings.TrimSpace(string(ov.Type) + " " + ov.Comment)})
		default:
			row.Reasons = append(row.Reasons, Reason{Type: ReasonType(ov.Type), Comment: ov.Comment})
		}
	}
	if o.SampledOut && !sampled {
		row.Reasons = append(row.Reasons, Reason{Type: Other, Comment: "sampled_out"})
	}
	for _, d := range in.DKIM {
		row.DKIMResults = append(row.DKIMResults, DKIMAuth{
			Domain:      d.Domain,
			Selector:    d.Selector,
			Result:      string(cmp.Or(d.Result, dkim.None)),
			HumanResult: d.Reason(),
		})
	}
	if r := strings.ToLower(in.SPF.Result); r != "" {
		spf := SPFAuth{Domain: in.SPF.Domain, Scope: "mfrom", Result: r}
		if strings.EqualFold(in.SPF.Scope, "helo") {
			spf.Scope = ""
		} else {
			row.EnvelopeFrom = in.SPF.Domain
		}
		row.SPFResults = []SPFAuth{spf}
	}
	return ev, true
}

func aligned(b bool) Aligned {
	if b {
		return AlignedPass
	}
	return AlignedFail
}
