package mime

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// state is one scan's progress. It is never shared between goroutines.
type state struct {
	ctx       context.Context
	s         *Scanner
	report    Report
	dangerous map[string]bool

	maxDepth, maxParts, maxEntries int
	maxPart, maxTotal, maxRatio    int64
	maxHeld, maxText               int64
	maxParam, maxName              int
	maxReport                      int64

	total   int64     // decoded bytes so far
	held    int64     // decoded bytes in buffers of the current path
	text    int64     // bytes of Report.Texts so far
	repSize int64     // bytes of the report so far (MaxReportBytes)
	spare   [2][]byte // the largest entry buffers released, for reuse (buffer)
	textCut bool      // MaxTextBytes was reached
	stopped bool      // a scan-wide limit was reached: stop everything
	bounds  []string  // boundaries of the enclosing multiparts
}

func newState(ctx context.Context, s *Scanner) *state {
	st := &state{
		ctx: ctx, s: s,
		maxDepth: s.maxDepth(), maxParts: s.maxParts(), maxEntries: s.maxArchiveEntries(),
		maxPart: s.maxPartBytes(), maxTotal: s.maxTotalBytes(), maxRatio: s.maxRatio(),
		maxHeld: s.maxHeldBytes(), maxText: s.maxTextBytes(), maxParam: s.maxParamBytes(), dangerous: defaultDangerous,
		maxName: s.maxNameBytes(), maxReport: s.maxReportBytes(),
	}
	if s.DangerousExtensions != nil {
		st.dangerous = make(map[string]bool, len(s.DangerousExtensions))
		for _, e := range s.DangerousExtensions {
			st.dangerous[strings.ToLower(strings.TrimPrefix(e, "."))] = true
		}
	}
	return st
}

func (st *state) trace(format string, args ...any) {
	if st.s.Trace != nil {
		st.s.Trace(format, args...)
	}
}

// find records a finding. Limit findings that left content uninspected
// mark the report truncated.
// Its path is shortened as the parts' are (shortPath), its detail cut
// to maxDetail, and its size counted against MaxReportBytes.
func (st *state) find(k Kind, path, detail string, err error) {
	if k.unchecked() {
		st.report.Truncated = true
	}
	path = st.shortPath(path)
	if n := st.maxDetail(); len(detail) > n {
		detail = cutMiddle(detail, n)
	}
	st.report.Findings = append(st.report.Findings, Finding{Kind: k, Path: path, Detail: detail, Err: err})
	st.repSize += findingSize + int64(len(path)+len(detail))
	if st.repSize > st.maxReport {
		st.stop(KindLimitReportBytes, path, fmt.Sprintf("report larger than %d bytes", st.maxReport), ErrReportBytes)
	}
}

// Sizes counted against MaxReportBytes: a part or finding's struct and
// its slot in the report's slice.
const (
	partSize    = int64(unsafe.Sizeof(Part{}))
	findingSize = int64(unsafe.Sizeof(Finding{}))
)

// maxDetail bounds a finding's detail: room for two names and the words
// around them.
func (st *state) maxDetail() int { return 4*st.maxName + 512 }

func (st *state) malformed(path, detail string) {
	st.find(KindMalformed, path, detail, ErrMalformedMIME)
}

// stop records a scan-wide limit and stops the scan.
func (st *state) stop(k Kind, path, detail string, err error) {
	if st.stopped {
		return
	}
	st.stopped = true
	st.find(k, path, detail, err)
}

// alive reports whether the scan may go on, checking the context.
func (st *state) alive(path string) bool {
	if st.stopped {
		return false
	}
	if err := st.ctx.Err(); err != nil {
		st.stop(KindLimitTime, path, err.Error(), fmt.Errorf("%w: %w", ErrTime, err))
		return false
	}
	return true
}

