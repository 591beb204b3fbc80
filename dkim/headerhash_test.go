package dkim_test

import (
	"bytes"
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
)

// wantHeaderHash is the RFC 6376 §3.7 header hash written out by hand:
// the given canonical fields, then the signature field without its CRLF.
func wantHeaderHash(fields []string, sig string) []byte {
	h := sha256.New()
	for _, f := range fields {
		h.Write([]byte(f))
	}
	h.Write([]byte(strings.TrimSuffix(sig, "\r\n")))
	return h.Sum(nil)
}

// TestHeaderHashSelection: each h= name takes the bottom-most instance
// not yet taken (RFC 6376 §5.4.2), names match without case, and a name
// listed more often than it occurs contributes nothing (§5.4).
func TestHeaderHashSelection(t *testing.T) {
	hdr := dkim.Header{
		{Name: "From", Raw: "From: a@example.com\r\n"},
		{Name: "To", Raw: "To: 1@example.com\r\n"},
		{Name: "Subject", Raw: "Subject: s\r\n"},
		{Name: "to", Raw: "to: 2@example.com\r\n"},
		{Name: "TO", Raw: "TO: 3@example.com\r\n"},
	}
	const sig = "DKIM-Signature: v=1; b=\r\n"
	for _, tc := range []struct {
		names string
		want  []int // indices into hdr, in hash order
	}{
		{"from", []int{0}},
		{"to", []int{4}},
		{"to:To:TO", []int{4, 3, 1}},
		{"to:to:to:to:from", []int{4, 3, 1, 0}},
		{"from:from:subject:cc", []int{0, 2}},
		{"subject:to:from:to", []int{2, 4, 0, 3}},
	} {
		t.Run(tc.names, func(t *testing.T) {
			var fields []string
			for _, i := range tc.want {
				fields = append(fields, hdr[i].Raw)
			}
			got := dkim.HeaderHash(dkim.RSASHA256, hdr, strings.Split(tc.names, ":"), dkim.Simple, sig)
			if want := wantHeaderHash(fields, sig); !bytes.Equal(got, want) {
				t.Errorf("HeaderHash(h=%s) = %x, want %x (fields %v)", tc.names, got, want, tc.want)
			}
		})
	}
}

// manyNames is a header of n fields all named "a" and an h= of 2n names
// none of which occurs, plus From: the input that made field selection
// quadratic (each name scanned the whole header: 8 s for a 256 KiB
// header, once per signature).
func manyNames(n int) (dkim.Header, []string) {
	hdr := dkim.Header{{Name: "From", Raw: "From: a@example.com\r\n"}}
	for range n {
		hdr = append(hdr, dkim.Field{Name: "a", Raw: "a:\r\n"})
	}
	names := []string{"from"}
	for range 2 * n {
		names = append(names, "b")
	}
	return hdr, names
}

func TestHeaderHashManyNames(t *testing.T) {
	hdr, names := manyNames(30000)
	const sig = "DKIM-Signature: v=1; b=\r\n"
	got := dkim.HeaderHash(dkim.RSASHA256, hdr, names, dkim.Simple, sig)
	if want := wantHeaderHash([]string{hdr[0].Raw}, sig); !bytes.Equal(got, want) {
		t.Errorf("HeaderHash(%d fields, %d names) = %x, want %x", len(hdr), len(names), got, want)
	}
}

// BenchmarkHeaderHashManyNames grows linearly with its input.
func BenchmarkHeaderHashManyNames(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		hdr, names := manyNames(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dkim.HeaderHash(dkim.RSASHA256, hdr, names, dkim.Relaxed, "DKIM-Signature: b=\r\n")
			}
		})
	}
}
