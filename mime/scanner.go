package mime

import (
	"context"
	"fmt"
	"strings"
)

// Defaults of the limits of [Scanner].
const (
	DefaultMaxDepth          = 16
	DefaultMaxParts          = 10000
	DefaultMaxPartBytes      = 32 << 20
	DefaultMaxTotalBytes     = 128 << 20
	DefaultMaxHeldBytes      = 48 << 20
	DefaultMaxRatio          = 100
	DefaultMaxArchiveEntries = 1000

	// RatioFloor is the decoded size below which MaxRatio is not applied:
	// small, highly compressible files (a text of spaces) are normal.
	RatioFloor = 1 << 20
)

// Scanner scans messages for dangerous attachments. Its zero value is
// ready to use with the documented defaults. A Scanner is not modified by
// Scan and is safe for concurrent use by multiple goroutines.
type Scanner struct {
	// MaxDepth bounds the nesting of MIME entities (multipart,
	// message/rfc822) and archives together; the message is depth 0.
	// Deeper entities are not opened. If zero, DefaultMaxDepth (16).
	MaxDepth int

	// MaxParts bounds the number of parts reported, MIME parts and
	// archive entries together. If zero, DefaultMaxParts (10 000).
	MaxParts int

	// MaxPartBytes bounds the decoded size of one part or archive entry;
	// content beyond it is not read. If zero, DefaultMaxPartBytes
	// (32 MiB).
	MaxPartBytes int64

	// MaxTotalBytes bounds the decoded bytes of the whole scan (MIME
	// transfer decoding and decompression). It also bounds memory: the
	// buffers alive at one time are those of the current nesting path.
	// If zero, DefaultMaxTotalBytes (128 MiB).
	MaxTotalBytes int64

	// MaxHeldBytes bounds the decoded content held in memory at one
	// time: the buffers of the current nesting path (a transfer-decoded
	// attachment, the archive entries inside it kept whole). Parts sent
	// as 7bit, 8bit or binary and stored zip entries are slices of what
	// is already in memory and cost nothing; other content is streamed.
	// A part that would exceed it is cut (KindLimitHeldBytes) and the
	// scan goes on. If zero, DefaultMaxHeldBytes (48 MiB).
	MaxHeldBytes int64

	// MaxRatio bounds the ratio of decompressed to compressed size of an
	// archive entry or compressed stream, once past RatioFloor (1 MiB)
	// of output. If zero, DefaultMaxRatio (100).
	MaxRatio int64

	// MaxArchiveEntries bounds the entries of one archive; an archive
	// declaring more is reported but its entries are not read. If zero,
	// DefaultMaxArchiveEntries (1000).
	MaxArchiveEntries int

	// DangerousExtensions lists the file name extensions (lower case,
	// without the dot) reported as KindDangerousExtension. If nil,
	// DefaultDangerousExtensions.
	DangerousExtensions []string

	// Trace, if not nil, receives a line per entity opened, for
	// debugging. It must be safe for concurrent use if the Scanner is.
	Trace func(format string, args ...any)
}

func (s *Scanner) maxDepth() int          { return def(s.MaxDepth, DefaultMaxDepth) }
func (s *Scanner) maxParts() int          { return def(s.MaxParts, DefaultMaxParts) }
func (s *Scanner) maxPartBytes() int64    { return def(s.MaxPartBytes, DefaultMaxPartBytes) }
func (s *Scanner) maxTotalBytes() int64   { return def(s.MaxTotalBytes, DefaultMaxTotalBytes) }
func (s *Scanner) maxHeldBytes() int64    { return def(s.MaxHeldBytes, DefaultMaxHeldBytes) }
func (s *Scanner) maxRatio() int64        { return def(s.MaxRatio, DefaultMaxRatio) }
func (s *Scanner) maxArchiveEntries() int { return def(s.MaxArchiveEntries, DefaultMaxArchiveEntries) }

func def[T int | int64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

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
	// KindUnsupported: an archive whose content the scanner does not
	// inspect: 7z and xz (not opened), RAR (entries listed by name, not
	// decompressed).
	KindUnsupported Kind = "unsupported-archive"
	// KindHTMLActive: an HTML attachment with forms, scripts, event
	// handlers, frames or meta refresh.
	KindHTMLActive Kind = "html-active"
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
)

// String returns the kind's token.
func (k Kind) String() string { return string(k) }

// IsLimit reports whether k is the kind of a reached limit.
func (k Kind) IsLimit() bool { return strings.HasPrefix(string(k), "limit-") }

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
	// Truncated reports that a limit stopped the reading of the content.
	Truncated bool
	// Container reports a multipart, message/rfc822 or archive part, whose
	// content is reported as its children.
	Container bool
	// Encrypted reports an encrypted archive entry, whose content was not
	// read.
	Encrypted bool

	// SHA256 is the hex SHA-256 of the decoded content, for hash lists;
	// "" for containers and unread content.
	SHA256 string
	// TextDigest is the hex SHA-256 of the normalized text of text/plain
	// and text/html parts (decoded to UTF-8, markup removed, lower case,
	// whitespace collapsed, URL queries and fragments dropped, invisible
	// characters removed), so that randomized copies of one campaign
	// collide; "" for other parts.
	TextDigest string

	// Where the entity lies in the scanned message: [start, end) covers
	// its header and body; raw is false for parts not present verbatim
	// (inside an encoded message/rfc822 part or an archive).
	start, end int
	raw        bool
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

	// Truncated reports that a limit stopped the scan of some content, so
	// that parts or bytes were not inspected.
	Truncated bool

	msgLen int // length of the scanned message, checked by Strip
	lf     bool
}

// Has reports whether the report has a finding of kind k.
func (r *Report) Has(k Kind) bool {
	for _, f := range r.Findings {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// String renders the report: one line per part, then one per finding.
func (r *Report) String() string {
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

// Scan parses msg, a message in Internet Message Format (RFC 5322) with
// MIME (RFC 2045, RFC 2046), walks its parts and the archives they hold,
// and reports what it found. Limits reached and malformed input are
// findings with a partial report, not errors; the context's end is the
// KindLimitTime finding. The error is reserved for a scan that cannot
// run and is currently always nil.
//
// Scan takes the message as bytes: MTAs hold it in memory after DATA, its
// size bounded by their SIZE limit (RFC 1870), and parts are reported by
// their place in it, which Strip uses. Scan neither keeps nor modifies
// msg.
func (s *Scanner) Scan(ctx context.Context, msg []byte) (*Report, error) {
	st := newState(ctx, s)
	st.report.msgLen = len(msg)
	st.report.lf = !hasCRLF(msg)
	h, _ := parseHeader(msg)
	_, params, _ := mediaType(h.contentType)
	st.report.Subject = decodeText(h.subject, params["charset"])
	st.walkMessage(msg, 0, "", 0, true)
	return &st.report, nil
}

// ScanFile inspects one file outside a message: an attachment already
// extracted by other code, or an archive. Its parts are named from
// "name".
func (s *Scanner) ScanFile(ctx context.Context, name string, data []byte) (*Report, error) {
	st := newState(ctx, s)
	st.entryBytes(Part{Path: name, Filename: name}, data)
	return &st.report, nil
}
