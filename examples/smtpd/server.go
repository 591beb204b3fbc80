package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/session"
)

// server is smtpd's state: the composition, the recipient table, where
// mail goes, and the open connections.
type server struct {
	cfg      *config
	engine   *session.Engine
	rcpts    *recipients
	out      deliverer
	hostname string
	now      func() time.Time
	logf     func(format string, args ...any)
	spoolDir string
	closers  []func() error

	// base is the parent of every client's context; canceled when
	// smtpd ends.
	base context.Context

	draining atomic.Bool
	stutters atomic.Int32
	mu       sync.Mutex
	conns    map[*clientConn]bool // true while in a mail transaction
}

// start registers a new connection and starts its session's Connect, or
// refuses it past -max-conns (nil).
func (s *server) start(nc net.Conn) *clientConn {
	s.mu.Lock()
	over := len(s.conns) >= s.cfg.MaxConns
	s.mu.Unlock()
	if over {
		writeReply(nc, "421 4.3.2 Too many connections, try again later", s.cfg.WriteTimeout)
		nc.Close()
		s.logf("refused %s: -max-conns %d reached", nc.RemoteAddr(), s.cfg.MaxConns)
		return nil
	}
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(nc.RemoteAddr().String()); err == nil {
		ip = ap.Addr().Unmap()
	}
	ctx, stop := context.WithCancel(s.base)
	cl := &client{ip: ip, ctx: ctx, stop: stop, ss: s.engine.NewSession(ctx), connected: make(chan struct{})}
	cc := &clientConn{Conn: nc, cl: cl, srv: s, closed: make(chan struct{})}
	s.mu.Lock()
	s.conns[cc] = false
	s.mu.Unlock()
	go func() {
		defer close(cl.connected)
		cctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
		defer cancel()
		cl.connectReply = cl.ss.Connect(cctx, ip, "")
	}()
	return cc
}

// admit decides, once a connection's greeting pause has ended, whether
// it is greeted: an early talker is counted as a protocol error of its
// client (session.ProtocolError, harvest's MaxErrors) and, with
// -greet-drop, dropped with 521 5.5.1 (postscreen's "drop" action); one
// that hung up is closed; a client refused at Connect gets the refusal
// instead of the banner. A pause the session asks for (harvest's tarpit)
// is made before the banner.
func (s *server) admit(nc net.Conn) bool {
	cc := connOf(nc)
	if cc == nil {
		nc.Close()
		return false
	}
	if gc, ok := nc.(*harvest.GreetConn); ok {
		cc.cl.greet = gc.Outcome
	}
	select {
	case <-cc.cl.connected:
	case <-cc.closed:
		return false
	}
	r := cc.cl.connectReply
	switch cc.cl.greet.Result {
	case harvest.GreetHangup:
		nc.Close()
		return false
	case harvest.GreetPregreet:
		ctx, cancel := context.WithTimeout(cc.cl.ctx, s.cfg.ConnectTimeout)
		cc.cl.mu.Lock()
		pr := cc.cl.ss.ProtocolError(ctx)
		cc.cl.mu.Unlock()
		cancel()
		if s.cfg.GreetDrop {
			s.logf("%s: talked before the greeting, dropped: %s", cc.cl.ip, cc.cl.greet)
			writeReply(nc, "521 5.5.1 Protocol error", s.cfg.WriteTimeout)
			nc.Close()
			return false
		}
		s.logf("%s: talked before the greeting, let through (-greet-drop=false): %s", cc.cl.ip, cc.cl.greet)
		if pr.Action == session.Tempfail || pr.Action == session.Reject {
			r = pr
		}
	}
	if r.Action != session.Tempfail && r.Action != session.Reject {
		if r.Tarpit > 0 && s.cfg.Tarpit {
			s.logf("%s: tarpitted %s before the banner", cc.cl.ip, r.Tarpit)
			cc.sleep(r.Tarpit)
		}
		cc.served.Store(true)
		return true
	}
	// Before the greeting only 554 (RFC 5321 §4.3.2, §3.1) and 421
	// (§3.8) may be sent.
	code, enh := 421, "4.7.0"
	if r.Action == session.Reject {
		code, enh = 554, "5.7.1"
	}
	if r.Code == 421 || r.Code == 554 {
		code = r.Code
	}
	if r.Enhanced != "" {
		enh = r.Enhanced
	}
	line := fmt.Sprintf("%d %s %s", code, enh, replyText(r.Text))
	if s.cfg.Stutter > 0 && s.stutters.Add(1) <= maxStutters {
		// spamd's tarpit: the refused client waits for its reply,
		// an octet at a time, holding its own socket meanwhile.
		defer s.stutters.Add(-1)
		s.logf("%s: refused at connect (stuttered): %s", cc.cl.ip, r)
		writeReply(&harvest.StutterConn{Conn: nc, Delay: s.cfg.Stutter}, line, time.Duration(len(line)+2)*s.cfg.Stutter+s.cfg.WriteTimeout)
	} else {
		if s.cfg.Stutter > 0 {
			s.stutters.Add(-1)
		}
		s.logf("%s: refused at connect: %s", cc.cl.ip, r)
		writeReply(nc, line, s.cfg.WriteTimeout)
	}
	nc.Close()
	return false
}

