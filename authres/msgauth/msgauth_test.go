package msgauth

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	gomsgauth "github.com/emersion/go-msgauth/authres"
	"github.com/spamkit/spamkit/authres"
)

func prop(ptype, property, value string) authres.Prop {
	return authres.Prop{Type: ptype, Property: property, Value: value}
}

// convertible are results whose properties go-msgauth's types all carry,
// with the go-msgauth value each converts to.
var convertible = []struct {
	ours   authres.Result
	theirs gomsgauth.Result
}{
	{authres.Result{Method: "spf", Value: "pass", Reason: "matched ip4", Props: []authres.Prop{prop("smtp", "mailfrom", "jo@example.com"), prop("smtp", "helo", "mail.example.com")}},
		&gomsgauth.SPFResult{Value: "pass", Reason: "matched ip4", From: "jo@example.com", Helo: "mail.example.com"}},
	{authres.Result{Method: "spf", Value: "none", Props: []authres.Prop{prop("smtp", "helo", "mail.example.com")}},
		&gomsgauth.SPFResult{Value: "none", Helo: "mail.example.com"}},
	{authres.Result{Method: "dkim", Value: "fail", Reason: "body hash did not verify", Props: []authres.Prop{prop("header", "d", "example.com"), prop("header", "i", "@example.com")}},
		&gomsgauth.DKIMResult{Value: "fail", Reason: "body hash did not verify", Domain: "example.com", Identifier: "@example.com"}},
	{authres.Result{Method: "dkim", Value: "none"}, &gomsgauth.DKIMResult{Value: "none"}},
	{authres.Result{Method: "dmarc", Value: "fail", Props: []authres.Prop{prop("header", "from", "example.com")}},
		&gomsgauth.DMARCResult{Value: "fail", From: "example.com"}},
	{authres.Result{Method: "iprev", Value: "temperror", Reason: "DNS timeout", Props: []authres.Prop{prop("policy", "iprev", "2001:db8::1")}},
		&gomsgauth.IPRevResult{Value: "temperror", Reason: "DNS timeout", IP: "2001:db8::1"}},
	{authres.Result{Method: "auth", Value: "pass", Props: []authres.Prop{prop("smtp", "auth", "jo")}},
		&gomsgauth.AuthResult{Value: "pass", Auth: "jo"}},
	{authres.Result{Method: "domainkeys", Value: "pass", Props: []authres.Prop{prop("header", "d", "example.com"), prop("header", "from", "jo@example.com"), prop("header", "sender", "list@example.com")}},
		&gomsgauth.DomainKeysResult{Value: "pass", Domain: "example.com", From: "jo@example.com", Sender: "list@example.com"}},
	{authres.Result{Method: "sender-id", Value: "pass", Props: []authres.Prop{prop("header", "from", "jo@example.com")}},
		&gomsgauth.SenderIDResult{Value: "pass", HeaderKey: "from", HeaderValue: "jo@example.com"}},
	{authres.Result{Method: "arc", Value: "pass", Props: []authres.Prop{prop("header", "oldest-pass", "2"), prop("smtp", "remote-ip", "192.0.2.1")}},
		&gomsgauth.GenericResult{Method: "arc", Value: "pass", Params: map[string]string{"header.oldest-pass": "2", "smtp.remote-ip": "192.0.2.1"}}},
	{authres.Result{Method: "x-custom", Value: "neutral", Reason: "r", Props: []authres.Prop{prop("body", "hash", "abc"), prop("policy", "x", "y z")}},
		&gomsgauth.GenericResult{Method: "x-custom", Value: "neutral", Params: map[string]string{"reason": "r", "body.hash": "abc", "policy.x": "y z"}}},
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range convertible {
		t.Run(tt.ours.String(), func(t *testing.T) {
			theirs := To(tt.ours)
			if !reflect.DeepEqual(theirs, tt.theirs) {
				t.Errorf("To = %#v, want %#v", theirs, tt.theirs)
			}
			back, err := From(theirs)
			if err != nil || !reflect.DeepEqual(back, tt.ours) {
				t.Errorf("From(To(...)) = %#v, %v, want %#v", back, err, tt.ours)
			}
			// Rendered by go-msgauth, read by Parse: the same result.
			field := gomsgauth.Format("mx.example.org", []gomsgauth.Result{theirs})
			h, err := authres.Parse(field)
			if err != nil || len(h.Results) != 1 {
				t.Fatalf("Parse(gomsgauth.Format(...) = %q) = %+v, %v", field, h, err)
			}
			got, want := h.Results[0], tt.ours
			if want.Method == "auth" {
				want.Reason = "" // go-msgauth's Format leaves AuthResult's reason out
			}
			if got.Method != want.Method || got.Value != want.Value || got.Reason != want.Reason || len(got.Props) != len(want.Props) {
				t.Errorf("Parse(%q) = %s, want %s", field, got, want)
			}
			for _, p := range want.Props {
				if v, _ := got.Get(p.Type, p.Property); v != p.Value {
					t.Errorf("Parse(%q): %s.%s = %q, want %q", field, p.Type, p.Property, v, p.Value)
				}
			}
		})
	}
}