// addPart appends p to the report and returns its index, or -1 if
// MaxParts is reached or the scan stopped.
func (st *state) addPart(p Part) int {
	if !st.alive(p.Path) {
		return -1
	}
	if len(st.report.Parts) >= st.maxParts {
		st.stop(KindLimitParts, p.Path, fmt.Sprintf("more than %d parts", st.maxParts), ErrParts)
		return -1
	}
	p.Path = st.shortPath(p.Path)
	long := len(p.Filename)
	if long > st.maxName {
		p.Filename = cutMiddle(p.Filename, st.maxName)
	}
	size := partSize + int64(len(p.Path)+len(p.Filename)+len(p.DeclaredType)+len(p.Disposition)+len(p.Charset)+len(p.Encoding))
	if st.repSize+size > st.maxReport {
		st.stop(KindLimitReportBytes, p.Path, fmt.Sprintf("report larger than %d bytes", st.maxReport), ErrReportBytes)
		return -1
	}
	st.repSize += size
	st.trace("mime: part %s %s %q", p.Path, p.DeclaredType, p.Filename)
	st.report.Parts = append(st.report.Parts, p)
	if long > st.maxName {
		st.find(KindLimitNameBytes, p.Path, fmt.Sprintf("file name of %d bytes kept as its first and last %d (checked whole)", long, st.maxName/2), ErrNameBytes)
	}
	return len(st.report.Parts) - 1
}

// shortPath returns path with each name in it (between the "/" and ":"
// of archive paths) longer than MaxNameBytes cut as Part.Filename is,
// so that a long name is not repeated in full in every path below it.
// It is idempotent: parts and findings agree on the paths.
func (st *state) shortPath(path string) string {
	if len(path) <= st.maxName {
		return path
	}
	var b strings.Builder
	for len(path) > 0 {
		i := strings.IndexAny(path, "/:")
		seg, sep := path, ""
		if i >= 0 {
			seg, sep, path = path[:i], path[i:i+1], path[i+1:]
		} else {
			path = ""
		}
		if len(seg) > st.maxName {
			seg = cutMiddle(seg, st.maxName)
		}
		b.WriteString(seg)
		b.WriteString(sep)
	}
	return b.String()
}

// ellipsis joins the ends of a name cut by cutMiddle.
const ellipsis = "…"

// cutMiddle returns s cut to at most n bytes (n >= 8): its beginning and
// its end, at rune boundaries, joined by an ellipsis.
func cutMiddle(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n = max(n, 8) - len(ellipsis)
	head, tail := n/2, len(s)-(n-n/2)
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return s[:head] + ellipsis + s[tail:]
}

// budget returns how many bytes the next part may decode, and the limit
// that bounds it; buffered says whether they will be held in memory.
func (st *state) budget(buffered bool) (int64, Kind) {
	limit, k := st.maxPart, KindLimitPartBytes
	if left := st.maxTotal - st.total; left < limit {
		limit, k = max(left, 0), KindLimitTotalBytes
	}
	if left := st.maxHeld - st.held; buffered && left < limit {
		limit, k = max(left, 0), KindLimitHeldBytes
	}
	return limit, k
}

// overBudget records the limit that cut a part's content.
func (st *state) overBudget(k Kind, path string) {
	switch k {
	case KindLimitTotalBytes:
		st.stop(k, path, fmt.Sprintf("more than %d decoded bytes in total", st.maxTotal), ErrTotalBytes)
		return
	case KindLimitHeldBytes:
		st.find(k, path, fmt.Sprintf("more than %d decoded bytes held at once", st.maxHeld), ErrHeldBytes)
		return
	}
	st.find(k, path, fmt.Sprintf("more than %d decoded bytes", st.maxPart), ErrPartBytes)
}

// childPath names the i-th (1-based) child of the entity at path.
func childPath(path string, i int) string {
	if path == "" || path == "0" {
		return strconv.Itoa(i)
	}
	return path + "." + strconv.Itoa(i)
}

// walkMessage walks a message (RFC 5322) at offset base of the scanned
// message: the root, or the body of a message/rfc822 part at path.
func (st *state) walkMessage(msg []byte, base int, path string, depth int, raw bool) {
	h, bo := parseHeaderMax(msg, true, st.maxParam)
	typ, params, _ := mediaType(h.contentType)
	if strings.HasPrefix(typ, "multipart/") && params["boundary"] != "" {
		if path == "" {
			// The root multipart, which IMAP leaves unnamed.
			st.walkEntity(msg, base, "0", depth, raw, "text/plain", h, bo)
			return
		}
		// Inside message/rfc822 part path: the multipart is path.0 and
		// its children path.1, path.2, ...
		st.walkEntity(msg, base, path+".0", depth, raw, "text/plain", h, bo)
		return
	}
	st.walkEntity(msg, base, childPath(path, 1), depth, raw, "text/plain", h, bo)
}

