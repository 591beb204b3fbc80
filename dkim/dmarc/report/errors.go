package report

import "errors"

// Errors of the receiver side (Reporter, Store, destinations). A row a
// limit kept out of a report is also counted in that report, whose
// report_metadata error element says how many were left out, so that the
// Domain Owner learns the report is incomplete.
var (
	// ErrTooManyReports reports a new (period, policy domain) report
	// beyond Reporter.MaxReports; the row was not stored.
	ErrTooManyReports = errors.New("report: too many reports accumulated")
	// ErrTooManyRows reports a new distinct row beyond
	// Reporter.MaxRowsPerReport in one report; its messages were counted
	// as left out.
	ErrTooManyRows = errors.New("report: too many rows in one report")
	// ErrFieldTooLong reports a row with a domain, selector, comment or
	// human_result longer than Reporter.MaxFieldBytes; its messages were
	// counted as left out.
	ErrFieldTooLong = errors.New("report: row field too long")
	// ErrInvalidRow reports a row or policy Reporter.Add cannot write
	// into a schema-valid report: no valid source address, no
	// header_from or policy domain, or a token outside RFC 9990's
	// schema.
	ErrInvalidRow = errors.New("report: invalid row")
	// ErrNoReport reports a Key with no accumulated rows.
	ErrNoReport = errors.New("report: no such report")
	// ErrNoDestination reports a report with no rua= URI left after the
	// external-destination verification (RFC 9990 §4).
	ErrNoDestination = errors.New("report: no verified destination")
	// ErrDNS reports a temporary DNS failure of the verification lookup
	// (RFC 9990 §4 step 5: the receiver may try again later).
	ErrDNS = errors.New("report: DNS lookup failed")
	// ErrUnverified reports an external rua= destination that did not
	// confirm it accepts reports for the Policy Domain (RFC 9990 §4), or
	// whose override names another host.
	ErrUnverified = errors.New("report: external destination not verified")
	// ErrURI reports a rua= URI that is no usable mailto: URI (RFC 9990
	// §3.5: malformed URIs are ignored).
	ErrURI = errors.New("report: unusable rua URI")
	// ErrTooManyDestinations reports rua= URIs beyond
	// Reporter.MaxDestinations; the first ones were used.
	ErrTooManyDestinations = errors.New("report: too many rua URIs")
)

// Errors of the Domain Owner side (Parser).
var (
	// ErrSyntax reports input that is no aggregate report: not XML, no
	// feedback root element, or XML broken before the first record.
	ErrSyntax = errors.New("report: not an aggregate report")
	// ErrTooLarge reports input longer than Parser.MaxInputBytes, or a
	// decompressed report longer than Parser.MaxXMLBytes.
	ErrTooLarge = errors.New("report: report too large")
	// ErrRatio reports a compressed report inflating more than
	// Parser.MaxRatio times its compressed size (a decompression bomb).
	ErrRatio = errors.New("report: decompression ratio exceeded")
	// ErrTooManyRecords reports more record elements than
	// Parser.MaxRecords.
	ErrTooManyRecords = errors.New("report: too many records")
	// ErrTooManyResults reports a record with more dkim or spf results
	// than Parser.MaxAuthResults.
	ErrTooManyResults = errors.New("report: too many authentication results in a record")
	// ErrTooManyParts reports a message with more MIME parts, or an
	// archive with more entries, than Parser.MaxParts, or MIME nesting
	// deeper than Parser.MaxDepth.
	ErrTooManyParts = errors.New("report: too many MIME parts or archive entries")
	// ErrNoReportFound reports a message or archive carrying no
	// aggregate report.
	ErrNoReportFound = errors.New("report: no aggregate report found")
	// ErrNotFeedback reports a message that is no failure report (no
	// message/feedback-report part, RFC 5965 §2).
	ErrNotFeedback = errors.New("report: no feedback report found")
)
