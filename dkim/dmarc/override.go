package dmarc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim/arc"
)

// arcOverride applies the trusted-sealer local policy (RFC 8617 §7.2,
// RFC 9989 §5.4 and §7.4) to a failing outcome: when the message's ARC
// chain passes, no field the newest message signature covers was added
// above it (a From above the sealed message would be what readers see),
// the ARC-Authentication-Results of the oldest set sealed by a trusted
// domain vouch for the From domain, and no untrusted later hop changed
// the message (every later sealer is trusted, or that set's message
// signature still verifies), the disposition becomes
// none and the reason is recorded (RFC 8617 §7.2.1: local_policy with
// the chain in the comment).
func (e *Evaluator) arcOverride(o *Outcome, in Input, align aligner) {
	if len(e.TrustedSealers) == 0 || in.ARC == nil || o.Result != Fail || o.Err != nil {
		return
	}
	if o.Disposition == DispositionNone {
		return // p=none, or t=y one level below quarantine: nothing to override
	}
	a := in.ARC
	if a.Result != arc.Pass {
		return
	}
	if len(a.UnsignedFields) > 0 {
		o.Details = append(o.Details, fmt.Sprintf("arc override refused: fields above the sealed message (%s)", strings.Join(a.UnsignedFields, ", ")))
		return
	}
	for k, set := range a.Sets {
		if !e.trustedSealer(set.Domain) {
			continue
		}
		// A hop after the trusted one that nobody trusts may have
		// changed the message the trusted AAR speaks of (the chain still
		// passes: only the newest message signature must verify, RFC
		// 8617 §5.2): the override needs the trusted set's message
		// signature still verifying (oldest-pass at or below it), or
		// every later hop trusted too.
		intact := a.OldestPass >= 1 && a.OldestPass <= set.Instance
		if i := slices.IndexFunc(a.Sets[k+1:], func(s arc.SetResult) bool { return !e.trustedSealer(s.Domain) }); !intact && i >= 0 {
			later := a.Sets[k+1+i]
			o.Details = append(o.Details, fmt.Sprintf("arc override refused: untrusted %s (i=%d) sealed a message changed after trusted %s (i=%d)",
				later.Domain, later.Instance, set.Domain, set.Instance))
			return
		}
		// The oldest trusted set decides: newer hops saw the message
		// after it was changed.
		why := vouches(set.Results, o.Domain, o.Record, align)
		if why == "" {
			o.Details = append(o.Details, fmt.Sprintf("arc i=%d sealed by trusted %s does not vouch for %s", set.Instance, set.Domain, o.Domain))
			return
		}
		o.Disposition = DispositionNone
		o.ARCOverride = true
		o.Overrides = append(o.Overrides, Override{Type: OverrideLocalPolicy, Comment: arcComment(a)})
		o.Details = append(o.Details, fmt.Sprintf("arc i=%d sealed by trusted %s: %s, disposition none", set.Instance, set.Domain, why))
		return
	}
}

func (e *Evaluator) trustedSealer(d string) bool {
	d = normalizeID(d)
	return d != "" && slices.ContainsFunc(e.TrustedSealers, func(t string) bool { return normalizeID(t) == d })
}

// vouches returns what in the ARC-Authentication-Results h passes for
// the author domain: dmarc=pass with header.from the author domain, or a
// dkim=pass (header.d) or spf=pass (smtp.mailfrom) aligned with it under
// rec's modes; "" if nothing does.
func vouches(h authres.Header, author string, rec *Record, align aligner) string {
	for _, r := range h.Results {
		if !strings.EqualFold(r.Value, "pass") {
			continue
		}
		switch strings.ToLower(r.Method) {
		case "dmarc":
			if from, _ := r.Get("header", "from"); normalizeID(from) == author {
				return "dmarc=pass header.from=" + author
			}
		case "dkim":
			d, _ := r.Get("header", "d")
			if ok, _ := align(d, author, rec.DKIMAlignment); ok {
				return "dkim=pass header.d=" + normalizeID(d)
			}
		case "spf":
			mf, _ := r.Get("smtp", "mailfrom")
			if at := strings.LastIndexByte(mf, '@'); at >= 0 {
				mf = mf[at+1:]
			}
			if ok, _ := align(mf, author, rec.SPFAlignment); ok {
				return "spf=pass smtp.mailfrom=" + normalizeID(mf)
			}
		}
	}
	return ""
}

// arcComment renders the chain as RFC 8617 §7.2.1 suggests for a
// report's override comment: "arc=pass as[2].d=... as[2].s=... as[1].d=...".
func arcComment(a *arc.Outcome) string {
	var b strings.Builder
	b.WriteString("arc=pass")
	for i := len(a.Sets) - 1; i >= 0; i-- {
		s := a.Sets[i]
		fmt.Fprintf(&b, " as[%d].d=%s as[%d].s=%s", s.Instance, s.Domain, s.Instance, s.Selector)
	}
	return b.String()
}
