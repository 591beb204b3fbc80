package session

import (
	"bytes"
	"strings"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/header"
)

// Bounds of the header read past MaxHeaderBytes.
const (
	// maxOverFields bounds the fields kept past MaxHeaderBytes (those
	// named in overNames); the others are only counted past.
	maxOverFields = 1000
	// maxOverField bounds the octets kept of one such field: enough for
	// an authserv-id or a From address, not for a padded value.
	maxOverField = 1024
	// maxOverLine is the prefix of a line kept to classify it: the
	// colon of a field is within header.MaxNameBytes.
	maxOverLine = header.MaxNameBytes + 2
)

// overflow reads the header on past MaxHeaderBytes, as it streams, for
// the fields that matter even in a message refused for its header: the
// Authentication-Results and X-Spam-* fields to remove (Verdict.Remove)
// and From (DMARC). It keeps at most maxOverFields of them, each cut
// at maxOverField octets, and one line prefix: bounded memory however
// long the header goes on.
type overflow struct {
	line    []byte // the current line's first maxOverLine octets
	first   bool   // the current line is the first of the message
	inField bool
	done    bool   // the header has ended
	cur     []byte // the current field, if kept, CRLF line ends
	keep    bool
	name    string
	fields  dkim.Header // the fields kept, in message order
	dropped int         // fields of those names past maxOverFields
}

// overNames reports whether a field of this name is kept past the cut.
func overNames(name string) bool {
	key := strings.ToLower(name)
	return key == "from" || key == "authentication-results" ||
		strings.HasPrefix(key, "x-spam-") || strings.HasPrefix(key, "x-spamkit-")
}

// write reads p, the next bytes of the message, until the header ends.
func (o *overflow) write(p []byte) {
	for len(p) > 0 && !o.done {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxOverLine - len(o.line); room > 0 {
			o.line = append(o.line, chunk[:min(room, len(chunk))]...)
		}
		if i < 0 {
			return
		}
		o.endLine()
		p = p[i+1:]
	}
}

// close ends the header at the end of the message.
func (o *overflow) close() {
	if len(o.line) > 0 && !o.done {
		o.endLine()
	}
	o.flush()
	o.done = true
}

// endLine classifies the line held, by the rule of package header.
func (o *overflow) endLine() {
	text := bytes.TrimSuffix(o.line, []byte("\r"))
	kind, nameEnd, _ := header.Classify(text, o.first, o.inField)
	o.first = false
	switch kind {
	case header.Field:
		o.flush()
		o.inField = true
		o.name = string(text[:nameEnd])
		o.keep = overNames(o.name)
		if o.keep {
			o.add(text)
		}
	case header.Continuation:
		if o.keep {
			o.add(text)
		}
	case header.End, header.Body:
		o.flush()
		o.done = true
	}
	o.line = o.line[:0]
}

// add appends a line of the kept field, within maxOverField.
func (o *overflow) add(text []byte) {
	if room := maxOverField - 2 - len(o.cur); room > 0 {
		o.cur = append(o.cur, text[:min(room, len(text))]...)
		o.cur = append(o.cur, '\r', '\n')
	}
}

// flush ends the current field.
func (o *overflow) flush() {
	if o.keep {
		if len(o.fields) < maxOverFields {
			o.fields = append(o.fields, dkim.Field{Name: o.name, Raw: string(o.cur)})
		} else {
			o.dropped++
		}
	}
	o.keep, o.cur = false, o.cur[:0]
}

// fieldStart returns where the field holding offset max of msg starts:
// the start of the last line at or before max that is not a folded
// line (0 if none).
func fieldStart(msg []byte, max int) int {
	pos := bytes.LastIndexByte(msg[:max], '\n') + 1
	for pos > 0 && pos < len(msg) && (msg[pos] == ' ' || msg[pos] == '\t') {
		pos = bytes.LastIndexByte(msg[:pos-1], '\n') + 1
	}
	return pos
}
