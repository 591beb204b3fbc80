package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
	"github.com/spamkit/spamkit/internal/testenv"
)

// A clean message (SPF pass, DMARC pass by alignment, FCrDNS pass) sent
// with swaks lands in the recipient's Maildir with the composition's
// headers on top, then smtpd's Received.
func TestCleanDelivered(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	out := swaks(t, in.addr, "--from", "alice@good.test", "--to", "bob@example.org", "--header", "Subject: clean")
	if !strings.Contains(out, "<-  250 2.0.0 OK: queued") {
		t.Fatalf("swaks transcript:\n%s", out)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 {
		t.Fatalf("bob's Maildir holds %d messages, want 1; swaks:\n%s", len(msgs), out)
	}
	m := msgs[0]
	for _, want := range []string{
		"Authentication-Results: mx.example.org;",
		"spf=pass",
		"dmarc=pass",
		"iprev=pass",
		"Received-SPF: pass",
		"X-Spam-Status: No",
		"Received: from client.good.test (client.good.test [127.0.0.1])\n\tby mx.example.org (spamkit smtpd) with ESMTP id ",
		"\tfor <bob@example.org>;",
		"Subject: clean\n",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("delivered message lacks %q:\n%s", want, m)
		}
	}
	if strings.Index(m, "Authentication-Results:") > strings.Index(m, "Received: from client") {
		t.Errorf("Authentication-Results below smtpd's Received:\n%s", m)
	}
	if strings.Contains(m, "\r\n") {
		t.Errorf("delivered message has CRLF line ends in the Maildir")
	}
	if n := len(in.messages(t, "carol@example.org")); n != 0 {
		t.Errorf("carol got %d messages", n)
	}
}

// A spoof of a p=reject domain (SPF fail from this client, no DKIM) is
// refused at the end of DATA with 550 5.7.1 and delivered to no one.
func TestDMARCRejectSpoof(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	out := swaks(t, in.addr, "--from", "ceo@spoof.test", "--to", "bob@example.org", "--header", "Subject: wire the money")
	if !strings.Contains(out, "<** 550 5.7.1 ") || !strings.Contains(out, "DMARC") {
		t.Errorf("swaks transcript, want 550 5.7.1 for DMARC:\n%s", out)
	}
	if n := len(in.messages(t, "bob@example.org")); n != 0 {
		t.Errorf("bob got %d messages, want none", n)
	}
}

