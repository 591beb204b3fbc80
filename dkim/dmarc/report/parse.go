package report

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
)

// Default limits of a Parser.
const (
	DefaultMaxInputBytes  = 64 << 20  // a message, or a compressed report
	DefaultMaxXMLBytes    = 256 << 20 // a report's XML, decompressed
	DefaultMaxRatio       = 200       // decompressed size / compressed size
	DefaultMaxRecords     = 200_000
	DefaultMaxAuthResults = 200
	DefaultMaxParts       = 100
	DefaultMaxDepth       = 10
	DefaultMaxWarnings    = 100
	// ratioFloor is the decompressed size MaxRatio never cuts below: a
	// tiny compressed report may well inflate more than MaxRatio times.
	ratioFloor = 256 << 10
)

// Parser reads aggregate reports as Domain Owners receive them: XML
// (RFC 9990 and the RFC 7489 schema and drafts before it), gzip, zip, and
// the messages that carry them. It tolerates what large providers send
// (no namespace or another, any element order, stray white space and
// case, unknown elements, other charsets, octets that are no UTF-8,
// missing optional elements) and records each deviation in
// Report.Warnings; it bounds what it reads with the limits below. The
// zero value is ready to use; a Parser is safe for concurrent use.
type Parser struct {
	// MaxInputBytes bounds the input read: a message, an archive, a
	// compressed report. If zero, DefaultMaxInputBytes; more is
	// ErrTooLarge.
	MaxInputBytes int64
	// MaxXMLBytes bounds a report's XML after decompression. If zero,
	// DefaultMaxXMLBytes; more is ErrTooLarge.
	MaxXMLBytes int64
	// MaxRatio bounds how many times a compressed report may inflate
	// (beyond the first 256 KiB). If zero, DefaultMaxRatio; more is
	// ErrRatio.
	MaxRatio int64
	// MaxRecords bounds the records of a report. If zero,
	// DefaultMaxRecords; more is ErrTooManyRecords, with the rows read
	// before.
	MaxRecords int
	// MaxAuthResults bounds the dkim, spf and reason elements of one
	// record and the error elements of report_metadata. If zero,
	// DefaultMaxAuthResults; more is ErrTooManyResults.
	MaxAuthResults int
	// MaxParts bounds the MIME parts of a message and the entries of a
	// zip archive; MaxDepth the nesting of multiparts and attached
	// messages. If zero, DefaultMaxParts and DefaultMaxDepth; more is
	// ErrTooManyParts.
	MaxParts, MaxDepth int
	// MaxWarnings bounds Report.Warnings. If zero, DefaultMaxWarnings.
	MaxWarnings int
}

func (p *Parser) maxInput() int64 { return cmp.Or(p.MaxInputBytes, DefaultMaxInputBytes) }
func (p *Parser) maxXML() int64   { return cmp.Or(p.MaxXMLBytes, DefaultMaxXMLBytes) }

// ParseXML parses one aggregate report in XML. It reads at most
// MaxXMLBytes. On a limit or broken XML after the report began, it
// returns what it read with an error (ErrTooManyRecords,
// ErrTooManyResults, ErrTooLarge, ErrSyntax): RFC 9990 §3.1.1 lets the
// evaluator decide whether to use such a report.
func (p *Parser) ParseXML(r io.Reader) (*Report, error) {
	lr := &limitReader{r: r, n: p.maxXML(), err: fmt.Errorf("%w: XML over %d octets", ErrTooLarge, p.maxXML())}
	return p.parseXML(lr, lr)
}

// limitReader returns err once more than n octets were asked of it.
type limitReader struct {
	r   io.Reader
	n   int64
	err error
	hit bool
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.n <= 0 {
		l.hit = true
		return 0, l.err
	}
	if int64(len(b)) > l.n {
		b = b[:l.n]
	}
	k, err := l.r.Read(b)
	l.n -= int64(k)
	return k, err
}

