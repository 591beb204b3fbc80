package dmarc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dnsreason"
	"github.com/spamkit/spamkit/resolver"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Resolver is the DNS interface the package needs; *net.Resolver and
// *resolver.Resolver satisfy it. For np= (RFC 9091), the resolver must
// also have LookupNetIP and LookupMX (both do); otherwise np= is not used.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

type existResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
}

// DefaultMaxFromDomains is the default bound on From domains evaluated.
const DefaultMaxFromDomains = 5

// Result is a DMARC result (RFC 9989 §9.2, RFC 7489 §11.2, RFC 8601
// §2.7.5 tokens).
type Result string

// The results.
const (
	Pass      Result = "pass"      // an aligned identifier passed
	Fail      Result = "fail"      // none did, and a record applies
	None      Result = "none"      // no record, or no From domain
	TempError Result = "temperror" // DNS failure: try later
	PermError Result = "permerror" // the record is malformed, or several
)

// String returns the result token.
func (r Result) String() string { return string(r) }

// Disposition is what the policy asks for the message.
type Disposition string

// The dispositions.
const (
	DispositionNone       Disposition = "none"
	DispositionQuarantine Disposition = "quarantine"
	DispositionReject     Disposition = "reject"
)

// String returns the disposition token.
func (d Disposition) String() string { return string(d) }

// SPF is an SPF result as DMARC uses it (RFC 7489 §4.1): the result
// token of the check of the MAIL FROM identity (or of HELO, with a null
// sender) and the domain checked.
type SPF struct {
	// Result is an RFC 7208 §2.6 token, any case: "pass", "fail",
	// "softfail", "neutral", "none", "temperror" or "permerror"; empty
	// means none (SPF was not checked). Anything else is ErrSPFResult.
	Result string
	Domain string
	// Scope is the identity checked: "mfrom" (the MAIL FROM domain, or
	// "" for it) or "helo" (RFC 9990 SPFDomainScope). RFC 9989 §4.4.2
	// aligns the MAIL FROM identity only; a helo result is reported, and
	// aligned as given, as RFC 7489 §4.1 allowed.
	Scope string
}

// result returns s as a report row holds it.
func (s SPF) result() SPFResult {
	return SPFResult{Domain: s.Domain, Scope: cmpOr(strings.ToLower(s.Scope), "mfrom"), Result: cmpOr(strings.ToLower(s.Result), "none")}
}

// Input is what DMARC evaluates.
type Input struct {
	// Header is the message's header. If not nil, its From fields are
	// counted (several are a fail, see Evaluator.AllowMultipleFrom), and
	// when FromDomains is empty they give the From domains. Prefer it to
	// FromDomains alone, which cannot tell two From fields in one domain
	// from one.
	Header dkim.Header
	// FromDomains are the RFC5322.From domains (see FromDomains). If
	// empty, FromDomains(Header).
	FromDomains []string
	SPF         SPF
	// DKIM are the outcomes of the message's DKIM verification.
	DKIM []dkim.Outcome
	// ARC is the outcome of the message's ARC verification (package
	// dkim/arc), for the trusted-sealer override (see
	// Evaluator.TrustedSealers); nil if ARC was not verified.
	ARC *arc.Outcome
}

