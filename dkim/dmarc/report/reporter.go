package report

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spamkit/spamkit/dkim/dmarc"
)

// Default limits of a Reporter.
const (
	DefaultPeriod           = 24 * time.Hour
	DefaultMaxReports       = 10_000
	DefaultMaxRowsPerReport = 100_000
	DefaultMaxRows          = 500_000
	// DefaultMaxDKIMPerRow is RFC 9990 §3.1.3's bound: "no more than 100
	// signatures for a given row".
	DefaultMaxDKIMPerRow   = 100
	DefaultMaxFieldBytes   = 1024
	DefaultMaxDestinations = 5
	DefaultTimeout         = 10 * time.Second
)

// Evaluation is what a Reporter records for one message (or Count
// messages): the policy found, where reports go, and the row.
// FromDMARC fills one from a dmarc evaluation.
type Evaluation struct {
	// Time is when the message was evaluated; it picks the reporting
	// period. If zero, Reporter.Now().
	Time time.Time
	// Policy is the policy published by the Policy Domain (its Domain).
	Policy Policy
	// RUA are the rua= URIs of the policy record, as published.
	RUA []string
	// Row is the message's row; Count zero means one message.
	Row Row
}

// Reporter accumulates DMARC evaluations into aggregate reports (RFC
// 9990) per reporting period and Policy Domain, and writes them as XML
// or as the message that carries them to the rua= destinations. The
// zero value keeps rows in a MemoryStore, with the default limits; set
// OrgName, Email and Submitter before writing reports.
//
// A Reporter is safe for concurrent use by multiple goroutines; its
// fields must not change after first use.
type Reporter struct {
	// Store keeps the rows. If nil, a MemoryStore.
	Store Store

	// OrgName, Email and ExtraContactInfo describe the reporting
	// organization (report_metadata). Generator names the software.
	OrgName, Email, ExtraContactInfo, Generator string
	// Submitter is the receiver's domain: the report's filename and
	// subject name it (RFC 9990 §3.5.2), as does the default Report-ID.
	Submitter string
	// Instance, if not empty, is the unique-id of filenames (RFC 9990
	// §3.5.2: letters and digits), for several Reporters of one
	// receiver reporting the same periods; it is also in Report-IDs.
	Instance string
	// ReportID returns the Report-ID of a report (RFC 9990 §3.5.1); it
	// must be unique among reports to one domain and the same when a
	// report is sent again. If nil, "<begin>.<domain>[.<instance>]@<submitter>".
	ReportID func(Key) string

	// Period is the length of a reporting period; periods start at
	// multiples of it since the Unix epoch (UTC midnight for a day).
	// If zero, DefaultPeriod (a day).
	Period time.Duration

	// MaxReports bounds the reports held at once (periods times Policy
	// Domains); a new one beyond it is ErrTooManyReports. If zero,
	// DefaultMaxReports.
	MaxReports int
	// MaxRowsPerReport bounds the distinct rows of one report; a new
	// row beyond it is ErrTooManyRows and its messages are counted as
	// left out. If zero, DefaultMaxRowsPerReport.
	MaxRowsPerReport int
	// MaxRows bounds the distinct rows of all reports together, so
	// that the store's memory is bounded. If zero, DefaultMaxRows.
	MaxRows int
	// MaxDKIMPerRow bounds the DKIM results of a row; beyond it the
	// signatures kept are chosen in RFC 9990 §3.1.3's order (aligned
	// passes first). If zero, DefaultMaxDKIMPerRow (100).
	MaxDKIMPerRow int
	// MaxFieldBytes bounds each string of a row (domains, selectors,
	// comments, human_result); a longer one is ErrFieldTooLong and the
	// row's messages are counted as left out. If zero,
	// DefaultMaxFieldBytes.
	MaxFieldBytes int
	// MaxDestinations bounds the rua= URIs a report is sent to (RFC
	// 9990 §3.5: "up to the Receiver's limits"). If zero,
	// DefaultMaxDestinations.
	MaxDestinations int

	// Resolver looks up the external-destination records (RFC 9990 §4).
	// If nil, net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds the lookups of one Destinations call. If zero,
	// DefaultTimeout; if negative, only the context bounds them.
	Timeout time.Duration
	// Mode is the rules of the evaluations recorded, for
	// VerifyDestinations: ModeRFC9989 (the zero value) finds the
	// Organizational Domains that tell external destinations (RFC 9990
	// §4) by RFC 9989's DNS tree walk (§4.10.2) through Resolver;
	// ModeRFC7489 by the public suffix list (golang.org/x/net/publicsuffix),
	// both with a dmarc.Evaluator of that Mode and Resolver
	// (Evaluator.OrganizationalDomain). Destinations follows the
	// discovery_method of the report's policy instead.
	Mode dmarc.Mode
	// OrgDomain, if not nil, returns a domain's Organizational Domain
	// in place of both methods. It also ranks DKIM results beyond
	// MaxDKIMPerRow; if nil, the public suffix list's does there.
	OrgDomain func(domain string) string
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
	// Trace, if not nil, receives a line for each row refused and each
	// destination dropped.
	Trace func(format string, args ...any)

	once  sync.Once
	store Store
}

