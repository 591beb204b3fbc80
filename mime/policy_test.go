package mime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

func TestDecide(t *testing.T) {
	pe := mimetest.PE()
	tests := []struct {
		name   string
		policy Policy
		msg    []byte
		result Result
		paths  []string
	}{
		{"clean", Policy{}, mimetest.Message("s", "x", att("a.pdf", "application/pdf", []byte("%PDF-1.4\n"))), ActionAccept, nil},
		{"executable rejects", Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.exe", Data: pe}))), ActionReject, nil},
		{"dangerous extension strips", Policy{}, mimetest.Message("s", "x", att("a.js", "", []byte("x()")), att("b.txt", "", []byte("t"))), ActionStrip, []string{"2"}},
		{"archive entry strips the archive", Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.vbs", Data: []byte("x")}))), ActionStrip, []string{"2"}},
		{"macro strips", Policy{}, mimetest.Message("s", "x", att("a.docm", "", mimetest.Docm())), ActionStrip, []string{"2"}},
		{"encrypted passes by default", Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: []byte("x"), Encrypted: true}))), ActionAccept, nil},
		{"encrypted rejected by choice", Policy{Reject: []Kind{KindEncrypted}}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: []byte("x"), Encrypted: true}))), ActionReject, nil},
		{"nothing rejected", Policy{Reject: []Kind{}}, mimetest.Message("s", "x", att("a.exe", "", pe)), ActionStrip, []string{"2"}},
		{"single part cannot be stripped", Policy{}, []byte("Content-Type: application/javascript; name=a.js\r\n\r\nx()\r\n"), ActionReject, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := scan(t, &Scanner{}, tt.msg)
			o := tt.policy.Decide(r)
			if o.Result != tt.result || !slices.Equal(o.Paths, tt.paths) {
				t.Errorf("Decide(%s) = %v paths %q, want %s paths %q", tt.name, o, o.Paths, tt.result, tt.paths)
			}
			if o.Result != ActionAccept && len(o.Reasons) == 0 {
				t.Errorf("Decide(%s) = %v without reasons", tt.name, o)
			}
			if o.Err != nil {
				t.Errorf("Decide(%s).Err = %v, want nil (no limit)", tt.name, o.Err)
			}
		})
	}
}

// partBytes returns the bytes of the part at path in msg.
func partBytes(t *testing.T, r Report, msg []byte, path string) []byte {
	t.Helper()
	i, ok := r.byPath()[path]
	if !ok {
		t.Fatalf("no part %s", path)
	}
	return msg[r.Parts[i].start:r.Parts[i].end]
}

