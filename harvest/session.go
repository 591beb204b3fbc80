package harvest

import (
	"context"
	"net/netip"
)

// Session is one SMTP connection's view of a Checker: it pairs Connect
// with Close and numbers the recipients of each transaction for the
// per-message limit, so that an SMTP server's session (a go-smtp
// Session, say) holds one and calls it in SMTP order. It is not safe
// for concurrent use: one per connection, as the connection's commands
// come one at a time.
type Session struct {
	c         *Checker
	ip        netip.Addr
	n         int // recipients of the current transaction
	connected bool
}

// NewSession returns a Session for a connection from ip.
func (c *Checker) NewSession(ip netip.Addr) *Session {
	return &Session{c: c, ip: ip}
}

// Connect records the connection (Checker.Connect). Close the Session
// when the connection ends, whatever the result.
func (s *Session) Connect(ctx context.Context) (Outcome, error) {
	o, err := s.c.Connect(ctx, s.ip)
	if err == nil {
		s.connected = true
	}
	return o, err
}

// Mail records a MAIL FROM (Checker.Mail) and starts a transaction.
func (s *Session) Mail(ctx context.Context) (Outcome, error) {
	s.n = 0
	return s.c.Mail(ctx, s.ip)
}

// Rcpt records a RCPT TO whose mailbox lookup found st (Checker.Rcpt),
// numbered within the transaction: the transaction's recipients are
// those accepted, known and allowed (as Postfix's smtpd_recipient_limit
// counts the recipients it accepts).
func (s *Session) Rcpt(ctx context.Context, st RcptStatus) (Outcome, error) {
	o, err := s.c.Rcpt(ctx, s.ip, st, s.n+1)
	if err == nil && o.Result == Allow && st == Known {
		s.n++
	}
	return o, err
}

// Error records a protocol error (Checker.Error).
func (s *Session) Error(ctx context.Context) (Outcome, error) {
	return s.c.Error(ctx, s.ip)
}

// Reset ends the transaction (RSET, or the end of DATA).
func (s *Session) Reset() { s.n = 0 }

// Close records the end of the connection (Checker.Disconnect) once.
func (s *Session) Close() {
	if s.connected {
		s.connected = false
		s.c.Disconnect(s.ip)
	}
}