// TestFrom converts go-msgauth's own values, as its Parse makes
// them, and back.
func TestFrom(t *testing.T) {
	_, results, err := gomsgauth.Parse(`mx.example.org; spf=pass smtp.mailfrom=jo@example.com; dkim=fail reason="bad" header.d=example.com header.i=@example.com; dmarc=pass header.from=example.com; arc=pass header.oldest-pass=1 smtp.remote-ip=192.0.2.1; iprev=pass policy.iprev=192.0.2.1; x-y=pass a.b=c`)
	if err != nil {
		t.Fatal(err)
	}
	h := authres.Header{ServID: "mx.example.org"}
	for _, r := range results {
		ours, err := From(r)
		if err != nil {
			t.Fatalf("From(%#v) = %v", r, err)
		}
		h.Results = append(h.Results, ours)
	}
	want := `mx.example.org; spf=pass smtp.mailfrom=jo@example.com; dkim=fail reason=bad header.d=example.com header.i=@example.com; dmarc=pass header.from=example.com; arc=pass header.oldest-pass=1 smtp.remote-ip=192.0.2.1; iprev=pass policy.iprev=192.0.2.1; x-y=pass a.b=c`
	if got := h.String(); got != want {
		t.Errorf("converted from go-msgauth's Parse:\n got %s\nwant %s", got, want)
	}
	// And back: every typed value comes back the same, but ARCResult,
	// which becomes a GenericResult (see To).
	for i, r := range results {
		back := To(h.Results[i])
		if _, arc := r.(*gomsgauth.ARCResult); arc {
			if g, ok := back.(*gomsgauth.GenericResult); !ok || g.Method != "arc" || g.Params["header.oldest-pass"] != "1" {
				t.Errorf("arc: To = %#v, want a GenericResult", back)
			}
			continue
		}
		if r, ok := r.(*gomsgauth.DKIMResult); ok {
			r.Reason = "bad" // go-msgauth's Parse keeps the quotes
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("To(From(%#v)) = %#v", r, back)
		}
	}
}