func (r *Reporter) getStore() Store {
	r.once.Do(func() {
		r.store = r.Store
		if r.store == nil {
			r.store = new(MemoryStore)
		}
	})
	return r.store
}

func (r *Reporter) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reporter) period() int64 {
	p := int64(cmp.Or(r.Period, DefaultPeriod) / time.Second)
	return max(p, 1)
}

func (r *Reporter) limits() Limits {
	return Limits{
		MaxReports:       cmp.Or(r.MaxReports, DefaultMaxReports),
		MaxRowsPerReport: cmp.Or(r.MaxRowsPerReport, DefaultMaxRowsPerReport),
		MaxRows:          cmp.Or(r.MaxRows, DefaultMaxRows),
	}
}

func (r *Reporter) trace(format string, args ...any) {
	if r.Trace != nil {
		r.Trace(format, args...)
	}
}

// KeyAt returns the key of the report that an evaluation for
// policyDomain at t goes into.
func (r *Reporter) KeyAt(policyDomain string, t time.Time) Key {
	p := r.period()
	s := t.Unix()
	begin := s - s%p
	if s < 0 && s%p != 0 {
		begin -= p
	}
	return Key{Domain: aLabel(normDomain(policyDomain)), Begin: begin}
}

// Add records an evaluation. It returns an error wrapping
// ErrInvalidRow for a row or policy that cannot be written into a
// schema-valid report (nothing is recorded), ErrTooManyReports,
// ErrTooManyRows or ErrFieldTooLong when a limit kept the row out (the
// last two count its messages as left out of the report), or the
// store's error; on a ctx that ended, ctx's error (nothing is recorded,
// whatever the store).
func (r *Reporter) Add(ctx context.Context, ev Evaluation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := ev.Time
	if t.IsZero() {
		t = r.now()
	}
	p := ev.Policy
	p.Domain = aLabel(normDomain(p.Domain))
	if err := validPolicy(p); err != nil {
		return err
	}
	// The Policy Domain goes into the filename and the Subject.
	if !hostname(p.Domain) {
		return fmt.Errorf("%w: policy domain %q is no domain name", ErrInvalidRow, p.Domain)
	}
	row := ev.Row
	row.SourceIP = row.SourceIP.Unmap()
	row.Count = cmp.Or(row.Count, 1)
	row.HeaderFrom = normDomain(row.HeaderFrom)
	row.EnvelopeFrom = normDomain(row.EnvelopeFrom)
	row.EnvelopeTo = normDomain(row.EnvelopeTo)
	if err := validRow(&row); err != nil {
		return err
	}
	if len(row.SPFResults) > 1 {
		row.SPFResults = row.SPFResults[:1] // the schema allows one
	}
	kept, err := r.capDKIM(ctx, row.HeaderFrom, row.DKIMResults)
	if err != nil {
		return err
	}
	row.DKIMResults = kept
	k := r.KeyAt(p.Domain, t)
	lim := r.limits()
	st := r.getStore()
	if f := r.longField(&row); f != "" {
		if err := st.Drop(ctx, k, p, ev.RUA, row.Count, lim); err != nil {
			return err
		}
		r.trace("dmarc report: row for %s left out: %s longer than %d octets", k.Domain, f, cmp.Or(r.MaxFieldBytes, DefaultMaxFieldBytes))
		return fmt.Errorf("%w: %s (limit %d)", ErrFieldTooLong, f, cmp.Or(r.MaxFieldBytes, DefaultMaxFieldBytes))
	}
	err = st.Add(ctx, k, p, ev.RUA, &row, lim)
	if err != nil {
		r.trace("dmarc report: row for %s left out: %v", k.Domain, err)
	}
	return err
}

