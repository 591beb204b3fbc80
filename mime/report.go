package mime

import (
	"fmt"
	"strings"
)

// Kind is the kind of a [Finding].
type Kind string

// Kinds of findings.
const (
	// KindDangerousExtension: the file name ends in an extension of
	// Scanner.DangerousExtensions (Windows strips trailing dots and
	// spaces, so "a.exe." counts; C strings end at a NUL, so
	// "a.exe\x00.pdf" counts).
	KindDangerousExtension Kind = "dangerous-extension"
	// KindDoubleExtension: a dangerous extension after another one
	// ("invoice.pdf.exe"), possibly padded with spaces.
	KindDoubleExtension Kind = "double-extension"
	// KindRTLO: the file name holds a Unicode bidirectional control
	// (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) that makes it display
	// differently from what it is.
	KindRTLO Kind = "rtlo"
	// KindLookalike: a word of the file name mixes Latin letters with
	// Cyrillic or Greek ones ("invоice" with a Cyrillic о), the mark of
	// a name made to pass for another.
	KindLookalike Kind = "lookalike"
	// KindTypeMismatch: the content's magic number contradicts the
	// declared content type or the file name's extension.
	KindTypeMismatch Kind = "type-mismatch"
	// KindMacro: an Office document with a VBA project (OOXML
	// vbaProject.bin, or an OLE2 VBA storage).
	KindMacro Kind = "macro"
	// KindExecutable: the content is a program by its magic number (PE,
	// ELF, Mach-O, Windows shortcut), whatever its name.
	KindExecutable Kind = "executable"
	// KindEncrypted: an encrypted archive entry; its content cannot be
	// inspected (names still are).
	KindEncrypted Kind = "encrypted"
	// KindUnsupported: archive content the scanner does not decode: a
	// 7z folder packed with PPMd or BCJ2, an xz filter chain other than
	// [x86,] LZMA2, a 7z or xz header it does not understand. Stripped by
	// default. (RAR 1.5-4 is reported as KindLimitDictionary.)
	KindUnsupported Kind = "unsupported-archive"
	// KindHTMLActive: an HTML attachment with forms, scripts, event
	// handlers, frames or meta refresh.
	KindHTMLActive Kind = "html-active"
	// KindActiveContent: a document that runs code or carries a
	// program outside HTML: a PDF with JavaScript, a Launch, RichMedia
	// or GoToE action, a URI to a program, or an embedded file that
	// could not be read (/OpenAction and /AA are named as the trigger);
	// an RTF with an OLE Package, Equation Editor or OLE2Link object,
	// \objupdate, or object data that could not be read. Embedded files
	// and object payloads are also inspected as nested parts.
	KindActiveContent Kind = "active-content"
	// KindMalformed: malformed MIME or archive structure (missing or
	// reused boundaries, bad base64, truncated archives). Err holds
	// ErrMalformedMIME or ErrMalformedArchive.
	KindMalformed Kind = "malformed"
	// KindOverlap: zip entries share or overlap their data, the mark of
	// an overlapping-entry zip bomb; such entries are not read.
	KindOverlap Kind = "zip-overlap"

	KindLimitDepth          Kind = "limit-depth"           // MaxDepth reached; Err is ErrDepth
	KindLimitParts          Kind = "limit-parts"           // MaxParts reached; Err is ErrParts
	KindLimitPartBytes      Kind = "limit-part-bytes"      // MaxPartBytes reached; Err is ErrPartBytes
	KindLimitTotalBytes     Kind = "limit-total-bytes"     // MaxTotalBytes reached; Err is ErrTotalBytes
	KindLimitHeldBytes      Kind = "limit-held-bytes"      // MaxHeldBytes reached; Err is ErrHeldBytes
	KindLimitRatio          Kind = "limit-ratio"           // MaxRatio exceeded; Err is ErrRatio
	KindLimitArchiveEntries Kind = "limit-archive-entries" // MaxArchiveEntries exceeded; Err is ErrArchiveEntries
	KindLimitTime           Kind = "limit-time"            // the context ended; Err is ErrTime and the context's error
	KindLimitParamBytes     Kind = "limit-param-bytes"     // MaxParamBytes reached: a parameter was cut; Err is ErrParamBytes
	KindLimitReportBytes    Kind = "limit-report-bytes"    // MaxReportBytes reached: the scan stopped; Err is ErrReportBytes

	// KindLimitNameBytes: a file name longer than MaxNameBytes, kept cut
	// in the report (Part.Filename, the paths below it, the details);
	// Err is ErrNameBytes. The name was checked whole, so this limit does
	// not make the report Truncated and Policy does not act on it.
	KindLimitNameBytes Kind = "limit-name-bytes"

	// KindLimitTextBytes: MaxTextBytes reached; Err is ErrTextBytes.
	// Report.Texts holds the text up to the limit (the Text cut and
	// those after it are Truncated). Only the text handed to other
	// checks is cut: every part was inspected all the same, so this limit
	// does not make the report Truncated and Policy does not act on it.
	KindLimitTextBytes Kind = "limit-text-bytes"
)

