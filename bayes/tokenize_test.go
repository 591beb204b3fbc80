package bayes

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func tokenize(t *testing.T, tk *Tokenizer, msg string) Tokens {
	t.Helper()
	return tk.Tokenize(context.Background(), []byte(msg))
}

// hasAll reports the tokens of want missing from got.
func missing(got []string, want ...string) []string {
	var m []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			m = append(m, w)
		}
	}
	return m
}

func encode(t *testing.T, e encoding.Encoding, s string) string {
	t.Helper()
	b, err := e.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

func TestTokenizeCharsets(t *testing.T) {
	tests := []struct {
		charset string
		enc     encoding.Encoding
		text    string
		want    []string
	}{
		{"ISO-2022-JP", japanese.ISO2022JP, "無料プレゼント", []string{"無料", "料プ", "プレ", "レゼ", "ゼン", "ント"}},
		{"Shift_JIS", japanese.ShiftJIS, "会議の資料", []string{"会議", "議の", "の資", "資料"}},
		{"EUC-JP", japanese.EUCJP, "確認します", []string{"確認", "認し", "しま", "ます"}},
		{"GB2312", simplifiedchinese.GBK, "免费发票", []string{"免费", "费发", "发票"}},
		{"GBK", simplifiedchinese.GBK, "优惠活动", []string{"优惠", "惠活", "活动"}},
		{"Big5", traditionalchinese.Big5, "發票優惠", []string{"發票", "票優", "優惠"}},
		{"KOI8-R", charmap.KOI8R, "Бесплатно Скидка", []string{"бесплатно", "скидка"}},
		{"ISO-8859-1", charmap.ISO8859_1, "Gültig Ärger", []string{"gültig", "ärger"}},
	}
	var tk Tokenizer
	for _, tt := range tests {
		t.Run(tt.charset, func(t *testing.T) {
			raw := encode(t, tt.enc, tt.text)
			// In the body, 8bit and base64; in the Subject, an RFC 2047 word.
			subj := "=?" + tt.charset + "?B?" + base64.StdEncoding.EncodeToString([]byte(raw)) + "?="
			for _, cte := range []string{"8bit", "base64"} {
				body := raw
				if cte == "base64" {
					body = base64.StdEncoding.EncodeToString([]byte(raw))
				}
				msg := "Subject: " + subj + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=" + tt.charset +
					"\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + body + "\r\n"
				got := tokenize(t, &tk, msg).List
				if m := missing(got, tt.want...); len(m) > 0 {
					t.Errorf("%s body: missing %q in %q", cte, m, got)
				}
				var subjWant []string
				for _, w := range tt.want {
					subjWant = append(subjWant, "subj:"+w)
				}
				if m := missing(got, subjWant...); len(m) > 0 {
					t.Errorf("subject: missing %q in %q", m, got)
				}
			}
		})
	}
}

// TestTokenizeJapaneseUndeclared: ISO-2022-JP without a charset label,
// and a raw Shift_JIS Subject read in the declared charset.
func TestTokenizeJapaneseUndeclared(t *testing.T) {
	var tk Tokenizer
	body := encode(t, japanese.ISO2022JP, "今すぐ登録")
	got := tokenize(t, &tk, "Subject: x\r\n\r\n"+body+"\r\n").List
	if m := missing(got, "今す", "すぐ", "ぐ登", "登録"); len(m) > 0 {
		t.Errorf("undeclared ISO-2022-JP body: missing %q in %q", m, got)
	}
	subj := encode(t, japanese.ShiftJIS, "副業で稼ぐ")
	got = tokenize(t, &tk, "Subject: "+subj+"\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\nx\r\n").List
	if m := missing(got, "subj:副業", "subj:業で", "subj:で稼", "subj:稼ぐ"); len(m) > 0 {
		t.Errorf("raw Shift_JIS subject: missing %q in %q", m, got)
	}
}

func TestTokenizeBigrams(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"無料配布", []string{"無料", "料配", "配布"}},
		{"本", []string{"本"}},                            // a run of one character stays
		{"東京と大阪", []string{"東京", "京と", "と大", "大阪"}},     // kana and kanji in one run
		{"カタカナー", []string{"カタ", "タカ", "カナ", "ナー"}},     // prolonged sound mark
		{"한국어 메일", []string{"한국", "국어", "메일"}},          // Hangul
		{"ＦＲＥＥ 無料", []string{"free", "ＦＲＥＥ", "無料"}},     // fullwidth ASCII folded, and kept as written
		{"abc日本def", []string{"abc", "日本", "def"}},      // scripts split words
		{"価格は1000円", []string{"価格", "格は", "1000", "円"}}, // digits are a word
	}
	var tk Tokenizer
	tk.MinWordRunes = 1
	for _, tt := range tests {
		got := tokenize(t, &tk, "\r\n"+tt.in+"\r\n").List
		var words []string
		for _, g := range got {
			if !strings.Contains(g, ":") {
				words = append(words, g)
			}
		}
		if !slices.Equal(words, tt.want) {
			t.Errorf("Tokenize(%q) words = %q, want %q", tt.in, words, tt.want)
		}
	}
}