func (p *Parser) parseXML(r io.Reader, lim *limitReader) (*Report, error) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(1024)
	var src io.Reader = br
	utf16 := bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff})
	switch {
	case utf16:
		// A UTF-16 document with its byte order mark: read as UTF-8,
		// whatever its declaration then says.
		src = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	case declaredUTF8(head):
		// Replace octets that are no UTF-8 instead of failing on them
		// (reports with Latin-1 names in a UTF-8 document exist).
		src = transform.NewReader(br, runes.ReplaceIllFormed())
	}
	d := xml.NewDecoder(src)
	d.Strict = false // "AT&T" with a bare ampersand, unknown entities
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if utf16 {
			return in, nil // already decoded
		}
		return charset.NewReaderLabel(label, in)
	}
	st := &parseState{p: p, d: d, rep: &Report{Policy: Policy{Percent: -1}}}
	err := st.document()
	if err != nil && lim != nil && lim.hit {
		err = lim.err
	}
	if err != nil && st.started {
		return st.rep, err
	}
	if err != nil {
		return nil, err
	}
	return st.rep, nil
}

// declaredUTF8 reports whether the XML declaration at the head of a
// document names UTF-8 or no encoding.
func declaredUTF8(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return true
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return true
	}
	decl := strings.ToLower(string(head[:end]))
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return true
	}
	v := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n=\"'")
	return strings.HasPrefix(v, "utf-8") || strings.HasPrefix(v, "utf8")
}

type parseState struct {
	p       *Parser
	d       *xml.Decoder
	rep     *Report
	started bool // the feedback element was found
	warned  map[string]bool
}

func (s *parseState) warn(format string, args ...any) {
	max := cmp.Or(s.p.MaxWarnings, DefaultMaxWarnings)
	msg := fmt.Sprintf(format, args...)
	if s.warned[msg] {
		return
	}
	if s.warned == nil {
		s.warned = make(map[string]bool)
	}
	s.warned[msg] = true
	switch {
	case len(s.rep.Warnings) < max:
		s.rep.Warnings = append(s.rep.Warnings, msg)
	case len(s.rep.Warnings) == max:
		s.rep.Warnings = append(s.rep.Warnings, "more warnings left out")
	}
}

func syntaxErr(err error) error {
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrRatio) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrSyntax, err)
}

// document reads the root element and its children.
func (s *parseState) document() error {
	wrapper := ""
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			if err == io.EOF && wrapper != "" {
				return fmt.Errorf("%w: root element is %q, and no feedback element inside", ErrSyntax, wrapper)
			}
			if err == io.EOF {
				return fmt.Errorf("%w: no feedback element", ErrSyntax)
			}
			return syntaxErr(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "feedback" {
			// Some reporters wrap the report in another element (an
			// unclosed <xs:schema> has been seen): look inside.
			if wrapper == "" {
				wrapper = se.Name.Local
			}
			continue
		}
		if wrapper != "" {
			s.warn("feedback inside a %q element", wrapper)
		}
		s.started = true
		s.rep.Namespace = se.Name.Space
		if se.Name.Space == "" {
			for _, a := range se.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					s.rep.Namespace = a.Value
				}
			}
		} else {
			for _, a := range se.Attr {
				if a.Name.Space == "xmlns" && a.Name.Local == se.Name.Space {
					s.rep.Namespace = a.Value
				}
			}
		}
		break
	}
	records := 0
	maxRecords := cmp.Or(s.p.MaxRecords, DefaultMaxRecords)
	err := s.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "version":
			v, err := s.text()
			s.rep.Version = v
			return err
		case "report_metadata":
			return s.metadata()
		case "policy_published":
			return s.policy()
		case "record":
			if records >= maxRecords {
				return fmt.Errorf("%w: more than %d", ErrTooManyRecords, maxRecords)
			}
			records++
			return s.record()
		}
		return s.skip() // extension, and elements of other schemas
	})
	if err != nil {
		return err
	}
	if s.rep.Metadata.ReportID == "" {
		s.warn("no report_id")
	}
	if s.rep.Policy.Domain == "" {
		s.warn("no policy_published domain")
	}
	if records == 0 {
		s.warn("no record")
	}
	return nil
}

