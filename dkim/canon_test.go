package dkim

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/header"
)

// refBody is a direct transcription of RFC 6376 §3.4.3 and §3.4.4 over a
// whole body, the reference the streaming canonicalizer must agree with.
func refBody(body []byte, c Canonicalization) []byte {
	s := strings.ReplaceAll(string(body), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the text after the last line break
	}
	if c == Relaxed {
		wsp := regexp.MustCompile(`[ \t]+`)
		for i, l := range lines {
			l = wsp.ReplaceAllString(l, " ")
			lines[i] = strings.TrimRight(l, " ")
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		if c == Simple {
			return []byte("\r\n")
		}
		return nil
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

type capture struct{ bytes.Buffer }

func (c *capture) Sum(b []byte) []byte { return nil }
func (c *capture) Size() int           { return 0 }
func (c *capture) BlockSize() int      { return 1 }

func canonChunks(body []byte, c Canonicalization, limit int64, chunk int) ([]byte, int64) {
	var out capture
	b := newBodyHasher(&out, c, limit)
	for len(body) > 0 {
		n := min(chunk, len(body))
		b.Write(body[:n])
		body = body[n:]
	}
	n := b.close()
	return out.Bytes(), n
}

func TestBodyCanonicalization(t *testing.T) {
	for _, tc := range []struct {
		in, simple, relaxed string
	}{
		{"", "\r\n", ""},
		{"\r\n", "\r\n", ""},
		{"\r\n\r\n\r\n", "\r\n", ""},
		{"a", "a\r\n", "a\r\n"},
		{"a\r\n", "a\r\n", "a\r\n"},
		{"a\r\n\r\n", "a\r\n", "a\r\n"},
		{"a\n\nb\n", "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n"},
		{" C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n", " C\r\nD E\r\n"}, // RFC 6376 §3.4.5
		{"a \r\n \t\r\n", "a \r\n \t\r\n", "a\r\n"},
		{"x\ry\r\n", "x\ry\r\n", "x\ry\r\n"},
	} {
		for _, c := range []Canonicalization{Simple, Relaxed} {
			want := tc.simple
			if c == Relaxed {
				want = tc.relaxed
			}
			for _, chunk := range []int{1, 2, 3, 1000} {
				if got, _ := canonChunks([]byte(tc.in), c, -1, chunk); string(got) != want {
					t.Errorf("canon %s(%q) in %d-byte writes = %q, want %q", c, tc.in, chunk, got, want)
				}
			}
			if got := refBody([]byte(tc.in), c); string(got) != want {
				t.Errorf("refBody %s(%q) = %q, want %q", c, tc.in, got, want)
			}
		}
	}
}

// TestBodyCanonicalizationLongLines exercises the carry flush of lines
// longer than maxCarry across writes.
func TestBodyCanonicalizationLongLines(t *testing.T) {
	long := strings.Repeat("word \t ", 2000) + "  \r\n" + strings.Repeat("x", 9000) + "\r\n\r\n" + strings.Repeat(" ", 5000) + "\r\n"
	for _, c := range []Canonicalization{Simple, Relaxed} {
		want := refBody([]byte(long), c)
		for _, chunk := range []int{7, 100, 4097, 1 << 20} {
			got, n := canonChunks([]byte(long), c, -1, chunk)
			if !bytes.Equal(got, want) || n != int64(len(want)) {
				t.Errorf("canon %s(long lines) in %d-byte writes: %d bytes (n=%d), want %d", c, chunk, len(got), n, len(want))
			}
		}
	}
}

func TestBodyLengthLimit(t *testing.T) {
	body := []byte("line one\r\nline two\r\n\r\n")
	got, n := canonChunks(body, Simple, 5, 3)
	if string(got) != "line " || n != 20 {
		t.Errorf("canon simple l=5 = %q, %d, want %q, 20", got, n, "line ")
	}
}

func TestHeaderCanonicalization(t *testing.T) {
	for _, tc := range []struct {
		raw, relaxed string
	}{
		{"Subject: Hello\r\n", "subject:Hello\r\n"},
		{"SUBJECT  :  a \t b  \r\n\t c \r\n", "subject:a b c\r\n"},
		{"X:\r\n", "x:\r\n"},
		{"X-Empty: \r\n", "x-empty:\r\n"},
		{"A: B\r\n  C\r\n", "a:B C\r\n"}, // RFC 6376 §3.4.5
	} {
		if got := string(Relaxed.AppendHeader(nil, tc.raw)); got != tc.relaxed {
			t.Errorf("Relaxed.AppendHeader(%q) = %q, want %q", tc.raw, got, tc.relaxed)
		}
		if got := string(Simple.AppendHeader(nil, tc.raw)); got != tc.raw {
			t.Errorf("Simple.AppendHeader(%q) = %q, want it unchanged", tc.raw, got)
		}
	}
}

func TestStripSignature(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"DKIM-Signature: a=1; b=abc; bh=xyz\r\n", "DKIM-Signature: a=1; b=; bh=xyz\r\n"},
		{"DKIM-Signature: bh=xyz; b = ab\r\n c\r\n", "DKIM-Signature: bh=xyz; b =\r\n"},
		{"DKIM-Signature: z=x|b=1; b=sig\r\n", "DKIM-Signature: z=x|b=1; b=\r\n"},
		{"DKIM-Signature: a=1\r\n", "DKIM-Signature: a=1\r\n"},
	} {
		if got := StripSignature(tc.in); got != tc.want {
			t.Errorf("StripSignature(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestReadHeader checks where the header ends (the rule of
// internal/header), that the body is left unread in the bufio.Reader,
// and the returned offset, with the default buffer and with the
// smallest one (lines longer than the buffer).
func TestReadHeader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		names []string
		body  string
	}{
		{"crlf", "A: 1\r\nB: 2\r\n\r\nbody", []string{"A", "B"}, "body"},
		{"lf, folded, space before colon", "A: 1\n\tcont\nB : 2\n\nbody\n", []string{"A", "B"}, "body\n"},
		{"no body", "A: 1\r\n", []string{"A"}, ""},
		{"no line end", "A: 1", []string{"A"}, ""},
		{"no header", "\r\nbody", nil, "body"},
		{"mbox From_ line skipped", "From 12a1mailbot1@web.de  Thu Aug 22 13:03:00 2002\nA: 1\n\nbody", []string{"A"}, "body"},
		{"From: is a field", "From: a@example.com\r\n\r\nbody", []string{"From"}, "body"},
		{"From_ only first", "A: 1\r\nFrom x\r\n\r\n", []string{"A"}, "From x\r\n\r\n"},
		{"line without colon is body", "A: 1\r\nnot a field\r\nB: 2\r\n\r\nx", []string{"A"}, "not a field\r\nB: 2\r\n\r\nx"},
		{"junk first line is body", "junk line\r\nA: 1\r\n\r\n", nil, "junk line\r\nA: 1\r\n\r\n"},
		{"continuation before any field is skipped", " x\r\nA: 1\r\n", []string{"A"}, ""},
		{"From field first is a field", "From : a@bank.example\r\n\r\nb", []string{"From"}, "b"},
		{"control octet in name is body", "A\x01: 1\r\n\r\n", nil, "A\x01: 1\r\n\r\n"},
		{"body line without line end", "A: 1\r\nbody", []string{"A"}, "body"},
		{"long field", "Long: " + strings.Repeat("x", 100) + "\r\n\tmore " + strings.Repeat("y", 50) + "\r\n\r\nb", []string{"Long"}, "b"},
		{"long From_ line", "From " + strings.Repeat("z", 100) + "\nA: 1\n\nb", []string{"A"}, "b"},
		{"long body line", "A: 1\r\n" + strings.Repeat("w", 100) + "\r\n", []string{"A"}, strings.Repeat("w", 100) + "\r\n"},
	} {
		for _, size := range []int{16, 4096} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, size), func(t *testing.T) {
				br := bufio.NewReaderSize(strings.NewReader(tc.in), size)
				h, n, err := ReadHeader(br, 0)
				if err != nil {
					t.Fatalf("ReadHeader(%q) error %v", tc.in, err)
				}
				var names []string
				for _, f := range h {
					names = append(names, f.Name)
					if !strings.HasSuffix(f.Raw, "\r\n") {
						t.Errorf("ReadHeader(%q): field %q does not end in CRLF", tc.in, f.Raw)
					}
				}
				rest := new(bytes.Buffer)
				rest.ReadFrom(br)
				if strings.Join(names, ",") != strings.Join(tc.names, ",") || rest.String() != tc.body {
					t.Errorf("ReadHeader(%q) = %q, body %q, want %q, %q", tc.in, names, rest, tc.names, tc.body)
				}
				if want := int64(len(tc.in) - len(tc.body)); n != want {
					t.Errorf("ReadHeader(%q) offset = %d, want %d", tc.in, n, want)
				}
				if _, body, _ := header.Split([]byte(tc.in)); int64(body) != n {
					t.Errorf("ReadHeader(%q) offset = %d, header.Split says %d", tc.in, n, body)
				}
			})
		}
	}
}