func TestTokenizeHeaders(t *testing.T) {
	msg := "From bounce@example.net Mon Jan  1 00:00:00 2024\r\n" +
		"Received: from mx.example.net (mx.example.net [192.0.2.1])\r\n\tby mail.example.com with ESMTP id 123\r\n" +
		"From: \"Alice Smith\" <alice@example.org>\r\n" +
		"To: bob@example.com\r\n" +
		"Cc: carol@example.com\r\n" +
		"Reply-To: replies@offers.example\r\n" +
		"Subject: Cheap OFFER today\r\n" +
		"Message-ID: <abc.123@Mailer.Example.ORG>\r\n" +
		"X-Mailer: BulkMailer 5.1\r\n" +
		"X-Spam-Status: Yes, score=12\r\n" +
		"X-Bogosity: Spam, tests=bogofilter\r\n" +
		"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n" +
		"List-Id: <offers.lists.example>\r\n" +
		"Content-Type: multipart/alternative; boundary=\"RANDOMBOUNDARY123\"\r\n" +
		"\r\n--RANDOMBOUNDARY123\r\nContent-Type: text/plain\r\n\r\nbody words\r\n--RANDOMBOUNDARY123--\r\n"
	var tk Tokenizer
	got := tokenize(t, &tk, msg).List
	want := []string{
		"rcvd:mx.example.net", "rcvd:192.0.2.1", "rcvd:mail.example.com",
		"from:alice", "from:smith", "from:example.org",
		"to:bob", "to:example.com", "to:carol",
		"rt:replies", "rt:offers.example",
		"subj:cheap", "subj:offer", "subj:today",
		"mid:mailer.example.org",
		"mailer:bulkmailer",
		"head:date", "head:list-id", "head:offers.lists.example",
		"ct:multipart", "ct:alternative",
		"type:text/plain", "body", "words",
	}
	if m := missing(got, want...); len(m) > 0 {
		t.Errorf("missing %q in %q", m, got)
	}
	for _, g := range got {
		switch {
		case strings.Contains(g, "bogosity"), strings.Contains(g, "x-spam"), strings.Contains(g, "score"):
			t.Errorf("filter verdict field tokenized: %q", g)
		case strings.Contains(g, "randomboundary"):
			t.Errorf("boundary tokenized: %q", g)
		case g == "rcvd:esmtp" || g == "rcvd:from" || g == "rcvd:123":
			t.Errorf("Received word that is no host: %q", g)
		case strings.HasPrefix(g, "head:2024") || g == "head:mon":
			t.Errorf("Date value tokenized: %q", g)
		}
	}
	if slices.Contains(got, "from:bounce") {
		t.Errorf("the mbox From_ line was read as a field: %q", got)
	}
}

func TestTokenizeHTML(t *testing.T) {
	html := `<html><head><style>.x{color:red}</style><script>var secret="scriptword";</script></head>` +
		`<body><p>Buy Vi<!-- noise -->agra <b>now</b></p>` +
		`<a href="https://Shop.Example.BIZ:8080/deals/cheap-pills?id=77812#top">click here</a>` +
		`<img src="http://img.example.net/pixel.gif">` +
		`<div style="display:none">hiddenword</div>` +
		`<p>caf&eacute; &#x4E2D;&#25991; &amp; more</p></body></html>`
	msg := "Content-Type: text/html; charset=utf-8\r\n\r\n" + html
	var tk Tokenizer
	got := tokenize(t, &tk, msg).List
	want := []string{
		"buy", "viagra", "now", "click", "here", "hiddenword", "café", "中文", "more",
		"url:shop.example.biz", "url:deals", "url:cheap-pills", "url:img.example.net", "url:pixel.gif",
		"tag:a", "tag:img", "tag:div", "tag:script", "html:hidden", "html:comment",
	}
	if m := missing(got, want...); len(m) > 0 {
		t.Errorf("missing %q in %q", m, got)
	}
	for _, bad := range []string{"vi", "agra", "noise", "scriptword", "secret", "color", "url:77812", "url:top", "eacute", "4e2d"} {
		if slices.Contains(got, bad) {
			t.Errorf("token %q should not be there: %q", bad, got)
		}
	}
}

func TestTokenizeAttachments(t *testing.T) {
	msg := "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=\"Invoice_2024.PDF.exe\"\r\nContent-Disposition: attachment; filename=\"Invoice_2024.PDF.exe\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\r\n--b--\r\n"
	var tk Tokenizer
	got := tokenize(t, &tk, msg).List
	if m := missing(got, "att:invoice_2024.pdf.exe", "att:.exe", "type:application/octet-stream", "see", "attached"); len(m) > 0 {
		t.Errorf("missing %q in %q", m, got)
	}
}