// Outcome is the DMARC outcome for a message.
type Outcome struct {
	// Result is the verdict; Err says why it is none, temperror or
	// permerror.
	Result Result
	// Err is the cause of a none, temperror or permerror, wrapping one
	// of the package's sentinels (and, for a DNS failure, the resolver's
	// error, which may name the server). It is for logs; Reason gives
	// the phrase for headers.
	Err error
	// Domain is the author (From) domain the result is for.
	Domain string
	// OrgDomain is Domain's organizational domain. In ModeRFC9989 it
	// is set only when the evaluation needed it (policy discovery by
	// the tree walk, or the relaxed alignment of another domain): it
	// costs DNS lookups (RFC 9989 §4.10.2).
	OrgDomain string
	// PolicyDomain is where the record was found: Domain, OrgDomain, or
	// in ModeRFC9989 a public suffix domain (psd=y).
	PolicyDomain string
	// Record is the record applied, nil if none.
	Record *Record
	// Policy is the policy that applies: p=, sp= or np=.
	Policy Policy
	// Disposition is the requested handling, after pct= sampling.
	Disposition Disposition
	// SampledOut reports that pct= excluded the message from Policy
	// (Disposition is then one step milder, RFC 7489 §6.6.4).
	SampledOut bool
	// SPFAligned and DKIMAligned report which identifiers passed and
	// aligned; AlignedDKIMDomain is the d= of the first aligned pass.
	SPFAligned, DKIMAligned bool
	AlignedDKIMDomain       string
	// Details explains the result, one fact per entry, for logs
	// ("dkim pass d=example.net not aligned (adkim=r)").
	Details []string

	// Mode is the rules the evaluation followed (for a report's
	// discovery_method: Mode.DiscoveryMethod).
	Mode Mode
	// Testing reports that the record has t=y (or pct=0 without t=) in
	// ModeRFC9989: a failing message gets the policy one level below
	// (RFC 9989 §4.7), with an OverridePolicyTestMode override.
	Testing bool
	// Overrides are the reasons the Disposition differs from the
	// Policy (RFC 9990 §3.1.6 policy_evaluated reason): t=y, pct=
	// sampling, the trusted ARC sealer override.
	Overrides []Override
	// DKIMResults are Input.DKIM as a report row holds them, in order,
	// with whether each passed and aligned (RFC 9990 auth_results).
	DKIMResults []DKIMResult
	// SPFResult is Input.SPF as a report row holds it.
	SPFResult SPFResult
	// ARCOverride reports that a trusted ARC sealer's results turned a
	// fail's disposition to none (see Evaluator.TrustedSealers); never
	// set when the disposition was none already (p=none).
	ARCOverride bool
}

