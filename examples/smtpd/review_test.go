package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A message with a bare CR or bare LF (RFC 5321 §2.3.8: CR and LF only
// together) is refused at the end of DATA and delivered to no one: such
// line ends are how a second message is smuggled past a next hop that
// reads "\r.\r" or "\n.\n" as the end of the data (SMTP smuggling), and
// how a field hides from the removal of forged fields.
func TestBareLineEndsRefused(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	smuggled := "\r\nMAIL FROM:<ceo@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\npay\r\n"
	for _, tc := range []struct{ name, data string }{
		{"bare CR", "Subject: cr\r\n\r\nhello\r.\r" + smuggled},
		{"bare LF", "Subject: lf\r\n\r\nhello\n.\n" + smuggled},
		{"LF dot CRLF", "Subject: lfcrlf\r\n\r\nhello\n.\r\n" + smuggled},
		{"bare CR in header", "Subject: h\rAuthentication-Results: mx.example.org; dkim=pass\r\n\r\nhello\r\n"},
	} {
		c := dialogue(t, in)
		step(t, c, 250, "EHLO client.good.test")
		step(t, c, 250, "MAIL FROM:<alice@good.test>")
		step(t, c, 250, "RCPT TO:<bob@example.org>")
		step(t, c, 354, "DATA")
		fmt.Fprintf(c.W, "%s\r\n.\r\n", tc.data)
		c.W.Flush()
		if code, msg, _ := c.ReadResponse(5); code/100 != 5 {
			t.Errorf("%s: end of data %d %s, want a refusal", tc.name, code, msg)
		}
		c.Close()
	}
	if msgs := in.messages(t, "bob@example.org"); len(msgs) != 0 {
		t.Errorf("bob got %d messages, want none; first:\n%q", len(msgs), msgs[0])
	}
}

// -max-rcpts bounds the recipients of one message (Postfix
// smtpd_recipient_limit): past it 452 4.5.3 (RFC 5321 §4.5.3.1.10).
func TestMaxRcpts(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-max-rcpts", "2", "-mailboxes", "", "-domains", "example.org")
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	step(t, c, 250, "MAIL FROM:<alice@good.test>")
	step(t, c, 250, "RCPT TO:<a1@example.org>")
	step(t, c, 250, "RCPT TO:<a2@example.org>")
	if _, err := c.Cmd("RCPT TO:<a3@example.org>"); err != nil {
		t.Fatal(err)
	}
	if code, msg, _ := c.ReadResponse(452); code != 452 || !strings.HasPrefix(msg, "4.5.3") {
		t.Errorf("third RCPT: %d %s, want 452 4.5.3", code, msg)
	}
}

// lineEnds sees a CRLF split between two writes as one, and a bare CR
// or LF wherever it is.
func TestLineEnds(t *testing.T) {
	for _, tc := range []struct {
		writes []string
		bare   bool
	}{
		{[]string{"a\r\nb\r\n"}, false},
		{[]string{"a\r", "\nb\r\n"}, false},
		{[]string{"a\r", "b\r\n"}, true},
		{[]string{"a\n"}, true},
		{[]string{"a\r\n", "\n"}, true},
		{[]string{"a\r"}, true},
		{[]string{"a\r\r\n"}, true},
	} {
		var l lineEnds
		for _, w := range tc.writes {
			l.Write([]byte(w))
		}
		if l.bare() != tc.bare {
			t.Errorf("%q: bare %v, want %v", tc.writes, l.bare(), tc.bare)
		}
	}
}

// STARTTLS in the middle of a transaction: RFC 3207 §4.2 has the server
// forget what the client said before; the message sent after it carries
// nothing of the envelope before it (the earlier sender's SPF).
func TestSTARTTLSForgets(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	in := startSMTPD(t, "-tls-cert", cert, "-tls-key", key)
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
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("someone@unknown-domain.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("carol@example.org"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Subject: after TLS\r\n\r\nhello\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	msgs := in.messages(t, "carol@example.org")
	if len(msgs) != 1 {
		t.Fatalf("carol got %d messages, want 1", len(msgs))
	}
	if strings.Contains(msgs[0], "alice@good.test") || strings.Contains(msgs[0], "spf=pass") {
		t.Errorf("the message after STARTTLS carries the envelope before it:\n%s", msgs[0])
	}
	if n := len(in.messages(t, "bob@example.org")); n != 0 {
		t.Errorf("bob got %d messages", n)
	}
}

// A recipient given twice (RCPT TO:<bob> twice, or in another case) is
// one recipient: the next hop is asked for it once and delivers once.
func TestDuplicateRcptOnce(t *testing.T) {
	t.Parallel()
	ls := newLMTPServer(t, nil)
	in := startSMTPD(t, "-relay", "lmtp:"+ls.addr)
	c, err := dialSMTP(t, in.addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@good.test"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"bob@example.org", "bob@example.org", "Bob@Example.ORG", "carol@example.org"} {
		if err := c.Rcpt(r); err != nil {
			t.Fatalf("RCPT %s: %v", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Subject: twice\r\n\r\nhello\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	msgs := ls.messages()
	if len(msgs) != 1 {
		t.Fatalf("the LMTP server got %d messages, want 1", len(msgs))
	}
	if got := strings.Join(msgs[0].rcpts, ","); got != "bob@example.org,carol@example.org" {
		t.Errorf("next hop's recipients %s, want bob@example.org,carol@example.org", got)
	}
}

// The envelope's addresses reach the fields smtpd and the session add
// (Received "for", Received-SPF, Authentication-Results). go-smtp
// unquotes a quoted local part, CR included: a catch-all must not let
// the client write a line of its own into those fields.
func TestEnvelopeCannotInjectFields(t *testing.T) {
	t.Parallel()
	boxes := filepath.Join(t.TempDir(), "mailboxes")
	if err := os.WriteFile(boxes, []byte("@example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := startSMTPD(t, "-mailboxes", boxes)
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	if _, err := c.Cmd("MAIL FROM:<\"a\rX-Injected-From: yes\"@good.test>"); err != nil {
		t.Fatal(err)
	}
	if code, msg, _ := c.ReadResponse(0); code != 501 {
		t.Errorf("MAIL FROM with a CR: %d %s, want 501", code, msg)
	}
	step(t, c, 250, "MAIL FROM:<alice@good.test>")
	if _, err := c.Cmd("RCPT TO:<\"x\rX-Injected-Rcpt: yes\"@example.org>"); err != nil {
		t.Fatal(err)
	}
	code, msg, _ := c.ReadResponse(0)
	if code != 550 {
		t.Errorf("RCPT TO with a CR: %d %s, want 550", code, msg)
	}
	if code == 250 {
		step(t, c, 354, "DATA")
		fmt.Fprintf(c.W, "Subject: s\r\n\r\nhello\r\n.\r\n")
		c.W.Flush()
		c.ReadResponse(0)
	}
	c.Cmd("QUIT")
	entries, _ := filepath.Glob(filepath.Join(in.maildir, "*", "new", "*"))
	for _, e := range entries {
		b, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "\r") {
			t.Errorf("delivered with a CR from the envelope:\n%q", b)
		}
	}
}

// A transaction abandoned by STARTTLS (RFC 3207 §4.2: the server forgets
// it) is over: the connection, idle after it, is told 421 at once by a
// shutdown rather than kept to the end of -shutdown-grace.
func TestSTARTTLSEndsTransaction(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	in := startSMTPD(t, "-tls-cert", cert, "-tls-key", key, "-shutdown-grace", "10m")
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
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	in.cancel()
	for i := 0; ; i++ {
		if n, _ := code(c.Noop()); n != 250 {
			break
		}
		if i == 100 {
			t.Fatalf("the client idle after STARTTLS is still served during the shutdown")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A message line over go-smtp's limit (2000 octets) cannot be taken on a
// retry either: it is refused for good (5xx), not deferred (451), and
// the rest of the message is not read as commands.
func TestLongLineRefused(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	step(t, c, 250, "MAIL FROM:<alice@good.test>")
	step(t, c, 250, "RCPT TO:<bob@example.org>")
	step(t, c, 354, "DATA")
	fmt.Fprintf(c.W, "Subject: long\r\n\r\n%s\r\nRSET\r\n.\r\n", strings.Repeat("x", 5000))
	c.W.Flush()
	if code, msg, _ := c.ReadResponse(0); code/100 != 5 {
		t.Errorf("end of data: %d %s, want a permanent refusal", code, msg)
	}
	if n := len(in.messages(t, "bob@example.org")); n != 0 {
		t.Errorf("bob got %d messages", n)
	}
}

// Quoted local parts (RFC 5321 §4.1.2 Quoted-string) reach the next hop
// quoted: go-smtp hands them over unquoted, and "x y@example.org" is a
// syntax error to the next hop.
func TestRelayQuotedLocalPart(t *testing.T) {
	t.Parallel()
	boxes := filepath.Join(t.TempDir(), "mailboxes")
	if err := os.WriteFile(boxes, []byte("@example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ls := newLMTPServer(t, nil)
	in := startSMTPD(t, "-relay", "lmtp:"+ls.addr, "-mailboxes", boxes)
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	step(t, c, 250, `MAIL FROM:<"john doe"@good.test>`)
	step(t, c, 250, `RCPT TO:<"x y"@example.org>`)
	step(t, c, 250, `RCPT TO:<"q\"uote"@example.org>`)
	step(t, c, 354, "DATA")
	fmt.Fprintf(c.W, "Subject: quoted\r\n\r\nhello\r\n.\r\n")
	c.W.Flush()
	if code, msg, _ := c.ReadResponse(0); code != 250 {
		t.Fatalf("end of data: %d %s", code, msg)
	}
	msgs := ls.messages()
	if len(msgs) != 1 {
		t.Fatalf("the LMTP server got %d messages, want 1", len(msgs))
	}
	if m := msgs[0]; m.from != "john doe@good.test" || strings.Join(m.rcpts, ",") != `x y@example.org,q"uote@example.org` {
		t.Errorf("next hop's envelope %q → %q", m.from, m.rcpts)
	}
}

func TestQuoteLocal(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"postmaster":       "postmaster",
		"a.b+c@x.test":     "a.b+c@x.test",
		"x y@x.test":       `"x y"@x.test`,
		".a@x.test":        `".a"@x.test`,
		"a..b@x.test":      `"a..b"@x.test`,
		`q"u\o@x.test`:     `"q\"u\\o"@x.test`,
		"a@b@x.test":       `"a@b"@x.test`,
		"j\u00f6rg@x.test": "j\u00f6rg@x.test",
	} {
		if got := quoteLocal(in); got != want {
			t.Errorf("quoteLocal(%q) = %q, want %q", in, got, want)
		}
	}
}

// The session gets the sender as the client wrote it (quoted): SPF
// checks "john doe"@good.test instead of giving up on the unquoted
// form as an invalid identity.
func TestQuotedSenderSPF(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	step(t, c, 250, `MAIL FROM:<"john doe"@good.test>`)
	step(t, c, 250, "RCPT TO:<bob@example.org>")
	step(t, c, 354, "DATA")
	fmt.Fprintf(c.W, "Subject: s\r\n\r\nhello\r\n.\r\n")
	c.W.Flush()
	if code, msg, _ := c.ReadResponse(0); code != 250 {
		t.Fatalf("end of data: %d %s", code, msg)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 || !strings.Contains(msgs[0], "spf=pass") {
		t.Errorf("delivered %q, want one message with spf=pass", msgs)
	}
}

// An IPv6 client's address in Received is an RFC 5321 §4.4 address
// literal, "[IPv6:::1]", as Postfix writes it.
func TestReceivedIPv6(t *testing.T) {
	t.Parallel()
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	in := startSMTPD(t, "-listen", "[::1]:0", "-spf=false", "-dmarc=false")
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	step(t, c, 250, "MAIL FROM:<alice@good.test>")
	step(t, c, 250, "RCPT TO:<bob@example.org>")
	step(t, c, 354, "DATA")
	fmt.Fprintf(c.W, "Subject: v6\r\n\r\nhello\r\n.\r\n")
	c.W.Flush()
	if code, msg, _ := c.ReadResponse(0); code != 250 {
		t.Fatalf("end of data: %d %s", code, msg)
	}
	msgs := in.messages(t, "bob@example.org")
	if len(msgs) != 1 || !strings.Contains(msgs[0], " [IPv6:::1])\n") {
		t.Errorf("delivered %q, want Received with [IPv6:::1]", msgs)
	}
}

// cancelingMessage cancels a context when its reader reaches the end:
// the connection cut (the end of a shutdown's grace) while the copies
// were being written.
type cancelingMessage struct {
	body   string
	cancel context.CancelFunc
}

func (m cancelingMessage) Size() int64 { return int64(len(m.body)) }
func (m cancelingMessage) Reader() io.Reader {
	return io.MultiReader(strings.NewReader(m.body), readerFunc(func([]byte) (int, error) {
		m.cancel()
		return 0, io.EOF
	}))
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// A delivery whose connection is cut while its copies are written
// delivers nothing: the client never sees the 250 and retries, so a
// copy renamed into new/ would be a duplicate.
func TestMaildirCutWhileWriting(t *testing.T) {
	root := t.TempDir()
	m := &maildirs{root: root, hostname: "mx", now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &delivery{Rcpts: []string{"bob@example.org"}, Boxes: []string{"bob@example.org"},
		Body: cancelingMessage{body: "Subject: cut\r\n\r\nhello\r\n", cancel: cancel}}
	if err := m.deliver(ctx, d); err == nil {
		t.Errorf("deliver = nil after the cut")
	}
	for _, sub := range []string{"new", "tmp"} {
		if e, _ := os.ReadDir(filepath.Join(root, "bob@example.org", sub)); len(e) != 0 {
			t.Errorf("%d files left in %s/", len(e), sub)
		}
	}
}
