package main

import (
	"io"
	"log"
	"testing"

	"github.com/d--j/go-milter"

	"github.com/spamkit/spamkit/session"
)

// TestAppendHeaderField checks the raw field built from what the MTA
// passed: with SMFIP_HDR_LEADSPC the value is taken as it is; without
// it one space (not a tab) is put back; LF folds become CRLF, CRLF
// folds stay.
func TestAppendHeaderField(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		leadSpace   bool
		want        string
	}{
		{"Subject", "  two spaces", true, "Subject:  two spaces\r\n"},
		{"X-Tight", "no space", true, "X-Tight:no space\r\n"},
		{"X-Empty", "", true, "X-Empty:\r\n"},
		{"X-Folded", " a\n\tb", true, "X-Folded: a\r\n\tb\r\n"},
		{"X-Folded", " a\r\n\tb", true, "X-Folded: a\r\n\tb\r\n"},
		{"X-Lf", "\n x", true, "X-Lf:\r\n x\r\n"},
		{"Subject", "hello", false, "Subject: hello\r\n"},
		{"Subject", "\thello", false, "Subject:\thello\r\n"},
		{"Subject", " spaced", false, "Subject:  spaced\r\n"},
		{"X-Empty", "", false, "X-Empty: \r\n"},
	} {
		if got := string(appendHeaderField(nil, tc.name, tc.value, tc.leadSpace)); got != tc.want {
			t.Errorf("appendHeaderField(%q, %q, %v) = %q, want %q", tc.name, tc.value, tc.leadSpace, got, tc.want)
		}
	}
}

func TestFieldValue(t *testing.T) {
	for _, tc := range []struct {
		in        string
		leadSpace bool
		want      string
	}{
		{" mx.example.org; spf=pass", true, " mx.example.org; spf=pass"},
		{" mx.example.org; spf=pass", false, "mx.example.org; spf=pass"},
		{" a;\r\n\tb", true, " a;\n\tb"},
		{" a;\r\n\tb", false, "a;\n\tb"},
	} {
		if got := fieldValue(tc.in, tc.leadSpace); got != tc.want {
			t.Errorf("fieldValue(%q, %v) = %q, want %q", tc.in, tc.leadSpace, got, tc.want)
		}
	}
}

// TestReply checks the milter responses of the session's refusals:
// SMFIR_REPLYCODE with the code, the enhanced status code and the text,
// and a code out of range replaced by the action's.
func TestReply(t *testing.T) {
	for _, tc := range []struct {
		in   session.Reply
		want string
	}{
		{session.Reply{Action: session.Reject, Code: 554, Enhanced: "5.7.1", Text: "Service unavailable; client blocked using bl.test"}, "554 5.7.1 Service unavailable; client blocked using bl.test"},
		{session.Reply{Action: session.Tempfail, Code: 451, Enhanced: "4.7.1", Text: "Greylisted"}, "451 4.7.1 Greylisted"},
		{session.Reply{Action: session.Tempfail, Text: "100% busy"}, "451 100%% busy"},
		{session.Reply{Action: session.Reject, Code: 250}, "550 5.7.1 Rejected by policy"},
	} {
		resp, err := reply(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		// The response's wire data: 'y' then the NUL-terminated text.
		msg := resp.Response()
		if got := string(msg.Data[:len(msg.Data)-1]); msg.Code != 'y' || got != tc.want {
			t.Errorf("reply(%v) = %c %q, want y %q", tc.in, msg.Code, got, tc.want)
		}
	}
}

// TestRecover checks that a panic in a callback becomes an internal
// error answered as on_internal_error says: 451 4.3.0 under tempfail,
// accept under accept.
func TestRecover(t *testing.T) {
	for _, tc := range []struct {
		accept bool
		stage  string
		want   string
	}{
		{false, "rcpt", "y451 4.3.0 Temporary local problem, try again later"},
		{false, "eom", "y451 4.3.0 Temporary local problem, try again later"},
		{true, "rcpt", "c"},
		{true, "eom", "a"},
	} {
		b := &backend{srv: &Server{acceptOnError: tc.accept, logger: log.New(io.Discard, "", 0)}}
		resp, err := func() (resp *milter.Response, err error) {
			defer b.recover(tc.stage, nil, &resp, &err)
			panic("a bug")
		}()
		if err != nil || resp == nil {
			t.Fatalf("recover(%s, accept=%v) = %v, %v", tc.stage, tc.accept, resp, err)
		}
		msg := resp.Response()
		got := string(msg.Code)
		if len(msg.Data) > 0 {
			got += string(msg.Data[:len(msg.Data)-1])
		}
		if got != tc.want {
			t.Errorf("recover(%s, accept=%v) = %q, want %q", tc.stage, tc.accept, got, tc.want)
		}
	}
}
