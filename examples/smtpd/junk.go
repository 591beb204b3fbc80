package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// Junk commands: go-smtp answers NOOP, RSET, VRFY, HELP and a repeated
// EHLO without telling smtpd, so a client sending one before each read
// timeout would hold its connection (and a -max-conns slot) for ever.
// Postfix bounds this with smtpd_junk_command_limit (100: NOOP, VRFY,
// ETRN and RSET count; past it each one is an error, and
// smtpd_hard_error_limit, 20, ends the session with 421 4.7.0).
//
// go-smtp has no command hook, but it sets the read deadline of its
// connection before reading each command line (-read-timeout is never
// zero), through TLS too (tls.Conn passes deadlines down), and never
// while it reads message content (DATA lines, BDAT chunks). So the
// clientConn sees each command start; a command is junk when, between
// its start and the next one's, no stage of a mail transaction ran:
// no session began (EHLO, HELO), no MAIL or RCPT was taken up, no
// message content arrived (progress). This counts NOOP, RSET, VRFY,
// HELP, STARTTLS, a repeated EHLO (which go-smtp shows smtpd only as a
// reset, as RSET), a BDAT of no octets, and commands refused for their
// syntax; it never counts content, whatever its lines say.

// noteCommand is called as go-smtp starts to read a command line: the
// previous command is judged, and past -junk-limit junk commands the
// client is told 421 4.7.0 and the read fails, which ends go-smtp's
// session and closes the connection.
func (c *clientConn) noteCommand() error {
	p := c.progress.Load()
	started := c.commands > 0
	c.commands++
	if !started || p != c.seen {
		c.seen = p
		return nil
	}
	if n := c.junk.Add(1); n <= int64(c.srv.cfg.JunkLimit) {
		return nil
	}
	c.srv.logf("%s: over -junk-limit %d junk commands (NOOP, RSET, VRFY...), disconnected", c.cl.ip, c.srv.cfg.JunkLimit)
	const reply = "421 4.7.0 Too many commands without mail, closing connection\r\n"
	var w net.Conn = c.Conn
	if c.sc != nil {
		if tc, ok := c.sc.Conn().(*tls.Conn); ok {
			w = tc // after STARTTLS and an EHLO
		}
	}
	if w == c.Conn && c.tlsOn.Load() {
		// STARTTLS without an EHLO after it: smtpd does not hold the
		// TLS connection, and the clear text would break it. go-smtp
		// writes its own 421 (4.4.2, a timeout) when a read fails so.
		return junkTimeout{}
	}
	w.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	w.Write([]byte(reply))
	return errJunk
}

// progressed records that a stage of a mail transaction ran: the
// command under way is not junk. A delivered message (done) restarts the
// count, as Postfix does.
func (c *clientConn) progressed(done bool) {
	c.progress.Add(1)
	if done {
		c.junk.Store(0)
	}
}

// errJunk ends go-smtp's session quietly (it treats a closed connection
// as the end), after smtpd's 421.
var errJunk = fmt.Errorf("smtpd: too many junk commands: %w", net.ErrClosed)

// junkTimeout is a read error go-smtp answers with its 421 4.4.2.
type junkTimeout struct{}

func (junkTimeout) Error() string   { return "smtpd: too many junk commands" }
func (junkTimeout) Timeout() bool   { return true }
func (junkTimeout) Temporary() bool { return true }

// progressWriter marks progress as message content arrives.
type progressWriter struct{ c *clientConn }

func (w progressWriter) Write(p []byte) (int, error) {
	w.c.progressed(false)
	return len(p), nil
}
