package bayes

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/mime"
)

// FuzzTokenize checks the tokenizer's properties on any input: it ends,
// its tokens are distinct, non-empty, valid UTF-8 and bounded, there are
// at most MaxTokens of them (ErrTokens when cut), and it is
// deterministic.
func FuzzTokenize(f *testing.F) {
	f.Add([]byte("Subject: =?ISO-2022-JP?B?GyRCTDVOQRsoQg==?=\r\nFrom: a@b.example\r\n\r\nhello world\r\n"))
	f.Add([]byte("Content-Type: text/html\r\n\r\n<a href=\"http://x.example/a/b?c\">t</a><!-- c --><script>x</script>"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\n\x82\xa0\x82\xa2\r\n--b--\r\n"))
	f.Add([]byte("\r\n無料配布 한국어 ＦＲＥＥ abc-def.ghi don't"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		tk := Tokenizer{MaxBytes: 8192, MaxTokens: 300, MaxTokenBytes: 20, OSB: true}
		tok := tk.Tokenize(context.Background(), msg)
		if len(tok.List) > 300 {
			t.Fatalf("%d tokens, MaxTokens 300", len(tok.List))
		}
		if len(tok.List) < 300 && errors.Is(tok.Err, ErrTokens) {
			t.Fatalf("ErrTokens with %d tokens", len(tok.List))
		}
		seen := map[string]bool{}
		for _, s := range tok.List {
			switch {
			case s == "":
				t.Fatal("empty token")
			case !utf8.ValidString(s):
				t.Fatalf("token %q is not UTF-8", s)
			case len(s) > 2*20+32:
				t.Fatalf("token %q longer than the bound", s)
			case seen[s]:
				t.Fatalf("token %q twice", s)
			}
			seen[s] = true
		}
		// The header ends where the module's rule says.
		st := &state{minRunes: 3, maxTokens: 300, maxTokenBytes: 20, seen: new(tokenSet)}
		st.seen.reset()
		if _, _, body := st.header(msg); true {
			if _, want, _ := header.Split(msg); body != want {
				t.Fatalf("header ends at %d, internal/header.Split says %d", body, want)
			}
		}
		again := tk.Tokenize(context.Background(), msg)
		if !slices.Equal(tok.List, again.List) {
			t.Fatalf("not deterministic:\n%q\n%q", tok.List, again.List)
		}
		// A walk whose texts a smaller MaxTextBytes cut: the tokens
		// say so (ErrMessageBytes), and keep their bounds.
		r := (&mime.Scanner{MaxTextBytes: 64}).Scan(context.Background(), msg)
		cut := tk.TokenizeReport(msg, r)
		if len(cut.List) > 300 {
			t.Fatalf("TokenizeReport: %d tokens, MaxTokens 300", len(cut.List))
		}
		// (A one-part text message takes the fast path: r is not read.)
		m := msg[:min(len(msg), 8192)]
		st2 := &state{minRunes: 3, maxTokens: 300, maxTokenBytes: 20, seen: new(tokenSet)}
		st2.seen.reset()
		ct, cte, body := st2.header(m)
		if _, _, fast := singleText(ct, cte, m[body:]); !fast {
			for _, tx := range r.Texts {
				if tx.Truncated && !errors.Is(cut.Err, ErrMessageBytes) {
					t.Fatalf("TokenizeReport of a cut text: Err %v, want ErrMessageBytes", cut.Err)
				}
			}
		}
	})
}

// FuzzParseDump parses any input in each format; what parses is stored,
// dumped in FormatSpamkit and read back to the same counts and totals.
func FuzzParseDump(f *testing.F) {
	f.Add([]byte(".MSG_COUNT 1 2 20240101\nCheap 1 0 20240101\nsubj:x 0 1\n"), uint8(1))
	f.Add([]byte("v\t3\tdb_version\nv\t1\tnum_spam\nt\t1\t0\t1700000000\t0a0b0c0d0e\n"), uint8(2))
	f.Add([]byte(spamkitHeader+"\ntotals 3 4\n1 2 3 a%20b\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		f := []Format{FormatSpamkit, FormatBogofilter, FormatSpamAssassin}[int(which)%3]
		ctx := context.Background()
		s := NewMemStore()
		if _, err := Import(ctx, s, bytes.NewReader(data), f); err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteDump(ctx, &buf, s); err != nil {
			t.Fatal(err)
		}
		back := NewMemStore()
		if _, err := Import(ctx, back, bytes.NewReader(buf.Bytes()), FormatSpamkit); err != nil {
			t.Fatalf("own dump does not read back: %v\n%q", err, buf.String())
		}
		want, got := entries(t, s), entries(t, back)
		if len(want) != len(got) {
			t.Fatalf("round trip: %d tokens, want %d", len(got), len(want))
		}
		for tok, c := range want {
			if got[tok] != c {
				t.Fatalf("round trip %q: %v, want %v", tok, got[tok], c)
			}
		}
		if totals(t, s) != totals(t, back) {
			t.Fatalf("round trip totals %v, want %v", totals(t, back), totals(t, s))
		}
	})
}
