package authres

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/authres"
)

func prop(ptype, property, value string) Prop {
	return Prop{Type: ptype, Property: property, Value: value}
}

// convertible are results whose properties go-msgauth's types all carry,
// with the go-msgauth value each converts to.
var convertible = []struct {
	ours   Result
	theirs msgauth.Result
}{
	{Result{Method: "spf", Value: "pass", Reason: "matched ip4", Props: []Prop{prop("smtp", "mailfrom", "jo@example.com"), prop("smtp", "helo", "mail.example.com")}},
		&msgauth.SPFResult{Value: "pass", Reason: "matched ip4", From: "jo@example.com", Helo: "mail.example.com"}},
	{Result{Method: "spf", Value: "none", Props: []Prop{prop("smtp", "helo", "mail.example.com")}},
		&msgauth.SPFResult{Value: "none", Helo: "mail.example.com"}},
	{Result{Method: "dkim", Value: "fail", Reason: "body hash did not verify", Props: []Prop{prop("header", "d", "example.com"), prop("header", "i", "@example.com")}},
		&msgauth.DKIMResult{Value: "fail", Reason: "body hash did not verify", Domain: "example.com", Identifier: "@example.com"}},
	{Result{Method: "dkim", Value: "none"}, &msgauth.DKIMResult{Value: "none"}},
	{Result{Method: "dmarc", Value: "fail", Props: []Prop{prop("header", "from", "example.com")}},
		&msgauth.DMARCResult{Value: "fail", From: "example.com"}},
	{Result{Method: "iprev", Value: "temperror", Reason: "DNS timeout", Props: []Prop{prop("policy", "iprev", "2001:db8::1")}},
		&msgauth.IPRevResult{Value: "temperror", Reason: "DNS timeout", IP: "2001:db8::1"}},
	{Result{Method: "auth", Value: "pass", Props: []Prop{prop("smtp", "auth", "jo")}},
		&msgauth.AuthResult{Value: "pass", Auth: "jo"}},
	{Result{Method: "domainkeys", Value: "pass", Props: []Prop{prop("header", "d", "example.com"), prop("header", "from", "jo@example.com"), prop("header", "sender", "list@example.com")}},
		&msgauth.DomainKeysResult{Value: "pass", Domain: "example.com", From: "jo@example.com", Sender: "list@example.com"}},
	{Result{Method: "sender-id", Value: "pass", Props: []Prop{prop("header", "from", "jo@example.com")}},
		&msgauth.SenderIDResult{Value: "pass", HeaderKey: "from", HeaderValue: "jo@example.com"}},
	{Result{Method: "arc", Value: "pass", Props: []Prop{prop("header", "oldest-pass", "2"), prop("smtp", "remote-ip", "192.0.2.1")}},
		&msgauth.GenericResult{Method: "arc", Value: "pass", Params: map[string]string{"header.oldest-pass": "2", "smtp.remote-ip": "192.0.2.1"}}},
	{Result{Method: "x-custom", Value: "neutral", Reason: "r", Props: []Prop{prop("body", "hash", "abc"), prop("policy", "x", "y z")}},
		&msgauth.GenericResult{Method: "x-custom", Value: "neutral", Params: map[string]string{"reason": "r", "body.hash": "abc", "policy.x": "y z"}}},
}