// String renders o for logs, e.g. "fail from=example.com policy=reject
// disposition=reject", followed by the whole error for none, temperror
// and permerror.
func (o Outcome) String() string {
	s := string(o.Result)
	if o.Domain != "" {
		s += " from=" + o.Domain
	}
	if o.Record != nil {
		s += fmt.Sprintf(" policy=%s disposition=%s", o.Policy, o.Disposition)
	}
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// Reason returns a short, stable phrase for o, to go into a header such
// as Authentication-Results reason=: "no DMARC record", "DNS timeout",
// "no aligned identifier passed"... It never holds the error chain, a
// server address or a port (those stay in Err, for logs). It is "" for
// a pass.
func (o Outcome) Reason() string {
	switch {
	case o.Err == nil && o.Result == Fail && o.ARCOverride:
		return "no aligned identifier passed, trusted ARC override"
	case o.Err == nil && o.Result == Fail:
		return "no aligned identifier passed"
	case o.Err == nil:
		return ""
	case errors.Is(o.Err, errAuthorDomains):
		return "several author domains"
	case errors.Is(o.Err, ErrMultipleFrom):
		return "multiple From fields"
	case errors.Is(o.Err, ErrDNS):
		return dnsreason.Phrase(o.Err)
	case errors.Is(o.Err, ErrNoRecord):
		return "no DMARC record"
	case errors.Is(o.Err, ErrNoFrom):
		return "no From domain"
	case errors.Is(o.Err, ErrMultipleRecords):
		return "multiple DMARC records"
	case errors.Is(o.Err, ErrSyntax):
		return "malformed DMARC record"
	case errors.Is(o.Err, ErrTooManyFrom):
		return "too many From domains"
	case errors.Is(o.Err, ErrSPFResult):
		return "invalid SPF result"
	case errors.Is(o.Err, ErrTooManyLookups):
		return "too many DNS lookups"
	}
	return "DMARC not evaluated"
}

// AuthResult renders o as an Authentication-Results dmarc result (RFC
// 7489 §11.2): header.from, policy.dmarc, and Reason as reason. The zero
// Outcome (no evaluation) renders dmarc=none.
func (o Outcome) AuthResult() authres.Result {
	return authres.Result{Method: "dmarc", Value: string(cmp.Or(o.Result, None)), Reason: o.Reason(), Props: []authres.Prop{
		{Type: "header", Property: "from", Value: o.Domain},
		{Type: "policy", Property: "dmarc", Value: string(o.Policy)},
	}}
}

// DefaultTimeout bounds the lookups of one evaluation.
const DefaultTimeout = 10 * time.Second

// Evaluator evaluates DMARC. The zero value follows RFC 9989 (the DNS
// tree walk) with net.DefaultResolver; in ModeRFC7489 it uses the
// compiled-in public suffix list and math/rand/v2 for pct=.
//
// An Evaluator is safe for concurrent use by multiple goroutines; its
// fields must not change after first use, and it must not be copied
// after first use. It keeps the records it parsed (at most 256, shared
// by the Outcomes that apply them: Outcome.Record must not be modified).
type Evaluator struct {
	// Resolver looks up records. If nil, net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds the lookups of one evaluation, on top of the
	// context's deadline: running out gives TempError. If zero,
	// DefaultTimeout (10 s); if negative, only the context bounds them.
	Timeout time.Duration
	// Trace, if not nil, receives a line with each evaluation's
	// outcome. Evaluations running at once call it concurrently.
	Trace func(format string, args ...any)
	// OrgDomain returns the organizational domain of a domain (RFC 7489
	// §3.2), in ModeRFC7489 only (ModeRFC9989 finds it by the tree
	// walk). If nil, publicsuffix.EffectiveTLDPlusOne (and the domain
	// itself when it is a public suffix), of the domain without its
	// empty labels when it has some ("a..example.com": example.com).
	OrgDomain func(domain string) string
	// Percent returns a number in [0, 100) compared with pct=, in
	// ModeRFC7489 only (RFC 9989 removed pct=). If nil, rand.IntN(100).
	Percent func() int
	// MaxFromDomains bounds the From domains evaluated when
	// AllowMultipleFrom lets several be (each costs DNS lookups). If
	// zero, DefaultMaxFromDomains; more is a permerror with
	// ErrTooManyFrom.
	MaxFromDomains int
	// AllowMultipleFrom evaluates a message with several From fields
	// or author domains: each domain is evaluated and the strictest
	// failing result decides (RFC 7489 §6.6.1). By default such a
	// message fails with ErrMultipleFrom and a reject disposition,
	// without DNS lookups (§6.6.1: they are typically rejected; RFC 5322
	// §3.6 allows one From field): a second From above a signed message
	// is what readers show, while the signature covers the other (RFC
	// 6376 §8.15).
	AllowMultipleFrom bool
	// Mode selects the rules: ModeRFC9989 (the zero value: the DNS tree
	// walk) or ModeRFC7489 (the public suffix list and pct=, for sites
	// that must reproduce older verdicts).
	Mode Mode
	// MaxLookups bounds the DMARC record lookups of one evaluation in
	// ModeRFC9989: the tree walks of the From domain and of each
	// identifier within it to align (names they share are looked up
	// once). If zero, DefaultMaxLookups (32); never below
	// MaxWalkQueries+1 (9), policy discovery: one walk, and the
	// organizational domain a walk from a name of more than eight
	// labels skipped. Reaching it leaves the identifiers
	// not yet checked unaligned: a fail wrapping ErrTooManyLookups.
	MaxLookups int
	// TrustedSealers are the ARC sealer domains (ARC-Seal d=) whose
	// ARC-Authentication-Results this receiver trusts (RFC 8617 §7.2,
	// RFC 9989 §7.4 local policy). A message that fails DMARC with a
	// passing ARC chain (Input.ARC) whose oldest set sealed by one of
	// them says dmarc=pass for the From domain, or dkim=pass or
	// spf=pass with an aligned domain, gets the disposition none, an
	// OverrideLocalPolicy override with the chain in its comment, and
	// ARCOverride, unless a later hop sealed by a domain not listed
	// changed the message (that set's ARC-Message-Signature no longer
	// verifies: the chain's oldest-pass is above it). The result stays
	// fail. If empty, no override.
	TrustedSealers []string

	parsed parsedRecords // records by text, for warm evaluations
}

// Evaluate evaluates DMARC for a message. DNS failures are TempError,
// bad records PermError, no record None, each with Err. The error is
// non-nil only when in cannot be used: an SPF result that is no RFC 7208
// token (ErrSPFResult); the Outcome is then a PermError wrapping the
// same error, so that it still renders a registered token.
func (e *Evaluator) Evaluate(ctx context.Context, in Input) (Outcome, error) {
	switch strings.ToLower(in.SPF.Result) {
	case "", "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror":
	default:
		err := fmt.Errorf("%w: %q", ErrSPFResult, in.SPF.Result)
		return Outcome{Result: PermError, Err: err}, err
	}
	if t := e.Timeout; t >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmp.Or(t, DefaultTimeout))
		defer cancel()
	}
	o := e.evaluateAll(ctx, in)
	if e.Trace != nil {
		e.Trace("dmarc: %s", o)
	}
	return o, nil
}

