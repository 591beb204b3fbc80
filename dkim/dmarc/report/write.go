package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// xmlWriter writes an RFC 9990 report element by element, so that a
// report of any number of rows is written in constant memory.
type xmlWriter struct {
	w   *bufio.Writer
	num [64]byte // scratch for numbers and addresses
}

func newXMLWriter(w io.Writer) *xmlWriter {
	return &xmlWriter{w: bufio.NewWriterSize(w, 32<<10)}
}

func (x *xmlWriter) raw(s string) { x.w.WriteString(s) }

// text writes s escaped; xml.EscapeText writes U+FFFD for octets that
// are no UTF-8 and for characters XML does not allow, so the output is
// well-formed whatever the input.
func (x *xmlWriter) text(s string) {
	if isPlain(s) {
		x.w.WriteString(s)
		return
	}
	xml.EscapeText(x.w, []byte(s))
}

// isPlain reports whether s needs no escaping: printable ASCII without
// markup characters (every token and most domains).
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&' || c == '\'' || c == '"' {
			return false
		}
	}
	return true
}

func (x *xmlWriter) elem(indent, name, value string) {
	x.raw(indent)
	x.raw("<")
	x.raw(name)
	x.raw(">")
	x.text(value)
	x.raw("</")
	x.raw(name)
	x.raw(">\n")
}

func (x *xmlWriter) opt(indent, name, value string) {
	if value != "" {
		x.elem(indent, name, value)
	}
}

func (x *xmlWriter) int(indent, name string, n int64) {
	x.raw(indent)
	x.raw("<")
	x.raw(name)
	x.raw(">")
	x.w.Write(strconv.AppendInt(x.num[:0], n, 10))
	x.raw("</")
	x.raw(name)
	x.raw(">\n")
}

// head writes everything before the first record.
func (x *xmlWriter) head(m Metadata, p Policy) {
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.raw(`<feedback xmlns="` + Namespace + `">` + "\n")
	x.raw("  <version>1.0</version>\n")
	x.raw("  <report_metadata>\n")
	x.elem("    ", "org_name", m.OrgName)
	x.elem("    ", "email", m.Email)
	x.opt("    ", "extra_contact_info", m.ExtraContactInfo)
	x.elem("    ", "report_id", m.ReportID)
	x.raw("    <date_range>\n")
	x.int("      ", "begin", m.Begin.Unix())
	x.int("      ", "end", m.End.Unix())
	x.raw("    </date_range>\n")
	// The schema allows one error element (maxOccurs 1).
	x.opt("    ", "error", strings.Join(m.Errors, "; "))
	x.opt("    ", "generator", m.Generator)
	x.raw("  </report_metadata>\n")
	x.raw("  <policy_published>\n")
	x.elem("    ", "domain", p.Domain)
	x.opt("    ", "discovery_method", p.DiscoveryMethod)
	x.elem("    ", "p", p.P)
	x.opt("    ", "sp", p.SP)
	x.opt("    ", "np", p.NP)
	x.opt("    ", "fo", p.FO)
	x.opt("    ", "adkim", p.ADKIM)
	x.opt("    ", "aspf", p.ASPF)
	x.opt("    ", "testing", p.Testing)
	x.raw("  </policy_published>\n")
}

// row writes one record element, in the schema's order.
func (x *xmlWriter) row(r *Row) {
	x.raw("  <record>\n    <row>\n")
	x.raw("      <source_ip>")
	x.w.Write(r.SourceIP.AppendTo(x.num[:0]))
	x.raw("</source_ip>\n")
	x.int("      ", "count", r.Count)
	x.raw("      <policy_evaluated>\n")
	x.elem("        ", "disposition", string(r.Disposition))
	x.elem("        ", "dkim", string(r.DKIM))
	x.elem("        ", "spf", string(r.SPF))
	for _, rs := range r.Reasons {
		x.raw("        <reason>\n")
		x.elem("          ", "type", string(rs.Type))
		x.opt("          ", "comment", rs.Comment)
		x.raw("        </reason>\n")
	}
	x.raw("      </policy_evaluated>\n    </row>\n    <identifiers>\n")
	x.elem("      ", "header_from", r.HeaderFrom)
	x.opt("      ", "envelope_from", r.EnvelopeFrom)
	x.opt("      ", "envelope_to", r.EnvelopeTo)
	x.raw("    </identifiers>\n    <auth_results>\n")
	for _, d := range r.DKIMResults {
		x.raw("      <dkim>\n")
		x.elem("        ", "domain", d.Domain)
		x.elem("        ", "selector", d.Selector)
		x.elem("        ", "result", d.Result)
		x.opt("        ", "human_result", d.HumanResult)
		x.raw("      </dkim>\n")
	}
	if len(r.SPFResults) > 0 {
		s := r.SPFResults[0]
		x.raw("      <spf>\n")
		x.elem("        ", "domain", s.Domain)
		x.opt("        ", "scope", s.Scope)
		x.elem("        ", "result", s.Result)
		x.opt("        ", "human_result", s.HumanResult)
		x.raw("      </spf>\n")
	}
	x.raw("    </auth_results>\n  </record>\n")
}

func (x *xmlWriter) tail() error {
	x.raw("</feedback>\n")
	return x.w.Flush()
}

// WriteXML writes r as an RFC 9990 aggregate report (version 1.0, the
// urn:ietf:params:xml:ns:dmarc-2.0 namespace, elements in the schema's
// order). Every row and the policy must hold RFC 9990 tokens, and there
// must be at least one row (the schema's record minOccurs is 1);
// otherwise WriteXML writes nothing and returns an error wrapping
// ErrInvalidRow. Only the first SPF result of a row is written (the
// schema allows one); metadata errors are joined into the one error
// element the schema allows; pct (RFC 7489) is not written.
func (r *Report) WriteXML(w io.Writer) error {
	if err := validPolicy(r.Policy); err != nil {
		return err
	}
	if r.Metadata.OrgName == "" || r.Metadata.Email == "" || r.Metadata.ReportID == "" {
		return fmt.Errorf("%w: report_metadata needs org_name, email and report_id", ErrInvalidRow)
	}
	if len(r.Rows) == 0 {
		return fmt.Errorf("%w: a report needs at least one record", ErrInvalidRow)
	}
	for i := range r.Rows {
		if err := validRow(&r.Rows[i]); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	x := newXMLWriter(w)
	x.head(r.Metadata, r.Policy)
	for i := range r.Rows {
		x.row(&r.Rows[i])
	}
	return x.tail()
}
