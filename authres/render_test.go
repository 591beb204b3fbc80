package authres

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRenderProperties checks the rendering of the properties of every
// method this module produces (RFC 8601 §2.7, §3; RFC 7489 §11.2;
// RFC 8617 §10.2): values that are tokens or addresses stay bare, others
// are quoted.
func TestRenderProperties(t *testing.T) {
	p := func(ptype, prop, value string) Prop { return Prop{Type: ptype, Property: prop, Value: value} }
	tests := []struct {
		r    Result
		want string
	}{
		{Result{Method: "spf", Value: "pass", Props: []Prop{p("smtp", "mailfrom", "alice@example.com"), p("smtp", "helo", "mail.example.com")}},
			"spf=pass smtp.mailfrom=alice@example.com smtp.helo=mail.example.com"},
		{Result{Method: "spf", Value: "none", Props: []Prop{p("smtp", "mailfrom", "a+tag.x@example.com"), p("smtp", "helo", "[192.0.2.1]")}},
			`spf=none smtp.mailfrom=a+tag.x@example.com smtp.helo="[192.0.2.1]"`},
		{Result{Method: "spf", Value: "fail", Props: []Prop{p("smtp", "mailfrom", `"jo smith"@example.com`)}},
			`spf=fail smtp.mailfrom="\"jo smith\"@example.com"`},
		{Result{Method: "spf", Value: "pass", Props: []Prop{p("smtp", "mailfrom", "example.com")}}, "spf=pass smtp.mailfrom=example.com"},
		{Result{Method: "dkim", Value: "pass", Props: []Prop{p("header", "d", "example.com"), p("header", "i", "@example.com"),
			p("header", "s", "sel.2024"), p("header", "a", "rsa-sha256"), p("header", "b", "ab+/cd=E")}},
			`dkim=pass header.d=example.com header.i=@example.com header.s=sel.2024 header.a=rsa-sha256 header.b="ab+/cd=E"`},
		{Result{Method: "dkim", Value: "pass", Props: []Prop{p("header", "i", "jo@sub.example.com"), p("header", "b", "abcdEFGH")}},
			"dkim=pass header.i=jo@sub.example.com header.b=abcdEFGH"},
		{Result{Method: "dkim", Value: "none"}, "dkim=none"},
		{Result{Method: "dmarc", Value: "fail", Props: []Prop{p("header", "from", "example.com"), p("policy", "dmarc", "reject")}},
			"dmarc=fail header.from=example.com policy.dmarc=reject"},
		{Result{Method: "arc", Value: "pass", Props: []Prop{p("header", "oldest-pass", "2"), p("smtp", "remote-ip", "192.0.2.1")}},
			"arc=pass header.oldest-pass=2 smtp.remote-ip=192.0.2.1"},
		{Result{Method: "iprev", Value: "pass", Props: []Prop{p("policy", "iprev", "192.0.2.200")}}, "iprev=pass policy.iprev=192.0.2.200"},
		{Result{Method: "iprev", Value: "fail", Props: []Prop{p("policy", "iprev", "2001:db8::1")}}, `iprev=fail policy.iprev="2001:db8::1"`},
		{Result{Method: "auth", Value: "pass", Props: []Prop{p("smtp", "auth", "jo")}}, "auth=pass smtp.auth=jo"},
		// An address-like value only in the address form: one '@',
		// a domain after it.
		{Result{Method: "x", Value: "pass", Props: []Prop{p("a", "b", "a@b@c"), p("a", "c", "a@"), p("a", "d", "@"), p("a", "e", "a@.")}},
			`x=pass a.b="a@b@c" a.c="a@" a.d="@" a.e="a@."`},
		{Result{Method: "dkim", Value: "fail", Reason: "signature expired"}, `dkim=fail reason="signature expired"`},
		{Result{Method: "dkim", Value: "fail", Reason: "expired"}, `dkim=fail reason=expired`},
		{Result{Method: "dkim", Value: "fail", Reason: `a "quoted" \ reason; (with=specials`}, `dkim=fail reason="a \"quoted\" \\ reason; (with=specials"`},
		{Result{Method: "dkim", Value: "fail", Props: []Prop{p("header", "d", "bücher.example")}}, `dkim=fail header.d="bücher.example"`},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %s\n\t\twant %s", got, tt.want)
		}
		h := Header{ServID: "mx.example.org", Results: []Result{tt.r}}
		if back, err := Parse(h.String()); err != nil || len(back.Results) != 1 || back.Results[0].String() != tt.want {
			t.Errorf("Parse(%q) = %+v, %v, want the result back", h.String(), back, err)
		}
	}
}

