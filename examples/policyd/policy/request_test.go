package policy

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// postfixRequest is a request as Postfix 3.7's smtpd sends it at RCPT
// TO (a subset of its attributes, in its order).
const postfixRequest = "request=smtpd_access_policy\n" +
	"protocol_state=RCPT\n" +
	"protocol_name=ESMTP\n" +
	"client_address=192.0.2.10\n" +
	"client_name=mail.example.com\n" +
	"reverse_client_name=mail.example.com\n" +
	"helo_name=mail.example.com\n" +
	"sender=alice@example.com\n" +
	"recipient=bob@example.org\n" +
	"recipient_count=0\n" +
	"queue_id=\n" +
	"instance=3f2a.67a1b2c3.1a2b3.0\n" +
	"size=0\n" +
	"policy_context=\n" +
	"compatibility_level=3.6\n" +
	"mail_version=3.7.11\n" +
	"\n"

func TestReadRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []Attr
	}{
		{"one", "request=smtpd_access_policy\n\n", []Attr{{"request", "smtpd_access_policy"}}},
		{"empty value", "sender=\nqueue_id=\n\n", []Attr{{"sender", ""}, {"queue_id", ""}}},
		{"value with =", "ccert_subject=CN=a=b\n\n", []Attr{{"ccert_subject", "CN=a=b"}}},
		{"crlf", "a=1\r\nb=2\r\n\r\n", []Attr{{"a", "1"}, {"b", "2"}}},
		{"utf8 and spaces", "sender=jörg@exämple.com\nhelo_name= spaced \n\n", []Attr{{"sender", "jörg@exämple.com"}, {"helo_name", " spaced "}}},
		{"no attributes", "\n", []Attr{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.in), Limits{})
			req, err := r.ReadRequest()
			if err != nil {
				t.Fatalf("ReadRequest(%q) error %v", tc.in, err)
			}
			if got := req.Attrs(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadRequest(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if _, err := r.ReadRequest(); err != io.EOF {
				t.Errorf("second ReadRequest(%q) error %v, want io.EOF", tc.in, err)
			}
		})
	}
}

func TestRequestGet(t *testing.T) {
	req, err := NewReader(strings.NewReader(postfixRequest), Limits{}).ReadRequest()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{"client_address", "192.0.2.10", true},
		{"recipient", "bob@example.org", true},
		{"queue_id", "", true},
		{"sasl_username", "", false},
	} {
		if got, ok := req.Lookup(tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("Lookup(%q) = %q, %v, want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if got := req.Get(tc.name); got != tc.want {
			t.Errorf("Get(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if n := len(req.Attrs()); n != 16 {
		t.Errorf("len(Attrs()) = %d, want 16", n)
	}
}

// TestReadRequestErrors checks each malformed request: its error, the
// line, whether the reader found its end, and, when it did, that the
// next request on the connection is read whole.
func TestReadRequestErrors(t *testing.T) {
	small := Limits{MaxLineBytes: 16, MaxAttributes: 3, MaxRequestBytes: 64}
	const next = "request=ok\n\n"
	for _, tc := range []struct {
		name   string
		lim    Limits
		in     string
		err    error
		line   int
		synced bool
	}{
		{"no =", Limits{}, "a=1\nnoequals\nb=2\n\n", ErrSyntax, 2, true},
		{"empty name", Limits{}, "=x\n\n", ErrSyntax, 1, true},
		{"space in name", Limits{}, "a b=1\n\n", ErrSyntax, 1, true},
		{"control in name", Limits{}, "a\x01=1\n\n", ErrSyntax, 1, true},
		{"non-ASCII name", Limits{}, "ä=1\n\n", ErrSyntax, 1, true},
		{"NUL in value", Limits{}, "a=1\x002\n\n", ErrSyntax, 1, true},
		{"duplicate", Limits{}, "client_address=192.0.2.1\nclient_address=198.51.100.1\n\n", ErrSyntax, 2, true},
		{"first defect wins", Limits{}, "x\ny\n\n", ErrSyntax, 1, true},
		{"line too long", small, "a=1\nb=0123456789abcdef\nc=3\n\n", ErrLineTooLong, 2, true},
		{"line of the limit", small, "b=0123456789abcd\nb=0123456789abcde\n\n", ErrLineTooLong, 2, true},
		{"line too long past the buffer", Limits{MaxLineBytes: 16, MaxRequestBytes: 1 << 20}, "a=" + strings.Repeat("x", 10000) + "\n\n", ErrLineTooLong, 1, true},
		{"too many attributes", small, "a=1\nb=2\nc=3\nd=4\ne=5\n\n", ErrTooManyAttributes, 4, true},
		{"request too large", Limits{MaxRequestBytes: 64}, numbered(20), ErrRequestTooLarge, 11, false},
		{"endless line", Limits{MaxLineBytes: 16, MaxRequestBytes: 8000}, strings.Repeat("x", 20000), ErrLineTooLong, 1, false},
		{"endless line, no newline at all", Limits{}, strings.Repeat("x", 200000), ErrLineTooLong, 1, false},
		{"truncated", Limits{}, "a=1\nb=2\n", ErrTruncated, 3, false},
		{"truncated line", Limits{}, "a=1\nb=", ErrTruncated, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if tc.synced {
				in += next
			}
			r := NewReader(strings.NewReader(in), tc.lim)
			_, err := r.ReadRequest()
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("ReadRequest(%.60q) error %v, want a *RequestError", tc.in, err)
			}
			if !errors.Is(err, tc.err) || re.Line != tc.line || re.Synced != tc.synced {
				t.Errorf("ReadRequest(%.60q) = %v (line %d, synced %v), want %v (line %d, synced %v)", tc.in, re.Err, re.Line, re.Synced, tc.err, tc.line, tc.synced)
			}
			if !tc.synced {
				return
			}
			req, err := r.ReadRequest()
			if err != nil || req.Get("request") != "ok" {
				t.Errorf("the request after %.60q = %q, %v; want request=ok", tc.in, req.Attrs(), err)
			}
		})
	}
}

