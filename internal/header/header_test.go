package header

import (
	"bytes"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		line    string
		first   bool
		inField bool
		want    Kind
		nameEnd int
	}{
		{"Subject: hi", false, false, Field, 7},
		{"Subject : hi", false, false, Field, 7},
		{"Subject\t: hi", true, false, Field, 7},
		{"X-A:", false, false, Field, 3},
		{"Subject: hi\r", false, false, Field, 7},
		{"", false, true, End, 0},
		{"\r", false, true, End, 0},
		{" folded", false, true, Continuation, 0},
		{"\tfolded", false, true, Continuation, 0},
		{" folded", true, false, Orphan, 0},
		{" ", false, false, Orphan, 0},
		{"From : ceo@bank.example", true, false, Field, 4},
		{"From\t: ceo@bank.example", true, false, Field, 4},
		{"From ceo@bank.example: x", true, false, FromLine, 0},
		{"From 12a1mailbot1@web.de  Thu Aug 22 13:03:00 2002", true, false, FromLine, 0},
		{"From 12a1mailbot1@web.de  Thu Aug 22 13:03:00 2002", false, true, Body, 0},
		{"From: alice@example.com", true, false, Field, 4},
		{"from x@y", true, false, Body, 0},
		{"just text", false, true, Body, 0},
		{": no name", false, true, Body, 0},
		{" : no name", false, false, Orphan, 0},
		{"Sübject: x", false, true, Body, 0},
		{"Sub ject: x", false, true, Body, 0},
		{"X\x01: x", false, true, Body, 0},
	}
	tests = append(tests,
		struct {
			line    string
			first   bool
			inField bool
			want    Kind
			nameEnd int
		}{strings.Repeat("a", MaxNameBytes-1) + ": v", false, true, Field, MaxNameBytes - 1},
		struct {
			line    string
			first   bool
			inField bool
			want    Kind
			nameEnd int
		}{strings.Repeat("a", MaxNameBytes) + ": v", false, true, Orphan, 0},
		struct {
			line    string
			first   bool
			inField bool
			want    Kind
			nameEnd int
		}{strings.Repeat("a", MaxNameBytes-1) + " x: v", false, true, Body, 0},
	)
	for _, tt := range tests {
		k, nameEnd, colon := Classify([]byte(tt.line), tt.first, tt.inField)
		if k != tt.want || nameEnd != tt.nameEnd {
			t.Errorf("Classify(%q, %v, %v) = %v, %d; want %v, %d", tt.line, tt.first, tt.inField, k, nameEnd, tt.want, tt.nameEnd)
		}
		if k == Field && tt.line[colon] != ':' {
			t.Errorf("Classify(%q): colon %d is not at ':'", tt.line, colon)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name      string
		msg       string
		start     int
		body      string // the text from the body offset
		malformed bool
	}{
		{"crlf", "A: 1\r\nB: 2\r\n\r\nbody\r\n", 0, "body\r\n", false},
		{"lf", "A: 1\n folded\nB: 2\n\nbody\n", 0, "body\n", false},
		{"no body", "A: 1\r\nB: 2\r\n", 0, "", false},
		{"no line end", "A: 1", 0, "", false},
		{"empty", "", 0, "", false},
		{"only body", "\r\nbody", 0, "body", false},
		{"mbox", "From a@b  Thu Aug 22 13:03:00 2002\nA: 1\n\nbody\n", 35, "body\n", false},
		{"no empty line", "A: 1\nthis is text\nmore\n", 0, "this is text\nmore\n", true},
		{"leading fold", " x\nA: 1\n\nbody", 0, "body", false},
		{"From field first", "From : ceo@bank.example\n\nbody", 0, "body", false},
		{"second From_", "A: 1\nFrom a@b x\n\nbody", 0, "From a@b x\n\nbody", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, body, malformed := Split([]byte(tt.msg))
			if start != tt.start || tt.msg[body:] != tt.body || malformed != tt.malformed {
				t.Errorf("Split(%q) = %d, %q, %v; want %d, %q, %v", tt.msg, start, tt.msg[body:], malformed, tt.start, tt.body, tt.malformed)
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"A: 1\r\n\r\nb", "From x\nA: 1\n b\n\n", "x\n", " y\n", "A: 1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		start, body, _ := Split(msg)
		if start < 0 || start > body || body > len(msg) {
			t.Fatalf("Split = %d, %d for %d bytes", start, body, len(msg))
		}
		// Every line between start and body is a field or a continuation,
		// except the empty line that may end the block.
		lines := bytes.SplitAfter(msg[start:body], []byte("\n"))
		inField := false
		for i, l := range lines {
			if len(l) == 0 {
				continue
			}
			k, _, _ := Classify(bytes.TrimSuffix(l, []byte("\n")), start == 0 && i == 0, inField)
			last := i == len(lines)-1 || (i == len(lines)-2 && len(lines[i+1]) == 0)
			switch {
			case k == Field || k == Continuation:
				inField = true
			case k == Orphan:
			case k == End && last:
			case k == FromLine && i == 0 && start == 0:
			default:
				t.Fatalf("line %d %q of the header is %v", i, l, k)
			}
		}
	})
}
