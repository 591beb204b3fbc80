package mime

import (
	"bytes"
	"encoding/base64"
	"testing"
)

func TestFilename(t *testing.T) {
	tests := []struct {
		disposition string
		charset     string
		want        string
	}{
		{`attachment; filename="report.pdf"`, "", "report.pdf"},
		{`attachment; filename=report.pdf`, "", "report.pdf"},
		{`attachment;filename="a b.exe"`, "", "a b.exe"},
		{`attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.exe`, "", "請求書.exe"},
		{`attachment; filename*0="inv"; filename*1="oice.pdf.exe"`, "", "invoice.pdf.exe"},
		{`attachment; filename*0*=utf-8''%E8%AB%8B; filename*1*=%E6%B1%82; filename*2=".exe"`, "", "請求.exe"},
		{`attachment; filename*=iso-2022-jp''%1B%24B%40A5a%3Dq%1B%28B.exe`, "", "請求書.exe"},
		{`attachment; filename*=shift_jis'ja'%90%BF%8B%81%8F%91.exe`, "", "請求書.exe"},
		{`attachment; filename="=?UTF-8?B?6KuL5rGC5pu4LmV4ZQ==?="`, "", "請求書.exe"},
		{`attachment; filename="=?ISO-2022-JP?B?GyRCQEE1YT1xGyhC?=.exe"`, "", "請求書.exe"},
		{`attachment; filename="=?utf-8?Q?invoice=E2=80=AEfdp.exe?="`, "", "invoice\u202efdp.exe"},
		{"attachment; filename=\"\x90\xbf\x8b\x81\x8f\x91.exe\"", "shift_jis", "請求書.exe"},
		{"attachment; filename=\"\xff\xfe.exe\"", "", "\ufffd.exe"},
		{`attachment`, "", ""},
		{`attachment; filename*=unknown-charset''abc.exe`, "", "abc.exe"},
		{`attachment; filename="=?x-unknown?Q?invoice.exe?="`, "", "invoice.exe"},
		{`attachment; filename="a.pdf"; filename*=iso-8859-1''r%E9sum%E9.exe`, "", "résumé.exe"},
		{`attachment; filename*=iso-8859-1''r%E9sum%E9.exe; filename="a.pdf"`, "", "résumé.exe"},
		{`attachment; filename="a.pdf"; filename*=utf-8''b.exe`, "", "b.exe"},
		{`attachment; filename="a.pdf"; filename*0*=iso-8859-1''r%E9; filename*1=.exe`, "", "ré.exe"},
		{`attachment; filename="=?x-unknown?B?aW52b2ljZS5leGU=?="`, "", "invoice.exe"},
		{"attachment; filename=\"=?x-unknown?Q?r=E9sum=E9.scr?=\"", "", "r\ufffdsum\ufffd.scr"},
	}
	for _, tt := range tests {
		_, params, _ := mediaType(tt.disposition)
		if got := paramFilename(tt.disposition, params, "filename", tt.charset); got != tt.want {
			t.Errorf("paramFilename(%q, charset %q) = %q, want %q", tt.disposition, tt.charset, got, tt.want)
		}
	}
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
		closed     bool
	}{
		{"crlf", "pre\r\n--b\r\none\r\n--b\r\ntwo\r\n--b--\r\nepilogue", []string{"one", "two"}, true},
		{"lf", "--b\none\n--b\ntwo\n--b--\n", []string{"one", "two"}, true},
		{"padding", "--b \t\r\none\r\n--b  \r\ntwo\r\n--b--", []string{"one", "two"}, true},
		{"longer line", "--b\r\none\r\n--bb\r\n--b--", []string{"one\r\n--bb"}, true},
		{"not at line start", "--b\r\none --b\r\n--b--", []string{"one --b"}, true},
		{"empty part", "--b\r\n--b\r\ntwo\r\n--b--", []string{"", "two"}, true},
		{"no close", "--b\r\none\r\n--b\r\ntwo", []string{"one", "two"}, false},
		{"no delimiter", "just text", nil, false},
		{"close only", "--b--\r\n", nil, true},
		{"close with padding", "--b\r\none\r\n--b-- \t\r\nepilogue", []string{"one"}, true},
		{"close without line end", "--b\r\none\r\n--b--", []string{"one"}, true},
		{"close followed by text", "--b\r\none\r\n--b--x\r\nstill one\r\n--b--\r\n", []string{"one\r\n--b--x\r\nstill one"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := newSplitter([]byte(tt.body), "b")
			var got []string
			for {
				s, e, ok := sp.next()
				if !ok {
					break
				}
				got = append(got, tt.body[s:e])
			}
			if len(got) != len(tt.want) || sp.closed != tt.closed {
				t.Fatalf("split(%q) = %q closed %v, want %q closed %v", tt.body, got, sp.closed, tt.want, tt.closed)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("split(%q) part %d = %q, want %q", tt.body, i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestDecodeBase64(t *testing.T) {
	data := []byte("The quick brown fox jumps over the lazy dog, twice: the quick brown fox.")
	enc := base64.StdEncoding.EncodeToString(data)
	tests := []struct {
		name  string
		in    string
		limit int64
		want  []byte
		bad   int
		full  bool
	}{
		{"plain", enc, 1 << 20, data, 0, true},
		{"wrapped", enc[:20] + "\r\n" + enc[20:41] + "\r\n " + enc[41:], 1 << 20, data, 0, true},
		{"garbage", enc[:8] + "!*" + enc[8:], 1 << 20, data, 2, true},
		{"unpadded", "YWJj" + "ZA", 1 << 20, []byte("abcd"), 1, true},
		{"concatenated", "YQ==YmM=", 1 << 20, []byte("abc"), 0, true},
		{"limit", enc, 9, data[:9], 0, false},
		{"empty", "", 10, nil, 0, true},
	}
	for _, tt := range tests {
		got, bad, full := decodeBase64(nil, []byte(tt.in), tt.limit)
		if !bytes.Equal(got, tt.want) || bad != tt.bad || full != tt.full {
			t.Errorf("decodeBase64(%s) = %q, %d, %v, want %q, %d, %v", tt.name, got, bad, full, tt.want, tt.bad, tt.full)
		}
	}
}

func TestParseHeader(t *testing.T) {
	in := "Received: x\r\nContent-Type: multipart/mixed;\r\n\tboundary=\"b\"\r\ncontent-transfer-encoding: 7BIT\r\nContent-Type: text/plain\r\n\r\nbody"
	h, bo := parseHeader([]byte(in), true)
	if h.contentType != `multipart/mixed; boundary="b"` || h.nType != 2 || h.encoding != "7BIT" || in[bo:] != "body" {
		t.Errorf("parseHeader(%q) = %+v, body %q; want unfolded Content-Type, 2 types, 7BIT, body", in, h, in[bo:])
	}
}

// TestParseHeaderObsoleteColon: white space before the colon is the
// obsolete syntax of RFC 5322 §4.5.3, which parsers must accept; it
// does not end the header.
func TestParseHeaderObsoleteColon(t *testing.T) {
	in := "Content-Type : text/plain; name=a.exe\r\nContent-Disposition\t: attachment; filename=b.exe\r\n\r\nbody"
	h, bo := parseHeader([]byte(in), false)
	if h.contentType != "text/plain; name=a.exe" || h.disposition != "attachment; filename=b.exe" || len(h.problems) != 0 || in[bo:] != "body" {
		t.Errorf("parseHeader(%q) = %+v, body %q; want both fields, no problems, body", in, h, in[bo:])
	}
}

func TestDecodeQP(t *testing.T) {
	long := bytes.Repeat([]byte("abc=3D"), 100000)
	tests := []struct {
		name, in, want string
		bad            int
		limit          int64
		full           bool
	}{
		{"plain", "Caf=C3=A9 au lait", "Café au lait", 0, 100, true},
		{"soft break", "long=\r\nline=  \r\nend", "longlineend", 0, 100, true},
		{"lf soft break", "a=\nb", "ab", 0, 100, true},
		{"trailing space dropped", "a  \r\nb\t\nc", "a\r\nb\nc", 0, 100, true},
		{"lower hex", "=c3=a9", "é", 0, 100, true},
		{"bad escape kept", "100=% sure =Z", "100=% sure =Z", 2, 100, true},
		{"final =", "end=", "end", 0, 100, true},
		{"limit", "abcdef", "abc", 0, 3, false},
		{"long line", string(long), string(bytes.Repeat([]byte("abc="), 100000)), 0, 1 << 20, true},
	}
	for _, tt := range tests {
		got, bad, full := decodeQP(nil, []byte(tt.in), tt.limit)
		if string(got) != tt.want || bad != tt.bad || full != tt.full {
			t.Errorf("decodeQP(%s) = %.40q, %d, %v, want %.40q, %d, %v", tt.name, got, bad, full, tt.want, tt.bad, tt.full)
		}
	}
}
