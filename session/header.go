package session

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
)

// headers renders the fields to add.
func (s *Session) headers(v *Verdict) {
	e := s.e
	servID := e.AuthServID
	if servID == "" {
		servID = "localhost"
	}
	var results []authres.Result
	c := &v.Checks
	if c.FCrDNS != nil {
		results = append(results, c.FCrDNS.AuthResult())
	}
	if c.SPF != nil {
		results = append(results, c.SPF.AuthResult())
	}
	if e.DKIM != nil {
		results = append(results, dkim.AuthResults(c.DKIM)...)
	}
	if c.DMARC != nil {
		results = append(results, c.DMARC.AuthResult())
	}
	if c.ARC != nil {
		results = append(results, c.ARC.AuthResult())
	}
	c.AuthResults = authres.Header{ServID: servID, Results: results}

	if s.sealS != nil {
		var set string
		var err error
		switch {
		case c.ARC != nil:
			set, err = s.sealS.Close(results, c.ARC.Result)
		case !hasARCSet(s.hdr):
			// No ARC set received: the chain is none, which needs no
			// verifier (RFC 8617 §5.1.1: i=1, cv=none).
			set, err = s.sealS.Close(results, arc.None)
		default:
			// Sets received, and no verifier (Engine.ARC nil) to say
			// whether their chain is valid: a seal must not vouch
			// for what it did not check (RFC 8617 §5.1.1).
			s.sealSkip = "ARC chain not verified"
		}
		switch {
		case s.sealSkip != "":
		case err != nil:
			s.sealSkip, s.sealErr = "seal failed", err
		default:
			v.Headers = append(v.Headers, splitFields(set)...)
		}
	}
	if s.sealSkip != "" {
		// Sealing is no check: the action stands, but the table says
		// that the message leaves without this host's seal.
		v.Rows = append(v.Rows, s.row("arc-seal", ARCNotSealed, "skipped", s.sealSkip, s.sealErr))
	}
	v.Headers = append(v.Headers, splitFields(c.AuthResults.Field())...)
	if c.SPF != nil {
		v.Headers = append(v.Headers, splitFields(c.SPF.ReceivedSPF())...)
	}
	if v.Spam() {
		v.Headers = append(v.Headers, Field{Name: "X-Spam-Flag", Value: " YES"})
	}
	v.Headers = append(v.Headers, Field{Name: "X-Spam-Score", Value: " " + tagScore(v)})
	v.Headers = append(v.Headers, Field{Name: "X-Spam-Status", Value: spamStatus(v)})
	v.Headers = append(v.Headers, Field{Name: "X-Spam-Report", Value: spamReport(v.Rows)})
	if v.Err != nil && e.OnError == AcceptOnError {
		var checks []string
		for _, r := range v.Rows {
			if r.Rule == InternalError {
				checks = append(checks, r.Check)
			}
		}
		v.Headers = append(v.Headers, Field{Name: "X-Spamkit-Error", Value: " not finished: " + strings.Join(slices.Compact(checks), ", ")})
	}
}

// hasARCSet reports whether h carries an ARC set (an ARC-Seal field).
func hasARCSet(h dkim.Header) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, "ARC-Seal") {
			return true
		}
	}
	return false
}