// An early talker gets 521 5.5.1 instead of the banner and never reaches
// the SMTP server; a client that waits for the banner is served.
func TestPregreetRejected(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-greet-wait", "1500ms")
	raw, err := net.Dial("tcp", in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(raw, "EHLO bot.example\r\nMAIL FROM:<a@bot.example>\r\n")
	line, _ := bufio.NewReader(raw).ReadString('\n')
	if line != "521 5.5.1 Protocol error\r\n" {
		t.Errorf("early talker got %q, want the 521", line)
	}
	out := swaks(t, in.addr, "--from", "alice@good.test", "--to", "bob@example.org")
	if !strings.Contains(out, "<-  250 2.0.0 OK: queued") {
		t.Errorf("a client waiting for the banner, swaks transcript:\n%s", out)
	}
	if !strings.Contains(in.log.String(), "talked before the greeting, dropped") {
		t.Errorf("the early talker is not in the log")
	}
}

// A dictionary attack: unknown users get 550 5.1.1 until the harvest
// verdict; from then on every RCPT, of a valid mailbox too (on another
// connection opened before the verdict), and every new connection get
// the same 421, so the prober learns nothing more.
func TestHarvesterBlocked(t *testing.T) {
	t.Parallel()
	hv := filepath.Join(t.TempDir(), "harvest.conf")
	if err := os.WriteFile(hv, []byte("dha_unknown = 5\ndha_ratio = 50%\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := startSMTPD(t, "-harvest", hv)

	other, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Hello("client.good.test"); err != nil {
		t.Fatal(err)
	}
	if err := other.Mail("alice@good.test"); err != nil {
		t.Fatal(err)
	}

	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("probe@bot.example"); err != nil {
		t.Fatal(err)
	}
	var verdict string
	for i := 1; i <= 5; i++ {
		n, text := code(c.Rcpt(fmt.Sprintf("user%d@example.org", i)))
		switch {
		case i < 5 && n != 550:
			t.Errorf("RCPT unknown %d: %d %s, want 550 before the verdict", i, n, text)
		case i == 5 && n != 421:
			t.Fatalf("RCPT unknown %d: %d %s, want the 421 of the verdict", i, n, text)
		}
		verdict = text
	}
	if n, _ := code(c.Noop()); n == 250 {
		t.Errorf("the connection is still open after the 421")
	}
	if n, text := code(other.Rcpt("bob@example.org")); n != 421 || text != verdict {
		t.Errorf("valid RCPT after the verdict: %d %q, want 421 %q", n, text, verdict)
	}
	if _, err := dialSMTP(t, in.addr, ""); err == nil {
		t.Errorf("a new connection after the verdict was greeted")
	} else if n, text := code(err); n != 421 || text != verdict {
		t.Errorf("new connection after the verdict: %d %q, want 421 %q", n, text, verdict)
	}
}

// Per-client rates: the third message of a client limited to 2 an hour
// gets 450 4.7.1, the fourth connection of one limited to 3 a 421 4.7.0
// instead of the banner.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	hv := filepath.Join(t.TempDir(), "harvest.conf")
	if err := os.WriteFile(hv, []byte("message_rate = 2/1h\nconnection_rate = 3/1h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := startSMTPD(t, "-harvest", hv)
	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		n, text := code(c.Mail("alice@good.test"))
		want := 250
		if i == 3 {
			want = 450
		}
		if n != want {
			t.Errorf("MAIL %d: %d %s, want %d", i, n, text, want)
		}
		c.Reset()
	}
	for i := 2; i <= 4; i++ {
		_, err := dialSMTP(t, in.addr, "")
		n, text := code(err)
		switch {
		case i < 4 && err != nil:
			t.Errorf("connection %d: %v, want the banner", i, err)
		case i == 4 && n != 421:
			t.Errorf("connection %d: %d %s, want 421", i, n, text)
		}
	}
}

// A client listed by the DNSBL gets 554 5.7.1 instead of the banner.
func TestDNSBLRejectedAtConnect(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-dnsbl", "bl.test")
	_, err := dialSMTP(t, in.addr, "127.0.0.2")
	if n, text := code(err); n != 554 || !strings.Contains(text, "bl.test") {
		t.Errorf("listed client: %d %q, want 554 naming bl.test", n, text)
	}
	if _, err := dialSMTP(t, in.addr, "127.0.0.1"); err != nil {
		t.Errorf("unlisted client: %v", err)
	}
}

// Relaying over LMTP: the in-test LMTP server (go-smtp's LMTP mode)
// receives the message with the composition's headers.
func TestLMTPRelay(t *testing.T) {
	t.Parallel()
	ls := newLMTPServer(t, nil)
	in := startSMTPD(t, "-relay", "lmtp:"+ls.addr)
	out := swaks(t, in.addr, "--from", "alice@good.test", "--to", "bob@example.org,carol@example.org", "--header", "Subject: relayed")
	if !strings.Contains(out, "<-  250 2.0.0 OK: queued") {
		t.Fatalf("swaks transcript:\n%s", out)
	}
	msgs := ls.messages()
	if len(msgs) != 1 {
		t.Fatalf("the LMTP server got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.from != "alice@good.test" || strings.Join(m.rcpts, ",") != "bob@example.org,carol@example.org" {
		t.Errorf("LMTP envelope %q → %v", m.from, m.rcpts)
	}
	for _, want := range []string{"Authentication-Results: mx.example.org;", "spf=pass", "\r\nReceived: from client.good.test", "Subject: relayed\r\n"} {
		if !strings.Contains(m.data, want) {
			t.Errorf("relayed message lacks %q:\n%s", want, m.data)
		}
	}
	if strings.Contains(m.data, "\tfor <") {
		t.Errorf("Received names one recipient of two:\n%s", m.data)
	}
}

// Unknown users and other domains are refused at RCPT; the message goes
// to the valid recipients only.
func TestRecipientRefusals(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@good.test"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rcpt string
		code int
	}{
		{"nobody@example.org", 550},
		{"bob@elsewhere.test", 554},
		{"carol@example.org", 250},
	} {
		if n, text := code(c.Rcpt(tc.rcpt)); n != tc.code {
			t.Errorf("RCPT %s: %d %s, want %d", tc.rcpt, n, text, tc.code)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "From: alice@good.test\r\nSubject: two refused\r\n\r\nhello\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(in.messages(t, "carol@example.org")); n != 1 {
		t.Errorf("carol got %d messages, want 1", n)
	}
}

// A message over -max-message-bytes is refused with 552 5.3.4, whether
// announced with SIZE or not.
func TestSizeLimit(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-max-message-bytes", "2000")
	body := strings.Repeat("0123456789 0123456789 0123456789 0123456789\r\n", 100)
	out := swaks(t, in.addr, "--from", "alice@good.test", "--to", "bob@example.org", "--body", body)
	if !strings.Contains(out, "<** 552 5.3.4") {
		t.Errorf("swaks transcript, want 552 5.3.4:\n%s", out)
	}
	if n := len(in.messages(t, "bob@example.org")); n != 0 {
		t.Errorf("bob got %d messages", n)
	}
}

// STARTTLS with the configured certificate; the Received field says
// ESMTPS.
func TestSTARTTLS(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	in := startSMTPD(t, "-tls-cert", cert, "-tls-key", key)
	out := swaks(t, in.addr, "-tls", "--from", "alice@good.test", "--to", "bob@example.org")
	if !strings.Contains(out, "<-  220 2.0.0 Ready to start TLS") {
		t.Errorf("no STARTTLS in the swaks transcript:\n%s", out)
	}
	if !strings.Contains(out, "<~  250 2.0.0 OK: queued") {
		t.Fatalf("swaks transcript:\n%s", out)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 || !strings.Contains(msgs[0], " with ESMTPS id ") {
		t.Errorf("delivered: %q, want one message received with ESMTPS", msgs)
	}
}

// Graceful shutdown: a client between transactions gets 421 at once, a
// client in a transaction finishes it (250) and then gets the 421; run
// returns.
func TestShutdown(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	idle, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := idle.Hello("client.good.test"); err != nil {
		t.Fatal(err)
	}
	busy, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := busy.Mail("alice@good.test"); err != nil {
		t.Fatal(err)
	}
	if err := busy.Rcpt("bob@example.org"); err != nil {
		t.Fatal(err)
	}
	in.cancel()
	// The idle client is told 421 once the shutdown has begun (run
	// sees ctx's end in its own time).
	for i := 0; ; i++ {
		if n, _ := code(idle.Noop()); n != 250 {
			break
		}
		if i == 100 {
			t.Fatalf("the idle client is still served during the shutdown")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The busy client's transaction completes.
	w, err := busy.Data()
	if err != nil {
		t.Fatalf("DATA during the shutdown: %v", err)
	}
	io.WriteString(w, "From: alice@good.test\r\nSubject: in flight\r\n\r\nhello\r\n")
	if err := w.Close(); err != nil {
		t.Fatalf("end of DATA during the shutdown: %v", err)
	}
	if n, _ := code(busy.Mail("alice@good.test")); n == 250 {
		t.Errorf("a new transaction was accepted during the shutdown")
	}
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("run = %v", err)
		}
		in.done <- nil // for the cleanup
	case <-time.After(20 * time.Second):
		t.Fatalf("run did not return")
	}
	if n := len(in.messages(t, "bob@example.org")); n != 1 {
		t.Errorf("bob got %d messages, want the one in flight", n)
	}
}

// selfSigned writes a self-signed certificate for mx.example.org and its
// key, and returns their paths.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.example.org"},
		DNSNames:     []string{"mx.example.org"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

// The MIME policy at work: an executable attachment is refused with 554
// 5.7.1; a script attachment is stripped and the rest delivered, the
// header untouched.
func TestMIMEPolicy(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	multipart := func(name, cte, content string) string {
		return "From: alice@good.test\r\nTo: bob@example.org\r\nSubject: " + name + "\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
			"--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n" +
			"--b1\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\n" +
			"Content-Transfer-Encoding: " + cte + "\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n\r\n" + content + "\r\n--b1--\r\n"
	}
	send := func(msg string) (int, string) {
		c, err := dialSMTP(t, in.addr, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Mail("alice@good.test"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("bob@example.org"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, msg)
		return code(w.Close())
	}
	if n, text := send(multipart("setup.exe", "base64", "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==")); n != 554 {
		t.Errorf("executable attachment: %d %s, want 554", n, text)
	}
	if n, text := send(multipart("run.js", "7bit", "WScript.Echo('owned');")); n != 250 {
		t.Fatalf("script attachment: %d %s, want 250 (stripped)", n, text)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 {
		t.Fatalf("bob got %d messages, want the stripped one", len(msgs))
	}
	if strings.Contains(msgs[0], "WScript") || !strings.Contains(msgs[0], "See the attachment.") || !strings.Contains(msgs[0], "Subject: run.js\n") {
		t.Errorf("stripped message:\n%s", msgs[0])
	}
}

// The tarpit: a client refused before the greeting gets its refusal an
// octet at a time (in many reads, not one), intact.
func TestStutter(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-dnsbl", "bl.test", "-stutter", "20ms")
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	conn, err := d.Dial("tcp", in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var got []byte
	reads := 0
	buf := make([]byte, 512)
	for !strings.HasSuffix(string(got), "\r\n") {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, buf[:n]...)
		reads++
	}
	if !strings.HasPrefix(string(got), "554 5.7.1 ") {
		t.Errorf("refusal %q, want the 554", got)
	}
	if reads < 2 {
		t.Errorf("the refusal came in %d read, want it stuttered", reads)
	}
	if !strings.Contains(in.log.String(), "(stuttered)") {
		t.Errorf("no stuttered refusal in the log")
	}
}

// A transaction still under way when -shutdown-grace ends is cut: the
// client never sees a 250, nothing is delivered, run returns.
func TestShutdownGraceCut(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-shutdown-grace", "200ms")
	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@good.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("bob@example.org"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "From: alice@good.test\r\nSubject: cut\r\n\r\nthe first half\r\n")
	in.cancel()
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("run = %v", err)
		}
		in.done <- nil // for the cleanup
	case <-time.After(20 * time.Second):
		t.Fatalf("run did not return")
	}
	io.WriteString(w, "the second half\r\n")
	if err := w.Close(); err == nil {
		t.Errorf("the cut transaction was acknowledged")
	}
	if n := len(in.messages(t, "bob@example.org")); n != 0 {
		t.Errorf("bob got %d messages, want none", n)
	}
}

// A DMARC p=quarantine failure is accepted into the recipient's
// .Quarantine folder, not the inbox.
func TestQuarantine(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	out := swaks(t, in.addr, "--from", "news@quar.test", "--to", "bob@example.org")
	if !strings.Contains(out, "<-  250 2.0.0 OK: queued") {
		t.Fatalf("swaks transcript:\n%s", out)
	}
	if n := len(in.messages(t, "bob@example.org")); n != 0 {
		t.Errorf("bob's inbox got %d messages, want none", n)
	}
	q := in.messages(t, "bob@example.org/.Quarantine")
	if len(q) != 1 || !strings.Contains(q[0], "dmarc=fail") {
		t.Errorf("bob's .Quarantine: %q, want the message with dmarc=fail", q)
	}
}

// A MAIL FROM announcing a SIZE over -max-message-bytes is refused at
// once (RFC 1870), before any data.
func TestSizeAnnounced(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-max-message-bytes", "2000")
	c, err := gosmtp.Dial(in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Mail("alice@good.test", &gosmtp.MailOptions{Size: 5000})
	var se *gosmtp.SMTPError
	if !errors.As(err, &se) || se.Code != 552 || se.EnhancedCode != (gosmtp.EnhancedCode{5, 3, 4}) {
		t.Errorf("MAIL SIZE=5000: %v, want 552 5.3.4", err)
	}
	if err := c.Mail("alice@good.test", &gosmtp.MailOptions{Size: 1000}); err != nil {
		t.Errorf("MAIL SIZE=1000: %v", err)
	}
}

// -scores overrides package session's points: with SPF_PASS worth 20
// (and the reject score at 15), the clean message is refused as spam.
func TestScores(t *testing.T) {
	t.Parallel()
	scores := filepath.Join(t.TempDir(), "scores")
	if err := os.WriteFile(scores, []byte("# test\nscore SPF_PASS 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := startSMTPD(t, "-scores", scores)
	out := swaks(t, in.addr, "--from", "alice@good.test", "--to", "bob@example.org")
	if !strings.Contains(out, "<** 550 5.7.1 Message rejected as spam") {
		t.Errorf("swaks transcript, want 550 5.7.1 as spam:\n%s", out)
	}
}

// -greylist: the first attempt of a triplet gets 451 4.7.1 at RCPT, the
// retry after greylist's delay (smtpd's clock moved on) is delivered.
// With SPF on, the key is the SPF domain: the first attempt's SPF
// lookups are cold, the retry's cached (this failed one run in two until
// session waited for SPF at RCPT).
func TestGreylist(t *testing.T) {
	t.Parallel()
	clk := newClock()
	in := startSMTPDWith(t, setup{now: clk.Now}, "-greylist")
	send := func() (int, string) {
		c, err := dialSMTP(t, in.addr, "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Quit()
		if err := c.Mail("alice@good.test"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("bob@example.org"); err != nil {
			return code(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "From: alice@good.test\r\nSubject: greylisted\r\n\r\nhello\r\n")
		return code(w.Close())
	}
	if n, text := send(); n != 451 {
		t.Errorf("first attempt: %d %s, want 451", n, text)
	}
	clk.Add(10 * time.Minute)
	if n, text := send(); n != 250 {
		t.Errorf("retry after the delay: %d %s, want 250", n, text)
	}
	if n := len(in.messages(t, "bob@example.org")); n != 1 {
		t.Errorf("bob got %d messages, want 1", n)
	}
}

// -scan-max-bytes: a message over it is still delivered, with the
// session's too-big row, its content unscanned.
func TestScanMaxBytes(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-scan-max-bytes", "1000")
	body := strings.Repeat("0123456789 0123456789 0123456789 0123456789\r\n", 50)
	out := swaks(t, in.addr, "--from", "alice@good.test", "--to", "bob@example.org", "--body", body)
	if !strings.Contains(out, "<-  250 2.0.0 OK: queued") {
		t.Fatalf("swaks transcript:\n%s", out)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 || !strings.Contains(msgs[0], "TOOBIG") {
		t.Errorf("delivered %q, want one message with the too-big row", msgs)
	}
}

// -greet-drop=false: an early talker is served (what it sent early is
// read as its first command), logged and counted, as postscreen's
// "ignore" action.
func TestPregreetIgnored(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-greet-wait", "1500ms", "-greet-drop=false")
	raw, err := net.Dial("tcp", in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(raw, "HELO bot.example\r\n")
	r := bufio.NewReader(raw)
	for _, want := range []string{"220 ", "250 "} {
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, want) {
			t.Fatalf("got %q, %v; want %q", line, err, want)
		}
	}
	if !strings.Contains(in.log.String(), "talked before the greeting, let through") {
		t.Errorf("the early talker is not in the log:\n%s", in.log)
	}
}

// Startup refuses what it cannot use: a bad -harvest file, a bad
// -mailboxes file, a bad -dnsbl, a TLS key that does not load.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("no such setting\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"-listen", "127.0.0.1:0", "-domains", "example.org", "-maildir", filepath.Join(dir, "mail")}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-harvest", bad}, "-harvest"},
		{[]string{"-mailboxes", bad}, "-mailboxes"},
		{[]string{"-dnsbl", "bl.test*x"}, "-dnsbl"},
		{[]string{"-scores", bad}, "-scores"},
		{[]string{"-tls-cert", bad, "-tls-key", bad}, "-tls-cert"},
		{[]string{"-spool-dir", bad}, "-spool-dir"},
		{[]string{"-hashbl", "hbl.test*x"}, "-hashbl"},
		{[]string{"-bayes", bad}, "-bayes"},
	} {
		err := run(t.Context(), append(base, tc.args...), io.Discard, hooks{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %v = %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}

// The tarpit: past tarpit_after unknown recipients, harvest's pause is
// made before each reply (seen in the log), and the recipients are still
// answered as before.
func TestTarpit(t *testing.T) {
	t.Parallel()
	hv := filepath.Join(t.TempDir(), "harvest.conf")
	if err := os.WriteFile(hv, []byte("tarpit_after = 1\ntarpit_step = 10ms\ntarpit_max = 50ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := startSMTPD(t, "-harvest", hv)
	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("probe@bot.example"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if n, text := code(c.Rcpt(fmt.Sprintf("user%d@example.org", i))); n != 550 {
			t.Errorf("RCPT unknown %d: %d %s, want 550", i, n, text)
		}
	}
	if n, text := code(c.Rcpt("bob@example.org")); n != 250 {
		t.Errorf("RCPT bob: %d %s, want 250", n, text)
	}
	if got := strings.Count(in.log.String(), "tarpitted"); got < 2 {
		t.Errorf("%d tarpitted replies in the log, want at least 2:\n%s", got, in.log)
	}
}

// -harvest-store: two smtpd hosts sharing one Redis (a real
// redis-server) judge a harvester on the sum of its probes: 3 unknown
// recipients on each host make the verdict with dha_unknown = 5, and
// the block holds on both.
func TestHarvestStoreShared(t *testing.T) {
	t.Parallel()
	rs := testenv.Redis(t)
	hv := filepath.Join(t.TempDir(), "harvest.conf")
	if err := os.WriteFile(hv, []byte("dha_unknown = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := "redis://" + rs.Addr + "/0"
	a := startSMTPD(t, "-harvest", hv, "-harvest-store", store)
	b := startSMTPD(t, "-harvest", hv, "-harvest-store", store)
	probe := func(in *instance, from, to int) (codes []int) {
		c, err := dialSMTP(t, in.addr, "")
		if err != nil {
			n, _ := code(err)
			return []int{n}
		}
		if err := c.Mail("probe@bot.example"); err != nil {
			n, _ := code(err)
			return []int{n}
		}
		for i := from; i <= to; i++ {
			n, _ := code(c.Rcpt(fmt.Sprintf("user%d@example.org", i)))
			codes = append(codes, n)
			if n == 421 {
				break
			}
		}
		return codes
	}
	if got := fmt.Sprint(probe(a, 1, 3)); got != "[550 550 550]" {
		t.Errorf("host A: %s, want three 550s", got)
	}
	if got := fmt.Sprint(probe(b, 4, 6)); got != "[550 421]" {
		t.Errorf("host B: %s, want 550 then the verdict's 421 on the fifth unknown of the site", got)
	}
	if _, err := dialSMTP(t, a.addr, ""); err == nil {
		t.Errorf("host A greets the harvester blocked on host B")
	} else if n, _ := code(err); n != 421 {
		t.Errorf("host A: %v, want 421", err)
	}
}

// A message larger than the session holds (-scan-max-bytes) is spooled
// by smtpd, past 64 KiB in a file of -spool-dir (unlinked at once,
// nothing left there), and delivered whole.
func TestLargeMessage(t *testing.T) {
	t.Parallel()
	spool := t.TempDir()
	in := startSMTPD(t, "-spool-dir", spool, "-scan-max-bytes", "100000")
	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@good.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("bob@example.org"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	for i := range 4000 {
		fmt.Fprintf(&body, "line %05d of a large message, long enough to pass the spool\r\n", i)
	}
	io.WriteString(w, "From: alice@good.test\r\nSubject: large\r\n\r\n"+body.String())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	msgs := in.messages(t, "bob@example.org")
	if want := strings.ReplaceAll(body.String(), "\r\n", "\n"); len(msgs) != 1 || !strings.HasSuffix(msgs[0], "Subject: large\n\n"+want) {
		t.Errorf("the large message was not delivered whole")
	}
	if entries, _ := os.ReadDir(spool); len(entries) != 0 {
		t.Errorf("-spool-dir holds %d files after the delivery", len(entries))
	}
}

// -bayes: a database trained as examples/bayes trains it (bbolt, read
// here read-only) classifies the message; its BAYES_* row is in the
// report.
func TestBayes(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "bayes.db")
	st, err := boltstore.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &bayes.Classifier{Store: st}
	// 200 of each class: bayes's training minimum (SpamAssassin's), below
	// which it answers unsure; one batch, one commit.
	var batch []bayes.Example
	for i := range 200 {
		spam := fmt.Sprintf("Subject: win now %d\r\n\r\ncasino lottery winner jackpot bonus prize claim\r\n", i)
		ham := fmt.Sprintf("Subject: minutes %d\r\n\r\nmeeting agenda project report schedule review\r\n", i)
		batch = append(batch, bayes.Example{Class: bayes.Spam, Msg: []byte(spam)}, bayes.Example{Class: bayes.Ham, Msg: []byte(ham)})
	}
	if _, err := c.TrainBatch(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	in := startSMTPD(t, "-bayes", db)
	out := swaks(t, in.addr, "--from", "alice@good.test", "--to", "bob@example.org", "--header", "Subject: win now", "--body", "casino lottery winner jackpot bonus prize claim")
	if !strings.Contains(out, "OK: queued") {
		t.Fatalf("swaks transcript:\n%s", out)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 || !strings.Contains(msgs[0], "BAYES_99") {
		t.Errorf("delivered %q, want the message with a BAYES_99 row", msgs)
	}
}

// Fields only this host may write, set by the sender in advance (an
// Authentication-Results claiming mx.example.org, X-Spam-Status: No), are
// gone from the delivered message (RFC 8601 §5); another host's
// Authentication-Results stays.
func TestForgedFieldsRemoved(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@good.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("bob@example.org"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Authentication-Results: mx.example.org; dkim=pass header.d=bank.test\r\n"+
		"X-Spam-Status: No, score=-100\r\n"+
		"Authentication-Results: relay.good.test; spf=pass smtp.mailfrom=good.test\r\n"+
		"From: alice@good.test\r\nSubject: forged\r\n\r\nhello\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 {
		t.Fatalf("bob got %d messages", len(msgs))
	}
	m := msgs[0]
	if strings.Contains(m, "header.d=bank.test") || strings.Contains(m, "score=-100") {
		t.Errorf("forged fields delivered:\n%s", m)
	}
	if strings.Count(m, "Authentication-Results: mx.example.org;") != 1 || !strings.Contains(m, "Authentication-Results: relay.good.test;") {
		t.Errorf("want ours once and the other host's:\n%s", m)
	}
}

// Protocol errors (unknown commands, bad syntax) count toward harvest's
// max_errors: past it the error reply is followed by the session's 421
// and the connection ends; the count is the client's, so its next
// connection's first error ends that one too.
func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	hv := filepath.Join(t.TempDir(), "harvest.conf")
	if err := os.WriteFile(hv, []byte("max_errors = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := startSMTPD(t, "-harvest", hv)
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	step(t, c, 5, "BOGUS")
	c.PrintfLine("ALSO BOGUS")
	if code, msg, err := c.ReadResponse(5); code/10 != 50 {
		t.Fatalf("second bad command: %d %s %v, want 50x", code, msg, err)
	}
	if code, msg, _ := c.ReadResponse(421); code != 421 {
		t.Fatalf("after the second error: %d %s, want the 421 of too many errors", code, msg)
	}
	if _, err := c.ReadLine(); err == nil {
		t.Errorf("the connection is still open after the 421")
	}
	c2 := dialogue(t, in)
	step(t, c2, 250, "EHLO client.good.test")
	step(t, c2, 5, "BOGUS")
	if code, msg, _ := c2.ReadResponse(421); code != 421 {
		t.Errorf("the next connection's first error: %d %s, want the 421", code, msg)
	}
}