func normDomain(d string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
}

// longField names the first string of row longer than MaxFieldBytes.
func (r *Reporter) longField(row *Row) string {
	n := cmp.Or(r.MaxFieldBytes, DefaultMaxFieldBytes)
	check := func(name, s string) bool { return len(s) > n }
	for _, f := range []struct{ name, s string }{
		{"header_from", row.HeaderFrom}, {"envelope_from", row.EnvelopeFrom}, {"envelope_to", row.EnvelopeTo},
	} {
		if check(f.name, f.s) {
			return f.name
		}
	}
	for _, x := range row.Reasons {
		if check("comment", x.Comment) {
			return "reason comment"
		}
	}
	for _, x := range row.DKIMResults {
		switch {
		case check("", x.Domain):
			return "dkim domain"
		case check("", x.Selector):
			return "dkim selector"
		case check("", x.HumanResult):
			return "dkim human_result"
		}
	}
	for _, x := range row.SPFResults {
		switch {
		case check("", x.Domain):
			return "spf domain"
		case check("", x.HumanResult):
			return "spf human_result"
		}
	}
	return ""
}

// capDKIM keeps at most MaxDKIMPerRow results, in RFC 9990 §3.1.3's
// order of preference: passes in strict alignment with the From
// domain, passes in relaxed alignment, other passes, the rest, each in
// the order given. Each result is ranked once (an organizational domain
// each), looking at ctx every ctxEvery results: a verifier without a
// signature limit gives one per DKIM-Signature field of the message.
func (r *Reporter) capDKIM(ctx context.Context, from string, in []DKIMAuth) ([]DKIMAuth, error) {
	n := cmp.Or(r.MaxDKIMPerRow, DefaultMaxDKIMPerRow)
	if len(in) <= n {
		return in, nil
	}
	org := r.orgDomain(from)
	rank := func(d DKIMAuth) int {
		dom := normDomain(d.Domain)
		switch {
		case d.Result != "pass":
			return 3
		case dom == from:
			return 0
		case r.orgDomain(dom) == org:
			return 1
		}
		return 2
	}
	var byRank [4][]DKIMAuth // each in the order given: a stable partition
	for i, d := range in {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		k := rank(d)
		if len(byRank[k]) < n { // n of one rank are all that can be kept
			byRank[k] = append(byRank[k], d)
		}
	}
	out := make([]DKIMAuth, 0, n)
	for _, ds := range byRank {
		out = append(out, ds[:min(len(ds), n-len(out))]...)
	}
	return out, nil
}

// ctxEvery is how many elements of a caller's list Add goes over between
// two looks at ctx.
const ctxEvery = 64

// Due returns the keys of the reports whose period ended at or before
// now, oldest first.
func (r *Reporter) Due(ctx context.Context, now time.Time) ([]Key, error) {
	keys, err := r.getStore().Keys(ctx)
	if err != nil {
		return nil, err
	}
	p := r.period()
	keys = slices.DeleteFunc(keys, func(k Key) bool { return k.Begin+p > now.Unix() })
	sortKeys(keys)
	return keys, nil
}