// skip consumes the element just started, whatever it holds. RawToken
// is used throughout: names are matched by their local part, so the
// namespace translation Token does (and allocates for) is not needed.
func (s *parseState) skip() error {
	depth := 0
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("%w: unexpected end of document", ErrSyntax)
			}
			return syntaxErr(err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

// children calls fn for each child element of the element just
// started, until its end; fn must consume the child whole.
func (s *parseState) children(fn func(xml.StartElement) error) error {
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("%w: unexpected end of document", ErrSyntax)
			}
			return syntaxErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// text returns the character data of the element just started (nested
// elements' included), trimmed, and consumes its end.
func (s *parseState) text() (string, error) {
	var b []byte
	depth := 0
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			if err == io.EOF {
				return "", fmt.Errorf("%w: unexpected end of document", ErrSyntax)
			}
			return "", syntaxErr(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return strings.TrimSpace(string(b)), nil
			}
			depth--
		}
	}
}

// token reads a token-valued element, lower case; it warns when the
// value had to be lowered or is not one of set.
func (s *parseState) token(where string, set []string) (string, error) {
	v, err := s.text()
	if err != nil {
		return "", err
	}
	l := strings.ToLower(v)
	if l != v {
		s.warn("%s %q is not lower case", where, v)
	}
	if set != nil && l != "" && !containsStr(set, l) {
		s.warn("%s %q is not an RFC 9990 value", where, v)
	}
	return l, nil
}

func containsStr(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func (s *parseState) limitList(n int, what string) error {
	if max := cmp.Or(s.p.MaxAuthResults, DefaultMaxAuthResults); n >= max {
		return fmt.Errorf("%w: more than %d %s", ErrTooManyResults, max, what)
	}
	return nil
}

func (s *parseState) metadata() error {
	m := &s.rep.Metadata
	var err error
	return s.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "org_name":
			m.OrgName, err = s.text()
		case "email":
			m.Email, err = s.text()
		case "extra_contact_info":
			m.ExtraContactInfo, err = s.text()
		case "report_id":
			m.ReportID, err = s.text()
		case "generator":
			m.Generator, err = s.text()
		case "error":
			if err := s.limitList(len(m.Errors), "error elements"); err != nil {
				return err
			}
			var e string
			e, err = s.text()
			m.Errors = append(m.Errors, e)
		case "date_range":
			return s.children(func(se xml.StartElement) error {
				v, err := s.text()
				switch se.Name.Local {
				case "begin":
					m.Begin = s.timestamp("begin", v)
				case "end":
					m.End = s.timestamp("end", v)
				}
				return err
			})
		default:
			return s.skip()
		}
		return err
	})
}

// timestamp reads seconds since the epoch; some reporters write a
// fraction.
func (s *parseState) timestamp(where, v string) time.Time {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC()
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > -1e12 && f < 1e12 {
		s.warn("date_range %s %q is not an integer", where, v)
		return time.Unix(int64(f), 0).UTC()
	}
	s.warn("date_range %s %q is not a time", where, v)
	return time.Time{}
}

func (s *parseState) policy() error {
	p := &s.rep.Policy
	var err error
	return s.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "domain":
			p.Domain, err = s.text()
		case "discovery_method":
			p.DiscoveryMethod, err = s.token("discovery_method", discoveries)
		case "p":
			p.P, err = s.token("p", policies)
		case "sp":
			p.SP, err = s.token("sp", policies)
		case "np":
			p.NP, err = s.token("np", policies)
		case "adkim":
			p.ADKIM, err = s.token("adkim", alignments)
		case "aspf":
			p.ASPF, err = s.token("aspf", alignments)
		case "fo":
			p.FO, err = s.text()
		case "testing":
			p.Testing, err = s.token("testing", testings)
		case "pct":
			var v string
			v, err = s.text()
			if n, e := strconv.Atoi(v); e == nil {
				p.Percent = n
			} else {
				s.warn("pct %q is not a number", v)
			}
		default:
			return s.skip()
		}
		return err
	})
}

