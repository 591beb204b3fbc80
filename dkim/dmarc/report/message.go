package report

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// aLabel returns d as an A-label domain, or d if it is none.
func aLabel(d string) string {
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return d
}

// Filename returns the attachment filename of RFC 9990 §3.5.2:
// receiver!policy-domain!begin!end[!unique-id].xml.gz.
func (r *Reporter) Filename(k Key) string {
	m := r.Metadata(k, Info{})
	s := aLabel(normDomain(r.Submitter)) + "!" + aLabel(k.Domain) + "!" +
		strconv.FormatInt(m.Begin.Unix(), 10) + "!" + strconv.FormatInt(m.End.Unix(), 10)
	if r.Instance != "" {
		s += "!" + r.Instance
	}
	return s + ".xml.gz"
}

// Subject returns the Subject field body of RFC 9990 §3.5.2:
// "Report Domain: <policy domain> Submitter: <receiver> Report-ID: <id>",
// folded before Submitter: and Report-ID: when longer than 78
// characters (RFC 5322 §2.1.1).
func (r *Reporter) Subject(k Key) string {
	parts := []string{
		"Report Domain: " + aLabel(k.Domain),
		"Submitter: " + aLabel(normDomain(r.Submitter)),
		"Report-ID: <" + r.reportID(k) + ">",
	}
	if len("Subject: ")+len(strings.Join(parts, " ")) <= 78 {
		return strings.Join(parts, " ")
	}
	return strings.Join(parts, "\r\n ")
}

// WriteMessage writes report k as the RFC 5322 message that carries it
// (RFC 9990 §3.5.2), with CRLF line ends: a multipart/report (RFC 6522)
// whose first part is a text/plain note and second the report, gzip
// compressed (application/gzip, RFC 6713) and base64-encoded, named by
// Filename; Subject is Subject(k) and Message-ID the Report-ID. from is
// the report's From address, to its recipients (the Addresses of
// Destinations). The report is written row by row from the store, so a
// report of any size is written in constant memory.
func (r *Reporter) WriteMessage(ctx context.Context, w io.Writer, k Key, from string, to []string) (Metadata, error) {
	if err := headerAddress(from); err != nil {
		return Metadata{}, fmt.Errorf("from: %w", err)
	}
	if len(to) == 0 {
		return Metadata{}, ErrNoDestination
	}
	for _, a := range to {
		if err := headerAddress(a); err != nil {
			return Metadata{}, fmt.Errorf("to: %w", err)
		}
	}
	info, err := r.getStore().Info(ctx, k)
	if err != nil {
		return Metadata{}, err
	}
	m := r.Metadata(k, info)
	if err := r.checkMetadata(m); err != nil {
		return m, err
	}
	sum := sha256.Sum256([]byte(m.ReportID))
	boundary := "=_dmarc_" + hex.EncodeToString(sum[:12])
	name := r.Filename(k)
	bw := bufio.NewWriterSize(w, 16<<10)
	h := func(s ...string) {
		for _, x := range s {
			bw.WriteString(x)
		}
		bw.WriteString("\r\n")
	}
	h("From: ", from)
	h("To: ", strings.Join(to, ",\r\n "))
	h("Date: ", r.now().UTC().Format(time.RFC1123Z))
	h("Subject: ", r.Subject(k))
	if msgID(m.ReportID) {
		h("Message-ID: <", m.ReportID, ">")
	}
	h("MIME-Version: 1.0")
	// RFC 6522 §3: report-type is the subtype of the second part.
	h(`Content-Type: multipart/report; report-type=gzip;`)
	h(` boundary="`, boundary, `"`)
	h()
	h("This is a DMARC aggregate report (RFC 9990) in MIME format.")
	h()
	h("--", boundary)
	h("Content-Type: text/plain; charset=us-ascii")
	h("Content-Transfer-Encoding: 7bit")
	h()
	h("DMARC aggregate report for ", aLabel(k.Domain), " from ", aLabel(normDomain(r.Submitter)), ",")
	h("period ", m.Begin.Format(time.DateTime), " to ", m.End.Format(time.DateTime), " UTC: ",
		strconv.FormatInt(info.Messages, 10), " messages in ", strconv.Itoa(info.Rows), " rows.")
	h("Report-ID: ", m.ReportID)
	h()
	h("--", boundary)
	h(`Content-Type: application/gzip; name="`, name, `"`)
	h(`Content-Disposition: attachment; filename="`, name, `"`)
	h("Content-Transfer-Encoding: base64")
	h()
	lw := &lineWriter{w: bw}
	b64 := base64.NewEncoder(base64.StdEncoding, lw)
	gz, _ := gzip.NewWriterLevel(b64, gzip.DefaultCompression)
	gz.Name = strings.TrimSuffix(name, ".gz")
	gz.ModTime = m.End
	if _, err := r.WriteXML(ctx, gz, k); err != nil {
		return m, err
	}
	if err := gz.Close(); err != nil {
		return m, err
	}
	if err := b64.Close(); err != nil {
		return m, err
	}
	if lw.n > 0 {
		h()
	}
	h("--", boundary, "--")
	return m, bw.Flush()
}

// lineWriter cuts base64 text into lines of 76 characters (RFC 2045
// §6.8).
type lineWriter struct {
	w *bufio.Writer
	n int // characters on the current line
}

func (l *lineWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		k := min(76-l.n, len(p))
		l.w.Write(p[:k])
		l.n += k
		p = p[k:]
		if l.n == 76 {
			l.w.WriteString("\r\n")
			l.n = 0
		}
	}
	return total, nil
}

// headerAddress checks that a is one address fit for a header field.
func headerAddress(a string) error {
	if strings.ContainsAny(a, "\r\n") {
		return fmt.Errorf("%w: address %q holds a line break", ErrInvalidRow, a)
	}
	if _, err := mail.ParseAddress(a); err != nil {
		return fmt.Errorf("%w: address %q: %w", ErrInvalidRow, a, err)
	}
	return nil
}

// msgID reports whether id can be a Message-ID between angle brackets:
// dot-atom-text "@" dot-atom-text (RFC 5322 §3.6.4).
func msgID(id string) bool {
	l, rt, ok := strings.Cut(id, "@")
	return ok && dotAtom(l) && dotAtom(rt)
}

func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>[]:;@\,"`, c) >= 0 {
			return false
		}
	}
	return true
}

// Compose verifies the destinations of report k (Destinations) and
// writes the message carrying it (WriteMessage) to those verified, from
// from. It returns every destination, each with its Address or Err.
// With none verified it writes nothing and returns an error wrapping
// ErrNoDestination, and ErrDNS as well when a temporary DNS failure
// left a destination unverified (RFC 9990 §4 step 5: try again later).
// from should be an address in a domain for which the message passes
// DMARC (RFC 9990 §3.5.2).
func (r *Reporter) Compose(ctx context.Context, w io.Writer, k Key, from string) ([]Destination, Metadata, error) {
	dests, err := r.Destinations(ctx, k)
	if err != nil {
		return nil, Metadata{}, err
	}
	var to []string
	temporary := false
	for _, d := range dests {
		if d.Err == nil {
			to = append(to, d.Address)
		}
		temporary = temporary || errors.Is(d.Err, ErrDNS)
	}
	if len(to) == 0 {
		if temporary {
			return dests, Metadata{}, fmt.Errorf("%w for %s: %w", ErrNoDestination, k.Domain, ErrDNS)
		}
		return dests, Metadata{}, fmt.Errorf("%w for %s", ErrNoDestination, k.Domain)
	}
	m, err := r.WriteMessage(ctx, w, k, from, to)
	return dests, m, err
}