func TestStrip(t *testing.T) {
	for _, lf := range []bool{false, true} {
		name := "crlf"
		if lf {
			name = "lf"
		}
		t.Run(name, func(t *testing.T) {
			msg := mimetest.Message("Invoice", "Please find the invoice attached.",
				att("invoice.pdf", "application/pdf", []byte("%PDF-1.4\n%%EOF\n")),
				att("payload.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "run.vbs", Data: []byte("x")})),
				att("notes.txt", "text/plain", []byte("notes")))
			if lf {
				msg = bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n"))
			}
			r := scan(t, &Scanner{}, msg)
			d := Policy{}.Decide(r)
			if d.Result != ActionStrip {
				t.Fatalf("Decide = %v, want strip", d)
			}
			out, err := Strip(msg, r, d.Match)
			if err != nil {
				t.Fatalf("Strip() error = %v", err)
			}
			// Everything before and after the removed part is identical.
			zip := r.Parts[r.byPath()["3"]]
			if !bytes.Equal(out[:zip.start], msg[:zip.start]) {
				t.Errorf("Strip changed the bytes before the removed part")
			}
			tail := msg[zip.end:]
			if !bytes.HasSuffix(out, tail) {
				t.Errorf("Strip changed the bytes after the removed part")
			}
			notice := out[zip.start : len(out)-len(tail)]
			if !bytes.HasSuffix(notice, []byte(`removed this attachment as dangerous: "payload.zip".`)) {
				t.Errorf("notice = %q, want it to name payload.zip", notice)
			}
			byEntry, err := Strip(msg, r, func(p Part) bool { return p.Filename == "run.vbs" })
			if err != nil || !bytes.Contains(byEntry, []byte(`dangerous: "payload.zip" (holding "run.vbs").`)) {
				t.Errorf("Strip(match run.vbs) = %v, want a notice naming payload.zip holding run.vbs", err)
			}
			if lf == bytes.Contains(notice, []byte("\r\n")) {
				t.Errorf("notice = %q, want the message's line ends", notice)
			}
			// The result scans clean, with the other parts unchanged.
			r2 := scan(t, &Scanner{}, out)
			if len(r2.Findings) != 0 {
				t.Errorf("Scan(Strip()) findings = %q, want none", findings(r2))
			}
			for _, p := range []string{"1", "2", "4"} {
				if !bytes.Equal(partBytes(t, r, msg, p), partBytes(t, r2, out, p)) {
					t.Errorf("part %s changed by Strip", p)
				}
			}
			if got := r2.Parts[r2.byPath()["3"]].DeclaredType; got != "text/plain" {
				t.Errorf("part 3 after Strip is %s, want text/plain", got)
			}
		})
	}
}

func TestStripNested(t *testing.T) {
	inner := mimetest.Message("fwd", "see", att("tool.js", "", []byte("x()")))
	inner = bytes.ReplaceAll(inner, []byte("b1"), []byte("b2"))
	// 7bit message/rfc822: the inner part itself is removed.
	msg := bytes.ReplaceAll(mimetest.Message("s", "x"), []byte("--b1--"), append(append([]byte("--b1\r\nContent-Type: message/rfc822\r\n\r\n"), inner...), "\r\n--b1--"...))
	r := scan(t, &Scanner{}, msg)
	d := Policy{}.Decide(r)
	if !slices.Equal(d.Paths, []string{"2.2"}) {
		t.Fatalf("Decide paths = %q, want [2.2]\n%s", d.Paths, r)
	}
	out, err := Strip(msg, r, d.Match)
	if err != nil {
		t.Fatal(err)
	}
	if r2 := scan(t, &Scanner{}, out); len(r2.Findings) != 0 || len(r2.Parts) != len(r.Parts) {
		t.Errorf("Scan(Strip()) = %d parts, findings %q; want %d parts, none", len(r2.Parts), findings(r2), len(r.Parts))
	}
	// base64 message/rfc822: the whole forwarded message goes.
	msg = mimetest.Message("s", "x", att("fwd.eml", "message/rfc822", inner))
	r = scan(t, &Scanner{}, msg)
	d = Policy{}.Decide(r)
	if !slices.Equal(d.Paths, []string{"2"}) {
		t.Fatalf("Decide paths = %q, want [2]\n%s", d.Paths, r)
	}
}

func TestStripErrors(t *testing.T) {
	single := []byte("Content-Type: application/javascript; name=a.js\r\n\r\nx()\r\n")
	r := scan(t, &Scanner{}, single)
	if _, err := Strip(single, r, func(Part) bool { return true }); !errors.Is(err, ErrStripRoot) {
		t.Errorf("Strip(single part) error = %v, want ErrStripRoot", err)
	}
	if _, err := Strip(append(single, 'x'), r, func(Part) bool { return false }); !errors.Is(err, ErrReportMismatch) {
		t.Errorf("Strip(other message) error = %v, want ErrReportMismatch", err)
	}
	out, err := Strip(single, r, func(Part) bool { return false })
	if err != nil || !bytes.Equal(out, single) {
		t.Errorf("Strip(match nothing) = %q, %v, want the message unchanged", out, err)
	}
	if !strings.Contains(Outcome{Result: ActionAccept}.String(), "accept") {
		t.Errorf("Outcome.String() lacks the result")
	}
}

// TestDecideUnchecked: content a limit kept from being inspected is never
// accepted by the default Policy (issue 10, item 3: a scan starved of
// time by slow DNS was accepted, turning attachment filtering off). A
// part cut short is stripped, and the stripped message then passes; a
// scan that stopped is rejected. Policy.Unchecked and the kind lists
// override it.
func TestDecideUnchecked(t *testing.T) {
	pe := mimetest.PE()
	big := letters(10000)
	zipN := func(n int) []byte {
		var es []mimetest.ZipEntry
		for i := range n {
			es = append(es, mimetest.ZipEntry{Name: fmt.Sprintf("f%d.txt", i), Data: []byte("x")})
		}
		return mimetest.Zip(es...)
	}
	gz := mimetest.Gzip("a.txt", letters(100000))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		s       Scanner
		policy  Policy
		msg     []byte
		result  Result
		paths   []string
		err     error // errors.Is Outcome.Err; nil for none
		reasons []string
	}{
		{"time", canceled, Scanner{}, Policy{}, mimetest.ManyParts(10), ActionReject, nil, ErrTime, []string{"limit-time@0"}},
		{"parts", nil, Scanner{MaxParts: 5}, Policy{}, mimetest.ManyParts(20), ActionReject, nil, ErrParts, []string{"limit-parts@5"}},
		{"total bytes", nil, Scanner{MaxTotalBytes: 15000}, Policy{}, mimetest.Message("s", "x", att("a.bin", "", big), att("b.bin", "", big)), ActionReject, nil, ErrTotalBytes, []string{"limit-total-bytes@3"}},
		{"depth in archives", nil, Scanner{MaxDepth: 2}, Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "b.zip", Data: mimetest.Zip(mimetest.ZipEntry{Name: "c.txt", Data: []byte("x")})}))), ActionStrip, []string{"2"}, ErrDepth, []string{"limit-depth@2/a.zip:b.zip"}},
		{"depth in MIME", nil, Scanner{MaxDepth: 3}, Policy{}, mimetest.DeepMultipart(6), ActionStrip, []string{"1.1.1"}, ErrDepth, []string{"limit-depth@1.1.1"}},
		{"part bytes", nil, Scanner{MaxPartBytes: 1000}, Policy{}, mimetest.Message("s", "x", att("a.bin", "", big)), ActionStrip, []string{"2"}, ErrPartBytes, []string{"limit-part-bytes@2"}},
		{"held bytes", nil, Scanner{MaxHeldBytes: 100000}, Policy{}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a.txt", Data: letters(80000)}))), ActionStrip, []string{"2"}, ErrHeldBytes, []string{"limit-held-bytes@2/a.zip:a.txt"}},
		{"ratio", nil, Scanner{MaxRatio: 10}, Policy{}, mimetest.Message("s", "x", att("z.gz", "", mimetest.GzipBomb(3))), ActionStrip, []string{"2"}, ErrRatio, []string{"limit-ratio@2/z.gz:z"}},
		{"archive entries", nil, Scanner{MaxArchiveEntries: 3}, Policy{}, mimetest.Message("s", "x", att("a.zip", "", zipN(5))), ActionStrip, []string{"2"}, ErrArchiveEntries, []string{"limit-archive-entries@2"}},
		{"broken archive stream", nil, Scanner{}, Policy{}, mimetest.Message("s", "x", att("a.gz", "", gz[:len(gz)/2])), ActionStrip, []string{"2"}, ErrMalformedArchive, []string{"malformed@2/a.gz:a.txt"}},
		{"single part cut short", nil, Scanner{MaxPartBytes: 1000}, Policy{}, append([]byte("Content-Type: application/octet-stream\r\n\r\n"), big...), ActionReject, nil, ErrPartBytes, []string{"limit-part-bytes@1"}},
		{"text limit only cuts Texts", nil, Scanner{MaxTextBytes: 10}, Policy{}, mimetest.Message("s", "a text longer than ten bytes"), ActionAccept, nil, nil, nil},
		{"nothing listed still rejects a stopped scan", canceled, Scanner{}, Policy{Reject: []Kind{}, Strip: []Kind{}}, mimetest.ManyParts(3), ActionReject, nil, ErrTime, []string{"limit-time@0"}},
		{"unchecked accept: time", canceled, Scanner{}, Policy{Unchecked: ActionAccept}, mimetest.ManyParts(3), ActionAccept, nil, nil, nil},
		{"unchecked accept: depth", nil, Scanner{MaxDepth: 3}, Policy{Unchecked: ActionAccept}, mimetest.DeepMultipart(6), ActionAccept, nil, nil, nil},
		{"unchecked strip is the default", nil, Scanner{MaxDepth: 3}, Policy{Unchecked: ActionStrip}, mimetest.DeepMultipart(6), ActionStrip, []string{"1.1.1"}, ErrDepth, []string{"limit-depth@1.1.1"}},
		{"unchecked reject: depth", nil, Scanner{MaxDepth: 3}, Policy{Unchecked: ActionReject}, mimetest.DeepMultipart(6), ActionReject, nil, ErrDepth, []string{"limit-depth@1.1.1"}},
		{"listed to reject", nil, Scanner{MaxPartBytes: 1000}, Policy{Reject: []Kind{KindLimitPartBytes}}, mimetest.Message("s", "x", att("a.bin", "", big)), ActionReject, nil, ErrPartBytes, []string{"limit-part-bytes@2"}},
		{"scan-wide limit listed to strip rejects", nil, Scanner{MaxParts: 5}, Policy{Strip: []Kind{KindLimitParts}}, mimetest.ManyParts(20), ActionReject, nil, ErrParts, []string{"limit-parts@5"}},
		{"verdict and limit", nil, Scanner{MaxParts: 3}, Policy{}, mimetest.Message("s", "x", att("a.bin", "", pe), att("b.txt", "", []byte("x"))), ActionReject, nil, ErrParts, []string{"executable@2", "limit-parts@3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			r := tt.s.Scan(ctx, tt.msg)
			o := tt.policy.Decide(r)
			var reasons []string
			for _, f := range o.Reasons {
				reasons = append(reasons, string(f.Kind)+"@"+f.Path)
			}
			if o.Result != tt.result || !slices.Equal(o.Paths, tt.paths) || !slices.Equal(reasons, tt.reasons) {
				t.Fatalf("Decide(%s) = %v, paths %q; want %s (%q), paths %q\n%s", tt.name, o, o.Paths, tt.result, tt.reasons, tt.paths, r)
			}
			if (tt.err == nil) != (o.Err == nil) || (tt.err != nil && !errors.Is(o.Err, tt.err)) {
				t.Errorf("Decide(%s).Err = %v, want errors.Is %v", tt.name, o.Err, tt.err)
			}
			if o.Result != ActionStrip {
				return
			}
			// What was stripped held all the unchecked content: the
			// result scans to an accept.
			out, err := Strip(tt.msg, r, o.Match)
			if err != nil {
				t.Fatalf("Strip() error = %v", err)
			}
			if o2 := tt.policy.Decide(tt.s.Scan(ctx, out)); o2.Result != ActionAccept {
				t.Errorf("Decide(Scan(Strip(%s))) = %v, want accept", tt.name, o2)
			}
		})
	}
}

