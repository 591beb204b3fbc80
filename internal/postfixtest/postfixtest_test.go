package postfixtest

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDeliver starts an instance, sends a message with swaks, and finds
// it in the recipient's maildir and in the mail log; a recipient with no
// mailbox is rejected.
func TestDeliver(t *testing.T) {
	t.Parallel()
	pf := Start(t, Options{MainCF: []string{"smtpd_banner = $myhostname ESMTP postfixtest"}})
	res := pf.Send(t, Mail{From: "alice@sender.test", To: pf.Address("bob"), Headers: []string{"Subject: harness"}})
	if res.Code != 250 {
		t.Fatalf("Send = %d %q, want 250; transcript:\n%s\nlog:\n%s", res.Code, res.Reply, res.Transcript, pf.Log())
	}
	if !strings.Contains(res.Transcript, "220 postfixtest.invalid ESMTP postfixtest") {
		t.Errorf("the banner of MainCF is not in the transcript:\n%s", res.Transcript)
	}
	msg := pf.WaitMessage(t, "bob", 10*time.Second)
	for _, want := range []string{"Subject: harness", "Delivered-To: bob@example.test", "Return-Path: <alice@sender.test>"} {
		if !strings.Contains(string(msg.Data), want) {
			t.Errorf("delivered message lacks %q:\n%s", want, msg.Data)
		}
	}
	line := pf.WaitLog(t, regexp.MustCompile(`to=<bob@example\.test>.*status=sent`), 5*time.Second)
	if !strings.Contains(line, "relay=virtual") {
		t.Errorf("delivery log line %q, want relay=virtual", line)
	}

	res = pf.Send(t, Mail{From: "alice@sender.test", To: "bob@elsewhere.test"})
	if res.Code != 554 || !strings.Contains(res.Reply, "Relay access denied") {
		t.Errorf("Send to another domain = %d %q, want 554 Relay access denied", res.Code, res.Reply)
	}
	if msgs, err := pf.Messages("carol"); err != nil || len(msgs) != 0 {
		t.Errorf("Messages(carol) = %d messages, %v; want none", len(msgs), err)
	}
	pf.Stop(t)
	if out := pf.Log(); !strings.Contains(out, "stopping the Postfix mail system") {
		t.Errorf("the log does not show the stop:\n%s", out)
	}
}

func TestParseTranscript(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		code     int
		reply    string
	}{
		{"accepted", "<-  220 x ESMTP\n -> EHLO c\n<-  250-x\n<-  250 SMTPUTF8\n<-  250 2.0.0 Ok: queued as 1\n -> QUIT\n<-  221 2.0.0 Bye\n", 250, "250 2.0.0 Ok: queued as 1"},
		{"deferred", "<-  220 x\n<-  250 2.1.0 Ok\n<** 450 4.7.1 <b@example.test>: Recipient address rejected: Greylisted\n -> QUIT\n<-  221 2.0.0 Bye\n", 450, "450 4.7.1 <b@example.test>: Recipient address rejected: Greylisted"},
		{"multiline", "<-  220 x\n<** 550-5.7.1 first\n<** 550 5.7.1 second\n<-  221 Bye\n", 550, "550 5.7.1 second"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseTranscript(t, tc.in)
			if got.Code != tc.code || got.Reply != tc.reply {
				t.Errorf("parseTranscript = %d %q, want %d %q", got.Code, got.Reply, tc.code, tc.reply)
			}
		})
	}
}

// TestSendData sends a whole message with Mail.Data from another
// loopback address (Mail.LocalAddr), and finds its bytes delivered
// unchanged (CRLF ends made LF by the maildir) and the client address
// in the mail log.
func TestSendData(t *testing.T) {
	t.Parallel()
	pf := Start(t, Options{})
	data := "From: alice@sender.test\r\nTo: carol@example.test\r\nSubject:  two spaces\r\nX-Folded: a\r\n\tb\r\n\r\n.leading dot\r\nbody\r\n"
	res := pf.Send(t, Mail{From: "alice@sender.test", To: pf.Address("carol"), Data: []byte(data), LocalAddr: "127.0.0.2"})
	if res.Code != 250 {
		t.Fatalf("Send = %d %q, want 250; transcript:\n%s", res.Code, res.Reply, res.Transcript)
	}
	msg := pf.WaitMessage(t, "carol", 10*time.Second)
	if want := strings.ReplaceAll(data, "\r\n", "\n"); !strings.HasSuffix(string(msg.Data), want) {
		t.Errorf("delivered message does not end with the data sent:\n%s\nwant suffix:\n%s", msg.Data, want)
	}
	pf.WaitLog(t, regexp.MustCompile(`client=\S*\[127\.0\.0\.2\]`), 5*time.Second)
}
