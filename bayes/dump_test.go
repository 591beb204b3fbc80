package bayes

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/testenv"
)

func entries(t *testing.T, s BulkStore) map[string]Count {
	t.Helper()
	m := map[string]Count{}
	if err := s.Walk(context.Background(), func(e Entry) bool { m[e.Token] = e.Count; return true }); err != nil {
		t.Fatal(err)
	}
	return m
}

func totals(t *testing.T, s Store) Totals {
	t.Helper()
	tot, err := s.Lookup(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

// TestDumpRoundTrip writes a store with odd tokens and reads it back.
func TestDumpRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := NewMemStore()
	src.Put(ctx, []Entry{
		{Token: "plain", Count: Count{Spam: 1, Ham: 2, Day: 20000}},
		{Token: "with space", Count: Count{Spam: 4294967295}},
		{Token: "pct%41", Count: Count{Ham: 1}},
		{Token: "nl\nand\ttab\x00nul", Count: Count{Spam: 3}},
		{Token: "日本語", Count: Count{Ham: 9, Day: 1}},
		{Token: "bad\xffutf8", Count: Count{Spam: 1}},
		{Token: "osb:cheap 2 pills", Count: Count{Spam: 5}},
	})
	src.SetTotals(ctx, Totals{Spam: 1 << 33, Ham: 7})
	var buf bytes.Buffer
	if err := WriteDump(ctx, &buf, src); err != nil {
		t.Fatal(err)
	}
	dst := NewMemStore()
	n, err := Import(ctx, dst, bytes.NewReader(buf.Bytes()), FormatSpamkit)
	if err != nil || n != 7 {
		t.Fatalf("Import = %d, %v\n%s", n, err, buf.String())
	}
	want, got := entries(t, src), entries(t, dst)
	if len(got) != len(want) {
		t.Errorf("round trip: %d tokens, want %d", len(got), len(want))
	}
	for tok, c := range want {
		if got[tok] != c {
			t.Errorf("round trip %q: %v, want %v", tok, got[tok], c)
		}
	}
	if tot := totals(t, dst); tot != (Totals{Spam: 1 << 33, Ham: 7}) {
		t.Errorf("round trip totals %v", tot)
	}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Count(line, " ") != 3 && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "totals") {
			t.Errorf("dump line %q is not 4 fields", line)
		}
	}
}

func TestParseBogofilter(t *testing.T) {
	dump := ".ENCODING 2 0 20261202\n.MSG_COUNT 10 20 20261202\n.WORDLIST_VERSION 20040500 0 20261202\n" +
		"Cheap 3 0 20240102\ncheap 1 1 20240301\nsubj:Offer 2 0\nhead:Message-ID 10 20 20261202\n"
	ctx := context.Background()
	s := NewMemStore()
	n, err := Import(ctx, s, strings.NewReader(dump), FormatBogofilter)
	// Tokens with capitals are kept as written and added to the folded.
	if err != nil || n != 6 {
		t.Fatalf("Import = %d, %v", n, err)
	}
	got := entries(t, s)
	d := func(y int, m time.Month, day int) uint32 { return Day(time.Date(y, m, day, 0, 0, 0, 0, time.UTC)) }
	want := map[string]Count{
		"cheap":           {Spam: 4, Ham: 1, Day: d(2024, 3, 1)}, // folded and added
		"Cheap":           {Spam: 3, Day: d(2024, 1, 2)},         // as written
		"subj:Offer":      {Spam: 2},
		"subj:offer":      {Spam: 2},
		"head:message-id": {Spam: 10, Ham: 20, Day: d(2026, 12, 2)},
	}
	for tok, c := range want {
		if got[tok] != c {
			t.Errorf("%q = %v, want %v", tok, got[tok], c)
		}
	}
	if tot := totals(t, s); tot != (Totals{Spam: 10, Ham: 20}) {
		t.Errorf("totals %v, want {10 20}", tot)
	}
}

