package session

import (
	"errors"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/spf"
)

func (s *Session) row(check string, rule Rule, result, reason string, err error) Row {
	return Row{Check: check, Rule: rule, Result: result, Score: s.e.score(rule), Reason: reason, Err: err}
}

func (s *Session) fcrdnsRows(o rdns.FCrDNSOutcome, v *Verdict) []Row {
	var rule Rule
	switch o.Result {
	case rdns.FCrDNSConfirmed:
		rule = RDNSConfirmed
	case rdns.FCrDNSMismatch:
		rule = RDNSMismatch
	case rdns.FCrDNSTempError:
		rule = RDNSTempError
	default:
		rule = RDNSNone
	}
	rows := []Row{s.row("iprev", rule, string(o.Result), o.Reason(), o.Err)}
	if o.Result == rdns.FCrDNSConfirmed && o.Confirmed != "" {
		g := s.e.RDNS.Generic(o.Confirmed, s.ip)
		v.Checks.Generic = &g
		if g.Result == rdns.Generic {
			rows = append(rows, s.row("rdns", RDNSDynamic, string(g.Result), g.Reason(), nil))
		}
	}
	return rows
}

func (s *Session) heloRow(o rdns.HELOOutcome) Row {
	rule := map[rdns.HELOResult]Rule{
		rdns.HELOMatch: HELOMatch, rdns.HELOResolves: HELOResolves, rdns.HELOUnresolvable: HELOUnresolvable,
		rdns.HELOTempError: HELOTempError, rdns.HELOInvalid: HELOInvalid, rdns.HELOBareIP: HELOBareIP,
		rdns.HELOOurs: HELOOurs, rdns.HELOLiteralMismatch: HELOLiteralMismatch,
	}[o.Result]
	if rule == "" {
		rule = HELOInvalid
	}
	return s.row("helo", rule, string(o.Result), o.Reason(), o.Err)
}

func (s *Session) dnsblRow(o rbl.Outcome, err error, rejected bool) Row {
	switch o.Result {
	case rbl.Listed:
		r := s.row("dnsbl", DNSBLListed, string(o.Result), o.Reason(), o.Err)
		if rejected {
			r.Reason = "rejected at connect"
		}
		return r
	case rbl.Allowlisted:
		return s.row("dnsbl", DNSWLListed, string(o.Result), o.Reason(), o.Err)
	case rbl.Unknown:
		if err == nil {
			err = o.Err
		}
		return s.row("dnsbl", DNSBLUnknown, "temperror", o.Reason(), err)
	}
	return s.row("dnsbl", DNSBLClean, string(o.Result), o.Reason(), o.Err)
}

func (s *Session) spfRow(o spf.Outcome) Row {
	rule := map[spf.Result]Rule{
		spf.Pass: SPFPass, spf.Fail: SPFFail, spf.SoftFail: SPFSoftFail, spf.Neutral: SPFNeutral,
		spf.None: SPFNone, spf.TempError: SPFTempError, spf.PermError: SPFPermError,
	}[o.Result]
	if rule == "" {
		rule = SPFNone
	}
	return s.row("spf", rule, string(o.Result), o.Reason(), o.Err)
}

// dkimRow summarizes the signatures: a pass if any passed, else the worst
// (temperror before fail, so that a DNS outage is not a forgery).
func (s *Session) dkimRow(outs []dkim.Outcome) Row {
	var best *dkim.Outcome
	rank := func(r dkim.Result) int {
		switch r {
		case dkim.Pass:
			return 5
		case dkim.TempError:
			return 4
		case dkim.Fail, dkim.PermError, dkim.Policy, dkim.Neutral:
			return 3
		}
		return 0
	}
	for i := range outs {
		if best == nil || rank(outs[i].Result) > rank(best.Result) {
			best = &outs[i]
		}
	}
	if best == nil || best.Result == dkim.None {
		return s.row("dkim", DKIMNone, "none", "", nil)
	}
	switch best.Result {
	case dkim.Pass:
		return s.row("dkim", DKIMValid, "pass", best.Reason(), nil)
	case dkim.TempError:
		return s.row("dkim", DKIMTempError, "temperror", best.Reason(), best.Err)
	}
	return s.row("dkim", DKIMInvalid, string(best.Result), best.Reason(), best.Err)
}

