package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/mimetest"
	"github.com/spamkit/spamkit/internal/postfixtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// testZones are the DNS of the integration tests: the senders' SPF and
// DMARC records, the client's reverse DNS, a DNS list naming 127.0.0.2.
// The DKIM keys are dkimtest's (example.com, selector rsa2048).
const testZones = `
$ORIGIN example.com.
@              300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
_dmarc         300 IN TXT "v=DMARC1; p=reject"
$ORIGIN bank.test.
@              300 IN SOA ns.bank.test. hostmaster.bank.test. 1 3600 600 86400 300
@              300 IN TXT "v=spf1 -all"
_dmarc         300 IN TXT "v=DMARC1; p=reject"
$ORIGIN quar.test.
@              300 IN SOA ns.quar.test. hostmaster.quar.test. 1 3600 600 86400 300
@              300 IN TXT "v=spf1 -all"
_dmarc         300 IN TXT "v=DMARC1; p=quarantine"
$ORIGIN other.test.
@              300 IN SOA ns.other.test. hostmaster.other.test. 1 3600 600 86400 300
@              300 IN A 192.0.2.80
$ORIGIN outage.test.
@              300 IN SOA ns.outage.test. hostmaster.outage.test. 1 3600 600 86400 300
@              300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
$ORIGIN client.test.
@              300 IN A 127.0.0.1
$ORIGIN 127.in-addr.arpa.
1.0.0          300 IN PTR client.test.
$ORIGIN bl.test.
@              300 IN SOA ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 300
2.0.0.127      300 IN A 127.0.0.2
2.0.0.127      300 IN TXT "listed for the test"
`

// syncBuffer is a log a test reads while the milter writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startMilter starts the milter of the configuration text on a free
// loopback port and returns its address and its log; it is shut down
// when tb ends.
func startMilter(tb testing.TB, conf string) (string, *syncBuffer) {
	tb.Helper()
	cfg, err := ParseConfig(strings.NewReader(conf))
	if err != nil {
		tb.Fatalf("config: %v\n%s", err, conf)
	}
	logs := &syncBuffer{}
	srv, err := NewServer(cfg, log.New(logs, "", log.Lmicroseconds))
	if err != nil {
		tb.Fatal(err)
	}
	ln := listenLoopback(tb)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		<-done
		if tb.Failed() {
			tb.Logf("milter log:\n%s", logs)
		}
	})
	return ln.Addr().String(), logs
}

// milterMainCF are the main.cf lines that put the milter at addr in
// front of the instance.
func milterMainCF(addr string) []string {
	return []string{
		"smtpd_milters = inet:" + addr,
		"milter_protocol = 6",
		"milter_default_action = tempfail",
	}
}

// signedMessage returns a message from alice@example.com signed by
// example.com with simple/simple canonicalization, whose header has
// what a milter easily gets wrong: a field with two spaces after the
// colon, one with none, one folded with a tab, one empty. Simple
// header canonicalization hashes the fields byte for byte, so the
// signature verifies only if the milter hands the session exactly the
// bytes that were signed.
func signedMessage(tb testing.TB) []byte {
	tb.Helper()
	msg := "From: Alice <alice@example.com>\r\n" +
		"To: bob@example.test\r\n" +
		"Subject:  two spaces after the colon\r\n" +
		"X-Tight:no space\r\n" +
		"X-Folded: first line\r\n\tsecond line\r\n" +
		"X-Empty:\r\n" +
		"Date: Wed, 02 Dec 2026 12:00:00 +0000\r\n" +
		"Message-ID: <clean-1@example.com>\r\n" +
		"\r\n" +
		"Hello Bob,\r\n\r\nthe minutes of the meeting are below.\r\n"
	s := &dkim.Signer{
		Domain: "example.com", Selector: "rsa2048", Key: dkimtest.Key(tb, "rsa2048"),
		HeaderCanonicalization: dkim.Simple, BodyCanonicalization: dkim.Simple,
		Headers: []string{"From", "To", "Subject", "X-Tight", "X-Folded", "X-Empty", "Date", "Message-ID"},
	}
	sig, err := s.Sign(strings.NewReader(msg))
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(sig + msg)
}

// headerOf returns the header block of a delivered message.
func headerOf(msg []byte) string {
	h, _, _ := strings.Cut(string(msg), "\n\n")
	return h
}