// hostile are values that would break out of their place in a header
// field if rendered as they are.
var hostile = []string{
	"x\r\nX-Injected: 1",
	"x\nX-Injected: 1",
	"x\rX-Injected: 1",
	"x\r\n\r\nbody",
	"x\r\n\tfolded",
	"x; dkim=pass header.d=bank.example",
	`x"; dkim=pass header.d=bank.example`,
	`x\`,
	`x\"; dkim=pass`,
	"x (unbalanced comment",
	"x) unbalanced close",
	`"unbalanced quote`,
	"nul\x00byte",
	"del\x7fbyte",
	"bad utf-8 \xff\xfe",
	"",
	" ",
	"=",
}

// TestRenderHostile checks that no value, wherever it is put, can add a
// header field, a line, a result or a property: each field renders to
// one field whose lines are folded continuations, and parses back to the
// results given.
func TestRenderHostile(t *testing.T) {
	for _, v := range hostile {
		for _, where := range []string{"servid", "method", "value", "reason", "ptype", "property", "pvalue"} {
			r := Result{Method: "spf", Value: "pass", Props: []Prop{{Type: "smtp", Property: "mailfrom", Value: "a@example.com"}}}
			h := Header{ServID: "mx.example.org"}
			switch where {
			case "servid":
				h.ServID = v
			case "method":
				r.Method = v
			case "value":
				r.Value = v
			case "reason":
				r.Reason = v
			case "ptype":
				r.Props[0].Type = v
			case "property":
				r.Props[0].Property = v
			case "pvalue":
				r.Props[0].Value = v
			}
			h.Results = []Result{r, {Method: "dmarc", Value: "fail", Props: []Prop{{Type: "header", Property: "from", Value: "example.com"}}}}
			s, f := h.String(), h.Field()
			if strings.ContainsAny(s, "\r\n") {
				t.Errorf("%s %q: String() = %q, has CR or LF", where, v, s)
			}
			body, ok := strings.CutSuffix(strings.TrimPrefix(f, "Authentication-Results: "), "\r\n")
			if !ok {
				t.Errorf("%s %q: Field() = %q, does not end in CRLF", where, v, f)
			}
			for i, line := range strings.Split(body, "\r\n") {
				if strings.ContainsAny(line, "\r\n\x00\x7f") || i > 0 && !strings.HasPrefix(line, "\t") {
					t.Errorf("%s %q: Field() = %q: line %d %q is not a folded continuation", where, v, f, i, line)
				}
			}
			if !utf8.ValidString(f) {
				t.Errorf("%s %q: Field() = %q, invalid UTF-8", where, v, f)
			}
			for _, rendered := range []string{s, body} {
				back, err := Parse(rendered)
				if err != nil {
					if where == "servid" && strings.TrimSpace(v) == "" {
						continue // an empty authserv-id: see TestValidate
					}
					t.Errorf("%s %q: Parse(%q) = %v", where, v, rendered, err)
					continue
				}
				if len(back.Results) != 2 || back.Results[1].Method != "dmarc" || back.Results[1].Value != "fail" || len(back.Results[0].Props) > 1 {
					t.Errorf("%s %q: Parse(%q) = %+v, want the two results given", where, v, rendered, back.Results)
				}
			}
		}
	}
}

// TestRenderBounds trips MaxReasonBytes and MaxPropBytes and checks that
// no line of a field exceeds 998 octets (RFC 5322 §2.1.1).
func TestRenderBounds(t *testing.T) {
	long := strings.Repeat(`é"\ `, 1000)
	r := Result{Method: "dkim", Value: "fail", Reason: long}
	for range 20 {
		r.Props = append(r.Props, Prop{Type: "header", Property: "b", Value: long})
	}
	h := Header{ServID: "mx.example.org", Results: []Result{r}}
	back, err := Parse(h.String())
	if err != nil {
		t.Fatalf("Parse(String()) = %v", err)
	}
	if got := back.Results[0].Reason; len(got) > MaxReasonBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, "...") {
		t.Errorf("reason of %d bytes rendered as %d bytes (%q), want at most MaxReasonBytes = %d, valid UTF-8, ending in ...", len(long), len(got), got, MaxReasonBytes)
	}
	for _, p := range back.Results[0].Props {
		if len(p.Value) > MaxPropBytes || !utf8.ValidString(p.Value) || !strings.HasPrefix(long, p.Value) {
			t.Errorf("property of %d bytes rendered as %d bytes, want a prefix of at most MaxPropBytes = %d", len(long), len(p.Value), MaxPropBytes)
		}
	}
	for i, line := range strings.Split(h.Field(), "\r\n") {
		if len(line) > 998 {
			t.Errorf("Field() line %d is %d octets, over 998", i, len(line))
		}
	}
	// Short ones are left alone.
	ok := Result{Method: "dkim", Value: "fail", Reason: strings.Repeat("x", MaxReasonBytes)}
	if got := ok.String(); got != "dkim=fail reason="+strings.Repeat("x", MaxReasonBytes) {
		t.Errorf("reason of MaxReasonBytes rendered as %q", got)
	}
}