func (e *Evaluator) evaluateAll(ctx context.Context, in Input) Outcome {
	from := in.FromDomains
	if len(from) == 0 && in.Header != nil {
		from = FromDomains(in.Header)
	}
	domains := uniqueDomains(from)
	if !e.AllowMultipleFrom {
		// Several From fields fail even when none names a usable
		// domain.
		if err := multipleFrom(in, domains); err != nil {
			// RFC 7489 §6.6.1: such messages are typically rejected.
			o := Outcome{Result: Fail, Disposition: DispositionReject, Err: err, Details: []string{err.Error()}}
			if len(domains) > 0 {
				o.Domain = domains[0]
			}
			return o
		}
	}
	if len(domains) == 0 {
		return Outcome{Result: None, Err: ErrNoFrom, Disposition: DispositionNone}
	}
	maxFrom := e.MaxFromDomains
	if maxFrom <= 0 {
		maxFrom = DefaultMaxFromDomains
	}
	if len(domains) > maxFrom {
		return Outcome{Result: PermError, Domain: domains[0], Disposition: DispositionNone,
			Err: fmt.Errorf("%w: %d, limit %d", ErrTooManyFrom, len(domains), maxFrom)}
	}
	// RFC 7489 §6.6.1: evaluate each From domain; the strictest failing
	// result decides.
	var best Outcome
	for i, d := range domains {
		o := e.evaluate(ctx, d, in)
		if i == 0 || rank(o) > rank(best) {
			best = o
		}
	}
	return best
}

