package authres

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Header
	}{
		{"example.com; none", Header{ServID: "example.com"}},
		{"example.org 1; spf=pass smtp.mailfrom=example.net", Header{ServID: "example.org",
			Results: []Result{{Method: "spf", Value: "pass", Props: []Prop{{"smtp", "mailfrom", "example.net"}}}}}},
		// RFC 8601 Appendix B.6, with comments and folding.
		{"example.com;\r\n\tdkim=pass (good signature) header.d=mail-router.example.net;\r\n\tdkim=fail (bad signature) header.d=newyork.example.com",
			Header{ServID: "example.com", Results: []Result{
				{Method: "dkim", Value: "pass", Props: []Prop{{"header", "d", "mail-router.example.net"}}},
				{Method: "dkim", Value: "fail", Props: []Prop{{"header", "d", "newyork.example.com"}}}}}},
		{`mx.example.org; dkim = Pass reason="a; quoted (text)" header . d = example.com header.i=@example.com; arc=none`,
			Header{ServID: "mx.example.org", Results: []Result{
				{Method: "dkim", Value: "pass", Reason: "a; quoted (text)", Props: []Prop{{"header", "d", "example.com"}, {"header", "i", "@example.com"}}},
				{Method: "arc", Value: "none"}}}},
		{"mx.example.org (nested (comment)); dmarc/1=fail policy.dmarc=reject header.from=example.com", Header{ServID: "mx.example.org",
			Results: []Result{{Method: "dmarc", Value: "fail", Props: []Prop{{"policy", "dmarc", "reject"}, {"header", "from", "example.com"}}}}}},
		// RFC 8601 §2.2: whitespace joins ptype "." property, not a
		// value ending in the root dot and the next property.
		{"mx.example.org; spf=pass smtp.helo=mail.example.com. smtp.mailfrom=a@example.com", Header{ServID: "mx.example.org",
			Results: []Result{{Method: "spf", Value: "pass", Props: []Prop{{"smtp", "helo", "mail.example.com."}, {"smtp", "mailfrom", "a@example.com"}}}}}},
		// A quoted value ending in '=' does not join the next word.
		{`mx.example.org; dkim=fail reason="=" header.d=example.com`, Header{ServID: "mx.example.org",
			Results: []Result{{Method: "dkim", Value: "fail", Reason: "=", Props: []Prop{{"header", "d", "example.com"}}}}}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) = %+v, %v, want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"", "; spf=pass", "example.com 2; spf=pass", "example.com; spf", "example.com; spf=pass junk",
		`example.com; spf=pass reason="open`, "example.com (open; spf=pass", "a b c; spf=pass",
		"example.com; spf=pass smtp.helo=example.com. junk",
	} {
		t.Run(in, func(t *testing.T) {
			if h, err := Parse(in); !errors.Is(err, ErrSyntax) {
				t.Errorf("Parse(%q) = %+v, %v, want ErrSyntax", in, h, err)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	h := Header{ServID: "mx.example.org", Results: []Result{
		{Method: "spf", Value: "pass", Props: []Prop{{"smtp", "mailfrom", "alice@example.com"}}},
		{Method: "dkim", Value: "fail", Reason: `body hash "did not" verify`, Props: []Prop{{"header", "d", "example.com"}, {"header", "b", "ab+/cd=="}}},
		{Method: "dmarc", Value: "pass", Props: []Prop{{"header", "from", "example.com"}}},
	}}
	for _, s := range []string{h.String(), h.Field()[len("Authentication-Results: "):]} {
		got, err := Parse(s)
		if err != nil || !reflect.DeepEqual(got, h) {
			t.Errorf("Parse(%q) = %+v, %v, want %+v", s, got, err, h)
		}
	}
	if got, want := (Header{ServID: "x"}).String(), "x; none"; got != want {
		t.Errorf("Header{x}.String() = %q, want %q", got, want)
	}
}

func TestTrusted(t *testing.T) {
	values := []string{"mx.example.org; spf=pass smtp.mailfrom=a.example", "evil.example; dkim=pass header.d=bank.example", "MX.example.org; dkim=fail", "mx.example.org; ((broken"}
	got := Trusted(values, "mx.example.org")
	if len(got) != 2 || got[0].Results[0].Method != "spf" || got[1].Results[0].Value != "fail" {
		t.Errorf("Trusted(%q, mx.example.org) = %+v, want the spf and dkim=fail fields", values, got)
	}
}

// FuzzParse checks that what parses renders to text without CR or LF
// that parses to as many results, and, if Validate accepts it, to the
// same results.
func FuzzParse(f *testing.F) {
	f.Add("example.com; dkim=pass (good) header.d=example.net reason=\"x y\"")
	f.Add("example.com; spf=pass reason=\"folded\r\n\tline\" smtp.mailfrom=a@b.example")
	f.Add("example.com; x=y a.b=\"\\\"\" c.d=\"\xff\"")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := Parse(in)
		if err != nil {
			return
		}
		for _, s := range []string{h.String(), strings.TrimPrefix(h.Field(), "Authentication-Results: ")} {
			if strings.ContainsAny(strings.ReplaceAll(strings.TrimSuffix(s, "\r\n"), "\r\n\t", ""), "\r\n") {
				t.Fatalf("Parse(%q) renders as %q: CR or LF outside folding", in, s)
			}
			again, err := Parse(s)
			if err != nil {
				t.Fatalf("Parse(%q) renders as %q, which does not parse: %v", in, s, err)
			}
			if len(again.Results) != len(h.Results) {
				t.Fatalf("Parse(%q) = %d results, rendered as %q: %d", in, len(h.Results), s, len(again.Results))
			}
			if h.Validate() == nil && !reflect.DeepEqual(normalize(again), normalize(h)) {
				t.Fatalf("round trip of %q:\n%+v\n%+v", in, h, again)
			}
		}
	})
}

// normalize drops what String leaves out (empty property values).
func normalize(h Header) Header {
	for i, r := range h.Results {
		var props []Prop
		for _, p := range r.Props {
			if p.Value != "" {
				props = append(props, p)
			}
		}
		h.Results[i].Props = props
	}
	return h
}

// TestParseLimit trips MaxValueBytes.
func TestParseLimit(t *testing.T) {
	long := "mx.example.org; dkim=pass reason=\"" + strings.Repeat("x", MaxValueBytes) + "\""
	if _, err := Parse(long); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("Parse(%d bytes) = %v, want ErrSyntax over the limit", len(long), err)
	}
	ok := "mx.example.org; dkim=pass reason=\"" + strings.Repeat("x", MaxValueBytes-100) + "\""
	if _, err := Parse(ok); err != nil {
		t.Errorf("Parse(%d bytes) = %v, want nil", len(ok), err)
	}
}
