package bayes

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/spamkit/spamkit/mime"
)

// reportMessages are messages of every shape the tokenizer meets: one
// text part (the fast path), multipart with attachments, nested
// messages, HTML, charsets, Japanese, broken MIME.
func reportMessages(t *testing.T) [][]byte {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString([]byte("caf\xe9 cr\xe8me, price 10\xa4\r\n"))
	msgs := []string{
		"Subject: a\r\n\r\nplain words only\r\n",
		"From: Ann <ann@example.org>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n",
		"Subject: a\r\nContent-Type: text/html; charset=\"us-ascii\"\r\n\r\n<p>Hello <a href=\"http://x.example/y\">there</a></p>\r\n",
		"Subject: mixed\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/plain\r\n\r\ncheap pills today\r\n--b2\r\nContent-Type: text/html\r\n\r\n<b>cheap</b> <a href=\"https://pills.example/buy?x=1\">pills</a>\r\n--b2--\r\n--b1\r\nContent-Type: application/octet-stream; name=\"invoice.exe\"\r\nContent-Disposition: attachment; filename=\"invoice.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\r\n--b1--\r\n",
		"Subject: fwd\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--z\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf3\xcb\xc9\xc4\xcb\xc1 \xd2\xd5\xc2\xcc\xc5\xca\r\n--z--\r\n",
		"Subject: uu\r\n\r\nbegin 644 setup.exe\r\nM5&AE\r\nend\r\n",
		"Subject: broken\r\nContent-Type: multipart/mixed; boundary=\"unterminated\r\n\r\nno boundary at all\r\n",
		"Subject: a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbroken \xff utf-8 \xc3\r\n",
		"no header at all",
		"",
	}
	out := make([][]byte, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, []byte(m))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "japanese", "*", "*.eml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// checkReport compares TokenizeReport(msg, sc.Scan(msg)) with Tokenize.
func checkReport(t *testing.T, tk *Tokenizer, sc *mime.Scanner, name string, msg []byte) {
	t.Helper()
	ctx := context.Background()
	want := tk.Tokenize(ctx, msg)
	got := tk.TokenizeReport(msg, sc.Scan(ctx, msg))
	if !slices.Equal(got.List, want.List) || (got.Err == nil) != (want.Err == nil) {
		t.Errorf("%s: TokenizeReport = %d tokens (err %v), Tokenize = %d (err %v)\nonly in report: %q\nonly in Tokenize: %q",
			name, len(got.List), got.Err, len(want.List), want.Err, minus(got.List, want.List), minus(want.List, got.List))
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestTokenizeReport checks that tokenizing with a MIME walk given equals
// tokenizing with the Tokenizer's own walk, for the default Tokenizer and
// one with its own Scanner, and that ClassifyReport equals Classify.
func TestTokenizeReport(t *testing.T) {
	own := &mime.Scanner{MaxTextBytes: 1 << 16}
	for _, tt := range []struct {
		name string
		tk   *Tokenizer
		sc   *mime.Scanner
	}{
		{"default", &Tokenizer{}, &mime.Scanner{}},
		{"scanner", &Tokenizer{Scanner: own, MaxBytes: 1 << 16}, own},
		{"osb", &Tokenizer{OSB: true}, &mime.Scanner{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for i, m := range reportMessages(t) {
				checkReport(t, tt.tk, tt.sc, fmt.Sprintf("message %d", i), m)
			}
		})
	}

	var c Classifier
	ctx := context.Background()
	msgs := reportMessages(t)
	for i, m := range msgs {
		class := Ham
		if i%2 == 0 {
			class = Spam
		}
		if _, err := c.Train(ctx, class, m); err != nil {
			t.Fatal(err)
		}
	}
	var sc mime.Scanner
	for i, m := range msgs {
		a, err := c.Classify(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.ClassifyReport(ctx, m, sc.Scan(ctx, m))
		if err != nil {
			t.Fatal(err)
		}
		if a.Score != b.Score || a.Result != b.Result || a.Tokens != b.Tokens {
			t.Errorf("message %d: ClassifyReport = %v, Classify = %v", i, b, a)
		}
	}
}

// TestTokenizeReportLimits checks the limits through TokenizeReport: a
// message over MaxBytes reports ErrMessageBytes and reads no more text
// than MaxBytes from a report of the whole message.
func TestTokenizeReportLimits(t *testing.T) {
	body := strings.Repeat("alpha beta gamma ", 100)
	msg := []byte("Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
		body + "\r\n--b\r\nContent-Type: text/plain\r\n\r\nzulu yankee\r\n--b--\r\n")
	tk := Tokenizer{MaxBytes: 200}
	toks := tk.TokenizeReport(msg, (&mime.Scanner{}).Scan(context.Background(), msg))
	if !errors.Is(toks.Err, ErrMessageBytes) {
		t.Errorf("TokenizeReport over MaxBytes: Err = %v, want ErrMessageBytes", toks.Err)
	}
	if slices.Contains(toks.List, "zulu") {
		t.Errorf("TokenizeReport read text past MaxBytes: %q", toks.List)
	}
}

// TestTokenizeReportCorpus runs the equality over the SpamAssassin corpus
// (../corpus/spamassassin beside the repository, from
// scripts/fetch-corpus) when it is there.
func TestTokenizeReportCorpus(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "..", "corpus", "spamassassin")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s (scripts/fetch-corpus %s)", dir, dir)
	}
	if testing.Short() {
		files = files[:min(len(files), 300)]
	}
	var tk Tokenizer
	var sc mime.Scanner
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, &tk, &sc, filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), msg)
	}
}