// TestReadHeaderLimit trips MaxHeaderBytes with many short fields and
// with one line longer than the reader's buffer, which must not be read
// whole first.
func TestReadHeaderLimit(t *testing.T) {
	for name, in := range map[string]string{
		"fields":    strings.Repeat("A: 1\r\n", 100) + "\r\n",
		"long line": "A: " + strings.Repeat("x", 1<<20) + "\r\n\r\n",
		"from line": "From " + strings.Repeat("x", 1<<20) + "\r\n\r\n",
	} {
		cr := &countingReader{r: strings.NewReader(in)}
		br := bufio.NewReaderSize(cr, 16)
		if _, _, err := ReadHeader(br, 300); !errors.Is(err, ErrHeaderTooLarge) {
			t.Errorf("ReadHeader(%s, max 300) = %v, want ErrHeaderTooLarge", name, err)
		}
		if cr.n > 300+2*16 {
			t.Errorf("ReadHeader(%s, max 300) read %d bytes, want at most the limit and a buffer", name, cr.n)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestBodyHasherAllocs checks that hashing a body allocates nothing per
// write once the hasher exists.
func TestBodyHasherAllocs(t *testing.T) {
	body := bytes.Repeat([]byte("Some text of a mail body, with  double spaces.\r\n"), 200)
	b := newBodyHasher(sha256.New(), Relaxed, -1)
	if n := testing.AllocsPerRun(50, func() { b.Write(body) }); n != 0 {
		t.Errorf("bodyHasher.Write allocates %v times per call, want 0", n)
	}
}

// TestBodyCanonicalizationMixed checks the run-finding fast path on long
// bodies mixing every kind of line (clean, empty, tabs, double spaces,
// trailing blanks, bare LF, lone CR, CR before CRLF), written whole and
// in chunks that split lines and runs anywhere, against the reference.
func TestBodyCanonicalizationMixed(t *testing.T) {
	kinds := []string{
		"A clean line of text, as most are.\r\n",
		"\r\n",
		"\r\n\r\n",
		"tab\there\r\n",
		"double  space\r\n",
		"trailing blank \r\n",
		"trailing tab\t\r\n",
		"bare LF line\n",
		"\n",
		"lone\rCR inside\r\n",
		"CR before CRLF\r\r\n",
		" leading space\r\n",
	}
	for seed := range 20 {
		var body []byte
		x := uint32(seed*7919 + 1)
		for len(body) < 20000 {
			x = x*1664525 + 1013904223 // LCG: deterministic mixes
			k := int(x>>16) % len(kinds)
			if x>>8&1 == 0 {
				k = 0 // mostly clean lines, so runs form
			}
			body = append(body, kinds[k]...)
		}
		if seed%3 == 0 {
			body = append(body, "\r\n\r\n"...) // trailing empty lines
		}
		for _, c := range []Canonicalization{Simple, Relaxed} {
			want := refBody(body, c)
			for _, chunk := range []int{len(body), 4096, 1000, 73, 7} {
				if got, n := canonChunks(body, c, -1, chunk); !bytes.Equal(got, want) || n != int64(len(want)) {
					t.Fatalf("seed %d: canon %s in %d-byte writes differs from the reference (n=%d, want %d)", seed, c, chunk, n, len(want))
				}
			}
		}
	}
}