func (s *Session) dmarcRow(o dmarc.Outcome) Row {
	var rule Rule
	switch o.Result {
	case dmarc.Pass:
		rule = DMARCPass
	case dmarc.Fail:
		switch {
		case o.Policy == dmarc.PolicyReject:
			rule = DMARCReject
		case o.Policy == dmarc.PolicyQuarantine:
			rule = DMARCQuarantine
		case o.Policy == "" && o.Disposition == dmarc.DispositionReject:
			// Failed closed before any policy was looked up (several
			// From fields): dmarc's own reject.
			rule = DMARCReject
		case o.Policy == "" && o.Disposition == dmarc.DispositionQuarantine:
			rule = DMARCQuarantine
		default:
			rule = DMARCNonePolicy
		}
	case dmarc.TempError:
		rule = DMARCTempError
	case dmarc.PermError:
		rule = DMARCPermError
	default:
		rule = DMARCMissing
	}
	return s.row("dmarc", rule, string(o.Result), o.Reason(), o.Err)
}

func (s *Session) arcRow(o arc.Outcome) Row {
	switch {
	case o.Result == arc.Pass:
		return s.row("arc", ARCValid, "pass", o.Reason(), nil)
	case o.Result == arc.None:
		return s.row("arc", ARCNone, "none", o.Reason(), nil)
	case o.Temporary():
		return s.row("arc", ARCTempError, "temperror", o.Reason(), o.Err)
	}
	return s.row("arc", ARCInvalid, string(o.Result), o.Reason(), o.Err)
}

func (s *Session) mimeRow(d mime.Outcome) Row {
	switch d.Result {
	case mime.ActionReject:
		return s.row("mime", MIMEReject, string(d.Result), d.Reason(), d.Err)
	case mime.ActionStrip:
		return s.row("mime", MIMEStrip, string(d.Result), d.Reason(), d.Err)
	}
	return s.row("mime", MIMEClean, string(d.Result), d.Reason(), d.Err)
}

func (s *Session) listRow(check string, res rbl.Result, reason string, listed, clean, unknown Rule, err error) Row {
	switch res {
	case rbl.Listed:
		return s.row(check, listed, string(res), reason, nil)
	case rbl.Unknown:
		return s.row(check, unknown, "temperror", reason, err)
	}
	return s.row(check, clean, string(res), reason, nil)
}

// bayesRows puts the spam probability in SpamAssassin's buckets. A
// classifier below its training minimum (bayes.ErrUntrained) did not
// judge the message and nothing failed: a skipped row, not
// BAYES_UNKNOWN (which says it could not judge: a store failure).
func (s *Session) bayesRows(o bayes.Outcome, err error) []Row {
	if err == nil && errors.Is(o.Err, bayes.ErrUntrained) && !errors.Is(o.Err, bayes.ErrStore) {
		return []Row{s.row("bayes", Skipped, "skipped", o.Reason(), o.Err)}
	}
	if err != nil || (o.Err != nil && o.Used == 0) {
		if err == nil {
			err = o.Err
		}
		return []Row{s.row("bayes", BayesUnknown, string(o.Result), o.Reason(), err)}
	}
	p := o.Score
	var rule Rule
	switch {
	case p < 0.01:
		rule = Bayes00
	case p < 0.05:
		rule = Bayes05
	case p < 0.20:
		rule = Bayes20
	case p < 0.40:
		rule = Bayes40
	case p < 0.60:
		rule = Bayes50
	case p < 0.80:
		rule = Bayes60
	case p < 0.95:
		rule = Bayes80
	case p < 0.99:
		rule = Bayes95
	default:
		rule = Bayes99
	}
	rows := []Row{s.row("bayes", rule, string(o.Result), o.Reason(), o.Err)}
	if p >= 0.999 {
		rows = append(rows, s.row("bayes", Bayes999, string(o.Result), "", nil))
	}
	return rows
}

func (s *Session) spfHELORow(o spf.Outcome) Row {
	rule := map[spf.Result]Rule{
		spf.Pass: SPFHELOPass, spf.Fail: SPFHELOFail, spf.SoftFail: SPFHELOSoftFail, spf.Neutral: SPFHELONeutral,
		spf.None: SPFHELONone, spf.TempError: SPFHELOTempError, spf.PermError: SPFHELOPermError,
	}[o.Result]
	if rule == "" {
		rule = SPFHELONone
	}
	return s.row("spf-helo", rule, string(o.Result), o.Reason(), o.Err)
}