// walkEntity walks the MIME entity b (header and body) at offset base,
// already split into header h and body offset bo. defType is the type
// an entity without Content-Type has (RFC 2045 §5.2; RFC 2046 §5.1.5 in
// a multipart/digest).
func (st *state) walkEntity(b []byte, base int, path string, depth int, raw bool, defType string, h header, bo int) {
	for _, pr := range h.problems {
		st.malformed(path, pr)
	}
	for _, f := range h.cut {
		st.find(KindLimitParamBytes, path, fmt.Sprintf("%s parameters longer than %d bytes (or than %d together) were cut", f, st.maxParam, 8*st.maxParam), ErrParamBytes)
	}
	if h.nType > 1 {
		st.malformed(path, fmt.Sprintf("%d Content-Type fields (RFC 2045 §5 allows one); the first is used", h.nType))
	}
	if h.nEncoding > 1 {
		st.malformed(path, fmt.Sprintf("%d Content-Transfer-Encoding fields (RFC 2045 §6.1 allows one); the first is used", h.nEncoding))
	}
	typ, params, problem := mediaType(h.contentType)
	if problem != "" {
		st.malformed(path, "Content-Type "+problem)
	}
	if typ == "" || !strings.Contains(typ, "/") {
		// RFC 2045 §5.2: no (or an invalid) Content-Type means the
		// default.
		typ = defType
	}
	disp, dparams, problem := mediaType(h.disposition)
	if problem != "" {
		st.malformed(path, "Content-Disposition "+problem)
	}
	charset := strings.ToLower(params["charset"])
	cte, rest := encodingToken(h.encoding)
	if rest != "" && rest[0] != '(' {
		st.malformed(path, fmt.Sprintf("Content-Transfer-Encoding %q: text after the mechanism (RFC 2045 §6.1)", h.encoding))
	}
	name := paramFilename(h.disposition, dparams, "filename", charset)
	// The Content-Type name parameter (RFC 2046 §4.5.1, deprecated
	// there but still sent) is what some clients save the file as when
	// it disagrees with the filename (RFC 2183 §2.3): both are checked.
	ctName := paramFilename(h.contentType, params, "name", charset)
	if name == "" {
		name = ctName
	}
	body := b[bo:]
	p := Part{
		Path: path, Depth: depth, DeclaredType: typ, Disposition: disp,
		Filename: name, Charset: charset, Encoding: cte,
		start: base, end: base + len(b), raw: raw,
	}
	isMultipart := strings.HasPrefix(typ, "multipart/")
	boundary := params["boundary"]
	if isMultipart && boundary == "" {
		// RFC 2046 §5.1.1: the boundary parameter is required.
		st.malformed(path, "multipart without a boundary parameter (RFC 2046 §5.1.1); inspected as one part")
		isMultipart = false
	}
	if isMultipart && boundaryParams(h.contentType) > 1 {
		st.malformed(path, "Content-Type has more than one boundary parameter; the first is used")
	}
	isMessage := typ == "message/rfc822" || typ == "message/global"
	p.Container = isMultipart || isMessage
	idx := st.addPart(p)
	if idx < 0 {
		return
	}
	st.checkName(path, name)
	if ctName != "" && ctName != name {
		st.checkName(path, ctName)
	}
	st.checkParamNames(path, h.disposition, "filename", charset, name, ctName)
	st.checkParamNames(path, h.contentType, "name", charset, name, ctName)
	if p.Container {
		identity := cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"
		if !identity && isMultipart {
			st.malformed(path, fmt.Sprintf("multipart with Content-Transfer-Encoding %q (RFC 2045 §6.4 allows only 7bit, 8bit, binary)", cte))
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("nesting deeper than %d", st.maxDepth), ErrDepth)
			return
		}
		data := body
		if !identity {
			limit, k := st.budget(true)
			var full bool
			data, problem, full = decodeBody(body, cte, limit)
			if problem != "" {
				st.malformed(path, problem)
			}
			st.total += int64(len(data))
			st.held += int64(len(data))
			defer func(n int64) { st.held -= n }(int64(len(data)))
			if !full {
				st.overBudget(k, path)
			}
		}
		if isMessage {
			if !identity {
				// The encoded message cannot hold the enclosing
				// boundaries: it starts a new boundary scope.
				saved := st.bounds
				st.bounds = nil
				defer func() { st.bounds = saved }()
			}
			st.walkMessage(data, base+bo, path, depth+1, raw && identity)
			return
		}
		st.walkMultipart(data, base+bo, path, depth, raw && identity, boundary, typ)
		return
	}
	identity := cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"
	limit, k := st.budget(!identity)
	data, problem, full := decodeBody(body, cte, limit)
	if problem != "" {
		st.malformed(path, problem)
	}
	st.total += int64(len(data))
	if !identity {
		st.held += int64(len(data))
		defer func(n int64) { st.held -= n }(int64(len(data)))
	}
	st.report.Parts[idx].Size = int64(len(data))
	st.report.Parts[idx].SHA256 = sha256.Sum256(data)
	if !full {
		st.report.Parts[idx].Truncated = true
		st.overBudget(k, path)
	}
	if typ == "text/plain" || typ == "text/html" {
		st.addText(path, typ, charset, data, full)
	}
	st.inspect(idx, data, full, path+"/"+archiveLabel(name), depth)
}

