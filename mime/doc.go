// Package mime is a recursive MIME and archive scanner for mail: it
// walks a message's entities and the archives they carry, reports each
// part with its types, file name, size and digests, and finds dangerous
// attachments, and it survives MIME and archive bombs: every limit is
// bounded, and reaching one yields a finding and a partial report, never
// a panic, a hang or unbounded memory. Nothing is written to disk.
//
//	var s mime.Scanner // zero value: documented defaults
//	report, err := s.Scan(ctx, msg)
//	if err != nil { ... } // the scan could not run
//	switch d := (mime.Policy{}).Decide(report); d.Action {
//	case mime.ActionReject:
//		// 554 5.7.1 with d.Reasons
//	case mime.ActionStrip:
//		msg, err = mime.Strip(msg, report, d.Match)
//	}
//
// What it finds (Kind): dangerous extensions (DefaultDangerousExtensions),
// double extensions, bidi controls and mixed-script lookalikes in names,
// content whose magic number contradicts its type or name, programs by
// magic number (PE, ELF, Mach-O, Windows shortcuts), Office macros,
// encrypted and uninspectable archives, active HTML attachments,
// malformed MIME and archives, overlapping zip entries, and each limit
// reached. Report.Parts carry SHA-256 digests of decoded content and
// normalized-text digests of text parts for hash lists.
//
// # Standards
//
//   - RFC 5322 §2.2: header fields and folding; §2.1.1 line length.
//     https://www.rfc-editor.org/rfc/rfc5322#section-2.2
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
// bzip2. RAR archives are listed (names, sizes, encryption; headers
// encrypted with -hp are reported as such) with
// github.com/nwaples/rardecode/v2, which has no dependencies, but their
// content is not decompressed: its RAR 3 PPMd decoder allocates the
// model size a header asks for (up to 256 MiB) whatever the options, so
// a few bytes would be a memory bomb; its window allocation while
// listing is bounded with MaxDictionarySize. 7z and xz are recognized by
// magic number and reported as KindUnsupported ("cannot inspect"):
// github.com/bodgit/sevenzip brings a dozen modules (brotli, lz4, zstd,
// ppmd, afero, go4, ...) into every importer's build and allocates LZMA
// dictionaries of the size the archive declares. A 7z whose header
// names the AES coder is also KindEncrypted. Encrypted zip, RAR and 7z
// content is KindEncrypted: whether to let it pass is a Policy choice.
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
// against MaxRatio and the context.
//
// # Divergences
//
//   - Lines are accepted with LF as well as CRLF ends, and a delimiter
//     line may carry transport padding. A line starting with the close
//     delimiter but going on ("--b--x", the delimiter of a nested
//     multipart with boundary "b--x") does not close the multipart, as
//     RFC 2046 §5.1.1 says; it is reported, since a parser matching
//     prefixes would close there.
//   - A header line that is neither a field nor a continuation ends the
//     header (reported), as if the empty line were missing.
//   - Only the first Content-Type and Content-Transfer-Encoding count;
//     more are reported as malformed (they are a known way to make
//     scanners and clients disagree).
//   - Base64 decoding skips characters outside the alphabet (RFC 2045
//     §6.8 allows it) and reports them; it resumes after padding.
//   - OLE2 documents are searched for VBA storages by reading the
//     aligned directory records, without following the FAT chains.
//   - A zip declaring more than MaxArchiveEntries entries is reported,
//     but none of its entries is read (tar and RAR entries are read up
//     to the limit).
//   - A zip entry's Info-ZIP Unicode Path extra field (the name 7-Zip
//     and WinRAR extract under) is checked as well as its header name,
//     which Part.Filename keeps.
//   - The Size of an entry not read (encrypted, or in a RAR) is the
//     size its archive declares.
//
// # Concurrency
//
// A Scanner is read-only during a scan and safe for concurrent use by
// multiple goroutines; so are Policy and Strip.
package mime