// maxStutters bounds the refusals stuttered at once; past it they are
// written at once.
const maxStutters = 100

// forget drops a closed connection.
func (s *server) forget(cc *clientConn) {
	s.mu.Lock()
	delete(s.conns, cc)
	s.mu.Unlock()
}

// busy reports whether cc is in a mail transaction.
func (s *server) busy(cc *clientConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[cc]
}

// setBusy records whether cc is in a mail transaction; the end of one
// during a shutdown ends the connection after the reply.
func (s *server) setBusy(cc *clientConn, b bool) {
	s.mu.Lock()
	if _, ok := s.conns[cc]; ok {
		s.conns[cc] = b
	}
	s.mu.Unlock()
}

// drain starts a graceful shutdown: connections between transactions
// are told 421 at once (their wait for a command ends), the others after
// their transaction.
func (s *server) drain() {
	s.draining.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	for cc, busy := range s.conns {
		if !busy {
			cc.Conn.SetReadDeadline(time.Unix(1, 0))
		}
	}
}

// open returns the number of open connections.
func (s *server) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// closeAll cuts every connection (the end of the shutdown's grace).
func (s *server) closeAll() {
	s.mu.Lock()
	all := make([]*clientConn, 0, len(s.conns))
	for cc := range s.conns {
		all = append(all, cc)
	}
	s.mu.Unlock()
	for _, cc := range all {
		cc.Close()
	}
}

// NewSession implements smtp.Backend: go-smtp calls it at each EHLO or
// HELO (again after STARTTLS).
func (s *server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	cc := connOf(c.Conn())
	if cc == nil {
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Internal error"}
	}
	if cc.sc == nil {
		cc.sc = c
	}
	cc.progressed(false)
	sess := &smtpSession{srv: s, cc: cc, helo: c.Hostname()}
	_, sess.tls = c.TLSConnectionState()
	ctx, cancel := context.WithTimeout(cc.cl.ctx, s.cfg.CheckTimeout)
	defer cancel()
	cc.cl.mu.Lock()
	defer cc.cl.mu.Unlock()
	if err := sess.refusal(cc.cl.ss.Helo(ctx, sess.helo)); err != nil {
		return nil, err
	}
	return sess, nil
}

// smtpSession is go-smtp's session: the mail transactions of one
// connection after one EHLO, each stage handed to the composition.
type smtpSession struct {
	srv  *server
	cc   *clientConn
	helo string
	tls  bool

	from         string
	rcpts, boxes []string
	keys         []string // the recipients as the table compares them
}

// refusal turns a stage's reply into go-smtp's error: nil to go on,
// else the reply, after the pause of harvest's tarpit the reply asks for
// (-tarpit). A 421 closes the connection once sent (RFC 5321 §3.8).
func (t *smtpSession) refusal(r session.Reply) error {
	if r.Tarpit > 0 && t.srv.cfg.Tarpit {
		t.srv.logf("%s: tarpitted %s before %s", t.cc.cl.ip, r.Tarpit, r)
		t.cc.sleep(r.Tarpit)
	}
	if r.Action != session.Tempfail && r.Action != session.Reject {
		return nil
	}
	if r.Code == 421 {
		t.cc.closeAfterWrite.Store(true)
	}
	return smtpError(r)
}

// smtpError renders a reply for go-smtp.
func smtpError(r session.Reply) *smtp.SMTPError {
	code := r.Code
	if code == 0 {
		code = 451
		if r.Action == session.Reject {
			code = 550
		}
	}
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: replyText(r.Text)}
	if p := strings.SplitN(r.Enhanced, ".", 3); len(p) == 3 {
		for i := range p {
			n, err := strconv.Atoi(p[i])
			if err != nil {
				return e
			}
			e.EnhancedCode[i] = n
		}
	}
	return e
}

