package dkim

import (
	"fmt"
	"strings"
)

// Tag is one tag=value pair of a tag-list (RFC 6376 §3.2). Value keeps
// its inner folding whitespace; leading and trailing whitespace is
// removed.
type Tag struct {
	Name, Value string
}

// Tags is a parsed tag-list, in order.
type Tags []Tag

// Get returns the value of the tag named name (tag names are case
// sensitive, RFC 6376 §3.2).
func (t Tags) Get(name string) (string, bool) {
	for _, tag := range t {
		if tag.Name == name {
			return tag.Value, true
		}
	}
	return "", false
}

// ParseTags parses a tag-list (RFC 6376 §3.2): tag=value pairs separated
// by semicolons, with optional whitespace around names, the equal sign
// and values. Tag names must be ALPHA *(ALPHA / DIGIT / "_"); a name
// given twice is an error (ErrDuplicateTag). A trailing semicolon and
// empty values are allowed. It costs time linear in len(s).
func ParseTags(s string) (Tags, error) {
	tags := make(Tags, 0, 12)
	var seen map[string]struct{} // names, once the list is long
	for spec := range strings.SplitSeq(s, ";") {
		if isFWS(spec) {
			continue // empty spec: trailing semicolon
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("%w: tag without '=': %q", ErrSyntax, trimFWS(spec))
		}
		name = trimFWS(name)
		if !validTagName(name) {
			return nil, fmt.Errorf("%w: invalid tag name %q", ErrSyntax, name)
		}
		value = trimFWS(value)
		for i := 0; i < len(value); i++ {
			if c := value[i]; c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
				return nil, fmt.Errorf("%w: control character in tag %s", ErrSyntax, name)
			}
		}
		// A name given twice: scanned for in a short list, looked up
		// in a set beyond, so that a list of many tags costs linear
		// time (a 150 KB list of distinct names took 2 s scanned).
		dup := false
		if seen != nil {
			_, dup = seen[name]
			seen[name] = struct{}{}
		} else {
			for _, t := range tags {
				dup = dup || t.Name == name
			}
			if len(tags) == scanTags {
				seen = make(map[string]struct{}, 2*scanTags)
				for _, t := range tags {
					seen[t.Name] = struct{}{}
				}
				seen[name] = struct{}{}
			}
		}
		if dup {
			return nil, fmt.Errorf("%w: %s", ErrDuplicateTag, name)
		}
		tags = append(tags, Tag{Name: name, Value: value})
	}
	return tags, nil
}

// scanTags is the length of a tag list up to which ParseTags scans it
// for a duplicate name; beyond, it keeps a set.
const scanTags = 16

func validTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !('0' <= c && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { u := c &^ 0x20; return 'A' <= u && u <= 'Z' }

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

func isFWS(s string) bool { return trimFWS(s) == "" }

func trimFWS(s string) string { return strings.Trim(s, " \t\r\n") }

// stripFWS removes all whitespace from s (base64 values and tag lists
// may be folded anywhere).
func stripFWS(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			b = append(b, c)
		}
	}
	return string(b)
}

// StripSignature returns the header field raw with the value of its b=
// tag removed, whitespace around it included, as it is hashed (RFC 6376
// §3.7). Other tags whose value contains "b=" are left alone.
func StripSignature(raw string) string {
	name, list, ok := strings.Cut(raw, ":")
	if !ok {
		return raw
	}
	off := len(name) + 1
	for {
		end := strings.IndexByte(list, ';')
		spec := list
		if end >= 0 {
			spec = list[:end]
		}
		if n, _, ok := strings.Cut(spec, "="); ok && trimFWS(n) == "b" {
			eq := off + len(n) + 1
			stop := off + len(spec)
			if end < 0 {
				// The last tag: its value runs to the end; keep the
				// field's final line break.
				return raw[:eq] + raw[len(strings.TrimRight(raw, "\r\n")):]
			}
			return raw[:eq] + raw[stop:]
		}
		if end < 0 {
			return raw
		}
		off += end + 1
		list = list[end+1:]
	}
}
