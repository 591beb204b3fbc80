// Package mime is a recursive MIME and archive scanner for mail: it
// walks a message's entities and the archives they carry, reports each
// part with its types, file name, size and digests, finds dangerous
// attachments, and hands the text of the message to the checks that read
// text. It survives MIME and archive bombs: every limit is bounded, and
// reaching one yields a finding and a partial report, never a panic, a
// hang or unbounded memory. Nothing is written to disk.
//
//	var s mime.Scanner // zero value: documented defaults
//	report := s.Scan(ctx, msg) // a scan always runs: no error
//	switch o := (mime.Policy{}).Decide(report); o.Result {
//	case mime.ActionReject:
//		// 554 5.7.1 o.Reason(); 451 4.7.1 if errors.Is(o.Err, mime.ErrTime)
//	case mime.ActionStrip:
//		msg, err = mime.Strip(msg, report, o.Match)
//	}
//	for _, t := range report.Texts { ... } // UTF-8 text and HTML for URI lists, classifiers
//
// What it finds (Kind): dangerous extensions (DefaultDangerousExtensions),
// double extensions, bidi controls and mixed-script lookalikes in names,
// content whose magic number contradicts its type or name, programs by
// magic number (PE, ELF, Mach-O, Windows shortcuts), Office macros,
// encrypted and uninspectable archives, active HTML and SVG
// attachments, active content in PDF and RTF documents, malformed MIME
// and archives, overlapping zip entries, zips whose central directory
// and local headers disagree, and each limit reached. Report.Parts carry SHA-256 digests of decoded content (as
// [32]byte, what rbl.Checker.CheckSHA256 takes) and normalized-text
// digests of text parts for hash lists. Report.Texts carry the text/plain
// and text/html parts transfer-decoded and converted to UTF-8 from their
// charset, up to MaxTextBytes (1 MiB) per message, so that URI
// extraction and content classifiers need not parse the message again.
//
// # Results
//
// Scan returns its Report alone: it is a computation over bytes in
// memory that always runs (see the module's conventions). Limits and the
// context's end are findings in the report (KindLimitTime for the
// context), and the report is then Truncated.
//
// Policy.Decide maps the report to an Outcome whose Result is
// ActionAccept, ActionStrip or ActionReject, with the Reasons (findings)
// behind it, a short stable Reason() for replies and headers, and in Err
// the limit behind a result due to content left unchecked.
//
// # Unchecked content
//
// A scan cut short must not pass as clean: a composition that let slow
// DNS eat the scan's time would otherwise turn attachment filtering off
// during a DNS outage, and a bomb built to hit a limit would carry its
// payload past it. So by default (Policy.Unchecked ""), content a limit
// kept from being inspected is acted on, by what can still be done
// safely:
//
//   - A part cut short (MaxDepth, MaxPartBytes, MaxHeldBytes, MaxRatio,
//     MaxArchiveEntries, MaxParamBytes, or an archive stream that broke
//     off) is
//     stripped: the rest of the message was inspected, and removing the
//     attachment removes what was not. If that part is the message
//     itself, the message is rejected.
//   - A scan that stopped (the context's end, MaxParts, MaxTotalBytes,
//     MaxReportBytes) rejects the message: what follows was never read, so it cannot be
//     stripped. Outcome.Err holds the limit; for ErrTime an MTA may
//     prefer a temporary failure, as Postfix answers for a milter that
//     timed out (milter_default_action = tempfail).
//
// This is the reading of ClamAV's AlertExceedsMax (report
// Heuristics.Limits.Exceeded instead of passing what exceeds MaxScanSize,
// MaxFileSize, MaxRecursion or MaxFiles) and of amavisd-new's "unchecked"
// content category, whose destiny is a policy setting; it differs from
// their defaults (both let such mail pass) because a library's default is
// copied into every MTA that embeds it. Policy.Unchecked = ActionAccept
// restores that pass, ActionReject rejects for every limit, and a limit
// kind listed in Policy.Reject or Policy.Strip is handled as listed.
// Archive content not decoded (KindUnsupported: a 7z folder packed with
// PPMd or BCJ2, an xz filter other than x86 and LZMA2, a 7z or xz
// header this reader does not understand) is not a limit but is
// content that could not be inspected too, so DefaultStrip strips it.
// Encrypted archives (KindEncrypted) stay a choice of the Reject and
// Strip lists, accepted by default as before (their names are checked). MaxTextBytes cuts only
// Report.Texts, and MaxNameBytes only the names the report keeps (they
// are checked whole): neither is unchecked content.
//
// # What is and is not inspected
//
// Every MIME part is decoded and inspected up to MaxPartBytes, and every
// archive entry (zip, tar, gzip, bzip2, RAR 5; RAR 1.5-4 by name) up to
// MaxArchiveEntries per archive: a zip declaring more has its first
// MaxArchiveEntries inspected and the limit reported. A message is a
// message wherever it is carried: message/rfc822 and message/global
// parts, and attachments and archive entries whose content starts with
// a header holding two known message fields (From, Received, Subject,
// Message-ID, MIME-Version, ...; one if named .eml), whatever their
// declared type, are walked as messages under the same limits (an
// Outlook .msg is an OLE2 file and is not). Active HTML is searched in
// the whole part, a window of 1 MiB at a time. Header parameters longer
// than MaxParamBytes are checked cut (head and tail kept, so a name's
// extension is); every name a part's filename and name parameters give
// (repeated parameters, RFC 2231 extended values and continuations) is
// checked, and disagreeing ones are reported malformed.
//
// Besides MIME parts and archive entries, content carried inside
// other content is inspected as nested parts, named like archive
// entries ("1/-:invoice.exe"), under the same limits (MaxDepth,
// MaxParts, MaxPartBytes, MaxHeldBytes, MaxTotalBytes, MaxRatio; the
// files of one container count against MaxArchiveEntries):
//
//   - Files encoded in the text of a text/* MIME part: uuencode ("begin
//     644 name" ... "end"), GNU "begin-base64" and yEnc ("=ybegin" ...
//     "=yend", whose size and CRC-32 are checked). A begin line counts
//     only when a valid data line follows it. Text archive entries are
//     not searched.
//   - TNEF ([MS-OXTNEF], application/ms-tnef, winmail.dat, found by its
//     signature whatever its name): each attachment (attAttachData, or
//     PidTagAttachDataBinary/Object) under its PidTagAttachLongFilename,
//     else attAttachTitle (both names are checked), and embedded
//     messages with their own attachments. The message body (RTF
//     compressed) is not inspected.
//   - PDF (ISO 32000-1, "%PDF-" within the first 1 KiB): names are read
//     with #xx escapes decoded, and compressed object streams
//     (FlateDecode) are inflated to be read too. /JavaScript, /JS,
//     /Launch, /RichMedia, /GoToE, a /URI to a name with a dangerous
//     extension, and an embedded file that could not be read (a filter
//     other than FlateDecode) are KindActiveContent; /OpenAction and /AA
//     are named in its evidence as the trigger but are not active by
//     themselves (most are a page view to open at). Embedded files
//     (/Type /EmbeddedFile, and the streams /EF dictionaries name) are
//     nested parts named by their file specification's /UF or /F.
//     Content streams, encrypted PDFs' streams and other filters are not
//     decoded.
//   - RTF (from "{\rt", as Word reads it, whatever the name): \objdata
//     groups are decoded (hex with white space, control words and
//     ignorable groups skipped, \bin data) and read as OLE1 objects
//     ([MS-OLEDS] §2.2.4); an OLE Packager file is a nested part under
//     its label, other objects' native data a nested part "object-N"
//     (an embedded Word document is checked for macros). Objects of
//     class Package, Equation, OLE2Link, htmlfile or script, \objupdate,
//     and object data that is no OLE1 object are KindActiveContent.
//   - Markup: an attachment named or declared HTML, SVG, XHTML,
//     .shtml, .hta, .mht/.mhtml, or whose content starts with a tag
//     after a byte order mark (UTF-16 included), white space, comments,
//     an XML declaration or a doctype, is searched for scripts,
//     handlers, frames, forms, SVG foreignObject and HTA application
//     tags (KindHTMLActive); so are the HTML pages of an .mht/.mhtml
//     file walked as a message. Files named .txt, .csv, .log, .md,
//     .json, .xml or .rels are not (XML is what Office documents are
//     made of: searching every part of each would cost more than the
//     rest of the scan).
//
// Archive entries of these types (text, HTML, PDF, RTF, TNEF) are kept
// whole within MaxHeldBytes and searched as the same file attached; other
// entries are streamed through their digest.
//
// KindActiveContent is in DefaultStrip: the document is stripped, as an
// active HTML attachment is; an executable found inside it (by name or
// magic number) rejects the message as any executable does.
//
// # Standards
//
//   - RFC 5322 §2.2: header fields and folding; §2.1.1 line length.
//     https://www.rfc-editor.org/rfc/rfc5322#section-2.2
//   - RFC 4155: the mbox "From " line a message file may start with.
//   - RFC 2045 §5 (Content-Type, default text/plain), §6 (transfer
//     encodings: base64 §6.8, quoted-printable §6.7, unknown encodings
//     §6.4). https://www.rfc-editor.org/rfc/rfc2045
//   - RFC 2046 §5.1.1 (multipart boundaries, delimiters, transport
//     padding), §5.1.5 (multipart/digest), §5.2.1 (message/rfc822).
//     https://www.rfc-editor.org/rfc/rfc2046#section-5.1.1
//   - RFC 2047 encoded words and RFC 2231 parameter continuations and
//     charsets in file names; RFC 2183 Content-Disposition.
//     https://www.rfc-editor.org/rfc/rfc2231
//   - RFC 3501 §6.4.5 section numbers name the parts.
//   - Microsoft, "Blocked attachments in Outlook" (the Level 1 file
//     types, DefaultDangerousExtensions):
//     https://support.microsoft.com/en-us/office/blocked-attachments-in-outlook-434752e1-02d3-4e90-9124-8b81e49a8519
//   - [MS-OXTNEF] (TNEF), [MS-OLEDS] (OLE1 objects in RTF), ISO
//     32000-1 (PDF), the RTF 1.9.1 specification, yEnc 1.3, POSIX
//     uuencode.
//   - PKWARE APPNOTE.TXT (zip: encryption flag, zip64 end records),
//     RFC 1952 (gzip), POSIX.1-2001 (tar), [MS-CFB] and [MS-OVBA] (OLE2
//     VBA projects), ECMA-376 (OOXML vbaProject.bin).
//
// # Design
//
// The scanner walks the MIME structure itself, over the message bytes,
// with a streaming boundary scanner that yields one part at a time:
// github.com/jhillyerd/enmime's ReadEnvelope builds the whole part tree
// in memory with its own limits, so a message of 100 000 parts or of
// 10 000 nested multiparts would cost memory before our limits could
// apply. Of enmime (v2) it uses the tolerant media-type parser
// (mediatype.Parse: missing semicolons, repeated and unquoted
// parameters), as the fallback when mime.ParseMediaType rejects a
// Content-Type or Content-Disposition value; enmime's parser is not the
// first choice because its fixups reject some values the standard
// library reads. enmime's RFC 2047 decoder is not used for file names:
// it quotes decoded text holding specials, as for address display
// names. Encoded words are decoded with mime.WordDecoder, and RFC 2231
// values in the charsets mime.ParseMediaType drops (ISO-2022-JP,
// Shift_JIS, ...) and raw 8-bit names here, all with golang.org/x/text
// charsets.
//
// Archives are opened with the standard library: zip, gzip, tar,
// bzip2. A zip is read twice, as extractors read it (PKWARE APPNOTE.TXT
// 4.3.6): by its central directory (archive/zip, as Info-ZIP unzip and
// Windows Explorer list it), and by its local headers in order (as
// streaming readers such as Java's ZipInputStream extract it, and 7-Zip
// when the directory is unreadable), inflating an entry whose sizes are
// in a data descriptor to find where the next header is. A disagreement
// (an entry in one only; a name, method or size that differs; no
// readable directory) is KindZipMismatch, rejected by default, and what
// a streaming reader would extract differently is inspected as its own
// part, named by its local header's offset ("a.zip:setup.exe@1234");
// a name that differs is checked under the entry.
//
// RAR archives are read with github.com/nwaples/rardecode/v2, which has
// no dependencies: names, sizes and encryption (headers encrypted with
// -hp are reported as such), and the content of RAR 5 archives,
// decompressed under the limits. The window rardecode allocates is the
// dictionary an entry declares (its size, if smaller and not solid),
// refused above MaxDictionary (64 MiB) or half of what MaxHeldBytes
// leaves, which it is counted against while the archive is read; a
// refused dictionary is KindLimitDictionary, before any allocation (a
// declared 4 GiB dictionary costs no heap; a solid 16 MiB window over
// 1 MiB of noise declared as 1 GiB peaks at 17 MiB). RAR 1.5-4 content
// is not decompressed, and is KindLimitDictionary too: its RAR 3 PPMd
// decoder allocates the model size the compressed data asks for (up to
// 256 MiB), which no option bounds and no header tells.
//
// 7z archives (7-Zip's DOC/7zFormat.txt) and xz files are read by this
// package's own container readers (every count in a 7z header is
// checked against the bytes left, and the memory its items take is
// charged against half of what MaxHeldBytes leaves, before anything is
// allocated: KindLimitHeldBytes above; packed headers are decoded
// within the part budget; an entry is a directory by kEmptyStream and
// kEmptyFile alone, as 7-Zip reads it, never by its attributes), with
// github.com/ulikunitz/xz/lzma's LZMA and LZMA2 decoders,
// compress/flate, compress/bzip2 and an x86 branch converter (BCJ)
// written here: 7z folders of Copy, LZMA, LZMA2, Deflate, BZip2 and BCJ
// chains are decoded, solid or not, the substreams split into their
// files; xz blocks of LZMA2 after any number of x86 filters, in every
// stream of the file (concatenated streams and stream padding are
// decoded into one output, as xz -d does; data after a stream that is
// no stream is KindUnsupported). Each xz block's dictionary counts
// against MaxTotalBytes as decoded bytes would (the work of setting up
// its decoder), so a file of many empty blocks stops there. The
// dictionary an LZMA decoder is given is the declared one cut to the
// output the header declares and to what the ratio lets its packed
// stream decode (no match reaches further back than what was decoded:
// a 4 GiB dictionary declared over 300 bytes gets 1 MiB), refused as
// KindLimitDictionary above MaxDictionary or half of what MaxHeldBytes
// leaves, before any allocation; what each decoder holds besides
// (an LZMA literal coder of 2^(lc+lp) contexts: 6 MiB at lc 8 and lp 4;
// bzip2's 3.6 MiB block; BCJ and Deflate state) is counted with it and
// held while its folder is read, so chains of coders in nested 7z
// stay under the bound. The bytes of a solid folder that an
// entry does not read are decoded to reach the next file, under the
// folder's ratio and counted against MaxTotalBytes. Not decoded, and
// KindUnsupported: PPMd and BCJ2 (7-Zip's -m0=PPMd and -mf=BCJ2),
// other branch filters, Delta, and a header this reader cannot parse;
// the names are checked in every case. github.com/bodgit/sevenzip was
// not used: it brings a dozen modules (brotli, lz4, zstd, ppmd, afero,
// go4...) into every importer's build and allocates the dictionary the
// archive declares with no option to refuse it first; nor
// github.com/ulikunitz/xz's own xz reader, whose DictCap is a floor.
// zstd is not opened (its content is an unrecognized file). Encrypted
// zip, RAR and 7z content (7zAES, headers too with -mhe) is
// KindEncrypted: whether to let it pass is a Policy choice.
//
// Text for other checks is the declared text/plain and text/html MIME
// parts (attachments included, archive entries not), converted with
// golang.org/x/text from the charset parameter (WHATWG names first); a
// part without charset, in US-ASCII or in an unknown charset is UTF-8 if
// it is valid UTF-8, else windows-1252, as browsers read such text. HTML
// is given as HTML, not rendered, and an HTML <meta> charset is not read.
//
// Memory is bounded by the limits: a part is decoded into memory only
// up to MaxPartBytes; archive entries are kept whole only when they must
// be (nested archives need random access, OLE2 documents their
// directory, text its digest) and otherwise streamed through SHA-256;
// stored zip entries and parts sent as 7bit, 8bit or binary are slices
// of what is already in memory; and the buffers held at one time (those
// of the current nesting path) are bounded by MaxHeldBytes, which
// bounds the heap of a scan to about that much whatever the bomb. The
// total decoded is bounded by MaxTotalBytes. Decompression is metered
// against MaxRatio and the context: the ratio is of the bytes
// decompressed to the compressed bytes consumed so far, for zip
// entries, gzip and bzip2 streams alike, so a gzip bomb is a ratio
// finding as soon as it passes RatioFloor, as the same bytes in a zip
// are. The buffer of an entry kept whole is reused by the next ones
// (the two largest are kept), so that bombs of many entries leave no
// garbage: three bzip2 attachments of text each decompressing just
// under MaxRatio to past MaxPartBytes peak at about 60 MiB of heap in
// use (runtime.MemStats.HeapInuse, sampled) and allocate 76 MiB in
// all, where they reached 119 MiB and 203 MiB; the package's bomb tests
// hold every bomb under 64 MiB. The report itself is bounded: names
// are kept cut to MaxNameBytes (in Part.Filename, in the paths below
// them and in details), so a long name is not repeated in every path
// under it, and the parts and findings with their strings are counted
// against MaxReportBytes. A header parameter is copied once, and only
// its bounded form (MaxParamBytes) is parsed: a 4 MiB file name
// allocates 0.3 MiB.
//
// # Divergences
//
//   - Lines are accepted with LF as well as CRLF ends, and a delimiter
//     line may carry transport padding. A line starting with the close
//     delimiter but going on ("--b--x", the delimiter of a nested
//     multipart with boundary "b--x") does not close the multipart, as
//     RFC 2046 §5.1.1 says; it is reported, since a parser matching
//     prefixes would close there.
//   - Where a header ends is the module's one rule (internal/header): a
//     leading mbox "From " line of a message (the scanned one, or the
//     body of a message/rfc822 part) is skipped; a line that is neither
//     a field nor a folded continuation, a continuation before any
//     field included, ends the header and starts the body (reported
//     malformed), as if the empty line were missing.
//   - Only the first Content-Type and Content-Transfer-Encoding count;
//     more are reported as malformed (they are a known way to make
//     scanners and clients disagree).
//   - Base64 decoding skips characters outside the alphabet (RFC 2045
//     §6.8 allows it) and reports them; it resumes after padding.
//   - OLE2 documents are searched for VBA storages by reading the
//     aligned directory records, without following the FAT chains.
//   - A zip declaring more than MaxArchiveEntries entries is reported,
//     and its first MaxArchiveEntries entries are read (through a view
//     whose central directory ends there; a zip64 one has none read),
//     as tar and RAR entries are read up to the limit; so are local
//     headers.
//   - A zip entry's Info-ZIP Unicode Path extra field (the name 7-Zip
//     and WinRAR extract under) is checked as well as its header name,
//     which Part.Filename keeps.
//   - The Size of an entry not read (encrypted, or in a RAR 1.5-4) is the
//     size its archive declares.
//
// # Concurrency
//
// A Scanner is read-only during a scan and safe for concurrent use by
// multiple goroutines; so are Policy and Strip. A Report and an Outcome
// are values that may be read from many goroutines.
package mime
