package mime

import (
	"bytes"
	"fmt"
	"strings"
)

// inspectEmbedded looks for content carried inside the part at idx
// that is not a MIME part or an archive entry: files encoded in the text
// of a text part (uuencode, yEnc), TNEF attachments, and active content
// in SVG, HTML-like, PDF and RTF files, with the files they embed.
// Its arguments are those of inspect.
func (st *state) inspectEmbedded(idx int, data []byte, complete bool, prefix string, depth int) {
	p := st.report.Parts[idx]
	if strings.HasPrefix(p.DeclaredType, "text/") {
		st.walkTextFiles(idx, data, prefix, depth)
	}
	switch {
	case p.DetectedType == typeTNEF:
		st.walkTNEF(idx, data, prefix, depth)
	case family(p.DeclaredType) == "tnef":
		st.find(KindMalformed, p.Path, fmt.Sprintf("%q is declared %s but has no TNEF signature", p.Filename, p.DeclaredType), fmt.Errorf("%w: no TNEF signature", ErrMalformedArchive))
	}
	st.checkMarkup(idx, data)
	switch {
	case p.DetectedType == typePDF || bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")):
		// PDF readers find the header within the first 1024 bytes.
		st.walkPDF(idx, data, prefix, depth)
	case isRTF(data):
		st.walkRTF(idx, data, prefix, depth)
	}
}