func TestValidate(t *testing.T) {
	good := Result{Method: "dkim", Value: "pass", Reason: "ok", Props: []Prop{{Type: "header", Property: "d", Value: "bücher.example"}}}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(%s) = %v, want nil", good, err)
	}
	if err := (Header{ServID: "mx.example.org", Results: []Result{good}}).Validate(); err != nil {
		t.Errorf("Header.Validate = %v, want nil", err)
	}
	bad := map[string]Result{
		"empty":            {},
		"method":           {Method: "spf pass", Value: "pass"},
		"long method":      {Method: strings.Repeat("m", maxKeywordBytes+1), Value: "pass"},
		"value":            {Method: "spf", Value: "pass\r\n"},
		"reason control":   {Method: "spf", Value: "pass", Reason: "a\nb"},
		"reason UTF-8":     {Method: "spf", Value: "pass", Reason: "a\xffb"},
		"reason too long":  {Method: "spf", Value: "pass", Reason: strings.Repeat("r", MaxReasonBytes+1)},
		"ptype":            {Method: "spf", Value: "pass", Props: []Prop{{Type: "smtp ", Property: "helo", Value: "x"}}},
		"property":         {Method: "spf", Value: "pass", Props: []Prop{{Type: "smtp", Property: "", Value: "x"}}},
		"pvalue control":   {Method: "spf", Value: "pass", Props: []Prop{{Type: "smtp", Property: "helo", Value: "x\x00"}}},
		"pvalue too long":  {Method: "spf", Value: "pass", Props: []Prop{{Type: "smtp", Property: "helo", Value: strings.Repeat("x", MaxPropBytes+1)}}},
		"C1 control (NEL)": {Method: "spf", Value: "pass", Reason: "a\u0085b"},
		"line separator":   {Method: "spf", Value: "pass", Reason: "a\u2028b"},
	}
	for name, r := range bad {
		if err := r.Validate(); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: Validate(%#v) = %v, want ErrSyntax", name, r, err)
		}
		if err := (Header{ServID: "mx.example.org", Results: []Result{good, r}}).Validate(); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "result 2") {
			t.Errorf("%s: Header.Validate = %v, want ErrSyntax for result 2", name, err)
		}
	}
	for _, id := range []string{"", "mx\r\n", strings.Repeat("m", MaxPropBytes+1)} {
		if err := (Header{ServID: id}).Validate(); !errors.Is(err, ErrSyntax) {
			t.Errorf("Header{ServID: %q}.Validate() = %v, want ErrSyntax", id, err)
		}
	}
}

// FuzzRender renders arbitrary results: the field is one field whose
// lines are folded continuations within 998 octets, it parses back to as
// many results, and a result Validate accepts comes back as it was.
func FuzzRender(f *testing.F) {
	f.Add("mx.example.org", "spf", "pass", "", "smtp", "mailfrom", "jo@example.com")
	f.Add("mx", "dkim", "fail", "bad \"sig\" \\ (x", "header", "b", "ab+/cd==")
	f.Add("a\r\nb", "x\ny", "=", "\xff\x00", "", ".", "\"\\")
	f.Fuzz(func(t *testing.T, servID, method, value, reason, ptype, property, pvalue string) {
		r := Result{Method: method, Value: value, Reason: reason, Props: []Prop{{Type: ptype, Property: property, Value: pvalue}}}
		h := Header{ServID: servID, Results: []Result{r, {Method: "arc", Value: "none"}}}
		field := h.Field()
		body, ok := strings.CutSuffix(strings.TrimPrefix(field, "Authentication-Results: "), "\r\n")
		if !ok {
			t.Fatalf("Field() = %q, no final CRLF", field)
		}
		for _, line := range strings.Split(field, "\r\n") {
			if len(line) > maxLine || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("Field() = %q: line %q", field, line)
			}
		}
		if strings.ContainsAny(h.String(), "\r\n") || !utf8.ValidString(field) {
			t.Fatalf("String() = %q", h.String())
		}
		back, err := Parse(body)
		if err != nil {
			if servID == "" {
				return // an empty authserv-id does not parse
			}
			t.Fatalf("Parse(Field() = %q) = %v", field, err)
		}
		if len(back.Results) != 2 || back.Results[1].String() != "arc=none" {
			t.Fatalf("Parse(Field() = %q) = %+v, want 2 results", field, back.Results)
		}
		if h.Validate() == nil {
			want := r
			want.Method, want.Value = strings.ToLower(want.Method), strings.ToLower(want.Value)
			want.Props[0].Type, want.Props[0].Property = strings.ToLower(ptype), strings.ToLower(property)
			if pvalue == "" {
				want.Props = nil
			}
			if !reflect.DeepEqual(back.Results[0], want) || back.ServID != servID {
				t.Fatalf("Parse(Field() = %q) = %+v, want %+v", field, back.Results[0], want)
			}
		}
	})
}