func (s *parseState) record() error {
	var row Row
	err := s.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "row":
			return s.row(&row)
		case "identifiers":
			return s.children(func(se xml.StartElement) error {
				var err error
				switch se.Name.Local {
				case "header_from":
					row.HeaderFrom, err = s.text()
				case "envelope_from":
					row.EnvelopeFrom, err = s.text()
				case "envelope_to":
					row.EnvelopeTo, err = s.text()
				default:
					return s.skip()
				}
				return err
			})
		case "auth_results":
			return s.authResults(&row)
		}
		return s.skip() // record-level extensions
	})
	if err != nil {
		return err
	}
	if row.HeaderFrom == "" {
		s.warn("record without header_from")
	}
	if s.rep.Namespace == Namespace {
		for _, d := range row.DKIMResults {
			if d.Selector == "" {
				s.warn("dkim result without selector (RFC 9990 requires one)")
			}
		}
	}
	s.rep.Rows = append(s.rep.Rows, row)
	return nil
}

func (s *parseState) row(row *Row) error {
	return s.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "source_ip":
			v, err := s.text()
			a, perr := netip.ParseAddr(strings.Trim(v, "[]"))
			if perr != nil {
				s.warn("source_ip %q is not an IP address", v)
			}
			row.SourceIP = a.Unmap()
			return err
		case "count":
			v, err := s.text()
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || n < 0 {
				s.warn("count %q is not a number", v)
				n = 0
			}
			row.Count = n
			return err
		case "policy_evaluated":
			return s.children(func(se xml.StartElement) error {
				var err error
				var v string
				switch se.Name.Local {
				case "disposition":
					v, err = s.token("disposition", dispositions)
					row.Disposition = Disposition(v)
				case "dkim":
					v, err = s.token("policy_evaluated dkim", alignedResults)
					row.DKIM = Aligned(v)
				case "spf":
					v, err = s.token("policy_evaluated spf", alignedResults)
					row.SPF = Aligned(v)
				case "reason":
					if err := s.limitList(len(row.Reasons), "reason elements"); err != nil {
						return err
					}
					var rs Reason
					err = s.children(func(se xml.StartElement) error {
						var err error
						switch se.Name.Local {
						case "type":
							v, err = s.token("reason type", reasonTypes)
							rs.Type = ReasonType(v)
						case "comment":
							rs.Comment, err = s.text()
						default:
							return s.skip()
						}
						return err
					})
					if rs.Type == "" {
						s.warn("reason without type")
					}
					row.Reasons = append(row.Reasons, rs)
				default:
					return s.skip()
				}
				return err
			})
		}
		return s.skip()
	})
}

func (s *parseState) authResults(row *Row) error {
	return s.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "dkim":
			if err := s.limitList(len(row.DKIMResults), "dkim results"); err != nil {
				return err
			}
			var a DKIMAuth
			err := s.children(func(se xml.StartElement) error {
				var err error
				switch se.Name.Local {
				case "domain":
					a.Domain, err = s.text()
				case "selector":
					a.Selector, err = s.text()
				case "result":
					a.Result, err = s.token("dkim result", dkimResults)
				case "human_result":
					a.HumanResult, err = s.text()
				default:
					return s.skip()
				}
				return err
			})
			row.DKIMResults = append(row.DKIMResults, a)
			return err
		case "spf":
			if err := s.limitList(len(row.SPFResults), "spf results"); err != nil {
				return err
			}
			var a SPFAuth
			err := s.children(func(se xml.StartElement) error {
				var err error
				switch se.Name.Local {
				case "domain":
					a.Domain, err = s.text()
				case "scope":
					a.Scope, err = s.token("spf scope", []string{"mfrom", "helo"})
				case "result":
					a.Result, err = s.token("spf result", spfResults)
				case "human_result":
					a.HumanResult, err = s.text()
				default:
					return s.skip()
				}
				return err
			})
			row.SPFResults = append(row.SPFResults, a)
			return err
		}
		return s.skip()
	})
}