// TestPostfix runs the milter in front of a real Postfix (one instance
// and one milter for all the subtests) and sends it mail with swaks.
func TestPostfix(t *testing.T) {
	dns := dkimtest.Server(t, resolvertest.Zone{Origin: ".", Text: testZones})
	dir := t.TempDir()
	allow := filepath.Join(dir, "greylist_clients")
	// Greylisting applies to the greylisting subtest's client alone
	// (127.0.0.3).
	if err := os.WriteFile(allow, []byte("127.0.0.1\n127.0.0.2\n127.0.0.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, logs := startMilter(t, `
harvest = yes
harvest_dha_unknown = 3
authserv_id = mx.example.test
resolver = `+dns.Addr+`
dnsbl_sites = bl.test
greylist = yes
greylist_delay = 1s
greylist_allow_clients = `+allow+`
connect_timeout = 5s
data_timeout = 10s
`)
	// Postfix refuses nobody-N@ as unknown users (550 5.1.1), which the
	// milter learns of through SMFIP_RCPT_REJ.
	pf := postfixtest.Start(t, postfixtest.Options{MainCF: append(milterMainCF(addr),
		"smtpd_recipient_restrictions = check_recipient_access regexp:{{/^nobody-/ 550 5.1.1 no such user}}")})

	t.Run("group", func(t *testing.T) {
		t.Run("DKIMSignedClean", func(t *testing.T) {
			t.Parallel()
			res := pf.Send(t, postfixtest.Mail{From: "alice@example.com", To: pf.Address("bob"), HELO: "client.test", Data: signedMessage(t)})
			if res.Code != 250 {
				t.Fatalf("Send = %d %q, want 250; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			msg := pf.WaitMessage(t, "bob", 15*time.Second)
			h := headerOf(msg.Data)
			ar := regexp.MustCompile(`(?m)^Authentication-Results:.*(\n[ \t].*)*`).FindAllString(h, -1)
			if len(ar) != 1 {
				t.Fatalf("%d Authentication-Results fields, want 1:\n%s", len(ar), h)
			}
			for _, want := range []string{"mx.example.test;", "iprev=pass", "spf=pass", "smtp.mailfrom=alice@example.com", "dkim=pass", "header.d=example.com", "dmarc=pass", "header.from=example.com"} {
				if !strings.Contains(ar[0], want) {
					t.Errorf("Authentication-Results lacks %q:\n%s", want, ar[0])
				}
			}
			if i, j := strings.Index(h, "Authentication-Results:"), strings.Index(h, "Received:"); i < 0 || j < 0 || i > j {
				t.Errorf("Authentication-Results is not above Postfix's Received field:\n%s", h)
			}
			for _, want := range []string{"Received-SPF: pass", "X-Spam-Status: No, score=", "X-Spam-Score:", "X-Spam-Report:", "Subject:  two spaces after the colon", "X-Tight:no space"} {
				if !strings.Contains(h, want) {
					t.Errorf("delivered header lacks %q:\n%s", want, h)
				}
			}
			if strings.Contains(h, "X-Spam-Flag: YES") {
				t.Errorf("a clean message flagged as spam:\n%s", h)
			}
		})

		t.Run("ForgedResultsRemoved", func(t *testing.T) {
			t.Parallel()
			// A sender's own Authentication-Results claiming this
			// host, and X-Spam fields set in advance, are deleted
			// (RFC 8601 §5); another host's results are kept. Two
			// forged fields of one name around a kept one (the second
			// in lower case): SMFIR_CHGHEADER's index counts the
			// fields of that name as they are after each deletion, so
			// deleting top down would miss the second forged one.
			data := "Authentication-Results: mx.example.test; dkim=pass header.d=bank.test\r\n" +
				"Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n" +
				"authentication-results: mx.example.test; dmarc=pass header.from=bank.test\r\n" +
				"X-Spam-Status: No, score=-5.0\r\nX-Spam-Flag: NO\r\n" +
				"From: alice@example.com\r\nTo: hank@example.test\r\nSubject: forged results\r\n\r\nhello\r\n"
			res := pf.Send(t, postfixtest.Mail{From: "alice@example.com", To: pf.Address("hank"), HELO: "client.test", Data: []byte(data)})
			if res.Code != 250 {
				t.Fatalf("Send = %d %q, want 250; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			h := headerOf(pf.WaitMessage(t, "hank", 15*time.Second).Data)
			if n := strings.Count(strings.ToLower(h), "authentication-results: mx.example.test;"); n != 1 {
				t.Errorf("%d Authentication-Results claiming mx.example.test, want ours alone:\n%s", n, h)
			}
			if strings.Contains(h, "header.d=bank.test") || strings.Contains(h, "header.from=bank.test") || strings.Contains(h, "score=-5.0") || strings.Contains(h, "X-Spam-Flag: NO") {
				t.Errorf("a forged field was delivered:\n%s", h)
			}
			if !strings.Contains(h, "Authentication-Results: other.example;") {
				t.Errorf("another host's Authentication-Results was removed:\n%s", h)
			}
		})

		t.Run("DNSOutage", func(t *testing.T) {
			t.Parallel()
			// outage.test's servers fail (SERVFAIL for every name
			// under it): SPF and DMARC report temperror in the
			// headers, and the content checks still run in full (the
			// malware is still refused).
			for _, name := range []string{"outage.test", "_dmarc.outage.test"} {
				dns.Fail(name, resolvertest.AnyType, resolvertest.ServFail)
			}
			clean := "From: ivy@outage.test\r\nTo: ivy@example.test\r\nSubject: during the outage\r\n\r\nhello\r\n"
			res := pf.Send(t, postfixtest.Mail{From: "ivy@outage.test", To: pf.Address("ivy"), HELO: "client.test", Data: []byte(clean)})
			if res.Code != 250 {
				t.Fatalf("Send = %d %q, want 250; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			h := headerOf(pf.WaitMessage(t, "ivy", 15*time.Second).Data)
			for _, want := range []string{"spf=temperror", "dmarc=temperror", "Received-SPF: temperror"} {
				if !strings.Contains(h, want) {
					t.Errorf("delivered header lacks %q:\n%s", want, h)
				}
			}
			zip := mimetest.Zip(mimetest.ZipEntry{Name: "invoice.exe", Data: mimetest.PE()})
			data := mimetest.Message("your invoice", "see the attachment", mimetest.Attachment{Name: "invoice.zip", Type: "application/zip", Data: zip})
			res = pf.Send(t, postfixtest.Mail{From: "ivy@outage.test", To: pf.Address("ivy"), HELO: "client.test", Data: data})
			if res.Code != 554 || !strings.Contains(res.Reply, "5.7.1") {
				t.Fatalf("malware during the outage = %d %q, want 554 5.7.1; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
		})

		t.Run("HarvesterBlocked", func(t *testing.T) {
			t.Parallel()
			// 127.0.0.4 asks for three mailboxes Postfix does not
			// have: the milter hears of each (SMFIP_RCPT_REJ,
			// {rcpt_mailer} error, {rcpt_host} 5.1.1), harvest judges
			// the client a harvester, and its next mail is refused.
			for i := range 3 {
				res := pf.Send(t, postfixtest.Mail{From: "h@other.test", To: fmt.Sprintf("nobody-%d@example.test", i), HELO: "client.test", LocalAddr: "127.0.0.4"})
				if res.Code != 550 || !strings.Contains(res.Reply, "5.1.1") {
					t.Fatalf("unknown recipient %d = %d %q, want Postfix's 550 5.1.1; transcript:\n%s", i, res.Code, res.Reply, res.Transcript)
				}
			}
			// Refused at connect: Postfix answers the milter's 421
			// with its own "421 ... Service unavailable".
			res := pf.Send(t, postfixtest.Mail{From: "h@other.test", To: pf.Address("judy"), HELO: "client.test", LocalAddr: "127.0.0.4"})
			if res.Code != 421 {
				t.Fatalf("the harvester's next mail = %d %q, want 421; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			if !regexp.MustCompile(`\[127\.0\.0\.4\] connect from=<>: 421 4\.7\.1 `).MatchString(logs.String()) {
				t.Errorf("the milter logged no 421 4.7.1 at connect for 127.0.0.4:\n%s", logs)
			}
			if msgs, _ := pf.Messages("judy"); len(msgs) != 0 {
				t.Errorf("the harvester's mail was delivered")
			}
		})

		t.Run("DMARCRejectSpoof", func(t *testing.T) {
			t.Parallel()
			data := "From: The Bank <ceo@bank.test>\r\nTo: carol@example.test\r\nSubject: urgent wire transfer\r\nMessage-ID: <spoof@other.test>\r\n\r\nPlease wire the money today.\r\n"
			res := pf.Send(t, postfixtest.Mail{From: "spoofer@other.test", To: pf.Address("carol"), HELO: "client.test", Data: []byte(data)})
			if res.Code != 550 || !strings.Contains(res.Reply, "5.7.1") {
				t.Fatalf("Send = %d %q, want 550 5.7.1; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			if msgs, _ := pf.Messages("carol"); len(msgs) != 0 {
				t.Errorf("the spoof was delivered:\n%s", msgs[0].Data)
			}
		})

		t.Run("DMARCQuarantineHeld", func(t *testing.T) {
			t.Parallel()
			// A DMARC p=quarantine failure: accepted (250), then put
			// on hold by SMFIR_QUARANTINE (Postfix's hold queue),
			// not delivered.
			data := "From: The Shop <news@quar.test>\r\nTo: kim@example.test\r\nSubject: your order\r\nMessage-ID: <quar@other.test>\r\n\r\nYour order shipped.\r\n"
			res := pf.Send(t, postfixtest.Mail{From: "spoofer@other.test", To: pf.Address("kim"), HELO: "client.test", Data: []byte(data)})
			if res.Code != 250 {
				t.Fatalf("Send = %d %q, want 250; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			hold := pf.WaitLog(t, regexp.MustCompile(`milter-hold: END-OF-MESSAGE from \S*\[127\.0\.0\.1\]`), 15*time.Second)
			t.Logf("held: %s", hold)
			time.Sleep(500 * time.Millisecond)
			if msgs, _ := pf.Messages("kim"); len(msgs) != 0 {
				t.Errorf("the quarantined message was delivered:\n%s", msgs[0].Data)
			}
		})

		t.Run("MalwareZipRejected", func(t *testing.T) {
			t.Parallel()
			zip := mimetest.Zip(mimetest.ZipEntry{Name: "invoice.exe", Data: mimetest.PE()})
			data := mimetest.Message("your invoice", "see the attachment", mimetest.Attachment{Name: "invoice.zip", Type: "application/zip", Data: zip})
			res := pf.Send(t, postfixtest.Mail{From: "alice@example.com", To: pf.Address("dave"), HELO: "client.test", Data: data})
			if res.Code != 554 || !strings.Contains(res.Reply, "5.7.1") {
				t.Fatalf("Send = %d %q, want 554 5.7.1; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			if msgs, _ := pf.Messages("dave"); len(msgs) != 0 {
				t.Errorf("the malware was delivered:\n%s", msgs[0].Data)
			}
		})

		t.Run("DangerousAttachmentStripped", func(t *testing.T) {
			t.Parallel()
			data := mimetest.Message("the report", "the report is attached", mimetest.Attachment{Name: "report.js", Type: "application/javascript", Data: []byte("WScript.Echo('x');\r\n")})
			res := pf.Send(t, postfixtest.Mail{From: "alice@example.com", To: pf.Address("erin"), HELO: "client.test", Data: data})
			if res.Code != 250 {
				t.Fatalf("Send = %d %q, want 250; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			msg := pf.WaitMessage(t, "erin", 15*time.Second)
			// The attachment's content (base64) and type are gone; its
			// name remains, in the notice that replaces it.
			if bytes.Contains(msg.Data, []byte("V1NjcmlwdC5FY2hv")) || bytes.Contains(msg.Data, []byte("application/javascript")) {
				t.Errorf("the .js attachment was delivered:\n%s", msg.Data)
			}
			if !bytes.Contains(msg.Data, []byte(`removed this attachment as dangerous: "report.js"`)) {
				t.Errorf("no notice where the attachment was:\n%s", msg.Data)
			}
			if !strings.Contains(headerOf(msg.Data), "MIME_STRIP") {
				t.Errorf("X-Spam-Report does not say the message was stripped:\n%s", msg.Data)
			}
			if !bytes.Contains(msg.Data, []byte("the report is attached")) {
				t.Errorf("the text part was lost with the attachment:\n%s", msg.Data)
			}
		})

		t.Run("ListedClientRejectedAtConnect", func(t *testing.T) {
			t.Parallel()
			res := pf.Send(t, postfixtest.Mail{From: "alice@example.com", To: pf.Address("frank"), HELO: "client.test", LocalAddr: "127.0.0.2"})
			// Postfix answers a milter's connect-time refusal with
			// its own 554 greeting ("not accepting connections") and
			// logs the milter's reply.
			if res.Code != 554 {
				t.Fatalf("Send from 127.0.0.2 = %d %q, want 554; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			line := pf.WaitLog(t, regexp.MustCompile(`milter-reject: CONNECT from \S*\[127\.0\.0\.2\]`), 5*time.Second)
			if !strings.Contains(line, "554 5.7.1") || !strings.Contains(line, "bl.test") {
				t.Errorf("the mail log shows %q, want the milter's 554 5.7.1 naming bl.test", line)
			}
			if msgs, _ := pf.Messages("frank"); len(msgs) != 0 {
				t.Errorf("mail from the listed client was delivered:\n%s", msgs[0].Data)
			}
		})

		t.Run("GreylistThenAccepted", func(t *testing.T) {
			t.Parallel()
			m := postfixtest.Mail{From: "gina@example.com", To: pf.Address("gina"), HELO: "client.test", LocalAddr: "127.0.0.3", Headers: []string{"Subject: greylisted"}}
			res := pf.Send(t, m)
			if res.Code != 451 || !strings.Contains(res.Reply, "4.7.1") {
				t.Fatalf("first attempt = %d %q, want 451 4.7.1; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			time.Sleep(1200 * time.Millisecond) // greylist_delay = 1s
			res = pf.Send(t, m)
			if res.Code != 250 {
				t.Fatalf("retry after the delay = %d %q, want 250; transcript:\n%s\nmilter log:\n%s", res.Code, res.Reply, res.Transcript, logs)
			}
			msg := pf.WaitMessage(t, "gina", 15*time.Second)
			if !strings.Contains(headerOf(msg.Data), "Authentication-Results: mx.example.test;") {
				t.Errorf("the retried message has no Authentication-Results of ours:\n%s", msg.Data)
			}
		})
	})
}
