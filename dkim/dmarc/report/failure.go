package report

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/netip"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// FailureReport is a DMARC failure report (RFC 9991): an Abuse
// Reporting Format message (RFC 5965) of feedback type auth-failure
// (RFC 6591), with the fields RFC 9991 §4 adds.
type FailureReport struct {
	FeedbackType string // "auth-failure"
	Version      string
	UserAgent    string
	// AuthFailure is the failed method (RFC 6591 §3.2.2): dmarc, dkim,
	// spf, adsp, bodyhash, revoked, signature.
	AuthFailure string
	// IdentityAlignment lists the methods that failed to authenticate
	// an aligned identity ("dkim", "spf"), or holds "none" (RFC 9991 §4).
	IdentityAlignment     []string
	AuthenticationResults []string
	DeliveryResult        string // RFC 6591 §3.2.1
	OriginalEnvelopeID    string
	OriginalMailFrom      string
	OriginalRcptTo        []string
	ReportedDomain        []string
	ReportedURI           []string
	SourceIP              netip.Addr
	SourcePort            int // RFC 6692, 0 if absent
	ArrivalDate           time.Time
	Incidents             int // RFC 5965 §3.2, 1 if absent
	DKIMDomain            string
	DKIMIdentity          string
	DKIMSelector          string
	DKIMCanonicalHeader   string // DKIM-Canonicalized-Header, base64
	DKIMCanonicalBody     string // DKIM-Canonicalized-Body, base64
	SPFDNS                []string
	// Fields holds every field of the feedback-report part.
	Fields textproto.MIMEHeader
	// Notes is the human-readable first part, with LF line ends.
	Notes string
	// Original is the reported message (message/rfc822), or its header
	// only when HeadersOnly (text/rfc822-headers); nil if absent.
	Original    []byte
	HeadersOnly bool
	// Subject is the report message's own Subject.
	Subject string
	// Warnings lists what was tolerated: unparsable values, fields the
	// feedback type requires that are missing.
	Warnings []string
}

// ParseFailure parses a DMARC failure report message (RFC 9991, AFRF).
// A message with no message/feedback-report part is ErrNotFeedback. It
// reads at most MaxInputBytes and MaxParts parts, MaxDepth deep.
func (p *Parser) ParseFailure(r io.Reader) (*FailureReport, error) {
	b, err := p.readInput(r)
	if err != nil {
		return nil, err
	}
	m, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: message: %w", ErrNotFeedback, err)
	}
	fr := &FailureReport{Subject: decodeHeader(m.Header.Get("Subject"))}
	fw := &failureWalker{p: p, fr: fr}
	if err := fw.part(textproto.MIMEHeader(m.Header), m.Body, 0); err != nil {
		return nil, err
	}
	if fr.Fields == nil {
		return nil, ErrNotFeedback
	}
	fr.fill()
	return fr, nil
}

func decodeHeader(s string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		return d
	}
	return s
}

type failureWalker struct {
	p     *Parser
	fr    *FailureReport
	parts int
}

func (w *failureWalker) part(h textproto.MIMEHeader, body io.Reader, depth int) error {
	w.parts++
	maxParts, maxDepth := cmp.Or(w.p.MaxParts, DefaultMaxParts), cmp.Or(w.p.MaxDepth, DefaultMaxDepth)
	if w.parts > maxParts || depth > maxDepth {
		return fmt.Errorf("%w: more than %d parts or %d levels", ErrTooManyParts, maxParts, maxDepth)
	}
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			pt, err := mr.NextRawPart()
			if err != nil {
				return nil // the end, or a broken multipart: keep what was found
			}
			if err := w.part(pt.Header, pt, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return nil
	}
	switch {
	case mt == "message/feedback-report" && w.fr.Fields == nil:
		hdr, err := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(bytes.TrimLeft(data, "\r\n")), strings.NewReader("\r\n\r\n")))).ReadMIMEHeader()
		if err != nil && len(hdr) == 0 {
			return fmt.Errorf("%w: feedback-report fields: %w", ErrNotFeedback, err)
		}
		w.fr.Fields = hdr
	case (mt == "message/rfc822" || mt == "message/global") && w.fr.Original == nil:
		w.fr.Original = data
	case (mt == "text/rfc822-headers" || mt == "message/rfc822-headers") && w.fr.Original == nil:
		w.fr.Original, w.fr.HeadersOnly = data, true
	case mt == "text/plain" && w.fr.Notes == "" && w.fr.Fields == nil:
		w.fr.Notes = strings.TrimSpace(strings.ReplaceAll(string(data), "\r\n", "\n"))
	}
	return nil
}

// fill sets the typed fields from Fields.
func (fr *FailureReport) fill() {
	f := fr.Fields
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	all := func(k string) []string {
		var out []string
		for _, v := range f.Values(k) {
			out = append(out, strings.TrimSpace(v))
		}
		return out
	}
	fr.FeedbackType = strings.ToLower(get("Feedback-Type"))
	fr.Version = get("Version")
	fr.UserAgent = get("User-Agent")
	fr.AuthFailure = strings.ToLower(strings.TrimSpace(stripComments(get("Auth-Failure"))))
	fr.AuthenticationResults = all("Authentication-Results")
	fr.DeliveryResult = strings.ToLower(get("Delivery-Result"))
	fr.OriginalEnvelopeID = get("Original-Envelope-Id")
	fr.OriginalMailFrom = get("Original-Mail-From")
	fr.OriginalRcptTo = all("Original-Rcpt-To")
	fr.ReportedDomain = all("Reported-Domain")
	fr.ReportedURI = all("Reported-Uri")
	fr.DKIMDomain = get("Dkim-Domain")
	fr.DKIMIdentity = get("Dkim-Identity")
	fr.DKIMSelector = get("Dkim-Selector")
	fr.DKIMCanonicalHeader = get("Dkim-Canonicalized-Header")
	fr.DKIMCanonicalBody = get("Dkim-Canonicalized-Body")
	fr.SPFDNS = all("Spf-Dns")
	for _, m := range strings.Split(stripComments(get("Identity-Alignment")), ",") {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			fr.IdentityAlignment = append(fr.IdentityAlignment, m)
		}
	}
	if v := get("Source-Ip"); v != "" {
		a, err := netip.ParseAddr(strings.Trim(v, "[]"))
		if err != nil {
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("Source-IP %q is not an IP address", v))
		}
		fr.SourceIP = a.Unmap()
	}
	if v := get("Source-Port"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("Source-Port %q is not a port", v))
			n = 0
		}
		fr.SourcePort = n
	}
	if v := get("Arrival-Date"); v != "" {
		t, err := mail.ParseDate(v)
		if err != nil {
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("Arrival-Date %q is not a date", v))
		}
		fr.ArrivalDate = t
	}
	fr.Incidents = 1
	if v := get("Incidents"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("Incidents %q is not a count", v))
			n = 1
		}
		fr.Incidents = n
	}
	if fr.FeedbackType != "auth-failure" {
		fr.Warnings = append(fr.Warnings, fmt.Sprintf("Feedback-Type %q is not auth-failure", fr.FeedbackType))
	}
	if fr.AuthFailure == "" {
		fr.Warnings = append(fr.Warnings, "no Auth-Failure (required by RFC 6591 §3.1)")
	}
	if fr.AuthFailure == "dmarc" && len(fr.IdentityAlignment) == 0 {
		fr.Warnings = append(fr.Warnings, "no Identity-Alignment (required by RFC 9991 §4)")
	}
}

// stripComments removes RFC 5322 comments (CFWS) from a field value.
func stripComments(v string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
