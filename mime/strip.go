package mime

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// byPath indexes the report's parts by path.
func (r Report) byPath() map[string]int {
	m := make(map[string]int, len(r.Parts))
	for i, p := range r.Parts {
		if _, dup := m[p.Path]; !dup {
			m[p.Path] = i
		}
	}
	return m
}

// parentPath returns the MIME path of the entity enclosing path ("2.1"
// → "2", "2.0" → "2", "3" → ""), "" at the top.
func parentPath(path string) string {
	path = strings.TrimSuffix(path, ".0")
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// stripTarget returns the index of the part to cut from the message to
// remove the part at path: the part itself if it lies verbatim in the
// message, else its nearest such ancestor (the attachment holding an
// archive entry, the encoded message/rfc822 part holding a part). ok is
// false if that is the message itself.
func (r Report) stripTarget(byPath map[string]int, path string) (int, bool) {
	mp, _, _ := strings.Cut(path, "/")
	for mp != "" {
		i, ok := byPath[mp]
		if !ok {
			return 0, false
		}
		if p := r.Parts[i]; p.raw && p.Depth > 0 && !strings.HasSuffix(p.Path, ".0") {
			return i, true
		}
		mp = parentPath(mp)
	}
	return 0, false
}

// Strip returns a copy of msg without the parts for which match returns
// true, each replaced by a short text/plain notice naming what was
// removed. report must be the report of Scan on msg. A part not present
// verbatim in msg (an archive entry, a part inside a base64-encoded
// message/rfc822) is removed with the enclosing part that is. Everything
// else is kept byte for byte: the header, the other parts, the
// delimiters, the preamble and epilogue, so that DKIM signatures
// (RFC 6376) over the header and the untouched text stay checkable
// (the body hash of the whole body does change).
//
// Strip fails with ErrReportMismatch if report is not of msg, and with
// ErrStripRoot if a matching part is the message itself. It does not
// block and takes no context.
func Strip(msg []byte, report Report, match func(Part) bool) ([]byte, error) {
	if report.msgLen != len(msg) {
		return nil, fmt.Errorf("%w: report of %d bytes, message of %d", ErrReportMismatch, report.msgLen, len(msg))
	}
	byPath := report.byPath()
	removed := map[int][]string{} // target part → names of what it removes
	for _, p := range report.Parts {
		if !match(p) {
			continue
		}
		i, ok := report.stripTarget(byPath, p.Path)
		if !ok {
			return nil, fmt.Errorf("%w: part %s", ErrStripRoot, p.Path)
		}
		name := p.Filename
		if name == "" {
			name = p.Path
		}
		removed[i] = append(removed[i], name)
	}
	targets := make([]int, 0, len(removed))
	for i := range removed {
		targets = append(targets, i)
	}
	sort.Slice(targets, func(a, b int) bool { return report.Parts[targets[a]].start < report.Parts[targets[b]].start })
	nl := "\r\n"
	if report.lf {
		nl = "\n"
	}
	out := make([]byte, 0, len(msg))
	pos := 0
	for _, i := range targets {
		p := report.Parts[i]
		if p.start < pos {
			continue // inside a part already removed
		}
		if p.start > p.end || p.end > len(msg) {
			return nil, fmt.Errorf("%w: part %s at [%d, %d)", ErrReportMismatch, p.Path, p.start, p.end)
		}
		out = append(out, msg[pos:p.start]...)
		out = append(out, notice(p, removed[i], nl)...)
		pos = p.end
	}
	return append(out, msg[pos:]...), nil
}

// notice is the entity that replaces removed parts: US-ASCII text
// (RFC 2045 §5.2 defaults) naming them, without a final line break (the
// one before the next delimiter belongs to it, RFC 2046 §5.1.1).
func notice(target Part, names []string, nl string) string {
	label := target.Filename
	if label == "" {
		label = "part " + target.Path
	}
	var inner []string
	for _, n := range names {
		if n != label && n != target.Path {
			inner = append(inner, strconv.QuoteToASCII(n))
		}
	}
	what := strconv.QuoteToASCII(label)
	if len(inner) > 0 {
		what += " (holding " + strings.Join(inner, ", ") + ")"
	}
	return "Content-Type: text/plain; charset=us-ascii" + nl +
		"Content-Disposition: inline" + nl +
		"Content-Transfer-Encoding: 7bit" + nl + nl +
		"The mail system removed this attachment as dangerous: " + what + "."
}
