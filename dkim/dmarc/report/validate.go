package report

import (
	"fmt"
	"slices"
)

// The token sets of RFC 9990's schema (Appendix A).
var (
	dispositions   = []string{"none", "pass", "quarantine", "reject"}
	policies       = []string{"none", "quarantine", "reject"}
	alignedResults = []string{"pass", "fail"}
	reasonTypes    = []string{"local_policy", "mailing_list", "other", "policy_test_mode", "trusted_forwarder"}
	dkimResults    = []string{"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"}
	spfResults     = []string{"none", "pass", "fail", "softfail", "policy", "neutral", "temperror", "permerror"}
	alignments     = []string{"r", "s"}
	discoveries    = []string{"psl", "treewalk"}
	testings       = []string{"n", "y"}
)

func oneOf(field, v string, set []string, optional bool) error {
	if optional && v == "" || slices.Contains(set, v) {
		return nil
	}
	return fmt.Errorf("%w: %s %q is not one of %v", ErrInvalidRow, field, v, set)
}

// validPolicy reports whether p can be written into a schema-valid
// policy_published element.
func validPolicy(p Policy) error {
	if p.Domain == "" {
		return fmt.Errorf("%w: no policy domain", ErrInvalidRow)
	}
	for _, c := range []struct {
		field, v string
		set      []string
		optional bool
	}{
		{"p", p.P, policies, false},
		{"sp", p.SP, policies, true},
		{"np", p.NP, policies, true},
		{"adkim", p.ADKIM, alignments, true},
		{"aspf", p.ASPF, alignments, true},
		{"discovery_method", p.DiscoveryMethod, discoveries, true},
		{"testing", p.Testing, testings, true},
	} {
		if err := oneOf(c.field, c.v, c.set, c.optional); err != nil {
			return err
		}
	}
	return nil
}

// validRow reports whether r can be written into a schema-valid record.
func validRow(r *Row) error {
	if !r.SourceIP.IsValid() {
		return fmt.Errorf("%w: no source address", ErrInvalidRow)
	}
	if r.Count < 0 {
		return fmt.Errorf("%w: negative count", ErrInvalidRow)
	}
	if r.HeaderFrom == "" {
		return fmt.Errorf("%w: no header_from", ErrInvalidRow)
	}
	if err := oneOf("disposition", string(r.Disposition), dispositions, false); err != nil {
		return err
	}
	if err := oneOf("policy_evaluated dkim", string(r.DKIM), alignedResults, false); err != nil {
		return err
	}
	if err := oneOf("policy_evaluated spf", string(r.SPF), alignedResults, false); err != nil {
		return err
	}
	for _, rs := range r.Reasons {
		if err := oneOf("reason type", string(rs.Type), reasonTypes, false); err != nil {
			return err
		}
	}
	for _, d := range r.DKIMResults {
		if err := oneOf("dkim result", d.Result, dkimResults, false); err != nil {
			return err
		}
	}
	for _, s := range r.SPFResults {
		if err := oneOf("spf result", s.Result, spfResults, false); err != nil {
			return err
		}
		if err := oneOf("spf scope", s.Scope, []string{"mfrom"}, true); err != nil {
			return err
		}
	}
	return nil
}
