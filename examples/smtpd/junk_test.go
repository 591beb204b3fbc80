package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// junkLimit is smtpd's default -junk-limit, Postfix's
// smtpd_junk_command_limit.
const junkLimit = 100

// endsWith421 sends the junk commands cmds one at a time, reading each
// one's own reply, then expects 421 4.7.0 and the end of the connection.
// Without enhanced, any 421 will do (go-smtp's own, after STARTTLS
// without an EHLO after it).
func endsWith421(t *testing.T, c *textproto.Conn, cmds []string, enhanced bool) {
	t.Helper()
	for i, cmd := range cmds {
		if _, err := c.Cmd("%s", cmd); err != nil {
			t.Fatal(err)
		}
		if code, msg, err := c.ReadResponse(0); err != nil || code == 421 {
			t.Fatalf("junk command %d (%s): %d %s %v, want its reply", i+1, cmd, code, msg, err)
		}
	}
	code, msg, err := c.ReadResponse(421)
	if code != 421 || enhanced && !strings.HasPrefix(msg, "4.7.0 ") {
		t.Fatalf("after %d junk commands: %d %s %v, want 421 4.7.0", len(cmds), code, msg, err)
	}
	if line, err := c.ReadLine(); err == nil {
		t.Errorf("the connection is open after the 421: %q", line)
	}
}

// repeat returns n copies of cmd.
func repeat(cmd string, n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = cmd
	}
	return s
}

// A client that sends NOOP (or RSET, VRFY, HELP) before each read
// timeout would hold its connection for ever: past -junk-limit junk
// commands (Postfix's smtpd_junk_command_limit, 100) smtpd answers 421
// 4.7.0 and closes the connection, before an EHLO, after one, and after
// STARTTLS.
func TestJunkLimit(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	in := startSMTPD(t, "-tls-cert", cert, "-tls-key", key)
	t.Run("NOOP after EHLO", func(t *testing.T) {
		c := dialogue(t, in)
		step(t, c, 250, "EHLO client.good.test")
		endsWith421(t, c, repeat("NOOP", junkLimit+1), true)
	})
	t.Run("NOOP before EHLO", func(t *testing.T) {
		c := dialogue(t, in)
		endsWith421(t, c, repeat("NOOP", junkLimit+1), true)
	})
	t.Run("mixed", func(t *testing.T) {
		c := dialogue(t, in)
		step(t, c, 250, "EHLO client.good.test")
		var cmds []string
		for len(cmds) < junkLimit+1 {
			cmds = append(cmds, "RSET", "VRFY bob", "NOOP", "EHLO client.good.test")
		}
		endsWith421(t, c, cmds[:junkLimit+1], true)
	})
	for _, ehlo := range []bool{true, false} {
		t.Run(fmt.Sprintf("after STARTTLS, EHLO again %v", ehlo), func(t *testing.T) {
			nc, err := net.DialTimeout("tcp", in.addr, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			nc.SetDeadline(time.Now().Add(20 * time.Second))
			c := textproto.NewConn(nc)
			defer c.Close()
			if _, _, err := c.ReadResponse(220); err != nil {
				t.Fatal(err)
			}
			step(t, c, 250, "EHLO client.good.test")
			step(t, c, 220, "STARTTLS") // junk 1
			tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			c = textproto.NewConn(tc)
			n := junkLimit
			if ehlo {
				step(t, c, 250, "EHLO client.good.test") // no junk: a session
			}
			endsWith421(t, c, repeat("NOOP", n), ehlo)
		})
	}
}

// Message content is not commands: lines of a message sent with DATA or
// BDAT that read "NOOP" do not count toward -junk-limit, even from a
// client already at the limit; and a delivered message restarts the
// count, as in Postfix.
func TestJunkLimitContent(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t)
	body := "Subject: noop\r\n\r\n" + strings.Repeat("NOOP\r\nRSET\r\n", junkLimit)
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	for range junkLimit {
		step(t, c, 250, "NOOP")
	}
	// At the limit: the messages' lines would be far past it.
	step(t, c, 250, "MAIL FROM:<alice@good.test>")
	step(t, c, 250, "RCPT TO:<bob@example.org>")
	step(t, c, 354, "DATA")
	fmt.Fprintf(c.W, "%s.\r\n", body)
	c.W.Flush()
	if code, msg, err := c.ReadResponse(250); err != nil {
		t.Fatalf("DATA of NOOP lines: %d %s %v, want 250", code, msg, err)
	}
	// The count restarted with the delivery.
	for range junkLimit {
		step(t, c, 250, "NOOP")
	}
	step(t, c, 250, "MAIL FROM:<alice@good.test>")
	step(t, c, 250, "RCPT TO:<bob@example.org>")
	half := len(body) / 2
	for i, chunk := range []string{body[:half], body[half:]} {
		last := ""
		if i == 1 {
			last = " LAST"
		}
		fmt.Fprintf(c.W, "BDAT %d%s\r\n%s", len(chunk), last, chunk)
		c.W.Flush()
		if code, msg, err := c.ReadResponse(250); err != nil {
			t.Fatalf("BDAT chunk %d of NOOP lines: %d %s %v, want 250", i+1, code, msg, err)
		}
	}
	// And again; past the limit now.
	endsWith421(t, c, repeat("NOOP", junkLimit+1), true)
	if msgs := in.messages(t, "bob@example.org"); len(msgs) != 2 {
		t.Errorf("bob got %d messages, want 2", len(msgs))
	}
}