// boundaryParams counts the boundary parameters of a Content-Type value
// (RFC 2231 continuations of one count once), not the word "boundary"
// in their values: RFC 2046 §5.1.1's own example is boundary="simple
// boundary".
func boundaryParams(v string) int {
	n, cont := 0, false
	for _, kv := range splitParams(v)[1:] {
		k, _, _ := strings.Cut(kv, "=")
		switch k = lower(k); {
		case k == "boundary" || k == "boundary*":
			n++
		case strings.HasPrefix(k, "boundary*") && !cont:
			n, cont = n+1, true
		}
	}
	return n
}

// encodingToken returns the mechanism of a Content-Transfer-Encoding
// value, lower case: its first token (RFC 2045 §6.1), before white
// space, a comment (RFC 822 §3.4.3, allowed in structured fields) or a
// stray parameter, as mail clients read it; rest is what follows.
// "base64 (binary)" is base64, not an unknown encoding that would keep
// the content from being decoded and inspected.
func encodingToken(v string) (cte, rest string) {
	v = strings.TrimSpace(v)
	i := strings.IndexAny(v, " \t;(")
	if i < 0 {
		return strings.ToLower(v), ""
	}
	return strings.ToLower(v[:i]), strings.TrimSpace(v[i:])
}

// archiveLabel is the name by which an archive's entries are named.
func archiveLabel(name string) string {
	if name == "" {
		return "-"
	}
	return name
}

// walkMultipart walks the body parts of a multipart entity at path
// (RFC 2046 §5.1).
func (st *state) walkMultipart(body []byte, base int, path string, depth int, raw bool, boundary, typ string) {
	for _, b := range st.bounds {
		if b == boundary {
			// RFC 2046 §5.1.1: a boundary must not appear in the parts it
			// encloses.
			st.malformed(path, fmt.Sprintf("boundary %q reused from an enclosing multipart", boundary))
			break
		}
	}
	st.bounds = append(st.bounds, boundary)
	defer func() { st.bounds = st.bounds[:len(st.bounds)-1] }()
	defType := "text/plain"
	if typ == "multipart/digest" {
		defType = "message/rfc822"
	}
	sp := newSplitter(body, boundary)
	prefix := strings.TrimSuffix(path, ".0")
	if prefix == "0" {
		prefix = ""
	}
	i := 0
	for {
		start, end, ok := sp.next()
		if !ok {
			break
		}
		i++
		part := body[start:end]
		h, bo := parseHeaderMax(part, false, st.maxParam)
		st.walkEntity(part, base+start, childPath(prefix, i), depth+1, raw, defType, h, bo)
		if st.stopped {
			return
		}
	}
	if sp.closeLike > 0 {
		st.malformed(path, fmt.Sprintf("%d lines start with the close delimiter \"--%s--\" but go on (RFC 2046 §5.1.1); they do not close it", sp.closeLike, boundary))
	}
	switch {
	case i == 0 && !sp.closed:
		st.malformed(path, fmt.Sprintf("boundary %q never appears (RFC 2046 §5.1.1)", boundary))
	case !sp.closed:
		st.malformed(path, fmt.Sprintf("no close delimiter \"--%s--\" (RFC 2046 §5.1.1)", boundary))
	}
}

