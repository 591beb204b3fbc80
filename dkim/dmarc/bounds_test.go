package dmarc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
)

// longFrom returns a From field with n addresses in n domains; broken,
// it opens a comment net/mail cannot parse, so the domains are scanned.
func longFrom(n int, broken bool) dkim.Header {
	var b strings.Builder
	b.WriteString("From: ")
	if broken {
		b.WriteString("(")
	}
	for i := range n {
		fmt.Fprintf(&b, "a@d%d.example, ", i)
	}
	b.WriteString("z@d0.example\r\n")
	return dkim.Header{{Name: "From", Raw: b.String()}}
}

// manyTagsRecord returns a DMARC record with n unknown tags.
func manyTagsRecord(n int) string {
	var b strings.Builder
	b.WriteString("v=DMARC1; p=reject;")
	for i := range n {
		fmt.Fprintf(&b, " x%d=;", i)
	}
	return b.String()
}

// TestFromDomainsLong: a From of 16,000 addresses in distinct domains
// (one repeated at the end) gives each domain once, parsed or scanned.
// Each domain used to be compared with all before it (0.7 s here);
// BenchmarkFromDomainsLong shows the cost per address stays flat.
func TestFromDomainsLong(t *testing.T) {
	for _, broken := range []bool{false, true} {
		got := dmarc.FromDomains(longFrom(16000, broken))
		if len(got) != 16000 || got[0] != "d0.example" || got[15999] != "d15999.example" {
			t.Errorf("FromDomains(16000 addresses, broken %v) = %d domains (%.2q...), want 16000", broken, len(got), got[:min(2, len(got))])
		}
	}
}

// TestParseManyTags: a record with 16,000 unknown tags parses, and a
// tag given twice (in any case) is found among them. Each tag used to
// be compared with all before it (0.5 s here).
func TestParseManyTags(t *testing.T) {
	if r, err := dmarc.Parse(manyTagsRecord(16000)); err != nil || r.Policy != dmarc.PolicyReject {
		t.Errorf("Parse(16000 tags) = %v, %v, want p=reject", r, err)
	}
	for _, rec := range []string{manyTagsRecord(16000) + " X15999=;", manyTagsRecord(3) + " P=none"} {
		if _, err := dmarc.Parse(rec); !errors.Is(err, dkim.ErrDuplicateTag) || !errors.Is(err, dmarc.ErrSyntax) {
			t.Errorf("Parse(%d bytes, a tag twice) = %v, want ErrSyntax, ErrDuplicateTag", len(rec), err)
		}
	}
}

// BenchmarkFromDomainsLong reads From fields of 1,000 to 16,000
// addresses: ns/addr stays flat (it grew with n, 3 µs at 2,000 to 40 µs
// at 16,000, when each domain was compared with all before it).
func BenchmarkFromDomainsLong(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000} {
		for _, broken := range []bool{false, true} {
			h := longFrom(n, broken)
			b.Run(fmt.Sprintf("n=%d/broken=%v", n, broken), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					dmarc.FromDomains(h)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/addr")
			})
		}
	}
}

// BenchmarkParseManyTags parses records of 1,000 to 16,000 tags: ns/tag
// stays flat.
func BenchmarkParseManyTags(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000} {
		rec := manyTagsRecord(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dmarc.Parse(rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/tag")
		})
	}
}

// FuzzFromDomains reads arbitrary From fields (one or two, parsed by
// net/mail or scanned). Properties: each domain is given once, in lower
// case, without a trailing dot, at most one per '@' of the input; the
// evaluation of two From fields fails closed (ErrMultipleFrom) without
// a lookup; and the Field's Value, which FromDomains reads, has no line
// break left.
func FuzzFromDomains(f *testing.F) {
	f.Add("Alice <alice@example.com>", "")
	f.Add("a@x.example, b@Y.example.", "c@x.example")
	f.Add("=?utf-8?q?B=C3=BCcher?= <a@b\xfccher.example>", "")
	f.Add("(unclosed a@b.example", "\r\n\tx@y.example")
	f.Fuzz(func(t *testing.T, from, second string) {
		h := dkim.Header{{Name: "From", Raw: "From: " + from + "\r\n"}}
		if second != "" {
			h = append(h, dkim.Field{Name: "From", Raw: "From: " + second + "\r\n"})
		}
		for _, fld := range h {
			if v := fld.Value(); strings.ContainsAny(v, "\n") {
				t.Fatalf("Field{%q}.Value() = %q: a line break is left", fld.Raw, v)
			}
		}
		got := dmarc.FromDomains(h)
		seen := map[string]bool{}
		for _, d := range got {
			if d == "" || seen[d] || strings.HasSuffix(d, ".") {
				t.Fatalf("FromDomains(%q, %q) = %q: empty, repeated or dotted %q", from, second, got, d)
			}
			seen[d] = true
		}
		if n := strings.Count(from, "@") + strings.Count(second, "@"); len(got) > n {
			t.Fatalf("FromDomains(%q, %q) = %d domains for %d '@'", from, second, len(got), n)
		}
		if second == "" {
			return
		}
		// No resolver is reached: the zero Evaluator would use the
		// network, so a lookup would show as a DNS result.
		var e dmarc.Evaluator
		o, err := e.Evaluate(context.Background(), dmarc.Input{Header: h})
		if err != nil || o.Result != dmarc.Fail || !errors.Is(o.Err, dmarc.ErrMultipleFrom) || o.Disposition != dmarc.DispositionReject {
			t.Fatalf("Evaluate(two From fields %q, %q) = %v, %v, want fail (ErrMultipleFrom)", from, second, o, err)
		}
	})
}
