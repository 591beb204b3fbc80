package main

import (
	"strings"
	"testing"

	"github.com/d--j/go-milter"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// TestMessagesOfOneConnection: several transactions on one milter
// connection, as Postfix sends them for one SMTP session: a malware zip
// (refused), a message aborted after its header (RSET), a dangerous
// attachment (stripped), then a clean message, which must get its own
// verdict: accepted, no body replacement, nothing of the earlier ones.
func TestMessagesOfOneConnection(t *testing.T) {
	addr, _ := startMilter(t, "authserv_id = mx.example.test\nrdns = no\nhelo = no\nspf = no\ndkim = no\ndmarc = no\narc = no\n")
	client := milter.NewClient("tcp", addr, milter.WithAction(milter.AllClientSupportedActionMasks))
	s, err := client.Session(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Helo("client.test"); err != nil {
		t.Fatal(err)
	}
	zip := mimetest.Zip(mimetest.ZipEntry{Name: "invoice.exe", Data: mimetest.PE()})
	send := func(msg []byte, abort bool) ([]milter.ModifyAction, *milter.Action) {
		t.Helper()
		for _, step := range []func() (*milter.Action, error){
			func() (*milter.Action, error) { return s.Mail("<a@example.com>", "") },
			func() (*milter.Action, error) { return s.Rcpt("<b@example.test>", "") },
			func() (*milter.Action, error) { return s.DataStart() },
		} {
			if act, err := step(); err != nil || act.StopProcessing() {
				t.Fatalf("step = %v, %v", act, err)
			}
		}
		h, body, _ := strings.Cut(string(msg), "\r\n\r\n")
		for _, f := range strings.Split(strings.ReplaceAll(h, "\r\n\t", "\n\t"), "\r\n") {
			name, value, _ := strings.Cut(f, ":")
			if _, err := s.HeaderField(name, value, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.HeaderEnd(); err != nil {
			t.Fatal(err)
		}
		if abort {
			if err := s.Abort(nil); err != nil {
				t.Fatal(err)
			}
			return nil, nil
		}
		if _, err := s.BodyChunk([]byte(body)); err != nil {
			t.Fatal(err)
		}
		mods, act, err := s.End()
		if err != nil {
			t.Fatal(err)
		}
		return mods, act
	}
	malware := mimetest.Message("your invoice", "see the attachment", mimetest.Attachment{Name: "invoice.zip", Type: "application/zip", Data: zip})
	if _, act := send(malware, false); act.Type != milter.ActionRejectWithCode || act.SMTPCode != 554 {
		t.Fatalf("malware = %+v, want 554", act)
	}
	send(malware, true)
	js := mimetest.Message("the report", "the report is attached", mimetest.Attachment{Name: "report.js", Type: "application/javascript", Data: []byte("WScript.Echo('x');\r\n")})
	mods, act := send(js, false)
	replaced := false
	for _, m := range mods {
		replaced = replaced || m.Type == milter.ActionReplaceBody
	}
	if act.Type != milter.ActionAccept || !replaced {
		t.Fatalf("dangerous attachment = %+v, body replaced %v; want accept with the body replaced", act, replaced)
	}
	mods, act = send([]byte("From: a@example.com\r\nSubject: clean\r\n\r\nhello\r\n"), false)
	if act.Type != milter.ActionAccept {
		t.Fatalf("clean message = %+v, want accept", act)
	}
	for _, m := range mods {
		if m.Type == milter.ActionReplaceBody || m.Type == milter.ActionQuarantine || strings.Contains(m.HeaderValue, "MIME_") && !strings.Contains(m.HeaderValue, "MIME_CLEAN") {
			t.Errorf("the clean message got %+v, left from an earlier message", m)
		}
	}
}