// replyText is t on one line, or a generic text.
func replyText(t string) string {
	t = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, t)
	if t == "" {
		return "Refused"
	}
	return t
}

// stage locks the client's session for one stage and returns the
// stage's context (-check-timeout); unlock with the returned func.
func (t *smtpSession) stage() (context.Context, func()) {
	ctx, cancel := context.WithTimeout(t.cc.cl.ctx, t.srv.cfg.CheckTimeout)
	t.cc.cl.mu.Lock()
	return ctx, func() { t.cc.cl.mu.Unlock(); cancel() }
}

// Mail implements smtp.Session.
func (t *smtpSession) Mail(from string, opts *smtp.MailOptions) error {
	t.cc.progressed(false)
	if opts != nil && opts.Size > t.srv.cfg.MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	if hasControl(from) {
		// go-smtp unquotes "a\rb"@domain; relayed, the next hop's
		// client refuses it (451 for ever), and no one can answer it.
		return badSender
	}
	ctx, done := t.stage()
	defer done()
	if err := t.refusal(t.cc.cl.ss.Mail(ctx, quoteLocal(from))); err != nil {
		return err
	}
	t.from = from
	t.srv.setBusy(t.cc, true)
	return nil
}

// badSender is the reply to a sender address with a control octet.
var badSender = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "Bad sender address syntax"}

// Replies of the recipient lookup.
var (
	userUnknown = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "User unknown"}
	relayDenied = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
)

// Rcpt implements smtp.Session. The recipient table is asked first, and
// the composition told what it found before the client is: once harvest
// judges the client a harvester, known and unknown recipients get the
// same refusal.
func (t *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	t.cc.progressed(false)
	class, box := t.srv.rcpts.lookup(to)
	ctx, done := t.stage()
	defer done()
	if class != rcptLocal {
		if err := t.refusal(t.cc.cl.ss.RcptRejected(ctx, quoteLocal(to))); err != nil {
			return err
		}
		if class == rcptForeign {
			return relayDenied
		}
		return userUnknown
	}
	// The same recipient again (as written, or in another case: the
	// table's names are case-blind) is one recipient: relayed twice,
	// an LMTP next hop would deliver it twice.
	key := t.srv.rcpts.key(to)
	if slices.Contains(t.keys, key) {
		return nil
	}
	if err := t.refusal(t.cc.cl.ss.Rcpt(ctx, quoteLocal(to))); err != nil {
		return err
	}
	t.rcpts = append(t.rcpts, to)
	t.boxes = append(t.boxes, box)
	t.keys = append(t.keys, key)
	return nil
}

