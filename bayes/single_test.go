package bayes

import (
	"context"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/mime"
)

// TestSingleTextAgrees checks the fast path for one-part text messages
// against the mime.Scanner's texts: the same tokens either way.
func TestSingleTextAgrees(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("caf\xe9 cr\xe8me, price 10\xa4\r\n"))
	msgs := []string{
		"Subject: a\r\n\r\nplain words only\r\n",
		"Subject: a\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n",
		"Subject: a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 soft=\r\nbreak =E6=97=A5=E6=9C=AC=E8=AA=9E\r\n",
		"Subject: a\r\nContent-Type: text/plain\r\n\r\nno charset but latin1 caf\xe9\r\n",
		"Subject: a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbroken \xff utf-8 \xc3\r\n",
		"Subject: a\r\nContent-Type: text/html; charset=\"us-ascii\"\r\n\r\n<p>Hello <a href=\"http://x.example/y\">there</a></p>\r\n",
		"Subject: a\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf3\xcb\xc9\xc4\xcb\xc1 \xd2\xd5\xc2\xcc\xc5\xca\r\n",
		"Subject: a\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\nunknown charset text\r\n",
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "japanese", "*", "*.eml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(data))
	}
	fast := Tokenizer{}
	slow := Tokenizer{Scanner: &mime.Scanner{MaxTextBytes: DefaultMaxBytes}}
	for _, m := range msgs {
		a := fast.Tokenize(context.Background(), []byte(m)).List
		b := slow.Tokenize(context.Background(), []byte(m)).List
		// magic: is the scanner's sniffed type, which the fast path does
		// not compute.
		b = slices.DeleteFunc(b, func(s string) bool { return strings.HasPrefix(s, "magic:") })
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("message %.60q:\nfast %q\nmime %q", m, a, b)
		}
	}
}

func TestSingleTextFallback(t *testing.T) {
	for _, tt := range []struct{ ct, cte, body string }{
		{"multipart/mixed; boundary=x", "", "--x\r\n"},
		{"application/pdf", "", "%PDF"},
		{"text/plain; charset=\"unterminated", "", "x"},
		{"text/plain", "x-uuencode", "x"},
		{"text/plain", "", "begin 644 setup.exe\r\nM5&AE\r\nend\r\n"},
	} {
		if _, _, ok := singleText(tt.ct, tt.cte, []byte(tt.body)); ok {
			t.Errorf("singleText(%q, %q) took the fast path", tt.ct, tt.cte)
		}
	}
}

// TestReadQP checks readQP against io.ReadAll of a quotedprintable.Reader,
// errors included.
func TestReadQP(t *testing.T) {
	for _, in := range []string{
		"", "plain", "caf=C3=A9 soft=\r\nbreak\r\n", "trailing   \r\nspace\t\r\n", "bad =ZZ escape", "=\r\n=\r\n", "x=",
		strings.Repeat("=41", 3000), "lf only\nlines=\nsoft\n",
	} {
		want, werr := io.ReadAll(quotedprintable.NewReader(strings.NewReader(in)))
		got, gerr := readQP([]byte(in))
		if string(got) != string(want) || (gerr == nil) != (werr == nil) {
			t.Errorf("readQP(%.40q) = %q, %v; ReadAll = %q, %v", in, got, gerr, want, werr)
		}
	}
}