// TestToDrops checks the properties go-msgauth's types cannot
// carry, as To documents.
func TestToDrops(t *testing.T) {
	dkim := authres.Result{Method: "dkim", Value: "pass", Props: []authres.Prop{prop("header", "d", "example.com"), prop("header", "s", "sel"), prop("header", "b", "abcdefgh")}}
	if got, want := To(dkim), (&gomsgauth.DKIMResult{Value: "pass", Domain: "example.com"}); !reflect.DeepEqual(got, want) {
		t.Errorf("dkim To = %#v, want %#v", got, want)
	}
	dmarc := authres.Result{Method: "DMARC", Value: "Fail", Props: []authres.Prop{prop("header", "from", "example.com"), prop("policy", "dmarc", "reject")}}
	if got, want := To(dmarc), (&gomsgauth.DMARCResult{Value: "fail", From: "example.com"}); !reflect.DeepEqual(got, want) {
		t.Errorf("dmarc To = %#v, want %#v", got, want)
	}
	dup := authres.Result{Method: "x", Value: "pass", Props: []authres.Prop{prop("a", "b", "first"), prop("A", "B", "second"), prop("a", "c", "")}}
	if got, want := To(dup), (&gomsgauth.GenericResult{Method: "x", Value: "pass", Params: map[string]string{"a.b": "first"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("To with a repeated property = %#v, want %#v", got, want)
	}
}

// TestToHostile checks that no value reaches go-msgauth's Format in
// a form that adds a line, a field or a result: Format writes values as
// they are, and does not escape a backslash in a quoted-string.
func TestToHostile(t *testing.T) {
	for _, v := range hostile {
		for _, method := range []string{"spf", "dkim", "dmarc", "iprev", "arc", "x-other"} {
			for _, where := range []string{"method", "value", "reason", "ptype", "property", "pvalue"} {
				r := authres.Result{Method: method, Value: "pass", Props: []authres.Prop{
					prop("smtp", "mailfrom", "a@example.com"), prop("header", "d", "example.com"),
					prop("header", "from", "example.com"), prop("policy", "iprev", "192.0.2.1"), prop("smtp", "remote-ip", "192.0.2.1")}}
				switch where {
				case "method":
					r.Method = v
				case "value":
					r.Value = v
				case "reason":
					r.Reason = v
				case "ptype":
					for i := range r.Props {
						r.Props[i].Type = v
					}
				case "property":
					for i := range r.Props {
						r.Props[i].Property = v
					}
				case "pvalue":
					for i := range r.Props {
						r.Props[i].Value = v
					}
				}
				field := gomsgauth.Format("mx.example.org", []gomsgauth.Result{To(r), &gomsgauth.DMARCResult{Value: "fail", From: "example.com"}})
				if strings.ContainsAny(field, "\r\n") {
					t.Errorf("%s %s %q: gomsgauth.Format = %q, has CR or LF", method, where, v, field)
				}
				h, err := authres.Parse(field)
				if err != nil || len(h.Results) != 2 || h.Results[1].Method != "dmarc" || h.Results[1].Value != "fail" {
					t.Errorf("%s %s %q: authres.Parse(gomsgauth.Format = %q) = %+v, %v; want the two results", method, where, v, field, h.Results, err)
				}
			}
		}
	}
}

func TestFromErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    gomsgauth.Result
	}{
		{"nil", nil},
		{"nil pointer", (*gomsgauth.SPFResult)(nil)},
		{"no value", &gomsgauth.SPFResult{From: "example.com"}},
		{"value not a keyword", &gomsgauth.DKIMResult{Value: "pass; dkim=pass"}},
		{"CR LF in a value", &gomsgauth.DKIMResult{Value: "pass", Domain: "example.com\r\nX-Injected: 1"}},
		{"generic parameter without a dot", &gomsgauth.GenericResult{Method: "x", Value: "pass", Params: map[string]string{"foo": "bar"}}},
		{"generic method not a keyword", &gomsgauth.GenericResult{Method: "x y", Value: "pass"}},
		{"generic without method", &gomsgauth.GenericResult{Value: "pass"}},
	} {
		if r, err := From(tt.r); !errors.Is(err, authres.ErrSyntax) {
			t.Errorf("%s: From = %+v, %v, want authres.ErrSyntax", tt.name, r, err)
		}
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`"a"`: "a", `"a \"b\" \\"`: `a "b" \`, `""`: "", `"`: `"`, `a`: "a",
		`"a"b"`: `"a"b"`, `"a\"`: `"a\"`, `"jo smith"@example.com`: `"jo smith"@example.com`,
	} {
		if got := unquote(in); got != want {
			t.Errorf("unquote(%q) = %q, want %q", in, got, want)
		}
	}
}

// hostile are values that would break out of their place in a header
// field if written as they are.
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

// TestToManyProps converts a result whose rendered text is far over
// authres.MaxValueBytes: every property is kept, cut at
// authres.MaxPropBytes.
func TestToManyProps(t *testing.T) {
	r := authres.Result{Method: "x-many", Value: "pass"}
	long := strings.Repeat("v", 2*authres.MaxPropBytes)
	const n = 1000
	for i := range n {
		r.Props = append(r.Props, prop("policy", fmt.Sprintf("p%d", i), long))
	}
	if len(r.String()) <= authres.MaxValueBytes {
		t.Fatalf("test result renders in %d bytes, want over %d", len(r.String()), authres.MaxValueBytes)
	}
	g, ok := To(r).(*gomsgauth.GenericResult)
	if !ok || g.Method != "x-many" || g.Value != "pass" || len(g.Params) != n {
		t.Fatalf("To(%d properties) = %T with %d params, want a GenericResult with %d", n, To(r), len(g.Params), n)
	}
	if v := g.Params["policy.p999"]; v != long[:authres.MaxPropBytes] {
		t.Errorf("To: policy.p999 of %d bytes, want %d", len(v), authres.MaxPropBytes)
	}
}

// TestToFirstNonEmpty checks that a property left out of the rendered
// field (no value) does not hide a later one of the same name.
func TestToFirstNonEmpty(t *testing.T) {
	r := authres.Result{Method: "spf", Value: "pass", Props: []authres.Prop{prop("smtp", "mailfrom", ""), prop("SMTP", "MailFrom", "jo@example.com")}}
	if got, want := To(r), (&gomsgauth.SPFResult{Value: "pass", From: "jo@example.com"}); !reflect.DeepEqual(got, want) {
		t.Errorf("To(%s) = %#v, want %#v", r, got, want)
	}
}
