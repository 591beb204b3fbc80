package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/d--j/go-milter"
	"github.com/d--j/go-milter/milterutil"
	"golang.org/x/text/transform"

	"github.com/spamkit/spamkit/session"
)

// protocol is what the milter asks of the MTA at negotiation: header
// values as they are (SMFIP_HDR_LEADSPC, so that DKIM hashes the bytes
// that were signed), rejected recipients too (SMFIP_RCPT_REJ, for
// harvest), no UNKNOWN and no DATA events, and no replies to HELO (the
// session's Helo only starts its check), to single header fields, the
// end of the header and body chunks (the milter only passes them on):
// one round trip less per event, the MTA does not wait for them.
const protocol = milter.OptHeaderLeadingSpace | milter.OptRcptRej | milter.OptNoUnknown | milter.OptNoData |
	milter.OptNoHeloReply | milter.OptNoHeaderReply | milter.OptNoEOHReply | milter.OptNoBodyReply

// actions are the modifications the milter may make: add and insert
// header fields, delete forged ones, replace the body (mime strip) and
// quarantine.
const actions = milter.OptAddHeader | milter.OptChangeHeader | milter.OptChangeBody | milter.OptQuarantine

// macros are the Postfix macros asked for, by stage: the queue id for
// the log, the SASL login (an authenticated client is this site's user:
// the milter accepts its mail unchecked), and the rejected-recipient
// markers of SMFIP_RCPT_REJ ({rcpt_mailer} "error", {rcpt_host} the
// enhanced status code).
var macros = []struct {
	stage milter.MacroStage
	names []milter.MacroName
}{
	{milter.StageMail, []milter.MacroName{milter.MacroQueueId, milter.MacroAuthAuthen}},
	{milter.StageRcpt, []milter.MacroName{milter.MacroRcptMailer, milter.MacroRcptHost}},
	{milter.StageEOM, []milter.MacroName{milter.MacroQueueId}},
}

// backend is one milter connection: one SMTP session of the MTA. It
// translates the milter events into the session's stage calls and the
// session's replies into milter responses; it keeps no copy of the
// message (header fields and body chunks go to the session as they
// come).
type backend struct {
	srv       *Server
	sess      *session.Session
	leadSpace bool // the MTA honours SMFIP_HDR_LEADSPC

	// Per connection.
	client    string // for the log: "[addr]"
	connFault bool   // a callback failed at connect or HELO: every message of the connection is an internal error
	// Per message.
	queueID  string
	from     string
	authUser string
	rcpts    int
	size     int64
	inMsg    bool // Mail was called and the message not ended
	// fault: a callback whose reply the MTA does not read (header,
	// end of header, body chunk; see protocol) failed: the end of the
	// message answers it as on_internal_error says.
	fault bool
	line  []byte
}

var _ milter.Milter = (*backend)(nil)

func (b *backend) NewConnection(m milter.Modifier) error {
	b.leadSpace = m.Protocol()&milter.OptHeaderLeadingSpace != 0
	if b.sess != nil {
		b.sess.Close()
	}
	b.sess = b.srv.engine.NewSession(b.srv.ctx)
	b.client = ""
	b.connFault = false
	b.endMessage()
	return nil
}

// stageCtx returns the context of one stage call. The session bounds
// its checks by its own per-stage timeouts; this is a safety net
// (twice the longest of them) that ends a stage whatever happens.
func (b *backend) stageCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.srv.ctx, b.srv.stageLimit)
}

func (b *backend) Connect(host, family string, port uint16, addr string, m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("connect", m, &resp, &err)
	var ip netip.Addr
	if family == "tcp4" || family == "tcp6" {
		ip, _ = netip.ParseAddr(addr)
		ip = ip.Unmap()
	}
	b.client = "[" + addr + "]"
	// Postfix passes "unknown" or "[addr]" when it has no verified name.
	if host == "unknown" || strings.HasPrefix(host, "[") {
		host = ""
	}
	if !ip.IsValid() {
		// A local submission (unix socket, sendmail(1) through
		// non_smtpd_milters): no client to check.
		return milter.RespContinue, nil
	}
	ctx, cancel := b.stageCtx()
	defer cancel()
	return b.respond("connect", b.sess.Connect(ctx, ip, host))
}