// String returns the kind's token.
func (k Kind) String() string { return string(k) }

// IsLimit reports whether k is the kind of a reached limit.
func (k Kind) IsLimit() bool { return strings.HasPrefix(string(k), "limit-") }

// unchecked reports whether a finding of kind k means that content was
// not inspected: every limit but MaxTextBytes.
func (k Kind) unchecked() bool {
	return k.IsLimit() && k != KindLimitTextBytes && k != KindLimitNameBytes
}

// scanWide reports whether a finding of kind k stopped the whole scan,
// leaving the rest of the message uninspected (and unreported).
func (k Kind) scanWide() bool {
	return k == KindLimitTime || k == KindLimitParts || k == KindLimitTotalBytes || k == KindLimitReportBytes
}

// Finding is one thing the scan found.
type Finding struct {
	Kind   Kind   // what was found
	Path   string // the part it is about (see Part.Path)
	Detail string // human-readable evidence: the name, the types, the limit
	Err    error  // for limits and malformed input: the sentinel (and cause); else nil
}

// String renders the finding on one line.
func (f Finding) String() string {
	if f.Detail == "" {
		return fmt.Sprintf("%s at %s", f.Kind, f.Path)
	}
	return fmt.Sprintf("%s at %s: %s", f.Kind, f.Path, f.Detail)
}

// Part is one MIME entity or archive entry.
type Part struct {
	// Path names the part: IMAP section numbers (RFC 3501 §6.4.5) for
	// MIME entities ("1", "1.2", "2.1" inside a message/rfc822 part "2"),
	// with "0" for a multipart message root, which IMAP leaves unnamed
	// (and "2.0" for the multipart inside message/rfc822 part "2");
	// archive entries append "/" and the archive's file name, then ":"
	// and the entry name at each archive level:
	// "2/docs.zip:inner.zip:a.exe".
	Path string

	Depth        int    // nesting: MIME entities and archives together; the message is 0
	DeclaredType string // Content-Type media type, lower case; "" for archive entries
	DetectedType string // media type by magic number; "" if unknown or not read
	Disposition  string // Content-Disposition type, lower case ("attachment", "inline"), or ""
	Filename     string // decoded file name (RFC 2183 filename, else the Content-Type name; both are checked when they differ; RFC 2231, RFC 2047), or the entry name
	Charset      string // charset parameter of text parts, lower case
	Encoding     string // Content-Transfer-Encoding mechanism (its first token), lower case; "" for archive entries

	// Size is the decoded size in bytes: the bytes read, if Truncated;
	// the size the archive declares, if Encrypted or in a RAR archive; 0
	// for multipart, message and tar containers.
	Size int64
	// Truncated reports that the reading of the content stopped before
	// its end: a limit, or an archive stream broken off (reported as
	// malformed).
	Truncated bool
	// Container reports a multipart, message/rfc822 or archive part, whose
	// content is reported as its children.
	Container bool
	// Encrypted reports an encrypted archive entry, whose content was not
	// read.
	Encrypted bool

	// SHA256 is the SHA-256 of the decoded content (of what was read, if
	// Truncated), archives included, for hash lists such as
	// rbl.Checker.CheckSHA256; the zero array for multipart and message
	// containers and for content not read (Encrypted, RAR entries).
	SHA256 [32]byte
	// TextDigest is the SHA-256 of the normalized text of text/plain and
	// text/html parts (decoded to UTF-8, markup removed, lower case,
	// whitespace collapsed, URL queries and fragments dropped, invisible
	// characters removed), so that randomized copies of one campaign
	// collide; the zero array for other parts and for text not read
	// whole.
	TextDigest [32]byte

	// Where the entity lies in the scanned message: [start, end) covers
	// its header and body; raw is false for parts not present verbatim
	// (inside an encoded message/rfc822 part or an archive).
	start, end int
	raw        bool
}

