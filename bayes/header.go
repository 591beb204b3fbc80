package bayes

import (
	"bytes"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/mime"
)

// mode says what words a text gives.
type mode int

const (
	modeText  mode = iota // words of a header field or URL
	modeBody              // words of the body: OSB pairs when on
	modeHosts             // only words with a dot: host names, IPv4 addresses
)

type field struct{ name, value string }

// header adds the tokens of the message's top-level header fields, and
// returns the values of its Content-Type and Content-Transfer-Encoding
// (the first of each, as package mime reads them) and where the body
// starts. The header is found by the module's rule (internal/header).
func (st *state) header(msg []byte) (contentType, cte string, body int) {
	// One pass over the lines, by the rule of internal/header (Split's
	// loop, keeping the fields as offsets).
	type span struct{ name, nameEnd, vstart, vend int }
	spans := make([]span, 0, 64)
	inField := false
	end := len(msg)
	for pos := 0; pos < len(msg); {
		lineEnd := len(msg)
		next := len(msg)
		if nl := bytes.IndexByte(msg[pos:], '\n'); nl >= 0 {
			lineEnd, next = pos+nl, pos+nl+1
		}
		k, nameEnd, colon := header.Classify(msg[pos:lineEnd], pos == 0, inField)
		switch k {
		case header.Field:
			spans = append(spans, span{name: pos, nameEnd: pos + nameEnd, vstart: pos + colon + 1, vend: lineEnd})
			inField = true
		case header.Continuation:
			spans[len(spans)-1].vend = lineEnd
		case header.End:
			end = next
		case header.Body:
			end = pos
		}
		if k == header.End || k == header.Body {
			break
		}
		pos = next
	}
	block := string(msg[:end]) // one copy: the tokens refer to it
	fields := make([]field, len(spans))
	for i, sp := range spans {
		fields[i] = field{name: block[sp.name:sp.nameEnd], value: block[sp.vstart:sp.vend]}
	}
	charset := ""
	seenCT, seenCTE := false, false
	for _, f := range fields {
		switch {
		case !seenCT && strings.EqualFold(f.name, "Content-Type"):
			contentType, seenCT = f.value, true
			charset = paramValue(f.value, "charset")
		case !seenCTE && strings.EqualFold(f.name, "Content-Transfer-Encoding"):
			cte, seenCTE = f.value, true
		}
	}
	for _, f := range fields {
		st.fieldLeft = st.maxFieldTokens
		st.field(f, charset)
		if st.full {
			break
		}
	}
	st.fieldLeft = 0
	return contentType, cte, end
}

// field adds the tokens of one header field.
func (st *state) field(f field, charset string) {
	name := strings.ToLower(f.name)
	switch {
	case strings.HasPrefix(name, "x-spam-"), strings.HasPrefix(name, "x-bogosity"),
		strings.HasPrefix(name, "x-bayes"):
		// Verdicts of filters (ours included): training on them would
		// learn the filter, not the mail.
		return
	}
	switch name {
	case "subject":
		st.words("subj:", fieldText(f.value, charset), modeText)
	case "from", "sender":
		st.words("from:", fieldText(f.value, charset), modeText)
	case "to", "cc":
		st.words("to:", fieldText(f.value, charset), modeText)
	case "reply-to":
		st.words("rt:", fieldText(f.value, charset), modeText)
	case "received":
		st.words("rcvd:", f.value, modeHosts)
	case "content-type":
		v := f.value
		if i := strings.Index(asciiLower(v), "boundary"); i >= 0 {
			v = v[:i] // boundaries are random
		}
		st.words("ct:", v, modeText)
	case "x-mailer", "user-agent":
		st.words("mailer:", fieldText(f.value, charset), modeText)
	case "message-id":
		if at := strings.LastIndexByte(f.value, '@'); at >= 0 {
			d := f.value[at+1:]
			if gt := strings.IndexAny(d, "> \t\r\n"); gt >= 0 {
				d = d[:gt]
			}
			if d != "" && len(d) <= st.maxTokenBytes && utf8.ValidString(d) {
				st.add("mid:", strings.ToLower(d), false)
			}
		}
	case "date", "dkim-signature", "domainkey-signature", "arc-seal",
		"arc-message-signature", "content-length", "lines":
		// Values that are noise: dates, signatures, sizes.
		st.add("head:", name, false)
	default:
		if len(name) <= st.maxTokenBytes {
			st.add("head:", name, false)
		}
		if !st.fieldNames {
			st.words("head:", fieldText(f.value, charset), modeText)
		}
	}
}

// paramValue returns the value of the parameter named name in a
// Content-Type value, unquoted, or "".
func paramValue(v, name string) string {
	lv := asciiLower(v)
	i := strings.Index(lv, name+"=")
	if i < 0 {
		return ""
	}
	p := strings.TrimSpace(v[i+len(name)+1:])
	if strings.HasPrefix(p, `"`) {
		if j := strings.IndexByte(p[1:], '"'); j >= 0 {
			return p[1 : j+1]
		}
		return p[1:]
	}
	if j := strings.IndexAny(p, "; \t\r\n"); j >= 0 {
		p = p[:j]
	}
	return p
}

// part adds the tokens of a MIME part or archive entry: its types, and
// the name and extension of a named one.
func (st *state) part(p mime.Part) {
	if !utf8.ValidString(p.DeclaredType) || !utf8.ValidString(p.DetectedType) || !utf8.ValidString(p.Filename) {
		return
	}
	if p.DeclaredType != "" && !p.Container {
		st.add("type:", p.DeclaredType, false)
	}
	if p.DetectedType != "" && p.DetectedType != p.DeclaredType {
		st.add("magic:", p.DetectedType, false)
	}
	if p.Filename == "" {
		return
	}
	name := strings.ToLower(p.Filename)
	if len(name) <= st.maxTokenBytes {
		st.add("att:", name, false)
	}
	if ext := path.Ext(name); ext != "" && len(ext) <= 10 {
		st.add("att:", ext, false)
	}
	st.words("att:", name, modeText)
}
