package mime

import "errors"

// Limit errors. Each limit of [Scanner] has its own sentinel; a
// [Finding] reporting a reached limit carries it in Err, so callers
// classify limits with errors.Is. Reaching a limit is a finding, not a
// scan error.
var (
	ErrDepth          = errors.New("mime: nesting deeper than MaxDepth")
	ErrParts          = errors.New("mime: more parts than MaxParts")
	ErrPartBytes      = errors.New("mime: part larger than MaxPartBytes")
	ErrTotalBytes     = errors.New("mime: decoded bytes exceed MaxTotalBytes")
	ErrHeldBytes      = errors.New("mime: decoded bytes held exceed MaxHeldBytes")
	ErrRatio          = errors.New("mime: compression ratio above MaxRatio")
	ErrArchiveEntries = errors.New("mime: archive has more entries than MaxArchiveEntries")
	ErrTime           = errors.New("mime: scan stopped by its context")
	ErrTextBytes      = errors.New("mime: text exceeds MaxTextBytes")
	ErrParamBytes     = errors.New("mime: header parameter longer than MaxParamBytes")
	ErrNameBytes      = errors.New("mime: file name longer than MaxNameBytes")
	ErrReportBytes    = errors.New("mime: report larger than MaxReportBytes")
	ErrDictionary     = errors.New("mime: archive dictionary larger than MaxDictionary")
)

// Errors of malformed input, carried in the Err of [KindMalformed],
// [KindOverlap] and [KindZipMismatch] findings.
var (
	ErrMalformedMIME    = errors.New("mime: malformed MIME structure")
	ErrMalformedArchive = errors.New("mime: malformed archive")
	ErrOverlap          = errors.New("mime: archive entries overlap (zip bomb)")
	ErrZipMismatch      = errors.New("mime: zip central directory and local headers disagree")
)

// Errors of [Strip].
var (
	// ErrStripRoot reports that a part to strip is the message itself
	// (a single-part message), which Strip does not rewrite.
	ErrStripRoot = errors.New("mime: cannot strip the message root")
	// ErrReportMismatch reports that the report was not made from the
	// message given to Strip.
	ErrReportMismatch = errors.New("mime: report does not describe this message")
)
