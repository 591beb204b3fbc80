package dmarc

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// targets returns the names a full tree walk from d queries.
func targets(d string) []string {
	var out []string
	for n := 0; d != "" && n < MaxWalkQueries; d, n = next(d), n+1 {
		out = append(out, d)
	}
	return out
}

// FuzzWalkTargets checks the tree walk's targets for any name (RFC 9989
// §4.10): the name itself first, at most MaxWalkQueries in all, each a
// proper parent of the one before, ending with the single-label name,
// and after the first never more than seven labels.
func FuzzWalkTargets(f *testing.F) {
	f.Add("a.b.c.d.e.f.g.h.i.j.mail.example.com")
	f.Add("example.com")
	f.Add("com")
	f.Add("b.c.d.e.f.g.example.com")
	f.Fuzz(func(t *testing.T, d string) {
		if d == "" || strings.Contains(d, "..") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
			return
		}
		ts := targets(d)
		if len(ts) == 0 || ts[0] != d || len(ts) > MaxWalkQueries {
			t.Fatalf("targets(%q) = %q", d, ts)
		}
		if last := ts[len(ts)-1]; strings.Contains(last, ".") {
			t.Fatalf("targets(%q) ends at %q, not a single label", d, last)
		}
		for i := 1; i < len(ts); i++ {
			if !strings.HasSuffix(ts[i-1], "."+ts[i]) {
				t.Fatalf("targets(%q): %q is not a parent of %q", d, ts[i], ts[i-1])
			}
			if strings.Count(ts[i], ".")+1 > 7 {
				t.Fatalf("targets(%q): %q has more than seven labels", d, ts[i])
			}
		}
	})
}

// TestParsedRecordsBound fills an Evaluator's parsed records past
// maxParsed: the set stays bounded and every answer is what parse gives.
func TestParsedRecordsBound(t *testing.T) {
	var c parsedRecords
	for i := range maxParsed * 3 {
		txt := fmt.Sprintf("v=DMARC1; p=reject; rua=mailto:r%d@example.com", i)
		for range 2 {
			got, err := c.parse(txt, ModeRFC9989)
			want, werr := parse(txt, ModeRFC9989)
			if !reflect.DeepEqual(got, want) || (err == nil) != (werr == nil) {
				t.Fatalf("parse(%q) through the set = %+v, %v, want %+v, %v", txt, got, err, want, werr)
			}
		}
		if len(c.m) > maxParsed {
			t.Fatalf("%d records kept, bound %d", len(c.m), maxParsed)
		}
	}
	long := "v=DMARC1; p=none; " + strings.Repeat("x=y; ", 300)
	before := len(c.m)
	c.parse(long, ModeRFC9989)
	if len(c.m) != before {
		t.Errorf("a %d-byte record was kept", len(long))
	}
}
