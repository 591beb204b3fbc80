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
// The row's disposition is o.Disposition, or "pass" for a pass under
// an enforcing policy (RFC 9990's ActionDispositionType); its alignment
// results are o.DKIMAligned and o.SPFAligned; every DKIM outcome is in
// its auth_results with its Reason as human_result; a message pct=
// sampled out has an "other" reason saying so (RFC 9990 has no
// sampled_out type).
func FromDMARC(ip netip.Addr, in dmarc.Input, o dmarc.Outcome) (ev Evaluation, ok bool) {
	rec := o.Record
	if rec == nil || o.Result != dmarc.Pass && o.Result != dmarc.Fail {
		return Evaluation{}, false
	}
	ev.Policy = Policy{
		Domain: o.PolicyDomain,
		P:      string(cmp.Or(rec.Policy, dmarc.PolicyNone)),
		SP:     string(rec.SubdomainPolicy),
		NP:     string(rec.NonexistentPolicy),
		ADKIM:  string(rec.DKIMAlignment),
		ASPF:   string(rec.SPFAlignment),
		FO:     rec.FailureOptions,
	}
	ev.RUA = append([]string(nil), rec.ReportAggregate...)
	row := &ev.Row
	row.SourceIP = ip.Unmap()
	row.HeaderFrom = o.Domain
	row.EnvelopeFrom = in.SPF.Domain
	row.Disposition = Disposition(cmp.Or(o.Disposition, dmarc.DispositionNone))
	if o.Result == dmarc.Pass {
		row.Disposition = DispositionNone
		if o.Policy == dmarc.PolicyQuarantine || o.Policy == dmarc.PolicyReject {
			row.Disposition = DispositionPass
		}
	}
	row.DKIM, row.SPF = aligned(o.DKIMAligned), aligned(o.SPFAligned)
	if o.SampledOut {
		row.Reasons = append(row.Reasons, Reason{Type: Other, Comment: "sampled out by pct="})
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
		row.SPFResults = []SPFAuth{{Domain: in.SPF.Domain, Scope: "mfrom", Result: r}}
	}
	return ev, true
}

func aligned(b bool) Aligned {
	if b {
		return AlignedPass
	}
	return AlignedFail
}
