package main

import (
	"bytes"
	"io"
	"strings"

	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/session"
)

// maxEditBytes bounds the start of a message read to delete header
// fields from (Verdict.Remove): a header longer than this (the session
// reads at most 256 KiB of one) is delivered unedited.
const maxEditBytes = 1 << 20

// withoutFields returns m without the header fields refs names (the
// session decides which: forged Authentication-Results, X-Spam-* set in
// advance; RFC 8601 §5). It is the edit a milter makes with
// SMFIR_CHGHEADER: each ref is the Index-th field named Name (compared
// case-insensitively, counted from the top of the header as received),
// removed with its folded lines; everything else is kept byte for byte.
// ok is false when the header could not be edited (longer than
// maxEditBytes); m is then returned as it is.
func withoutFields(m message, refs []session.FieldRef) (out message, ok bool, err error) {
	if len(refs) == 0 {
		return m, true, nil
	}
	prefix, err := io.ReadAll(io.LimitReader(m.Reader(), maxEditBytes))
	if err != nil {
		return m, false, err
	}
	_, end, _ := header.Split(prefix)
	if end == len(prefix) && int64(len(prefix)) < m.Size() {
		return m, false, nil
	}
	head := removeFields(prefix[:end], refs)
	return &splicedMessage{head: head, m: m, from: int64(end)}, true, nil
}

// removeFields returns the header block h without the fields refs
// names.
func removeFields(h []byte, refs []session.FieldRef) []byte {
	type field struct {
		name       string
		start, end int
	}
	var fields []field
	inField := false
	for off, first := 0, true; off < len(h); first = false {
		n := bytes.IndexByte(h[off:], '\n')
		next := len(h)
		if n >= 0 {
			next = off + n + 1
		}
		line := bytes.TrimSuffix(h[off:next], []byte("\n"))
		k, nameEnd, _ := header.Classify(line, first, inField)
		switch k {
		case header.Field:
			fields = append(fields, field{name: string(line[:nameEnd]), start: off, end: next})
			inField = true
		case header.Continuation:
			if len(fields) > 0 {
				fields[len(fields)-1].end = next
			}
		case header.End, header.Body:
			off = len(h)
			continue
		}
		off = next
	}
	drop := make([]bool, len(fields))
	for _, r := range refs {
		seen := 0
		for i, f := range fields {
			if strings.EqualFold(f.name, r.Name) {
				seen++
				if seen == r.Index {
					drop[i] = true
					break
				}
			}
		}
	}
	out := make([]byte, 0, len(h))
	last := 0
	for i, f := range fields {
		if drop[i] {
			out = append(out, h[last:f.start]...)
			last = f.end
		}
	}
	return append(out, h[last:]...)
}

// splicedMessage is an edited header followed by the rest of a message
// from offset from.
type splicedMessage struct {
	head []byte
	m    message
	from int64
}

func (s *splicedMessage) Size() int64 { return int64(len(s.head)) + s.m.Size() - s.from }

func (s *splicedMessage) Reader() io.Reader {
	r := s.m.Reader()
	if _, err := io.CopyN(io.Discard, r, s.from); err != nil {
		return io.MultiReader(bytes.NewReader(s.head), errReader{err})
	}
	return io.MultiReader(bytes.NewReader(s.head), r)
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