func TestMsgauthRoundTrip(t *testing.T) {
	for _, tt := range convertible {
		t.Run(tt.ours.String(), func(t *testing.T) {
			theirs := tt.ours.Msgauth()
			if !reflect.DeepEqual(theirs, tt.theirs) {
				t.Errorf("Msgauth() = %#v, want %#v", theirs, tt.theirs)
			}
			back, err := FromMsgauth(theirs)
			if err != nil || !reflect.DeepEqual(back, tt.ours) {
				t.Errorf("FromMsgauth(Msgauth()) = %#v, %v, want %#v", back, err, tt.ours)
			}
			// Rendered by go-msgauth, read by Parse: the same result.
			field := msgauth.Format("mx.example.org", []msgauth.Result{theirs})
			h, err := Parse(field)
			if err != nil || len(h.Results) != 1 {
				t.Fatalf("Parse(msgauth.Format(...) = %q) = %+v, %v", field, h, err)
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

// TestFromMsgauth converts go-msgauth's own values, as its Parse makes
// them, and back.
func TestFromMsgauth(t *testing.T) {
	_, results, err := msgauth.Parse(`mx.example.org; spf=pass smtp.mailfrom=jo@example.com; dkim=fail reason="bad" header.d=example.com header.i=@example.com; dmarc=pass header.from=example.com; arc=pass header.oldest-pass=1 smtp.remote-ip=192.0.2.1; iprev=pass policy.iprev=192.0.2.1; x-y=pass a.b=c`)
	if err != nil {
		t.Fatal(err)
	}
	h := Header{ServID: "mx.example.org"}
	for _, r := range results {
		ours, err := FromMsgauth(r)
		if err != nil {
			t.Fatalf("FromMsgauth(%#v) = %v", r, err)
		}
		h.Results = append(h.Results, ours)
	}
	want := `mx.example.org; spf=pass smtp.mailfrom=jo@example.com; dkim=fail reason=bad header.d=example.com header.i=@example.com; dmarc=pass header.from=example.com; arc=pass header.oldest-pass=1 smtp.remote-ip=192.0.2.1; iprev=pass policy.iprev=192.0.2.1; x-y=pass a.b=c`
	if got := h.String(); got != want {
		t.Errorf("converted from go-msgauth's Parse:\n got %s\nwant %s", got, want)
	}
	// And back: every typed value comes back the same, but ARCResult,
	// which becomes a GenericResult (see Msgauth).
	for i, r := range results {
		back := h.Results[i].Msgauth()
		if _, arc := r.(*msgauth.ARCResult); arc {
			if g, ok := back.(*msgauth.GenericResult); !ok || g.Method != "arc" || g.Params["header.oldest-pass"] != "1" {
				t.Errorf("arc: Msgauth() = %#v, want a GenericResult", back)
			}
			continue
		}
		if r, ok := r.(*msgauth.DKIMResult); ok {
			r.Reason = "bad" // go-msgauth's Parse keeps the quotes
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("Msgauth(FromMsgauth(%#v)) = %#v", r, back)
		}
	}
}

// TestMsgauthDrops checks the properties go-msgauth's types cannot
// carry, as Msgauth documents.
func TestMsgauthDrops(t *testing.T) {
	dkim := Result{Method: "dkim", Value: "pass", Props: []Prop{prop("header", "d", "example.com"), prop("header", "s", "sel"), prop("header", "b", "abcdefgh")}}
	if got, want := dkim.Msgauth(), (&msgauth.DKIMResult{Value: "pass", Domain: "example.com"}); !reflect.DeepEqual(got, want) {
		t.Errorf("dkim Msgauth() = %#v, want %#v", got, want)
	}
	dmarc := Result{Method: "DMARC", Value: "Fail", Props: []Prop{prop("header", "from", "example.com"), prop("policy", "dmarc", "reject")}}
	if got, want := dmarc.Msgauth(), (&msgauth.DMARCResult{Value: "fail", From: "example.com"}); !reflect.DeepEqual(got, want) {
		t.Errorf("dmarc Msgauth() = %#v, want %#v", got, want)
	}
	dup := Result{Method: "x", Value: "pass", Props: []Prop{prop("a", "b", "first"), prop("A", "B", "second"), prop("a", "c", "")}}
	if got, want := dup.Msgauth(), (&msgauth.GenericResult{Method: "x", Value: "pass", Params: map[string]string{"a.b": "first"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Msgauth() with a repeated property = %#v, want %#v", got, want)
	}
}

// TestMsgauthHostile checks that no value reaches go-msgauth's Format in
// a form that adds a line, a field or a result: Format writes values as
// they are, and does not escape a backslash in a quoted-string.
func TestMsgauthHostile(t *testing.T) {
	for _, v := range hostile {
		for _, method := range []string{"spf", "dkim", "dmarc", "iprev", "arc", "x-other"} {
			for _, where := range []string{"method", "value", "reason", "ptype", "property", "pvalue"} {
				r := Result{Method: method, Value: "pass", Props: []Prop{
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
				field := msgauth.Format("mx.example.org", []msgauth.Result{r.Msgauth(), &msgauth.DMARCResult{Value: "fail", From: "example.com"}})
				if strings.ContainsAny(field, "\r\n") {
					t.Errorf("%s %s %q: msgauth.Format = %q, has CR or LF", method, where, v, field)
				}
				h, err := Parse(field)
				if err != nil || len(h.Results) != 2 || h.Results[1].Method != "dmarc" || h.Results[1].Value != "fail" {
					t.Errorf("%s %s %q: Parse(msgauth.Format = %q) = %+v, %v; want the two results", method, where, v, field, h.Results, err)
				}
			}
		}
	}
}

func TestFromMsgauthErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    msgauth.Result
	}{
		{"nil", nil},
		{"nil pointer", (*msgauth.SPFResult)(nil)},
		{"no value", &msgauth.SPFResult{From: "example.com"}},
		{"value not a keyword", &msgauth.DKIMResult{Value: "pass; dkim=pass"}},
		{"CR LF in a value", &msgauth.DKIMResult{Value: "pass", Domain: "example.com\r\nX-Injected: 1"}},
		{"generic parameter without a dot", &msgauth.GenericResult{Method: "x", Value: "pass", Params: map[string]string{"foo": "bar"}}},
		{"generic method not a keyword", &msgauth.GenericResult{Method: "x y", Value: "pass"}},
		{"generic without method", &msgauth.GenericResult{Value: "pass"}},
	} {
		if r, err := FromMsgauth(tt.r); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: FromMsgauth = %+v, %v, want ErrSyntax", tt.name, r, err)
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