func (b *backend) Helo(name string, m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("helo", m, &resp, &err)
	ctx, cancel := b.stageCtx()
	defer cancel()
	return b.respond("helo", b.sess.Helo(ctx, name))
}

func (b *backend) MailFrom(from, esmtpArgs string, m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("mail", m, &resp, &err)
	b.endMessage()
	b.inMsg = true
	b.from = from
	b.queueID = m.Get(milter.MacroQueueId)
	if b.connFault {
		// HELO's callback failed, and its reply is not read (SMFIP_NR_HELO).
		b.fault = true
		if !b.srv.acceptOnError {
			return b.internalError("mail", m, errors.New("the HELO stage failed"))
		}
	}
	if b.authUser = m.Get(milter.MacroAuthAuthen); b.authUser != "" {
		// This site's user, logged in with SASL: submission, not
		// inbound mail. Accept the message without checking it.
		return milter.RespAccept, nil
	}
	ctx, cancel := b.stageCtx()
	defer cancel()
	return b.respond("mail", b.sess.Mail(ctx, from))
}

func (b *backend) RcptTo(rcpt, esmtpArgs string, m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("rcpt", m, &resp, &err)
	ctx, cancel := b.stageCtx()
	defer cancel()
	if m.Get(milter.MacroRcptMailer) == "error" {
		// SMFIP_RCPT_REJ: the MTA refused this recipient, with the
		// enhanced status code in {rcpt_host}. An unknown mailbox
		// (5.1.1, bad destination mailbox address, RFC 3463 §3.2) is
		// what harvest counts; not the rest of X.1.*: with
		// smtpd_delay_reject the sender's refusals (5.1.7, 5.1.8) come
		// at RCPT too, and 5.1.2 is another domain's. The MTA answers
		// the client itself.
		if m.Get(milter.MacroRcptHost) == "5.1.1" {
			return b.respond("rcpt", b.sess.RcptRejected(ctx, rcpt))
		}
		return milter.RespContinue, nil
	}
	r := b.sess.Rcpt(ctx, rcpt)
	if r.Action == session.Continue {
		b.rcpts++
	}
	return b.respond("rcpt", r)
}

func (b *backend) Data(m milter.Modifier) (*milter.Response, error) {
	return milter.RespContinue, nil
}

// Header passes one field to the session as the bytes it had in the
// message: "Name:" and the value as the MTA passed it, its folds made
// CRLF again (Postfix passes LF), and CRLF. With SMFIP_HDR_LEADSPC the
// value keeps its leading space; an MTA that did not grant it has eaten
// one space after the colon (Sendmail's way), which is put back unless
// the value starts with a tab: right for every field written "Name: value"
// or "Name:\tvalue", as good as the MTA allows otherwise.
func (b *backend) Header(name, value string, m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("header", m, &resp, &err)
	b.line = appendHeaderField(b.line[:0], name, value, b.leadSpace)
	b.size += int64(len(b.line))
	_, _ = b.sess.Write(b.line)
	if cap(b.line) > 4096 {
		b.line = nil // do not keep a long field's buffer for the connection
	}
	return milter.RespContinue, nil
}