// Text is the text of one text/plain or text/html MIME part, as a mail
// reader would show it, for the checks that read text (URI extraction
// for rbl, content classifiers): transfer-decoded (RFC 2045 §6) and
// converted to UTF-8 from its charset.
type Text struct {
	Path    string // the part (see Part.Path)
	Type    string // "text/plain" or "text/html" (HTML is not rendered)
	Charset string // the charset parameter, lower case, as declared
	// Body is the text in valid UTF-8. A part without charset, in
	// US-ASCII or in an unknown charset, is taken as UTF-8 if it is
	// valid UTF-8 and as windows-1252 otherwise (as browsers read
	// US-ASCII and ISO-8859-1); invalid UTF-8 in a UTF-8 part becomes
	// U+FFFD.
	Body string
	// Truncated reports that Body is not the whole text: MaxTextBytes
	// (KindLimitTextBytes), or a limit that stopped the part's decoding.
	Truncated bool
}

// Report is the result of a scan. It may be read from many goroutines;
// Strip and Policy.Decide only read it.
type Report struct {
	// Subject is the message's Subject (RFC 5322 §3.6.5) decoded to
	// UTF-8: RFC 2047 encoded words in any charset, raw ISO-2022-JP, and
	// raw 8-bit text in the message's charset.
	Subject  string
	Parts    []Part    // every part, in depth-first order
	Findings []Finding // what was found, in scan order
	// Texts are the text/plain and text/html MIME parts (bodies and
	// attachments, not archive entries), in scan order, up to
	// Scanner.MaxTextBytes in all: the Text that reaches it is cut, and
	// those after it are empty, all marked Truncated.
	Texts []Text

	// Truncated reports that a limit stopped the scan of some content, so
	// that parts or bytes were not inspected. (MaxTextBytes, which only
	// cuts Texts, and MaxNameBytes, which only cuts the names kept in the
	// report, do not set it.)
	Truncated bool

	msgLen int // length of the scanned message, checked by Strip
	lf     bool
}

// Has reports whether the report has a finding of kind k.
func (r Report) Has(k Kind) bool {
	for _, f := range r.Findings {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// String renders the report: one line per part, then one per finding.
func (r Report) String() string {
	var b strings.Builder
	for _, p := range r.Parts {
		fmt.Fprintf(&b, "part %s", p.Path)
		if p.DeclaredType != "" {
			fmt.Fprintf(&b, " %s", p.DeclaredType)
		}
		if p.DetectedType != "" && p.DetectedType != p.DeclaredType {
			fmt.Fprintf(&b, " (detected %s)", p.DetectedType)
		}
		if p.Filename != "" {
			fmt.Fprintf(&b, " %q", p.Filename)
		}
		switch {
		case p.Encrypted:
			b.WriteString(" encrypted\n")
		case p.Container:
			b.WriteString("\n")
		default:
			fmt.Fprintf(&b, " %d bytes\n", p.Size)
		}
	}
	for _, f := range r.Findings {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	if r.Truncated {
		b.WriteString("truncated by a limit\n")
	}
	return b.String()
}