// multipleFrom returns an ErrMultipleFrom error when the message has
// several From fields (counted in in.Header, or seen by a DKIM signature
// that covers a From and finds another above it) or author addresses in
// several domains.
func multipleFrom(in Input, domains []string) error {
	n := 0
	for _, f := range in.Header {
		if strings.EqualFold(f.Name, "From") {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("%w: %d From fields", ErrMultipleFrom, n)
	}
	for _, o := range in.DKIM {
		if slices.Contains(o.UnsignedFields, "from") {
			return fmt.Errorf("%w: a From field not signed by d=%s", ErrMultipleFrom, o.Domain)
		}
	}
	if len(domains) > 1 {
		return fmt.Errorf("%w: %w", ErrMultipleFrom, authorDomains(len(domains)))
	}
	return nil
}

// errAuthorDomains marks an ErrMultipleFrom for author addresses in
// several domains (rather than several From fields), for Reason.
var errAuthorDomains = errors.New("author domains")

func authorDomains(n int) error { return fmt.Errorf("%d %w", n, errAuthorDomains) }

// rank orders evaluations by strictness: a reject beats a quarantine
// beats a failed none beats errors beats pass and none.
func rank(e Outcome) int {
	switch {
	case e.Result == Fail && e.Disposition == DispositionReject:
		return 6
	case e.Result == Fail && e.Disposition == DispositionQuarantine:
		return 5
	case e.Result == Fail:
		return 4
	case e.Result == TempError:
		return 3
	case e.Result == PermError:
		return 2
	case e.Result == Pass:
		return 1
	}
	return 0
}

func (e *Evaluator) orgDomain(d string) string {
	if e.OrgDomain != nil {
		return e.OrgDomain(d)
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		// A name with empty labels (".example.com", "a..example.com": a
		// malformed From, or one IDNA made so from U+00AD) has no
		// answer from the list; its other labels name the organization
		// the tree walk finds in ModeRFC9989, so that such a From does
		// not escape its policy (RFC 7489 §6.6.1 leaves a malformed
		// From to local policy).
		if l := strings.Join(slices.DeleteFunc(strings.Split(d, "."), func(s string) bool { return s == "" }), "."); l != d && l != "" {
			if org, err := publicsuffix.EffectiveTLDPlusOne(l); err == nil {
				return org
			}
		}
		return d
	}
	return org
}

func (e *Evaluator) resolver() Resolver {
	if e.Resolver != nil {
		return e.Resolver
	}
	return net.DefaultResolver
}

func (e *Evaluator) mode() Mode {
	if e.Mode == ModeRFC7489 {
		return ModeRFC7489
	}
	return ModeRFC9989
}

// aligner reports whether an identifier aligns with the author domain.
type aligner func(id, author string, m Alignment) (bool, error)

func (e *Evaluator) evaluate(ctx context.Context, domain string, in Input) (o Outcome) {
	mode := e.mode()
	o = Outcome{Domain: domain, Disposition: DispositionNone, Mode: mode}
	o.SPFResult = SPF{Result: in.SPF.Result, Domain: in.SPF.Domain, Scope: in.SPF.Scope}.result()
	o.DKIMResults = make([]DKIMResult, len(in.DKIM))
	for i, v := range in.DKIM {
		o.DKIMResults[i] = DKIMResult{Domain: v.Domain, Selector: v.Selector, Result: string(cmp.Or(v.Result, dkim.None))}
	}

	var rec *Record
	var err error
	var align aligner
	var s *session
	if mode == ModeRFC7489 {
		o.OrgDomain = e.orgDomain(domain)
		// RFC 7489 §6.6.3: the From domain, then the organizational
		// domain.
		rec, err = e.lookup(ctx, domain)
		o.PolicyDomain = domain
		if errors.Is(err, ErrNoRecord) && o.OrgDomain != domain {
			rec, err = e.lookup(ctx, o.OrgDomain)
			o.PolicyDomain = o.OrgDomain
		}
		align = func(id, author string, m Alignment) (bool, error) { return e.aligned(id, author, m), nil }
	} else {
		// RFC 9989 §4.10.1: the From domain, then the tree walk.
		s = e.newSession(ctx)
		var details []string
		rec, o.PolicyDomain, details, err = s.discover(domain)
		o.Details = append(o.Details, details...)
		align = s.aligned
		defer func() {
			o.OrgDomain, _ = s.cachedOrg(domain)
			o.Details = append(o.Details, s.notes...)
		}()
	}
	switch {
	case errors.Is(err, ErrDNS):
		o.Result, o.Err = TempError, err
		return o
	case errors.Is(err, ErrNoRecord):
		o.Result, o.Err, o.PolicyDomain = None, err, ""
		return o
	case err != nil:
		o.Result, o.Err = PermError, err
		return o
	}
	o.Record = rec
	if mode == ModeRFC9989 {
		o.Testing = rec.Testing
	}

	// RFC 9989 §4.4, §4.10.2 (RFC 7489 §3.1): alignment.
	var alignErr error
	for i := range in.DKIM {
		v := &in.DKIM[i]
		if v.Result != dkim.Pass {
			continue
		}
		ok, err := align(v.Domain, domain, rec.DKIMAlignment)
		if err != nil {
			alignErr = cmp.Or(alignErr, err)
			o.Details = append(o.Details, fmt.Sprintf("dkim pass d=%s not checked: %v", v.Domain, err))
			continue
		}
		if ok {
			o.DKIMResults[i].Aligned = true
			if !o.DKIMAligned {
				o.DKIMAligned, o.AlignedDKIMDomain = true, v.Domain
			}
			o.Details = append(o.Details, fmt.Sprintf("dkim pass d=%s aligned (adkim=%s)", v.Domain, rec.DKIMAlignment))
			if mode == ModeRFC7489 {
				break
			}
			continue
		}
		o.Details = append(o.Details, fmt.Sprintf("dkim pass d=%s not aligned (adkim=%s)", v.Domain, rec.DKIMAlignment))
	}
	if strings.EqualFold(in.SPF.Result, "pass") {
		ok, err := align(in.SPF.Domain, domain, rec.SPFAlignment)
		switch {
		case err != nil:
			alignErr = cmp.Or(alignErr, err)
			o.Details = append(o.Details, fmt.Sprintf("spf pass %s not checked: %v", in.SPF.Domain, err))
		case ok:
			o.SPFAligned, o.SPFResult.Aligned = true, true
			o.Details = append(o.Details, fmt.Sprintf("spf pass %s aligned (aspf=%s)", in.SPF.Domain, rec.SPFAlignment))
		default:
			o.Details = append(o.Details, fmt.Sprintf("spf pass %s not aligned (aspf=%s)", in.SPF.Domain, rec.SPFAlignment))
		}
	} else {
		o.Details = append(o.Details, fmt.Sprintf("spf %s", cmpOr(strings.ToLower(in.SPF.Result), "none")))
	}

	// RFC 9989 §4.10.1 (RFC 7489 §6.6.2, RFC 9091 §4): the policy that
	// applies.
	o.Policy = rec.Policy
	if o.PolicyDomain != domain {
		if rec.SubdomainPolicy != "" {
			o.Policy = rec.SubdomainPolicy
		}
		if rec.NonexistentPolicy != "" && e.nonexistent(ctx, domain) {
			o.Policy = rec.NonexistentPolicy
			o.Details = append(o.Details, "From domain does not exist (np=)")
		}
	}
	if o.SPFAligned || o.DKIMAligned {
		o.Result = Pass
		return o
	}
	if errors.Is(alignErr, ErrDNS) {
		// RFC 9989 §5.3.6: a query that did not complete leaves the
		// message neither passing nor failing.
		o.Result, o.Err = TempError, alignErr
		return o
	}
	o.Result = Fail
	if alignErr != nil {
		// A limit is a finding: the identifiers left unchecked count as
		// not aligned, so the message fails rather than escaping its
		// policy (RFC 9989 §11.5).
		o.Err = alignErr
	}
	o.Details = append(o.Details, "no aligned identifier passed")
	o.Disposition = Disposition(o.Policy)
	switch {
	case mode == ModeRFC9989 && rec.Testing && o.Disposition != DispositionNone:
		// RFC 9989 §4.7 t=y: the policy one level below.
		o.Disposition = lower(o.Disposition)
		o.Overrides = append(o.Overrides, Override{Type: OverridePolicyTestMode, Comment: "t=y"})
		o.Details = append(o.Details, "testing (t=y): policy applied one level below")
	case mode == ModeRFC7489 && rec.Percent < 100 && e.percent() >= rec.Percent:
		// RFC 7489 §6.6.4: pct= sampling; a message sampled out gets the
		// next policy down.
		o.SampledOut = true
		o.Disposition = lower(o.Disposition)
		o.Overrides = append(o.Overrides, Override{Type: OverrideSampledOut, Comment: fmt.Sprintf("pct=%d", rec.Percent)})
		o.Details = append(o.Details, fmt.Sprintf("sampled out by pct=%d", rec.Percent))
	}
	e.arcOverride(&o, in, align)
	return o
}

// lower returns the disposition one step milder.
func lower(d Disposition) Disposition {
	switch d {
	case DispositionReject:
		return DispositionQuarantine
	case DispositionQuarantine:
		return DispositionNone
	}
	return d
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (e *Evaluator) percent() int {
	if e.Percent != nil {
		return e.Percent()
	}
	return rand.IntN(100)
}

// aligned reports whether id aligns with the author domain in mode m,
// by RFC 7489 §3.1 (organizational domains from OrgDomain).
func (e *Evaluator) aligned(id, author string, m Alignment) bool {
	id = normalizeID(id)
	if id == "" {
		return false
	}
	if m == Strict {
		return id == author
	}
	return e.orgDomain(id) == e.orgDomain(author)
}

// normalizeID returns an identifier's domain in lower case, without a
// trailing dot, as A-labels: the author domain is in A-labels
// (uniqueDomains), and an SMTPUTF8 MAIL FROM domain may come in
// U-labels.
//
// The final dot is removed after the IDNA mapping, which may make it
// (U+3002 and the other full stops are dots, U+00AD is nothing): an id
// it maps to nothing is "".
func normalizeID(id string) string {
	id = strings.ToLower(id)
	if a, err := idna.Lookup.ToASCII(id); err == nil {
		id = a
	}
	return strings.TrimSuffix(id, ".")
}

// lookup fetches and parses the record at _dmarc.domain (§6.6.3).
func (e *Evaluator) lookup(ctx context.Context, domain string) (*Record, error) {
	txts, err := e.resolver().LookupTXT(ctx, "_dmarc."+domain)
	switch {
	case err == nil:
	case resolver.IsNotFound(err):
		return nil, fmt.Errorf("%w at _dmarc.%s", ErrNoRecord, domain)
	case resolver.IsTemporary(err):
		return nil, fmt.Errorf("%w: %w", ErrDNS, err)
	default:
		return nil, fmt.Errorf("%w at _dmarc.%s: %w", ErrNoRecord, domain, err)
	}
	var recs []*Record
	var firstErr error
	for _, t := range txts {
		r, err := e.parsed.parse(t, ModeRFC7489)
		if errors.Is(err, ErrNotDMARC) {
			continue // §6.6.3 step 2: other records are discarded
		}
		if err != nil {
			firstErr = err
			continue
		}
		recs = append(recs, r)
	}
	switch {
	case len(recs) == 1 && firstErr == nil:
		return recs[0], nil
	case len(recs)+btoi(firstErr != nil) > 1:
		return nil, fmt.Errorf("%w at _dmarc.%s", ErrMultipleRecords, domain)
	case firstErr != nil:
		return nil, firstErr
	}
	return nil, fmt.Errorf("%w at _dmarc.%s", ErrNoRecord, domain)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nonexistent reports whether domain does not exist: NXDOMAIN for its
// addresses and mail exchangers (RFC 9091 §2.1). A *net.Resolver
// cannot tell NXDOMAIN from NODATA (both are a *net.DNSError with
// IsNotFound): through it, a name with neither addresses nor mail
// exchangers is taken as nonexistent, RFC 9091 §2.1's broader reading.
func (e *Evaluator) nonexistent(ctx context.Context, domain string) bool {
	r, ok := e.resolver().(existResolver)
	if !ok {
		return false
	}
	if _, err := r.LookupNetIP(ctx, "ip", domain); !notExist(err) {
		return false
	}
	_, err := r.LookupMX(ctx, domain)
	return notExist(err)
}

// notExist reports whether err says a name does not exist: NXDOMAIN
// from package resolver, or a not-found *net.DNSError (net.Resolver's
// only word for it; np= was never applied through it).
func notExist(err error) bool {
	if resolver.IsNXDomain(err) {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// FromDomains returns the domains of the addresses in the message's From
// header fields, lower case, each once. A field net/mail cannot parse (an
// encoded word in an unknown charset, an unclosed comment, a stray
// character after the address) still names its domains: every "@domain"
// in it is taken, since mail clients show such a From, and skipping it
// would exempt the message from DMARC (RFC 7489 §6.6.1 leaves malformed
// From fields to local policy and says such messages are typically
// rejected).
func FromDomains(h dkim.Header) []string {
	var out []string
	for _, f := range h {
		if !strings.EqualFold(f.Name, "From") {
			continue
		}
		addrs, err := fromParser.ParseList(f.Value())
		if err != nil {
			out = append(out, scanDomains(f.Value())...)
			continue
		}
		for _, a := range addrs {
			if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
				out = append(out, a.Address[at+1:])
			}
		}
	}
	return uniqueDomains(out)
}

// fromParser decodes encoded words of any charset to their bytes: only
// the addresses matter, and an unknown charset must not hide them.
var fromParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
}}

// scanDomains returns the domain after each '@' in s, up to the first
// character that cannot be part of a domain or domain literal.
func scanDomains(s string) []string {
	var out []string
	for {
		at := strings.IndexByte(s, '@')
		if at < 0 {
			return out
		}
		s = s[at+1:]
		end := strings.IndexAny(s, " \t\r\n<>,;:()\"@")
		if strings.HasPrefix(s, "[") {
			end = strings.IndexByte(s, ']') + 1
		}
		if end <= 0 {
			end = len(s)
		}
		if d := s[:end]; d != "" {
			out = append(out, d)
		}
	}
}

// uniqueDomains normalizes domains (lower case, no trailing dot, A-labels)
// and drops duplicates and empty ones, in time linear in their number
// (comparing each with those before took 0.7 s for a From of 16,000).
func uniqueDomains(in []string) []string {
	var out []string
	seen := make(map[string]struct{}, min(len(in), 64))
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		// An internationalized From domain (RFC 6532) is compared and
		// looked up as A-labels, the form d= and SPF domains and the DNS
		// use (RFC 6376 §3.5, RFC 5890 §2.3.2.1). The mapping may make
		// final dots (U+3002, or U+00AD after a dot), removed after it,
		// and may leave nothing: no domain.
		if a, err := idna.Lookup.ToASCII(d); err == nil {
			d = a
		}
		if d = strings.TrimRight(d, "."); d == "" {
			continue
		}
		if _, dup := seen[d]; !dup {
			seen[d] = struct{}{}
			out = append(out, d)
		}
	}
	return out
}