// appendHeaderField appends the raw form of one header field to dst.
func appendHeaderField(dst []byte, name, value string, leadSpace bool) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':')
	if !leadSpace && (value == "" || value[0] != '\t') {
		dst = append(dst, ' ')
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\n' && (i == 0 || value[i-1] != '\r') {
			dst = append(dst, '\r')
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

func (b *backend) Headers(m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("eoh", m, &resp, &err)
	b.size += 2
	_, _ = b.sess.Write([]byte("\r\n"))
	return milter.RespContinue, nil
}

func (b *backend) BodyChunk(chunk []byte, m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("body", m, &resp, &err)
	b.size += int64(len(chunk))
	_, _ = b.sess.Write(chunk)
	return milter.RespContinue, nil
}

func (b *backend) EndOfMessage(m milter.Modifier) (resp *milter.Response, err error) {
	defer b.recover("eom", m, &resp, &err)
	defer b.sess.Reset()
	defer b.endMessage()
	if id := m.Get(milter.MacroQueueId); id != "" {
		b.queueID = id
	}
	fault := b.fault
	if fault && !b.srv.acceptOnError {
		return b.internalError("eom", m, errors.New("an earlier stage of the message failed"))
	}
	ctx, cancel := b.stageCtx()
	defer cancel()
	start := time.Now()
	v, err := b.sess.EndOfData(ctx)
	if err != nil {
		// ErrStage: the MTA sent the end of a message the session
		// did not see begin (a protocol mix-up), not a verdict.
		return b.internalError("eom", m, err)
	}
	b.srv.log(b.logLine(v, time.Since(start)))
	if v.Action == session.Tempfail || v.Action == session.Reject {
		return reply(v.Reply)
	}
	if len(v.Strip) > 0 {
		body, err := b.sess.StrippedBody()
		if err != nil {
			return b.internalError("strip", m, err)
		}
		r := transform.NewReader(bytes.NewReader(body), &milterutil.CrLfCanonicalizationTransformer{})
		if err := m.ReplaceBody(r); err != nil {
			return nil, err
		}
	}
	// Fields a sender forged (our authserv-id's Authentication-Results,
	// X-Spam-*), deleted in the session's order (bottom up, so that
	// the indexes of the rest hold).
	for _, ref := range v.Remove {
		if err := m.ChangeHeader(ref.Index, ref.Name, ""); err != nil {
			return nil, err
		}
	}
	// The session's fields go at the top, in its order (RFC 8601 §5:
	// Authentication-Results above the fields it covers): insert the
	// last first at index 0.
	for i := len(v.Headers) - 1; i >= 0; i-- {
		f := v.Headers[i]
		if err := m.InsertHeader(0, f.Name, fieldValue(f.Value, b.leadSpace)); err != nil {
			return nil, err
		}
	}
	if fault && !hasField(v.Headers, errorField) {
		// on_internal_error = accept: delivered, saying it was not
		// checked whole.
		if err := m.InsertHeader(0, errorField, fieldValue(errorValue, b.leadSpace)); err != nil {
			return nil, err
		}
	}
	if v.Action == session.Quarantine {
		if err := m.Quarantine(v.Reply.Text); err != nil {
			return nil, err
		}
	}
	return milter.RespAccept, nil
}

// fieldValue turns a session.Field value (text after "Name:", leading
// space included, CRLF folds) into what the milter protocol carries: LF
// folds, and the leading space only under SMFIP_HDR_LEADSPC (without it
// Postfix puts one space after the colon itself).
func fieldValue(v string, leadSpace bool) string {
	if !leadSpace {
		v = strings.TrimPrefix(v, " ")
	}
	return strings.ReplaceAll(v, "\r\n", "\n")
}

func (b *backend) Abort(m milter.Modifier) error {
	b.endMessage()
	if b.sess != nil {
		b.sess.Reset()
	}
	return nil
}

func (b *backend) Unknown(cmd string, m milter.Modifier) (*milter.Response, error) {
	return milter.RespContinue, nil
}

func (b *backend) Cleanup(m milter.Modifier) {
	if b.sess != nil {
		b.sess.Close()
		b.sess = nil
	}
}

func (b *backend) endMessage() {
	b.queueID, b.from, b.authUser, b.rcpts, b.size, b.inMsg, b.fault = "", "", "", 0, 0, false, false
}

// errorField and errorValue are the field that says a message was
// delivered without being checked whole (on_internal_error = accept).
const (
	errorField = "X-Spamkit-Error"
	errorValue = " internal error; message not checked"
)

func hasField(fields []session.Field, name string) bool {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// respond maps a stage's session.Reply to a milter response: Continue
// goes on, a Tempfail or Reject is sent with its code, enhanced status
// code and text (SMFIR_REPLYCODE).
func (b *backend) respond(stage string, r session.Reply) (*milter.Response, error) {
	if r.Action == session.Continue || r.Action == session.Accept || r.Action == session.AddHeader {
		return milter.RespContinue, nil
	}
	b.srv.log(fmt.Sprintf("%s %s from=<%s>: %s", b.client, stage, b.from, r))
	return reply(r)
}

// reply builds the milter response of a Tempfail or Reject reply.
func reply(r session.Reply) (*milter.Response, error) {
	code := r.Code
	if code < 400 || code > 599 {
		if r.Action == session.Reject {
			code = 550
		} else {
			code = 451
		}
	}
	text := strings.TrimSpace(r.Enhanced + " " + r.Text)
	if text == "" {
		// Never an empty reply: the class's enhanced code and words.
		text = "4.7.1 Try again later"
		if code >= 500 {
			text = "5.7.1 Rejected by policy"
		}
	}
	resp, err := milter.RejectWithCodeAndReason(uint16(code), text)
	if err != nil {
		// A text milterutil cannot send: the code alone.
		if code >= 500 {
			return milter.RespReject, nil
		}
		return milter.RespTempFail, nil
	}
	return resp, nil
}

// internalError answers a message the milter could not judge for a
// fault of its own, as on_internal_error says.
func (b *backend) internalError(stage string, m milter.Modifier, err error) (*milter.Response, error) {
	b.srv.log(fmt.Sprintf("%s %s queue=%s: internal error: %v", b.client, stage, b.queueID, err))
	if b.srv.acceptOnError {
		if stage == "eom" || stage == "strip" {
			_ = m.InsertHeader(0, errorField, fieldValue(errorValue, b.leadSpace))
		}
		if stage == "eom" || stage == "strip" {
			return milter.RespAccept, nil
		}
		return milter.RespContinue, nil
	}
	return milter.RejectWithCodeAndReason(451, "4.3.0 Temporary local problem, try again later")
}

// recover turns a panic in a callback into an internal error, so that
// one bad message never takes the milter (and every session in it)
// down. The callbacks whose reply the MTA does not read (HELO, header,
// end of header, body: see protocol) cannot answer it themselves: the
// fault is kept for the next stage the MTA waits for (MAIL after HELO,
// the end of the message otherwise), so that it is never lost. Under
// on_internal_error = accept every message that went on past a fault
// gets X-Spamkit-Error.
func (b *backend) recover(stage string, m milter.Modifier, resp **milter.Response, err *error) {
	p := recover()
	if p == nil {
		return
	}
	b.srv.log(fmt.Sprintf("%s %s: panic: %v\n%s", b.client, stage, p, debug.Stack()))
	*resp, *err = nil, nil
	switch stage {
	case "connect", "helo":
		b.connFault = true
	case "header", "eoh", "body":
		b.fault = true
	case "mail", "rcpt":
		// Under accept the transaction goes on unchecked: the
		// message must say so. Under tempfail the 451 was sent.
		b.fault = b.fault || b.srv.acceptOnError
	}
	if stage == "eom" {
		if b.srv.acceptOnError {
			if m != nil {
				_ = m.InsertHeader(0, errorField, fieldValue(errorValue, b.leadSpace))
			}
			*resp = milter.RespAccept
			return
		}
	} else if b.srv.acceptOnError {
		*resp = milter.RespContinue
		return
	}
	*resp, *err = milter.RejectWithCodeAndReason(451, "4.3.0 Temporary local problem, try again later")
}

// logLine is the one line logged per message.
func (b *backend) logLine(v session.Verdict, took time.Duration) string {
	var fired []string
	for _, r := range v.Rows {
		if r.Score != 0 || r.Err != nil {
			s := fmt.Sprintf("%s=%g", r.Rule, r.Score)
			if r.Err != nil {
				s += "(" + r.Err.Error() + ")"
			}
			fired = append(fired, s)
		}
	}
	return fmt.Sprintf("%s queue=%s from=<%s> rcpts=%d size=%d action=%s reply=%q score=%.1f/%.1f took=%s rules=%s",
		b.client, b.queueID, b.from, b.rcpts, b.size, v.Action, v.Reply.String(), v.Score, v.Required,
		took.Round(time.Millisecond), strings.Join(fired, ","))
}
