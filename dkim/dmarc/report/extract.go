package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// Parse reads the aggregate reports in r, whatever its form: XML, gzip
// or zip (RFC 9990 §3.5.2; zip is what RFC 7489-era reporters such as
// Google send), or a message carrying them (see ParseMessage). It
// returns the reports found, with the first error met; ErrNoReportFound
// if there is none.
func (p *Parser) Parse(r io.Reader) ([]*Report, error) {
	b, err := p.readInput(r)
	if err != nil {
		return nil, err
	}
	switch kind := sniff(b); kind {
	case kindXML, kindGzip, kindZip:
		return p.parseBlob(b, kind)
	}
	return p.parseMessage(b)
}

// ParseMessage reads the aggregate reports a message carries: every
// part, at any depth of multipart and attached messages, that is XML,
// gzip or zip, whatever its declared media type (reports come as
// application/gzip, application/zip, application/x-zip-compressed,
// application/octet-stream, text/xml, or as the message body itself).
func (p *Parser) ParseMessage(r io.Reader) ([]*Report, error) {
	b, err := p.readInput(r)
	if err != nil {
		return nil, err
	}
	return p.parseMessage(b)
}

func (p *Parser) readInput(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, p.maxInput()+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > p.maxInput() {
		return nil, fmt.Errorf("%w: input over %d octets", ErrTooLarge, p.maxInput())
	}
	return b, nil
}

type blobKind int

const (
	kindOther blobKind = iota
	kindXML
	kindGzip
	kindZip
)

// sniff tells a report's form from its first octets.
func sniff(b []byte) blobKind {
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return kindGzip
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return kindZip
	case bytes.HasPrefix(b, []byte{0xff, 0xfe, '<', 0}) || bytes.HasPrefix(b, []byte{0xfe, 0xff, 0, '<'}):
		return kindXML // UTF-16 with a byte order mark
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	if bytes.HasPrefix(t, []byte("<?xml")) || bytes.HasPrefix(t, []byte("<feedback")) ||
		bytes.HasPrefix(t, []byte("<!--")) {
		return kindXML
	}
	return kindOther
}

// inflateLimit returns the decompressed size a compressed report of n
// octets may reach, and the error beyond it. n times MaxRatio saturates
// at math.MaxInt64 (a zip entry may claim any size).
func (p *Parser) inflateLimit(n int64) (int64, error) {
	ratio := cmp.Or(p.MaxRatio, DefaultMaxRatio)
	var byRatio int64
	switch {
	case n <= 0 || ratio <= 0:
	case n > math.MaxInt64/ratio:
		byRatio = math.MaxInt64
	default:
		byRatio = n * ratio
	}
	byRatio = max(byRatio, ratioFloor)
	if byRatio < p.maxXML() {
		return byRatio, fmt.Errorf("%w: %d octets inflate over %d times", ErrRatio, n, ratio)
	}
	return p.maxXML(), fmt.Errorf("%w: XML over %d octets", ErrTooLarge, p.maxXML())
}

func (p *Parser) parseBlob(b []byte, kind blobKind) ([]*Report, error) {
	switch kind {
	case kindXML:
		rep, err := p.ParseXML(bytes.NewReader(b))
		return reports(rep), err
	case kindGzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %w", ErrSyntax, err)
		}
		zr.Multistream(false)
		n, lerr := p.inflateLimit(int64(len(b)))
		lr := &limitReader{r: zr, n: n, err: lerr}
		rep, err := p.parseXML(lr, lr)
		return reports(rep), err
	case kindZip:
		return p.parseZip(b)
	}
	return nil, ErrNoReportFound
}

func reports(r *Report) []*Report {
	if r == nil {
		return nil
	}
	return []*Report{r}
}

// parseZip reads the XML entries of a zip archive (all of them, or the
// only entry whatever its name).
func (p *Parser) parseZip(b []byte) ([]*Report, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: zip: %w", ErrSyntax, err)
	}
	maxParts := cmp.Or(p.MaxParts, DefaultMaxParts)
	if len(zr.File) > maxParts {
		return nil, fmt.Errorf("%w: %d zip entries, limit %d", ErrTooManyParts, len(zr.File), maxParts)
	}
	var out []*Report
	var first error
	for _, f := range zr.File {
		if len(zr.File) > 1 && !strings.HasSuffix(strings.ToLower(f.Name), ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			first = cmp.Or(first, fmt.Errorf("%w: zip entry %q: %w", ErrSyntax, f.Name, err))
			continue
		}
		n, lerr := p.inflateLimit(int64(min(f.CompressedSize64, math.MaxInt64)))
		lr := &limitReader{r: rc, n: n, err: lerr}
		rep, err := p.parseXML(lr, lr)
		rc.Close()
		out = append(out, reports(rep)...)
		first = cmp.Or(first, err)
	}
	if len(out) == 0 && first == nil {
		first = ErrNoReportFound
	}
	return out, first
}

// walker collects the reports of a message's parts.
type walker struct {
	p     *Parser
	parts int
	out   []*Report
	first error
}

func (p *Parser) parseMessage(b []byte) ([]*Report, error) {
	w := &walker{p: p}
	if err := w.message(b, 0); err != nil {
		return w.out, err
	}
	if len(w.out) == 0 {
		return nil, cmp.Or(w.first, ErrNoReportFound)
	}
	return w.out, w.first
}

func (w *walker) message(b []byte, depth int) error {
	m, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return fmt.Errorf("%w: message: %w", ErrNoReportFound, err)
	}
	return w.part(textproto.MIMEHeader(m.Header), m.Body, depth)
}

func (w *walker) part(h textproto.MIMEHeader, body io.Reader, depth int) error {
	w.parts++
	maxParts, maxDepth := cmp.Or(w.p.MaxParts, DefaultMaxParts), cmp.Or(w.p.MaxDepth, DefaultMaxDepth)
	if w.parts > maxParts {
		return fmt.Errorf("%w: more than %d MIME parts", ErrTooManyParts, maxParts)
	}
	if depth > maxDepth {
		return fmt.Errorf("%w: MIME nesting deeper than %d", ErrTooManyParts, maxDepth)
	}
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		mr := multipart.NewReader(body, params["boundary"])
		for {
			pt, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				// A broken multipart: keep what was found.
				w.first = cmp.Or(w.first, fmt.Errorf("%w: multipart: %w", ErrSyntax, err))
				return nil
			}
			if err := w.part(pt.Header, pt, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		w.first = cmp.Or(w.first, fmt.Errorf("%w: %w", ErrSyntax, err))
		return nil
	}
	if mt == "message/rfc822" || mt == "message/global" {
		return w.message(data, depth+1)
	}
	kind := sniff(data)
	if kind == kindOther {
		return nil
	}
	reps, err := w.p.parseBlob(data, kind)
	w.out = append(w.out, reps...)
	if err != nil && !errors.Is(err, ErrNoReportFound) {
		w.first = cmp.Or(w.first, err)
	}
	return nil
}

// decodeBody undoes a Content-Transfer-Encoding. Base64 is read
// leniently: characters outside its alphabet are skipped, padding may
// be missing.
func decodeBody(cte string, body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		// Only the alphabet counts (RFC 2045 §6.8: other characters are
		// ignored); the data ends at the first padding.
		s := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=' {
				return r
			}
			return -1
		}, string(b))
		if i := strings.IndexByte(s, '='); i >= 0 {
			s = s[:i]
		}
		if len(s)%4 == 1 {
			s = s[:len(s)-1] // a lone sextet holds no octet
		}
		out, err := base64.RawStdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("base64: %w", err)
		}
		return out, nil
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	}
	return b, nil
}