func TestTokenizeOSB(t *testing.T) {
	tk := Tokenizer{OSB: true}
	got := tokenize(t, &tk, "\r\none two three four five six\r\n").List
	want := []string{"osb:one 1 two", "osb:one 2 three", "osb:one 4 five", "osb:two 4 six", "osb:five 1 six"}
	if m := missing(got, want...); len(m) > 0 {
		t.Errorf("missing %q in %q", m, got)
	}
	if slices.Contains(got, "osb:one 5 six") {
		t.Errorf("pair beyond the window of 5: %q", got)
	}
	off := tokenize(t, &Tokenizer{}, "\r\none two three\r\n").List
	for _, g := range off {
		if strings.HasPrefix(g, "osb:") {
			t.Errorf("OSB token without OSB: %q", g)
		}
	}
}

func TestTokenizeDistinct(t *testing.T) {
	var tk Tokenizer
	got := tokenize(t, &tk, "Subject: spam spam Spam\r\n\r\nSpam spam SPAM eggs spam\r\n").List
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Errorf("token %q twice in %q", g, got)
		}
		seen[g] = true
	}
	if m := missing(got, "subj:spam", "spam", "eggs"); len(m) > 0 {
		t.Errorf("missing %q in %q", m, got)
	}
}

func TestTokenizeLimits(t *testing.T) {
	t.Run("MaxBytes", func(t *testing.T) {
		tk := Tokenizer{MaxBytes: 100}
		msg := "Subject: hi\r\n\r\n" + strings.Repeat("early ", 10) + strings.Repeat("x", 100) + " lateword\r\n"
		tok := tokenize(t, &tk, msg)
		if !errors.Is(tok.Err, ErrMessageBytes) {
			t.Errorf("Err = %v, want ErrMessageBytes", tok.Err)
		}
		if !slices.Contains(tok.List, "early") || slices.Contains(tok.List, "lateword") {
			t.Errorf("tokens = %q, want early and not lateword", tok.List)
		}
		if tok := tokenize(t, &tk, "Subject: hi\r\n\r\nshort\r\n"); tok.Err != nil {
			t.Errorf("short message: Err = %v", tok.Err)
		}
	})
	t.Run("MaxTokens", func(t *testing.T) {
		tk := Tokenizer{MaxTokens: 10}
		var words []string
		for i := range 50 {
			words = append(words, fmt.Sprintf("word%03d", i))
		}
		tok := tokenize(t, &tk, "\r\n"+strings.Join(words, " ")+"\r\n")
		if !errors.Is(tok.Err, ErrTokens) || len(tok.List) != 10 {
			t.Errorf("Err = %v, %d tokens, want ErrTokens and 10", tok.Err, len(tok.List))
		}
		if !slices.Contains(tok.List, "word000") {
			t.Errorf("the first tokens were not kept: %q", tok.List)
		}
	})
	t.Run("MaxTokenBytes", func(t *testing.T) {
		tk := Tokenizer{MaxTokenBytes: 10}
		tok := tokenize(t, &tk, "\r\nshort abcdefghijklmnopqrstuvwxyz\r\n")
		if !errors.Is(tok.Err, ErrTokenBytes) {
			t.Errorf("Err = %v, want ErrTokenBytes", tok.Err)
		}
		if m := missing(tok.List, "short", "skip:20"); len(m) > 0 || slices.Contains(tok.List, "abcdefghijklmnopqrstuvwxyz") {
			t.Errorf("tokens = %q, want short and skip:20 for the long word", tok.List)
		}
	})
	t.Run("MinWordRunes", func(t *testing.T) {
		tok := tokenize(t, &Tokenizer{}, "\r\nab abc ёж ёжик\r\n")
		if m := missing(tok.List, "abc", "ёжик"); len(m) > 0 || slices.Contains(tok.List, "ab") || slices.Contains(tok.List, "ёж") {
			t.Errorf("tokens = %q, want words of 3 characters or more", tok.List)
		}
	})
}

// TestHTMLEndTagCase: script and style contents end at their end tag in
// any case, and only there.
func TestHTMLEndTagCase(t *testing.T) {
	for _, tt := range []struct {
		html      string
		want, not []string
	}{
		{"<SCRIPT>var hiddenscript=1;</ScRiPt> visibleword", []string{"visibleword"}, []string{"hiddenscript"}},
		{"<style>.hiddenstyle{}</STYLE> afterstyle", []string{"afterstyle"}, []string{"hiddenstyle"}},
		{"<script>a</scripx> stillscript </script> outside", []string{"outside"}, []string{"stillscript"}},
		{"<script>never closed innerword", nil, []string{"innerword"}},
	} {
		msg := "Subject: x\r\nContent-Type: text/html\r\n\r\n" + tt.html + "\r\n"
		toks := (&Tokenizer{}).Tokenize(context.Background(), []byte(msg)).List
		for _, w := range tt.want {
			if !slices.Contains(toks, w) {
				t.Errorf("%q: no %q in %q", tt.html, w, toks)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(toks, w) {
				t.Errorf("%q: %q in %q", tt.html, w, toks)
			}
		}
	}
}
