package mime

import (
	"context"
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
	DefaultMaxTextBytes      = 1 << 20
	DefaultMaxParamBytes     = 16 << 10
	DefaultMaxNameBytes      = 1 << 10
	DefaultMaxReportBytes    = 16 << 20
	DefaultMaxDictionary     = 64 << 20

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

	// MaxTextBytes bounds the UTF-8 text of Report.Texts, all text
	// parts together; text beyond it is not kept (KindLimitTextBytes).
	// It bounds what the scan hands to the checks that read text, not
	// what it inspects. If zero, DefaultMaxTextBytes (1 MiB).
	MaxTextBytes int64

	// MaxParamBytes bounds one parameter (name and value) of a
	// Content-Type or Content-Disposition field, and the field's
	// parameters together to 8 times as much. A longer parameter is cut
	// to the beginning and the end of its value, half of MaxParamBytes
	// each, so that the extension of a file name is still checked;
	// parameters past the field's bound are dropped. Either is reported
	// as KindLimitParamBytes, content the scan could not fully check. It
	// bounds what a header parameter costs: the value is copied about
	// once, then only its bounded form is parsed. If zero,
	// DefaultMaxParamBytes (16 KiB): RFC 2046 §5.1.1 bounds a boundary to
	// 70 characters, and a file name of 255 characters in RFC 2231
	// percent-encoded UTF-8 takes under 3 KiB.
	MaxParamBytes int

	// MaxNameBytes bounds the file names kept in the report: a longer
	// name is checked whole, then kept cut to its beginning and its end
	// (where its extension is) joined by "…", in Part.Filename, in the
	// paths of the entries below it and in the details of findings
	// (KindLimitNameBytes). Without it a long name would be repeated in
	// the path of every entry of the archives it names. If zero,
	// DefaultMaxNameBytes (1 KiB; NTFS names are at most 255 UTF-16
	// code units).
	MaxNameBytes int

	// MaxReportBytes bounds the memory of the Report: each part and
	// finding is counted with its strings. A scan whose report reaches
	// it stops (KindLimitReportBytes), as for MaxParts. If zero,
	// DefaultMaxReportBytes (16 MiB, about 10 000 parts with names of
	// 1 KiB).
	MaxReportBytes int64

	// MaxDictionary bounds the dictionary (window) a decompressor may
	// allocate for an archive that declares its size (RAR 5): a
	// larger one is not decoded, and KindLimitDictionary reports it.
	// The window is held beside the entries' buffers, so it is also
	// bounded by half of what MaxHeldBytes leaves. If zero,
	// DefaultMaxDictionary (64 MiB).
	MaxDictionary int64

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
func (s *Scanner) maxTextBytes() int64    { return def(s.MaxTextBytes, DefaultMaxTextBytes) }
func (s *Scanner) maxParamBytes() int     { return def(s.MaxParamBytes, DefaultMaxParamBytes) }
func (s *Scanner) maxNameBytes() int      { return def(s.MaxNameBytes, DefaultMaxNameBytes) }
func (s *Scanner) maxReportBytes() int64  { return def(s.MaxReportBytes, DefaultMaxReportBytes) }
func (s *Scanner) maxDictionary() int64   { return def(s.MaxDictionary, DefaultMaxDictionary) }

func def[T int | int64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Scan parses msg, a message in Internet Message Format (RFC 5322) with
// MIME (RFC 2045, RFC 2046), walks its parts and the archives they hold,
// and reports what it found. A scan always runs: limits reached and
// malformed input are findings with a partial report, and the context's
// end is the KindLimitTime finding (so a scan cut short is never a clean
// report; see Policy for what it leads to). The header is found by the
// module's one rule (package internal/header): a leading mbox "From "
// line is skipped.
//
// Scan takes the message as bytes: MTAs hold it in memory after DATA, its
// size bounded by their SIZE limit (RFC 1870), and parts are reported by
// their place in it, which Strip uses. Scan neither keeps nor modifies
// msg, and the report holds no reference to it.
func (s *Scanner) Scan(ctx context.Context, msg []byte) Report {
	st := newState(ctx, s)
	st.report.msgLen = len(msg)
	h, _ := parseHeaderMax(msg, true, st.maxParam)
	st.report.lf = !hasCRLF(msg[h.start:])
	_, params, _ := mediaType(h.contentType)
	st.report.Subject = decodeText(h.subject, params["charset"])
	st.walkMessage(msg, 0, "", 0, true)
	return st.report
}

// ScanFile inspects one file outside a message: an attachment already
// extracted by other code, or an archive. Its parts are named from
// "name". It has no Texts: those are of MIME parts.
func (s *Scanner) ScanFile(ctx context.Context, name string, data []byte) Report {
	st := newState(ctx, s)
	st.entryBytes(Part{Path: name, Filename: name}, data)
	return st.report
}