// TestTokenizeReportTruncatedText checks that text the tokens were not
// taken from is reported: a report from a Scanner whose MaxTextBytes is
// below the Tokenizer's MaxBytes (the texts cut and marked Truncated),
// and a message within MaxBytes whose decoded text outgrows it (Shift_JIS
// is two bytes a character, UTF-8 three). Both were silently cut.
func TestTokenizeReportTruncatedText(t *testing.T) {
	ctx := context.Background()
	msg := []byte("Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
		strings.Repeat("alpha beta gamma ", 100) + "\r\n--b\r\nContent-Type: text/plain\r\n\r\nzulu yankee\r\n--b--\r\n")
	var tk Tokenizer
	r := (&mime.Scanner{MaxTextBytes: 200}).Scan(ctx, msg)
	toks := tk.TokenizeReport(msg, r)
	if slices.Contains(toks.List, "zulu") {
		t.Fatalf("the scanner's MaxTextBytes did not cut: %q", toks.List)
	}
	if !errors.Is(toks.Err, ErrMessageBytes) {
		t.Errorf("TokenizeReport of texts cut by the Scanner: Err = %v, want ErrMessageBytes", toks.Err)
	}
	own := Tokenizer{Scanner: &mime.Scanner{MaxTextBytes: 200}}
	if toks := own.Tokenize(ctx, msg); !errors.Is(toks.Err, ErrMessageBytes) {
		t.Errorf("Tokenize with a Scanner cutting texts: Err = %v, want ErrMessageBytes", toks.Err)
	}

	// 300 two-byte Shift_JIS characters in a 700-byte message: 900 bytes of UTF-8.
	sjis := strings.Repeat("\x82\xa0", 300) // あ
	msg = []byte("Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\n" +
		sjis + "\r\n--b--\r\n")
	small := Tokenizer{MaxBytes: len(msg) + 10}
	toks = small.Tokenize(ctx, msg)
	if !errors.Is(toks.Err, ErrMessageBytes) {
		t.Errorf("Tokenize of a %d-byte message whose text decodes to 900 bytes, MaxBytes %d: Err = %v, want ErrMessageBytes",
			len(msg), small.MaxBytes, toks.Err)
	}
}