// TestDecideTruncatedNeverAccepted: whatever the message, the default
// policy does not accept a report with content left uninspected.
func TestDecideTruncatedNeverAccepted(t *testing.T) {
	truncated := 0
	for name, msg := range map[string][]byte{
		"deep":  mimetest.DeepMultipart(DefaultMaxDepth + 2),
		"many":  mimetest.ManyParts(30),
		"ratio": mimetest.Message("s", "x", att("z.gz", "", mimetest.GzipBomb(2))),
	} {
		for _, s := range []Scanner{{MaxParts: 10}, {MaxRatio: 2}, {MaxDepth: 4}, {MaxPartBytes: 100}} {
			r := scan(t, &s, msg)
			if !r.Truncated {
				continue
			}
			truncated++
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide(Scan(%s) with %+v) = accept for a truncated report\n%s", name, s, r)
			}
		}
	}
	if truncated < 6 {
		t.Errorf("%d truncated reports, want at least 6: the test lost its inputs", truncated)
	}
}

func TestOutcomeReason(t *testing.T) {
	tests := []struct {
		o    Outcome
		want string
	}{
		{Outcome{Result: ActionAccept}, "nothing to act on"},
		{Outcome{Result: ActionReject, Reasons: []Finding{{Kind: KindExecutable, Path: "2", Detail: `"evil.exe"`}}}, "executable attachment"},
		{Outcome{Result: ActionReject, Reasons: []Finding{
			{Kind: KindExecutable, Path: "2"}, {Kind: KindExecutable, Path: "3"}, {Kind: KindLimitTime, Path: "4", Err: ErrTime}}}, "executable attachment, scan timed out"},
		{Outcome{Result: ActionStrip, Reasons: []Finding{{Kind: KindMalformed, Path: "2/a.gz:a", Err: ErrMalformedArchive}}}, "malformed archive"},
		{Outcome{Result: ActionReject, Reasons: []Finding{{Kind: KindMalformed, Path: "1", Err: ErrMalformedMIME}}}, "malformed MIME"},
	}
	for _, tt := range tests {
		if got := tt.o.Reason(); got != tt.want {
			t.Errorf("%v.Reason() = %q, want %q", tt.o, got, tt.want)
		}
	}
	// Every kind has its own phrase, without file names or paths.
	seen := map[string]Kind{}
	for _, k := range allKinds {
		p := phrase(Finding{Kind: k, Path: "2/x.zip:a.exe", Detail: "a.exe"})
		if p == "content policy" || strings.ContainsAny(p, `"/:`) {
			t.Errorf("phrase(%s) = %q, want a phrase of its own", k, p)
		}
		if other, dup := seen[p]; dup && !(k == KindLimitHeldBytes && other == KindLimitPartBytes) {
			t.Errorf("phrase(%s) = phrase(%s) = %q", k, other, p)
		}
		seen[p] = k
	}
}