// numbered returns a request of n attributes a00=1, a01=1..., 6 octets
// a line.
func numbered(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%02d=1\n", i)
	}
	b.WriteString("\n")
	return b.String()
}

// TestReaderReuse reads several requests from one connection, as
// Postfix sends them.
func TestReaderReuse(t *testing.T) {
	in := postfixRequest + "request=smtpd_access_policy\nrecipient=carol@example.org\n\n" + postfixRequest
	r := NewReader(strings.NewReader(in), Limits{})
	var rcpts []string
	for {
		req, err := r.ReadRequest()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rcpts = append(rcpts, req.Get("recipient"))
	}
	if want := []string{"bob@example.org", "carol@example.org", "bob@example.org"}; !reflect.DeepEqual(rcpts, want) {
		t.Errorf("recipients = %q, want %q", rcpts, want)
	}
}

func TestWriteResponse(t *testing.T) {
	for _, tc := range []struct {
		action, want string
	}{
		{Dunno, "action=DUNNO\n\n"},
		{"", "action=DUNNO\n\n"},
		{DeferIfPermit("Greylisted, try again in 300 seconds"), "action=DEFER_IF_PERMIT Greylisted, try again in 300 seconds\n\n"},
		{DeferIfPermit(""), "action=DEFER_IF_PERMIT\n\n"},
		{Reply(550, "5.7.23", "SPF fail"), "action=550 5.7.23 SPF fail\n\n"},
		{Reply(451, "", "later"), "action=451 later\n\n"},
		{Reject("no\naction=OK"), "action=REJECT no action=OK\n\n"},
		{Prepend("Received-SPF: pass (mx.example.org: domain of\r\n alice@example.com designates 192.0.2.10 as permitted sender)\r\n\tclient-ip=192.0.2.10"),
			"action=PREPEND Received-SPF: pass (mx.example.org: domain of alice@example.com designates 192.0.2.10 as permitted sender) client-ip=192.0.2.10\n\n"},
		{"DUNNO\r\n\r\naction=OK", "action=DUNNO  action=OK\n\n"},
		{"OK\x00\x7f", "action=OK\n\n"},
	} {
		var b strings.Builder
		if err := WriteResponse(&b, tc.action); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != tc.want {
			t.Errorf("WriteResponse(%q) wrote %q, want %q", tc.action, got, tc.want)
		}
	}
}

// TestValueEndingInCR: one CR before the LF is the line end's, so a
// value ending in CR reads whole only from a CRLF line (the package
// doc's Divergences; FuzzReadRequest found that an LF line loses it).
func TestValueEndingInCR(t *testing.T) {
	for in, want := range map[string]string{
		"a=x\r\r\n\n": "x\r",
		"a=x\r\n\n":   "x",
		"a=x\n\n":     "x",
		"a=\r\r\n\n":  "\r",
	} {
		req, err := NewReader(strings.NewReader(in), Limits{}).ReadRequest()
		if v, _ := req.Lookup("a"); err != nil || v != want {
			t.Errorf("%q: a = %q, %v; want %q", in, v, err, want)
		}
	}
}
