package report

import (
	"strings"
)

// SubjectFields are the parts of an aggregate report's Subject (RFC 9990
// §3.5.2): the Policy Domain, the submitter and the Report-ID, which
// tell duplicate reports apart before their attachment is read.
type SubjectFields struct {
	Domain    string // the Policy Domain, lower case
	Submitter string
	ReportID  string // without angle brackets
}

// subjectLabels are the labels ParseSubject knows, in lower case.
var subjectLabels = []string{"domain:", "submitter:", "report-id:", "date:"}

// ParseSubject reads an aggregate report's Subject as providers write
// it: "Report Domain: d Submitter: s Report-ID: <id>" (RFC 9990), with a
// lower-case "domain" (Google), semicolons (Mail.Ru), values in braces
// and a Date (Amazon SES), a Report-ID with or without angle brackets,
// folded. ok is false without a "Report ... Domain:" and a "Submitter:".
func ParseSubject(subject string) (f SubjectFields, ok bool) {
	s := strings.Join(strings.Fields(subject), " ")
	l := strings.ToLower(s)
	rep := strings.Index(l, "report")
	if rep < 0 {
		return f, false
	}
	values := make(map[string]string)
	for _, label := range subjectLabels {
		i := strings.Index(l[rep:], label)
		if i < 0 {
			continue
		}
		start := rep + i + len(label)
		end := len(s)
		for _, other := range subjectLabels {
			if j := strings.Index(l[start:], other); j >= 0 && start+j < end {
				end = start + j
			}
		}
		// The next label's own word ("Report-ID:" after "Submitter: x")
		// is cut with it; only a trailing separator remains.
		v := strings.TrimSpace(s[start:end])
		v = strings.TrimRight(v, " ;,")
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(v, "{"), "}"))
		v = strings.Trim(v, "{}<> ")
		values[label] = v
	}
	f = SubjectFields{Domain: strings.ToLower(values["domain:"]), Submitter: values["submitter:"], ReportID: values["report-id:"]}
	return f, f.Domain != "" && f.Submitter != ""
}