// allKinds lists every Kind.
var allKinds = []Kind{
	KindDangerousExtension, KindDoubleExtension, KindRTLO, KindLookalike, KindTypeMismatch, KindMacro,
	KindExecutable, KindEncrypted, KindUnsupported, KindHTMLActive, KindMalformed, KindOverlap,
	KindLimitDepth, KindLimitParts, KindLimitPartBytes, KindLimitTotalBytes, KindLimitHeldBytes,
	KindLimitRatio, KindLimitArchiveEntries, KindLimitTime, KindLimitTextBytes,
}

// TestDecideUnopenedArchive: an archive the scanner cannot read (a 7z or
// xz header it does not understand) is content nobody inspected; the
// default policy strips it instead of accepting it (a .exe inside a 7z
// passed unseen when 7z was not opened).
func TestDecideUnopenedArchive(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"a.7z", append([]byte("7z\xbc\xaf\x27\x1c\x00\x04"), make([]byte, 64)...)},
		{"a.xz", append([]byte("\xfd7zXZ\x00\x01\x04"), make([]byte, 64)...)}, // reserved stream flags
	} {
		msg := mimetest.Message("s", "x", att(tt.name, "application/octet-stream", tt.data))
		r := scan(t, &Scanner{}, msg)
		if !r.Has(KindUnsupported) {
			t.Fatalf("Scan(%s) findings %q, want %s", tt.name, findings(r), KindUnsupported)
		}
		if o := (Policy{}).Decide(r); o.Result != ActionStrip {
			t.Errorf("Decide(%s) = %v, want strip", tt.name, o)
		}
	}
}