// Info describes the accumulated report k.
func (r *Reporter) Info(ctx context.Context, k Key) (Info, error) {
	return r.getStore().Info(ctx, k)
}

// Done removes report k from the store, once it was sent.
func (r *Reporter) Done(ctx context.Context, k Key) error {
	return r.getStore().Delete(ctx, k)
}

// Metadata returns the report_metadata of report k with info: the
// period, the Report-ID, and an error element saying how many messages
// a limit left out.
func (r *Reporter) Metadata(k Key, info Info) Metadata {
	m := Metadata{
		OrgName:          r.OrgName,
		Email:            r.Email,
		ExtraContactInfo: r.ExtraContactInfo,
		Generator:        r.Generator,
		ReportID:         r.reportID(k),
		Begin:            time.Unix(k.Begin, 0).UTC(),
		End:              time.Unix(k.Begin+r.period()-1, 0).UTC(),
	}
	if info.Dropped > 0 {
		m.Errors = append(m.Errors, fmt.Sprintf("%d messages not reported: receiver's report size limit reached", info.Dropped))
	}
	return m
}

func (r *Reporter) reportID(k Key) string {
	if r.ReportID != nil {
		return r.ReportID(k)
	}
	id := strconv.FormatInt(k.Begin, 10) + "." + k.Domain
	if r.Instance != "" {
		id += "." + r.Instance
	}
	return id + "@" + cmp.Or(normDomain(r.Submitter), "invalid")
}

// Report returns report k whole, rows included. WriteXML and
// WriteMessage write a report without holding its rows at once.
func (r *Reporter) Report(ctx context.Context, k Key) (*Report, error) {
	st := r.getStore()
	info, err := st.Info(ctx, k)
	if err != nil {
		return nil, err
	}
	rep := &Report{Namespace: Namespace, Version: "1.0", Metadata: r.Metadata(k, info), Policy: info.Policy}
	rep.Policy.Percent = -1
	err = st.Rows(ctx, k, func(row *Row) error {
		rep.Rows = append(rep.Rows, cloneRow(row))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// WriteXML writes report k as RFC 9990 XML, row by row from the store,
// and returns its metadata.
func (r *Reporter) WriteXML(ctx context.Context, w io.Writer, k Key) (Metadata, error) {
	st := r.getStore()
	info, err := st.Info(ctx, k)
	if err != nil {
		return Metadata{}, err
	}
	m := r.Metadata(k, info)
	if err := r.checkMetadata(m); err != nil {
		return m, err
	}
	if info.Rows == 0 {
		return m, fmt.Errorf("%w: every row of %s was left out by a limit", ErrNoReport, k.Domain)
	}
	x := newXMLWriter(w)
	x.head(m, info.Policy)
	if err := st.Rows(ctx, k, func(row *Row) error { x.row(row); return nil }); err != nil {
		return m, err
	}
	return m, x.tail()
}

func (r *Reporter) checkMetadata(m Metadata) error {
	switch {
	case m.OrgName == "" || m.Email == "" || r.Submitter == "":
		return fmt.Errorf("%w: Reporter needs OrgName, Email and Submitter", ErrInvalidRow)
	case !hostname(aLabel(normDomain(r.Submitter))):
		return fmt.Errorf("%w: Submitter %q is no domain name", ErrInvalidRow, r.Submitter)
	case strings.TrimFunc(r.Instance, isAlnum) != "":
		return fmt.Errorf("%w: Instance %q is not letters and digits (RFC 9990 §3.5.2 unique-id)", ErrInvalidRow, r.Instance)
	case !dotAtom(m.ReportID) && !msgID(m.ReportID):
		return fmt.Errorf("%w: Report-ID %q is no ridfmt (RFC 9990 §3.5.1)", ErrInvalidRow, m.ReportID)
	}
	return nil
}

func isAlnum(c rune) bool {
	return c < 0x80 && (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

// hostname reports whether d is a DNS name of letters, digits, hyphens
// and underscores, as filenames and the Subject can carry.
func hostname(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for l := range strings.SplitSeq(d, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, c := range l {
			if !isAlnum(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}
