// Package report produces and reads DMARC aggregate reports (RFC 9990)
// and failure reports (RFC 9991).
//
// # Receiver side
//
// A Reporter accumulates the evaluations of messages into one report per
// reporting period and DMARC Policy Domain (RFC 9990 §3.1), merging
// messages with the same source address, evaluation, identifiers and
// authentication results into one row with a count. Rows are kept by a
// Store (MemoryStore by default; a database implements the interface).
// When a period has ended (Due), the report is written as RFC 9990 XML
// (WriteXML) or as the message that carries it (WriteMessage): gzip
// compressed, base64 in a multipart/report, with RFC 9990 §3.5.2's
// filename, Subject and Report-ID, to the rua= addresses that passed the
// external-destination verification (Destinations, RFC 9990 §4). A
// destination is external when its Organizational Domain differs from
// the Policy Domain's, found as the evaluation found it, by package
// dmarc's Evaluator.OrganizationalDomain: by RFC 9989's DNS tree walk
// through Resolver (and its cache), or by the public
// suffix list for a report whose discovery_method is psl (Reporter.Mode
// for VerifyDestinations called directly).
//
//	r := &report.Reporter{OrgName: "Receiver", Email: "dmarc@mx.example", Submitter: "mx.example", Resolver: res}
//	ev, ok := report.FromDMARC(clientIP, in, outcome) // from package dmarc
//	if ok {
//		err = r.Add(ctx, ev) // a limit or an invalid row: ErrTooManyRows...
//	}
//	keys, _ := r.Due(ctx, time.Now())
//	for _, k := range keys {
//		var msg bytes.Buffer
//		dests, _, err := r.Compose(ctx, &msg, k, "dmarc@mx.example")
//		// send msg to the Address of each dest whose Err is nil; then
//		// r.Done(ctx, k). errors.Is(err, report.ErrDNS): try later.
//	}
//
// FromDMARC builds an Evaluation from package dmarc's Input and Outcome;
// the Reporter itself depends only on its own Row type.
//
// # Domain Owner side
//
// A Parser reads incoming reports: XML, gzip, zip (as RFC 7489-era
// reporters send), and the messages that carry them (any part, at any
// depth, whatever its declared media type). It accepts RFC 9990 reports
// and the RFC 7489 schema and drafts that large providers still send:
// no namespace or another, any element order, stray white space,
// capitals in tokens, unknown elements and extensions, a bare "&", other
// charsets (ISO-8859-1...), octets that are no UTF-8 (replaced by
// U+FFFD), several spf results, pct and sampled_out. Each tolerated
// deviation is a Report.Warnings entry. Summarize counts pass and fail
// by source address and by From domain. ParseFailure reads failure
// reports: the Abuse Reporting Format (RFC 5965) with the auth-failure
// fields of RFC 6591 and RFC 9991 §4 (Identity-Alignment); WriteFailure
// writes one (the rate limit RFC 9991 §2 asks of generators is the
// caller's; VerifyDestinations checks ruf= URIs as it does rua=).
//
// # Limits
//
// Every limit is named, defaulted, overridable and has its own error.
// Reporter: MaxReports (10,000 reports at once, ErrTooManyReports),
// MaxRowsPerReport (100,000, ErrTooManyRows), MaxRows (500,000 in all
// reports, ErrTooManyRows; a MemoryStore holds about 650 octets a
// row), MaxFieldBytes (1,024 octets per string, ErrFieldTooLong),
// MaxDKIMPerRow (100, RFC 9990 §3.1.3: kept in its order of
// preference), MaxDestinations (5 rua= URIs, ErrTooManyDestinations),
// Timeout (10 s for the verification lookups).
// A row kept out by a limit is counted, and the report's error element
// says how many messages it leaves out. Parser: MaxInputBytes (64 MiB,
// ErrTooLarge), MaxXMLBytes (256 MiB decompressed, ErrTooLarge),
// MaxRatio (200 times beyond the first 256 KiB, ErrRatio), MaxRecords
// (200,000, ErrTooManyRecords), MaxAuthResults (200 dkim, spf or reason
// elements in a record, ErrTooManyResults), MaxParts and MaxDepth (100
// MIME parts or zip entries, 10 levels, ErrTooManyParts), MaxWarnings
// (100). The XML is read as a stream of tokens, so memory follows the
// rows kept, never the nesting or the size of one element beyond
// MaxXMLBytes. Writing a report streams it row by row from the Store,
// and allocates about 0.9 MB (mostly the gzip
// compressor's state) whether it has a thousand rows or 100,000 (see
// BenchmarkWriteMessage and TestWriteAllocs).
//
// # Concurrency
//
// Reporter, MemoryStore and Parser are safe for concurrent use by
// multiple goroutines; a Reporter's fields must not change after first
// use.
//
// # RFC map
//
//   - RFC 9990 §3.1, §3.1.1: Report, Row, Policy, Metadata; WriteXML
//     writes elements in the schema's order (Appendix A);
//     testdata/rfc9990.xsd is the schema the tests validate with xmllint.
//   - §3.1.2 one report per Policy Domain: Key; §3.1 "the final
//     configuration observed": the last Policy added is the report's.
//   - §3.1.3 at most 100 DKIM signatures per row, in order of
//     preference: Reporter.MaxDKIMPerRow.
//   - §3.1.6 override reasons: ReasonType constants; the trusted ARC
//     sealer override of RFC 8617 §7.2 is local_policy (or
//     trusted_forwarder), as package dmarc records it.
//   - §3.5.1 Report-ID: Reporter.ReportID; §3.5.2 filename, Subject,
//     gzip (RFC 6713 application/gzip): Filename, Subject, WriteMessage.
//   - §4 external destinations: VerifyDestinations, ParseMailto.
//   - §8.1 reports as an attack (zip and XML bombs): the Parser limits.
//   - RFC 9991 §4, RFC 6591, RFC 5965: ParseFailure, FailureReport,
//     WriteFailure.
//
// # Divergences
//
// Section numbers are those of draft-ietf-dmarc-aggregate-reporting-32,
// the text published as RFC 9990. The message is a multipart/report
// (RFC 6522) whose report-type is the subtype of its second part, gzip;
// RFC 9990 requires no structure and OpenDMARC sends multipart/mixed,
// which Parser reads too. The rows of one report share the last policy
// added (RFC 9990 §3.3 allows it); a Reporter does not write pct (RFC
// 9990 has no such element) nor the lang attribute. A report whose
// every row a limit kept out cannot be written (the schema needs one
// record): WriteXML returns ErrNoReport. Parse keeps RFC 7489 values
// RFC 9990 dropped (sampled_out, helo scope, several spf results) with
// a warning, so Report.WriteXML refuses to write them back as RFC 9990.
package report