// formatScore renders a score as SpamAssassin's _SCORE_ does: one
// decimal.
func formatScore(f float64) string {
	if f > -0.05 && f < 0.05 {
		f = 0 // no "-0.0"
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// tagScore renders the score as SpamAssassin's _SCORE_ tag does
// (Mail::SpamAssassin::Util::get_tag_value_for_score): a ham whose score
// would print as the threshold or above prints one tenth below the
// threshold, so that a reader of the header never sees a ham at 5.0 of
// 5.0.
func tagScore(v *Verdict) string {
	s, req := formatScore(v.Score), formatScore(v.Required)
	if v.Spam() {
		return s
	}
	fs, _ := strconv.ParseFloat(s, 64)
	freq, _ := strconv.ParseFloat(req, 64)
	if fs < freq {
		return s
	}
	return formatScore(freq - 0.1)
}

// spamStatus renders X-Spam-Status in SpamAssassin's default format
// ("_YESNO_, score=_SCORE_ required=_REQD_ tests=_TESTS_
// autolearn=_AUTOLEARN_ version=_VERSION_"), tests in name order, folded
// between tests.
func spamStatus(v *Verdict) string {
	var tests []string
	for _, r := range v.Rows {
		if r.Score != 0 {
			tests = append(tests, string(r.Rule))
		}
	}
	slices.Sort(tests)
	tests = slices.Compact(tests)
	yes := "No"
	if v.Spam() {
		yes = "Yes"
	}
	var b strings.Builder
	line := " " + yes + ", score=" + tagScore(v) + " required=" + formatScore(v.Required) + " tests="
	b.WriteString(line)
	col := len("X-Spam-Status:") + len(line)
	if len(tests) == 0 {
		tests = []string{"none"}
	}
	for i, t := range tests {
		tok := t
		if i < len(tests)-1 {
			tok += ","
		}
		if col+len(tok) > 78 && i > 0 {
			b.WriteString("\r\n\t")
			col = 8
		}
		b.WriteString(tok)
		col += len(tok)
	}
	for _, tok := range []string{"autolearn=no", "version=" + Version} {
		if col+1+len(tok) > 78 {
			b.WriteString("\r\n\t")
			col = 8
		} else {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(tok)
		col += len(tok)
	}
	return b.String()
}

// spamReport renders the score table as SpamAssassin's X-Spam-Report
// lays out its hits: one "* points RULE description" line per row.
func spamReport(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("\r\n\t* ")
		fmt.Fprintf(&b, "%4s %s %s=%s", formatScore(r.Score), r.Rule, r.Check, r.Result)
		if r.Reason != "" {
			b.WriteString(" (" + sanitize(r.Reason) + ")")
		}
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

// sanitize keeps a phrase on one header line.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// splitFields splits rendered header fields ("Name: value\r\n\tmore\r\n
// Other: ...") into Fields.
func splitFields(text string) []Field {
	text = strings.TrimRight(text, "\r\n")
	var out []Field
	for text != "" {
		end := len(text)
		for i := 0; i+1 < len(text); i++ {
			if text[i] == '\n' && text[i+1] != ' ' && text[i+1] != '\t' {
				end = i + 1
				break
			}
		}
		field := strings.TrimRight(text[:end], "\r\n")
		text = text[end:]
		name, value, ok := strings.Cut(field, ":")
		if !ok {
			continue
		}
		out = append(out, Field{Name: name, Value: value})
	}
	return out
}

// forged returns the received fields to remove before delivery
// (Verdict.Remove), bottom up.
func (s *Session) forged() []FieldRef {
	servID := s.e.AuthServID
	if servID == "" {
		servID = "localhost"
	}
	// The fields past MaxHeaderBytes reach the recipient all the same:
	// a sender who padded the header must not smuggle one past the cap.
	fields, _ := s.wholeHeader()
	seen := make(map[string]int)
	var refs []FieldRef
	for _, f := range fields {
		key := strings.ToLower(f.Name)
		seen[key]++
		remove := false
		switch {
		case key == "authentication-results":
			remove = claims(f.Value(), servID)
		case strings.HasPrefix(key, "x-spam-"), strings.HasPrefix(key, "x-spamkit-"):
			remove = true
		}
		if remove {
			refs = append(refs, FieldRef{Name: f.Name, Index: seen[key]})
		}
	}
	slices.Reverse(refs)
	return refs
}

// claims reports whether the Authentication-Results value claims the
// authserv-id servID (RFC 8601 §2.5, compared as a domain name: case
// ignored, and one trailing dot, so that "mx.example.org." is ours too).
// A value authres cannot parse is read leniently: its
// first word, past comments and quotes, so that a malformed field
// claiming this host is removed too.
func claims(value, servID string) bool {
	if h, err := authres.Parse(value); err == nil {
		return sameServID(h.ServID, servID)
	}
	v := strings.TrimLeft(value, " \t\r\n")
	for strings.HasPrefix(v, "(") {
		depth := 0
		i := 0
		for ; i < len(v); i++ {
			if v[i] == '(' {
				depth++
			} else if v[i] == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if i >= len(v) {
			return false
		}
		v = strings.TrimLeft(v[i+1:], " \t\r\n")
	}
	end := strings.IndexAny(v, "; \t\r\n(")
	if end < 0 {
		end = len(v)
	}
	id := strings.Trim(v[:end], "\"")
	return sameServID(id, servID)
}

// sameServID reports whether two authserv-ids name the same host: DNS
// names compared case-insensitively, a trailing dot (the root, RFC 1034
// §3.1) ignored.
func sameServID(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// wholeHeader returns the header fields the checks of what the
// recipient sees need (DMARC's From, the fields to remove), and whether
// it has them all. Past MaxHeaderBytes the checks that stream (DKIM,
// ARC) read the header up to the cut, but the fields after it reach the
// recipient all the same: the overflow reader kept those of the names
// that matter (From, Authentication-Results, X-Spam-*, X-Spamkit-*) as
// the header streamed, held with the message or not, with bounded
// memory; ok is false when it had to drop some (over maxOverFields).
func (s *Session) wholeHeader() (h dkim.Header, ok bool) {
	if s.over == nil {
		return s.hdr, true
	}
	return append(s.hdr[:len(s.hdr):len(s.hdr)], s.over.fields...), s.over.dropped == 0
}