// inspect examines the content of the part at index idx: data is all of
// it if complete, else its beginning (the rest was streamed through the
// digest or cut by a limit). prefix names archive entries.
func (st *state) inspect(idx int, data []byte, complete bool, prefix string, depth int) {
	prefix = st.shortPath(prefix)
	p := &st.report.Parts[idx]
	det := sniff(data)
	p.DetectedType = det
	path, name, declared, charset := p.Path, p.Filename, p.DeclaredType, p.Charset
	attachment := p.Disposition == "attachment" || name != "" || strings.Contains(path, "/")

	textType := declared
	if textType == "" || (!strings.HasPrefix(textType, "text/") && (det == typeText || det == typeHTML)) {
		textType = det
	}
	if complete && (textType == "text/plain" || textType == "text/html") {
		p.TextDigest = textDigest(data, charset, textType == "text/html")
	}

	if isExecutable(det) {
		st.find(KindExecutable, path, fmt.Sprintf("%s by magic number, named %q", det, name), nil)
	}
	if df := family(det); strongFamily(df) {
		if ff := family(declared); (ff != "" && ff != df) || (ff == "" && strings.HasPrefix(declared, "text/") && declared != typeRTF) {
			st.find(KindTypeMismatch, path, fmt.Sprintf("declared %s, content is %s", declared, det), nil)
		} else if ef := extFamily[extension(name)]; ef != "" && ef != df && !(ef == "exe" && isExecutable(det)) {
			st.find(KindTypeMismatch, path, fmt.Sprintf("named %q, content is %s", name, det), nil)
		}
	}
	if attachment && (det == typeHTML || declared == "text/html" || extension(name) == "html" || extension(name) == "htm") {
		if act := activeHTML(data); len(act) > 0 {
			st.find(KindHTMLActive, path, fmt.Sprintf("%q has %s", name, strings.Join(act, ", ")), nil)
		}
	}
	if (attachment || declared == "application/octet-stream") && !strings.HasPrefix(declared, "message/") && looksLikeMessage(data, extension(name) == "eml") {
		// A message attachment is a message wherever it is carried:
		// sent as application/octet-stream or text/plain, named .eml, in
		// an archive. It is walked as message/rfc822 is (RFC 2046
		// §5.2.1), under the same limits.
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("message nested deeper than %d", st.maxDepth), ErrDepth)
			return
		}
		p.DetectedType, p.Container = typeMessage, true
		saved := st.bounds
		st.bounds = nil
		st.walkMessage(data, 0, path, depth+1, false)
		st.bounds = saved
		return
	}
	if complete && det == typeOLE2 && !strings.EqualFold(baseName(name), "vbaProject.bin") && oleHasVBA(data) {
		st.find(KindMacro, path, fmt.Sprintf("%q: OLE2 document with a VBA project", name), nil)
	}
	switch det {
	case typeZip, typeGzip, typeBzip2, typeTar:
		if !complete && det != typeTar {
			return
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("archive nested deeper than %d", st.maxDepth), ErrDepth)
			return
		}
		st.report.Parts[idx].Container = true
		st.walkArchive(idx, det, data, prefix, name, depth)
	case typeRar:
		if !complete {
			return
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("archive nested deeper than %d", st.maxDepth), ErrDepth)
			return
		}
		st.report.Parts[idx].Container = true
		st.walkRar(path, data, prefix, depth)
	case type7z:
		if !complete {
			return
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("archive nested deeper than %d", st.maxDepth), ErrDepth)
			return
		}
		st.report.Parts[idx].Container = true
		st.walk7z(path, data, prefix, depth)
	case typeXz:
		if !complete {
			return
		}
		if depth >= st.maxDepth {
			st.find(KindLimitDepth, path, fmt.Sprintf("archive nested deeper than %d", st.maxDepth), ErrDepth)
			return
		}
		st.report.Parts[idx].Container = true
		st.walkXz(path, data, prefix, name, depth)
	}
	st.inspectEmbedded(idx, data, complete, prefix, depth)
}

// extension returns the lower-case extension of a file name, after
// dropping the trailing dots and spaces Windows drops.
func extension(name string) string {
	name = strings.TrimRight(baseName(name), ". \t")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return strings.ToLower(name[i+1:])
	}
	return ""
}

func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// classify turns a read error of archive content into a finding.
func (st *state) classify(err error, path string) {
	switch {
	case errors.Is(err, ErrRatio):
		st.find(KindLimitRatio, path, fmt.Sprintf("decompressed more than %d times its compressed size", st.maxRatio), ErrRatio)
	case errors.Is(err, ErrTotalBytes):
		st.stop(KindLimitTotalBytes, path, fmt.Sprintf("more than %d decoded bytes in total", st.maxTotal), ErrTotalBytes)
	case errors.Is(err, ErrTime):
		st.alive(path)
	default:
		st.find(KindMalformed, path, err.Error(), fmt.Errorf("%w: %w", ErrMalformedArchive, err))
	}
}
