package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteFailure writes fr as a DMARC failure report message (RFC 9991,
// RFC 6591 auth-failure, RFC 5965 multipart/report; report-type=
// feedback-report) with CRLF line ends: a text/plain part (fr.Notes, or
// a sentence naming the reported domain and source), the
// message/feedback-report part from fr's typed fields (Feedback-Type
// auth-failure, Version 1, Auth-Failure dmarc unless set, the
// Identity-Alignment of RFC 9991 §4), and the original message
// (message/rfc822) or its header (text/rfc822-headers, HeadersOnly) if
// fr.Original is set. fr.Fields is not used. A value holding a line
// break is refused with ErrInvalidRow. Date is now.
//
// RFC 9991 §2 asks generators to rate-limit their reports and to verify
// external ruf= destinations: VerifyDestinations does the latter for
// ruf= URIs as for rua=; the rate limit is the caller's, as is redacting
// the original (RFC 6590).
func WriteFailure(w io.Writer, fr *FailureReport, from string, to []string, now time.Time) error {
	if err := headerAddress(from); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if len(to) == 0 {
		return ErrNoDestination
	}
	for _, a := range to {
		if err := headerAddress(a); err != nil {
			return fmt.Errorf("to: %w", err)
		}
	}
	var fields []string
	add := func(name string, values ...string) {
		for _, v := range values {
			if v != "" {
				fields = append(fields, name+": "+v)
			}
		}
	}
	add("Feedback-Type", "auth-failure")
	add("Version", "1")
	add("User-Agent", fr.UserAgent)
	add("Auth-Failure", cmpOr(fr.AuthFailure, "dmarc"))
	add("Identity-Alignment", cmpOr(strings.Join(fr.IdentityAlignment, ", "), "none"))
	add("Authentication-Results", fr.AuthenticationResults...)
	add("Delivery-Result", fr.DeliveryResult)
	add("Original-Envelope-Id", fr.OriginalEnvelopeID)
	add("Original-Mail-From", fr.OriginalMailFrom)
	add("Original-Rcpt-To", fr.OriginalRcptTo...)
	if !fr.ArrivalDate.IsZero() {
		add("Arrival-Date", fr.ArrivalDate.Format(time.RFC1123Z))
	}
	if fr.SourceIP.IsValid() {
		add("Source-IP", fr.SourceIP.String())
	}
	if fr.SourcePort > 0 {
		add("Source-Port", strconv.Itoa(fr.SourcePort))
	}
	if fr.Incidents > 1 {
		add("Incidents", strconv.Itoa(fr.Incidents))
	}
	add("Reported-Domain", fr.ReportedDomain...)
	add("Reported-URI", fr.ReportedURI...)
	add("DKIM-Domain", fr.DKIMDomain)
	add("DKIM-Identity", fr.DKIMIdentity)
	add("DKIM-Selector", fr.DKIMSelector)
	add("DKIM-Canonicalized-Header", fr.DKIMCanonicalHeader)
	add("DKIM-Canonicalized-Body", fr.DKIMCanonicalBody)
	add("SPF-DNS", fr.SPFDNS...)
	for _, f := range fields {
		if strings.ContainsAny(f, "\r\n") {
			return fmt.Errorf("%w: feedback field %q holds a line break", ErrInvalidRow, f)
		}
	}
	domain := "an unknown domain"
	if len(fr.ReportedDomain) > 0 {
		domain = fr.ReportedDomain[0]
	}
	notes := fr.Notes
	if notes == "" {
		notes = "This is a DMARC failure report (RFC 9991) for a message claiming to be from " + domain
		if fr.SourceIP.IsValid() {
			notes += ", received from " + fr.SourceIP.String()
		}
		notes += "."
	}
	subject := fr.Subject
	if subject == "" {
		subject = "DMARC failure report for " + domain
	}
	if strings.ContainsAny(subject, "\r\n") {
		return fmt.Errorf("%w: subject holds a line break", ErrInvalidRow)
	}
	sum := sha256.Sum256([]byte(strings.Join(fields, "\n")))
	boundary := "=_dmarc_failure_" + hex.EncodeToString(sum[:12])

	bw := bufio.NewWriter(w)
	h := func(s ...string) {
		for _, x := range s {
			bw.WriteString(x)
		}
		bw.WriteString("\r\n")
	}
	h("From: ", from)
	h("To: ", strings.Join(to, ",\r\n "))
	h("Date: ", now.Format(time.RFC1123Z))
	h("Subject: ", subject)
	h("MIME-Version: 1.0")
	h(`Content-Type: multipart/report; report-type=feedback-report;`)
	h(` boundary="`, boundary, `"`)
	h()
	h("--", boundary)
	h("Content-Type: text/plain; charset=utf-8")
	h("Content-Transfer-Encoding: 8bit")
	h()
	writeLines(bw, notes)
	h("--", boundary)
	h("Content-Type: message/feedback-report")
	h()
	for _, f := range fields {
		h(f)
	}
	h()
	if fr.Original != nil {
		h("--", boundary)
		if fr.HeadersOnly {
			h("Content-Type: text/rfc822-headers")
		} else {
			h("Content-Type: message/rfc822")
		}
		h("Content-Transfer-Encoding: 8bit")
		h()
		writeLines(bw, string(fr.Original))
	}
	h("--", boundary, "--")
	return bw.Flush()
}

// writeLines writes s with CRLF line ends, ending with one.
func writeLines(w *bufio.Writer, s string) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	for l := range strings.SplitSeq(s, "\n") {
		w.WriteString(strings.TrimSuffix(l, "\r"))
		w.WriteString("\r\n")
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