// Data implements smtp.Session: the message is streamed to the
// composition as it arrives, judged at its end, and delivered if
// accepted. It is kept once: by the session, which holds it whole when
// it checks it whole (-scan-max-bytes at its default); only when the
// session may keep less does smtpd spool it too.
func (t *smtpSession) Data(r io.Reader) error {
	s := t.srv
	t.cc.progressed(false)
	// The whole message within -data-timeout (go-smtp's read timeout
	// is per command line).
	t.cc.Conn.SetReadDeadline(time.Now().Add(s.cfg.DataTimeout))
	// The session is held for the whole message: the stream, the
	// verdict, the delivery.
	t.cc.cl.mu.Lock()
	defer t.cc.cl.mu.Unlock()
	ss := t.cc.cl.ss
	var sp *spool
	var ends lineEnds
	w := io.MultiWriter(progressWriter{t.cc}, &ends, ss)
	if s.engine.MaxMessageBytes < s.cfg.MaxMessageBytes {
		sp = &spool{dir: s.spoolDir, memMax: defaultSpoolMem}
		defer sp.Close()
		w = io.MultiWriter(progressWriter{t.cc}, &ends, sp, ss)
	}
	_, err := io.Copy(w, r)
	id := queueID()
	switch {
	case errors.Is(err, smtp.ErrDataTooLarge):
		s.logf("%s %s: message over -max-message-bytes", id, t.cc.cl.ip)
		return smtp.ErrDataTooLarge
	case errors.Is(err, smtp.ErrTooLongLine):
		// A retry would send the same line (RFC 5321 §4.5.3.1.6
		// allows 1000 octets); go-smtp ends the connection after.
		s.logf("%s %s: a line of the message over go-smtp's limit", id, t.cc.cl.ip)
		return lineTooLong
	case errors.Is(err, smtp.ErrDataReset):
		// A BDAT transfer abandoned (RSET, EHLO or a chunk over
		// the size limit between chunks; RFC 3030 §2): go-smtp
		// leaves the goroutine it runs Data in to end on its own,
		// unwaited, and that goroutine then sets go-smtp's
		// dataResult field as the connection's next BDAT sets it
		// anew (a data race; the next message's BDAT LAST may be
		// answered with this transfer's error while its own Data
		// delivers it). The connection ends after the reply to the
		// command that abandoned the transfer, so no other transfer
		// starts on it; the client reconnects.
		s.logf("%s %s: BDAT transfer abandoned, connection closed after the reply", id, t.cc.cl.ip)
		t.cc.endAtCommand.Store(true)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Message transfer aborted"}
	case err != nil:
		s.logf("%s %s: reading the message: %v", id, t.cc.cl.ip, err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Error reading the message"}
	case ends.bare():
		// go-smtp ends the data at CRLF.CRLF only and keeps a bare
		// CR or LF as data; relayed, "\r.\r" reaches the next hop
		// as it came, and a next hop that reads it as the end of the
		// data takes what follows for a second message (SMTP
		// smuggling). A field after a bare CR also escapes the
		// removal of forged fields. Refused, as Postfix's
		// smtpd_forbid_bare_newline = reject does.
		s.logf("%s %s: bare CR or LF in the message, refused", id, t.cc.cl.ip)
		return bareLineEnd
	}
	ctx, cancel := context.WithTimeout(t.cc.cl.ctx, s.cfg.CheckTimeout)
	v, err := ss.EndOfData(ctx)
	cancel()
	if err != nil {
		s.logf("%s %s: end of data: %v", id, t.cc.cl.ip, err)
		return internalError
	}
	if v.Err != nil {
		s.logf("%s %s: %v", id, t.cc.cl.ip, v.Err)
	}
	switch v.Action {
	case session.Tempfail, session.Reject:
		s.logf("%s %s: %s from=<%s> rcpts=%d", id, t.cc.cl.ip, v, t.from, len(t.rcpts))
		return smtpError(v.Reply)
	}
	d := &delivery{From: t.from, Rcpts: t.rcpts, Boxes: t.boxes}
	switch held, whole := ss.Message(); {
	case len(v.Strip) > 0:
		// The MIME policy strips parts: the message goes out without
		// them, or not at all.
		m, err := ss.StrippedMessage()
		if err != nil {
			s.logf("%s %s: stripping %v: %v", id, t.cc.cl.ip, v.Strip, err)
			return internalError
		}
		d.Body = heldMessage(m)
	case whole:
		d.Body = heldMessage(held)
	case sp != nil:
		d.Body = sp
	default:
		s.logf("%s %s: the session does not hold the message and smtpd did not spool it", id, t.cc.cl.ip)
		return internalError
	}
	if len(v.Remove) > 0 {
		// Fields only this host may add, set by the sender (RFC 8601
		// §5): deleted, as a milter deletes them.
		body, ok, err := withoutFields(d.Body, v.Remove)
		switch {
		case err != nil:
			s.logf("%s %s: removing %v: %v", id, t.cc.cl.ip, v.Remove, err)
			return internalError
		case !ok:
			s.logf("%s %s: header over %d octets, forged fields %v cannot be removed", id, t.cc.cl.ip, maxEditBytes, v.Remove)
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message header too long"}
		}
		d.Body = body
	}
	if v.Action == session.Quarantine {
		d.Boxes = quarantined(t.boxes)
	}
	d.Header = t.header(id, v)
	// Canceled if the connection is cut (the end of a shutdown): the
	// client, which never saw the 250, retries.
	dctx, dcancel := context.WithTimeout(t.cc.cl.ctx, s.cfg.DeliverTimeout)
	defer dcancel()
	if err := s.out.deliver(dctx, d); err != nil {
		var de *deliveryError
		if errors.As(err, &de) {
			s.logf("%s %s: delivery to %s failed: %v", id, t.cc.cl.ip, s.out, de.Err)
			return de.Reply
		}
		s.logf("%s %s: delivery to %s failed: %v", id, t.cc.cl.ip, s.out, err)
		return tempFail
	}
	t.cc.progressed(true)
	if s.cfg.Verbose || v.Action != session.Accept {
		s.logf("%s %s: %s from=<%s> rcpts=%d size=%d delivered to %s", id, t.cc.cl.ip, v, t.from, len(t.rcpts), d.Body.Size(), s.out)
	}
	return nil
}

// lineTooLong is the reply to a message with a line over go-smtp's limit.
var lineTooLong = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Line too long (RFC 5321 section 4.5.3.1.6)"}

// bareLineEnd is the reply to a message with a CR or LF outside a CRLF.
var bareLineEnd = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Bare CR or LF in the message: CR and LF go together (RFC 5321 section 2.3.8)"}

// lineEnds watches a message for a CR or an LF outside a CRLF.
type lineEnds struct {
	cr    bool // the last octet was a CR
	found bool
}

func (l *lineEnds) Write(p []byte) (int, error) {
	for _, c := range p {
		if l.cr != (c == '\n') {
			l.found = true
		}
		l.cr = c == '\r'
	}
	return len(p), nil
}

// bare reports whether the message had a CR or LF outside a CRLF.
func (l *lineEnds) bare() bool { return l.found || l.cr }

// internalError is the reply when smtpd cannot finish a message.
var internalError = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Internal error, try again later"}

// quarantined returns the Maildir++ folder ".Quarantine" of each
// mailbox (relays get the message with its headers, which say why).
func quarantined(boxes []string) []string {
	q := make([]string, len(boxes))
	for i, b := range boxes {
		q[i] = b + "/.Quarantine"
	}
	return q
}

// header renders the fields smtpd adds on top of the message: the
// composition's (Authentication-Results, Received-SPF, X-Spam-*), then
// the Received trace field (RFC 5321 §4.4).
func (t *smtpSession) header(id string, v session.Verdict) []byte {
	var b strings.Builder
	for _, f := range v.Headers {
		b.WriteString(f.String())
		b.WriteString("\r\n")
	}
	with := "ESMTP"
	if t.tls {
		with = "ESMTPS"
	}
	// As Postfix writes it: the HELO name, then the client's
	// forward-confirmed name ("unknown" without one) and address.
	rdns := "unknown"
	if f := v.Checks.FCrDNS; f != nil && f.Confirmed != "" {
		rdns = heloText(f.Confirmed)
	}
	// An address literal (RFC 5321 §4.1.3, §4.4): IPv6 tagged.
	lit := t.cc.cl.ip.String()
	if t.cc.cl.ip.Is6() {
		lit = "IPv6:" + lit
	}
	fmt.Fprintf(&b, "Received: from %s (%s [%s])\r\n\tby %s (spamkit smtpd) with %s id %s", heloText(t.helo), rdns, lit, t.srv.hostname, with, id)
	if len(t.rcpts) == 1 {
		fmt.Fprintf(&b, "\r\n\tfor <%s>", quoteLocal(t.rcpts[0]))
	}
	fmt.Fprintf(&b, ";\r\n\t%s\r\n", t.srv.now().Format(time.RFC1123Z))
	return []byte(b.String())
}

// heloText is the HELO name as a Received field may carry it.
func heloText(h string) string {
	h = strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || r == '(' || r == ')' || r == ';' {
			return -1
		}
		return r
	}, h)
	if h == "" {
		return "unknown"
	}
	return h
}