func TestParseSpamAssassin(t *testing.T) {
	dump := "v\t3\tdb_version # this must be the first line!!!\nv\t12\tnum_spam\nv\t34\tnum_nonspam\n" +
		"t\t2\t0\t1700000000\t0a1b2c3d4e\nt\t0\t5\t1700086400\tFFEEDDCCBB\ns\t<id@x>\ts\n"
	s := NewMemStore()
	n, err := Import(context.Background(), s, strings.NewReader(dump), FormatSpamAssassin)
	if err != nil || n != 2 {
		t.Fatalf("Import = %d, %v", n, err)
	}
	got := entries(t, s)
	if got["sa:0a1b2c3d4e"] != (Count{Spam: 2, Day: 1700000000 / 86400}) || got["sa:ffeeddccbb"] != (Count{Ham: 5, Day: 1700086400 / 86400}) {
		t.Errorf("entries %v", got)
	}
	if tot := totals(t, s); tot != (Totals{Spam: 12, Ham: 34}) {
		t.Errorf("totals %v", tot)
	}
}

func TestParseDumpErrors(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		in   string
		want error
	}{
		{"bogofilter fields", FormatBogofilter, "token 1\n", ErrDumpSyntax},
		{"bogofilter count", FormatBogofilter, "token x 1\n", ErrDumpSyntax},
		{"bogofilter date", FormatBogofilter, "token 1 1 2024-01-01\n", ErrDumpSyntax},
		{"sa type", FormatSpamAssassin, "x\t1\n", ErrDumpSyntax},
		{"sa hex", FormatSpamAssassin, "t\t1\t1\t1\tnothex\n", ErrDumpSyntax},
		{"sa fields", FormatSpamAssassin, "t\t1\t1\n", ErrDumpSyntax},
		{"spamkit header", FormatSpamkit, "totals 1 1\n", ErrDumpSyntax},
		{"spamkit empty", FormatSpamkit, "", ErrDumpSyntax},
		{"spamkit escape", FormatSpamkit, spamkitHeader + "\n1 1 1 bad%4\n", ErrDumpSyntax},
		{"spamkit fields", FormatSpamkit, spamkitHeader + "\n1 1 tok\n", ErrDumpSyntax},
		{"long line", FormatBogofilter, strings.Repeat("a", MaxDumpLine+1) + " 1 1\n", ErrDumpLine},
		{"format", Format("x"), "", ErrFormat},
	}
	for _, tt := range tests {
		_, err := ParseDump(strings.NewReader(tt.in), tt.f, func(Entry) error { return nil })
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestImportRealBogofilter trains the installed bogofilter on messages
// composed here, dumps its word list with bogoutil -d, imports it, and
// checks the counts and that the imported database classifies.
func TestImportRealBogofilter(t *testing.T) {
	bogofilter := testenv.Program(t, "bogofilter")
	bogoutil := testenv.Program(t, "bogoutil")
	dir := t.TempDir()
	run := func(stdin []byte, name string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		cmd.Env = append(os.Environ(), "HOME="+dir, "BOGOFILTER_DIR="+dir)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		return out
	}
	for _, m := range spamMsgs {
		run([]byte(m), bogofilter, "-d", dir, "-s")
	}
	for _, m := range hamMsgs {
		run([]byte(m), bogofilter, "-d", dir, "-n")
	}
	dump := run(nil, bogoutil, "-d", filepath.Join(dir, "wordlist.db"))
	ctx := context.Background()
	s := NewMemStore()
	if _, err := Import(ctx, s, bytes.NewReader(dump), FormatBogofilter); err != nil {
		t.Fatalf("Import: %v\n%s", err, dump)
	}
	if tot := totals(t, s); tot != (Totals{Spam: 3, Ham: 3}) {
		t.Errorf("totals from bogofilter %v, want {3 3}\n%s", tot, dump)
	}
	got := entries(t, s)
	// "pills" is in the bodies of two spams, "budget" in those of the
	// three hams; the subjects carry subj: as ours do ("Budget" folded).
	for tok, want := range map[string]Count{"pills": {Spam: 2}, "budget": {Ham: 3}, "subj:budget": {Ham: 1}} {
		if c := got[tok]; c.Spam != want.Spam || c.Ham != want.Ham || c.Day == 0 {
			t.Errorf("%q = %v, want %d spam %d ham with a day\n%s", tok, c, want.Spam, want.Ham, dump)
		}
	}
	c := Classifier{Store: s, MinSpam: -1, MinHam: -1} // 3 and 3 trained
	o, err := c.Classify(ctx, []byte("Subject: cheap pills\r\n\r\nbuy cheap pills online now\r\n"))
	if err != nil || o.Result != Spam {
		t.Errorf("classified on bogofilter's database: %v, %v; want spam", o, err)
	}
}

// TestImportRealSpamAssassin trains the installed SpamAssassin (sa-learn,
// its Bayes database in a temporary directory) on messages composed
// here, dumps it with sa-learn --backup, imports the dump, and checks the
// totals and the counts of words it learnt: SpamAssassin keeps a token
// as the low 40 bits of its SHA-1, so "pills" is sa:<those bits in hex>.
func TestImportRealSpamAssassin(t *testing.T) {
	saLearn := testenv.Program(t, "sa-learn")
	dir := t.TempDir()
	db := filepath.Join(dir, "db", "bayes")
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(saLearn, append([]string{"--dbpath", db}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				stderr = ee.Stderr
			}
			t.Fatalf("sa-learn %v: %v\n%s", args, err, stderr)
		}
		return out
	}
	// sa-learn wants whole messages: a Message-ID and a Date make each
	// one distinct in its seen database.
	write := func(class string, msgs []string) string {
		d := filepath.Join(dir, class)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		for i, m := range msgs {
			m = fmt.Sprintf("From: someone@example.com\r\nTo: user@example.org\r\nMessage-ID: <%s%d@example.com>\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n%s", class, i, m)
			if err := os.WriteFile(filepath.Join(d, fmt.Sprint(i)), []byte(m), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	run("--spam", write("spam", spamMsgs))
	run("--ham", write("ham", hamMsgs))
	dump := run("--backup")

	ctx := context.Background()
	s := NewMemStore()
	n, err := Import(ctx, s, bytes.NewReader(dump), FormatSpamAssassin)
	if err != nil {
		t.Fatalf("Import: %v\n%s", err, dump)
	}
	if tot := totals(t, s); tot != (Totals{Spam: 3, Ham: 3}) {
		t.Errorf("totals from sa-learn %v, want {3 3}\n%s", tot, dump)
	}
	if lines := bytes.Count(dump, []byte("\nt\t")); n != lines || n == 0 {
		t.Errorf("imported %d tokens, the dump has %d t lines", n, lines)
	}
	got := entries(t, s)
	saToken := func(w string) string {
		sum := sha1.Sum([]byte(w))
		return "sa:" + hex.EncodeToString(sum[len(sum)-5:])
	}
	// "pills" is in the bodies of the three spams, "budget" in those of
	// the three hams, "meeting" in two hams.
	for w, want := range map[string]Count{"pills": {Spam: 3}, "budget": {Ham: 3}, "meeting": {Ham: 2}} {
		tok := saToken(w)
		if c := got[tok]; c.Spam != want.Spam || c.Ham != want.Ham || c.Day == 0 {
			t.Errorf("%s (%s) = %v, want %d spam %d ham with a day\n%s", w, tok, c, want.Spam, want.Ham, dump)
		}
	}
	// A round trip through this package's dump keeps them.
	var out bytes.Buffer
	if err := WriteDump(ctx, &out, s); err != nil {
		t.Fatal(err)
	}
	s2 := NewMemStore()
	if _, err := Import(ctx, s2, &out, FormatSpamkit); err != nil {
		t.Fatal(err)
	}
	if got2 := entries(t, s2); len(got2) != len(got) || got2[saToken("pills")] != got[saToken("pills")] {
		t.Errorf("round trip: %d tokens, pills %v; want %d, %v", len(got2), got2[saToken("pills")], len(got), got[saToken("pills")])
	}
}