// -junk-limit is the limit: with 3, the fourth junk command ends the
// connection.
func TestJunkLimitFlag(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-junk-limit", "3")
	c := dialogue(t, in)
	step(t, c, 250, "EHLO client.good.test")
	endsWith421(t, c, []string{"NOOP", "VRFY bob", "RSET", "HELP"}, true)
}

// A BDAT transfer the client abandons between chunks (RSET or EHLO, RFC
// 3030 §2; or a chunk over -max-message-bytes) leaves go-smtp v0.25.1's
// Data goroutine to end on its own, unwaited: it then reads go-smtp's
// dataResult field as the next BDAT transaction of the connection sets
// it anew (a data race under -race; and the next message's BDAT LAST
// may get the abandoned transfer's error while its own Data delivers
// it). smtpd ends the connection after the reply to the command that
// abandoned the transfer (RSET, EHLO) or to the next one (after the
// 552), so no second transfer starts on it, and nothing of the
// abandoned one is delivered.
func TestBDATAbandoned(t *testing.T) {
	t.Parallel()
	in := startSMTPD(t, "-max-message-bytes", "1000")
	first := "Subject: abandoned\r\n\r\n"
	second := "Subject: second\r\n\r\nhello\r\n"
	for _, tc := range []struct {
		name    string
		abandon func(c *textproto.Conn)
	}{
		{"RSET", func(c *textproto.Conn) { step(t, c, 250, "RSET") }},
		{"EHLO", func(c *textproto.Conn) { step(t, c, 250, "EHLO client.good.test") }},
		{"too large", func(c *textproto.Conn) {
			big := strings.Repeat(strings.Repeat("x", 98)+"\r\n", 20)
			fmt.Fprintf(c.W, "BDAT %d\r\n%s", len(big), big)
			c.W.Flush()
			if code, msg, err := c.ReadResponse(552); err != nil {
				t.Fatalf("chunk over -max-message-bytes: %d %s %v, want 552", code, msg, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialogue(t, in)
			step(t, c, 250, "EHLO client.good.test")
			step(t, c, 250, "MAIL FROM:<alice@good.test>")
			step(t, c, 250, "RCPT TO:<bob@example.org>")
			fmt.Fprintf(c.W, "BDAT %d\r\n%s", len(first), first)
			c.W.Flush()
			if code, msg, err := c.ReadResponse(250); err != nil {
				t.Fatalf("first chunk: %d %s %v", code, msg, err)
			}
			tc.abandon(c)
			// What a client does next: another transaction, with
			// BDAT, pipelined (RFC 2920).
			fmt.Fprintf(c.W, "MAIL FROM:<alice@good.test>\r\nRCPT TO:<bob@example.org>\r\nBDAT %d LAST\r\n%s", len(second), second)
			c.W.Flush()
			var replies []int
			for {
				code, _, err := c.ReadResponse(0)
				if err != nil {
					break
				}
				replies = append(replies, code)
			}
			// After RSET or EHLO, the connection is already closed;
			// after the 552, it closes after the reply to MAIL.
			if len(replies) > 1 {
				t.Errorf("replies after the abandoned transfer: %v, want the connection closed after at most one", replies)
			}
		})
	}
	for _, m := range in.messages(t, "bob@example.org") {
		if strings.Contains(m, "Subject: abandoned") {
			t.Errorf("the abandoned transfer was delivered:\n%q", m)
		}
	}
}