// queueID returns a new message id for the logs and Received.
func queueID() string {
	var b [6]byte
	rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// Reset implements smtp.Session: the end of a transaction (RSET, the
// end of DATA, a new EHLO).
func (t *smtpSession) Reset() {
	t.cc.cl.mu.Lock()
	t.cc.cl.ss.Reset()
	t.cc.cl.mu.Unlock()
	t.from, t.rcpts, t.boxes, t.keys = "", nil, nil, nil
	t.srv.setBusy(t.cc, false)
}

// Logout implements smtp.Session. The connection's state outlives
// go-smtp's session (STARTTLS starts another); it is released when the
// connection closes. go-smtp logs out at STARTTLS without a Reset: a
// transaction open then is ended here (RFC 3207 §4.2), so that the
// connection is not taken for busy by a shutdown. On a connection
// already closed the session is left to its Close.
func (t *smtpSession) Logout() error {
	if !t.srv.busy(t.cc) {
		return nil
	}
	t.cc.cl.mu.Lock()
	select {
	case <-t.cc.closed:
	default:
		t.cc.cl.ss.Reset()
	}
	t.cc.cl.mu.Unlock()
	t.from, t.rcpts, t.boxes, t.keys = "", nil, nil, nil
	t.srv.setBusy(t.cc, false)
	return nil
}
