package mime

import (
	"context"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// TestProgramBelowMaxDepth: a program nested past MaxDepth, in archives,
// in MIME or in attached messages, does not pass the default policy
// (issue 11, issue 12 item 4), and Policy.Unchecked = ActionAccept is
// what lets it pass.
func TestProgramBelowMaxDepth(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	zips := mimetest.PE()
	name := "run.exe"
	for i := range DefaultMaxDepth + 2 {
		zips = mimetest.Zip(mimetest.ZipEntry{Name: name, Data: zips})
		name = strings.Repeat("z", i%3+1) + ".zip"
	}
	gz := mimetest.PE()
	for range DefaultMaxDepth + 2 {
		gz = mimetest.Gzip("x", gz)
	}
	msgs := innerMessage
	for range DefaultMaxDepth + 2 {
		msgs = mimetest.Message("s", "x", att("fwd.eml", "application/octet-stream", msgs))
	}
	tests := []struct {
		name string
		msg  []byte
	}{
		{"zips", mimetest.Message("s", "x", att("a.zip", "application/zip", zips))},
		{"gzips", mimetest.Message("s", "x", att("a.gz", "application/gzip", gz))},
		{"attached messages", msgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := (&Scanner{}).Scan(context.Background(), tt.msg)
			if r.Has(KindExecutable) || !r.Has(KindLimitDepth) {
				t.Fatalf("Scan(program below %s) findings %q, want %s and the program unseen", tt.name, findings(r), KindLimitDepth)
			}
			if o := (Policy{}).Decide(r); o.Result == ActionAccept {
				t.Errorf("Decide(program below %s) = %v, want strip or reject", tt.name, o)
			}
			if o := (Policy{Unchecked: ActionAccept}).Decide(r); o.Result != ActionAccept {
				t.Errorf("Policy{Unchecked: accept}.Decide(program below %s) = %v, want accept", tt.name, o)
			}
		})
	}
}

// TestEveryLimitActedOn: each limit kind that leaves content unchecked
// leads the default policy away from accept; the two that only shorten
// what the report keeps (MaxTextBytes, MaxNameBytes) do not.
func TestEveryLimitActedOn(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	big := make([]byte, 10000)
	long := strings.Repeat("n", 2000)
	tests := []struct {
		kind   Kind
		ctx    context.Context
		s      Scanner
		msg    []byte
		accept bool
	}{
		{KindLimitDepth, nil, Scanner{MaxDepth: 2}, mimetest.DeepMultipart(5), false},
		{KindLimitParts, nil, Scanner{MaxParts: 3}, mimetest.ManyParts(10), false},
		{KindLimitPartBytes, nil, Scanner{MaxPartBytes: 1000}, mimetest.Message("s", "x", att("a.bin", "", big)), false},
		{KindLimitTotalBytes, nil, Scanner{MaxTotalBytes: 15000}, mimetest.Message("s", "x", att("a.bin", "", big), att("b.bin", "", big)), false},
		{KindLimitHeldBytes, nil, Scanner{MaxHeldBytes: 5000}, mimetest.Message("s", "x", att("a.bin", "", big)), false},
		{KindLimitRatio, nil, Scanner{MaxRatio: 10}, mimetest.Message("s", "x", att("z.gz", "", mimetest.GzipBomb(3))), false},
		{KindLimitArchiveEntries, nil, Scanner{MaxArchiveEntries: 1}, mimetest.Message("s", "x", att("a.zip", "", mimetest.Zip(mimetest.ZipEntry{Name: "a", Data: []byte("a")}, mimetest.ZipEntry{Name: "b", Data: []byte("b")}))), false},
		{KindLimitTime, canceled, Scanner{}, mimetest.ManyParts(3), false},
		{KindLimitParamBytes, nil, Scanner{MaxParamBytes: 100}, rawPart("application/octet-stream; name=\""+long+".pdf\"", "attachment", "x"), false},
		{KindLimitReportBytes, nil, Scanner{MaxReportBytes: 2000}, mimetest.ManyParts(20), false},
		{KindLimitTextBytes, nil, Scanner{MaxTextBytes: 10}, mimetest.Message("s", "a text longer than ten bytes"), true},
		{KindLimitNameBytes, nil, Scanner{}, mimetest.Message("s", "x", att(long+".pdf", "application/pdf", []byte("%PDF-1.4"))), true},
	}
	covered := map[Kind]bool{}
	for _, tt := range tests {
		covered[tt.kind] = true
		ctx := tt.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		r := tt.s.Scan(ctx, tt.msg)
		if !r.Has(tt.kind) {
			t.Errorf("Scan(%s case) findings %q, want %s", tt.kind, findings(r), tt.kind)
			continue
		}
		if o := (Policy{}).Decide(r); (o.Result == ActionAccept) != tt.accept {
			t.Errorf("Decide(%s) = %v, want accept %v", tt.kind, o, tt.accept)
		}
	}
	for _, k := range []Kind{KindLimitDepth, KindLimitParts, KindLimitPartBytes, KindLimitTotalBytes, KindLimitHeldBytes, KindLimitRatio, KindLimitArchiveEntries, KindLimitTime, KindLimitTextBytes, KindLimitParamBytes, KindLimitReportBytes, KindLimitNameBytes} {
		if !covered[k] {
			t.Errorf("limit %s has no case", k)
		}
	}
}
