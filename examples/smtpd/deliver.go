package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// delivery is one accepted message on its way out.
type delivery struct {
	// From is the envelope sender ("" for the null sender).
	From string
	// Rcpts are the accepted RCPT TO addresses, in order, and Boxes
	// their mailboxes (the recipient table's names), one for one.
	Rcpts, Boxes []string
	// Header is the fields smtpd prepends, each ending in CRLF.
	Header []byte
	// Body is the message as received (CRLF line ends).
	Body message
}

// message is a message to deliver: its size and, as often as asked, a
// reader of it from its start.
type message interface {
	Size() int64
	Reader() io.Reader
}

// heldMessage is a message in memory (the session's copy).
type heldMessage []byte

func (m heldMessage) Size() int64       { return int64(len(m)) }
func (m heldMessage) Reader() io.Reader { return bytes.NewReader(m) }

// deliverer takes accepted messages. A failure is a *deliveryError: the
// reply for the client and the cause, for the log.
type deliverer interface {
	deliver(ctx context.Context, d *delivery) error
	String() string
}

// deliveryError is a failed delivery: Reply goes to the client, Err
// (which may name paths, hosts, ports) to the log only.
type deliveryError struct {
	Reply *smtp.SMTPError
	Err   error
}

func (e *deliveryError) Error() string { return e.Reply.Error() + ": " + e.Err.Error() }
func (e *deliveryError) Unwrap() error { return e.Err }

// tempFail is the reply for a delivery that failed on our side.
var tempFail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local delivery failed, try again later"}

// maildirs delivers to one Maildir per mailbox under root
// (root/<mailbox>/{tmp,new,cur}), as described at
// https://cr.yp.to/proto/maildir.html: each copy is written and synced
// under tmp/, and only when every recipient's copy is written are they
// renamed into new/ (so a failure delivers to no one and the client
// retries; a rename that fails after others succeeded duplicates the
// message for those on the retry, never loses it). Lines end in LF in
// the files, as MDAs write them.
type maildirs struct {
	root     string
	hostname string
	now      func() time.Time
	seq      atomic.Uint64
}

func (m *maildirs) String() string { return "maildir:" + m.root }

func (m *maildirs) deliver(ctx context.Context, d *delivery) error {
	type copyOf struct{ tmp, new string }
	var copies []copyOf
	fail := func(err error) error {
		for _, c := range copies {
			os.Remove(c.tmp)
		}
		return &deliveryError{Reply: tempFail, Err: err}
	}
	seen := map[string]bool{}
	for _, box := range d.Boxes {
		if seen[box] {
			continue
		}
		seen[box] = true
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		dir := filepath.Join(m.root, box)
		for _, sub := range []string{"tmp", "new", "cur"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
				return fail(err)
			}
		}
		name := m.uniqueName(int64(len(d.Header)) + d.Body.Size())
		tmp := filepath.Join(dir, "tmp", name)
		if err := writeFileLF(tmp, d.Header, d.Body.Reader()); err != nil {
			os.Remove(tmp)
			return fail(fmt.Errorf("%s: %w", box, err))
		}
		copies = append(copies, copyOf{tmp, filepath.Join(dir, "new", name)})
	}
	// Cut while the copies were written (the end of a shutdown's
	// grace): the client never sees the 250 and retries, so nothing
	// is renamed into new/.
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	var errs []error
	for i, c := range copies {
		if err := os.Rename(c.tmp, c.new); err != nil {
			errs = append(errs, err)
			os.Remove(c.tmp)
			continue
		}
		copies[i].tmp = "" // delivered
		syncDir(filepath.Dir(c.new))
	}
	if len(errs) > 0 {
		return &deliveryError{Reply: tempFail, Err: errors.Join(errs...)}
	}
	return nil
}

// uniqueName returns a Maildir file name: time, microseconds, pid and a
// sequence number, host name (with "/" and ":" escaped as the Maildir
// description says), and the size as Dovecot's ",S=" reads it.
func (m *maildirs) uniqueName(size int64) string {
	now := m.now()
	host := strings.NewReplacer("/", `\057`, ":", `\072`).Replace(m.hostname)
	return fmt.Sprintf("%d.M%dP%dQ%d.%s,S=%d", now.Unix(), now.Nanosecond()/1000, os.Getpid(), m.seq.Add(1), host, size)
}

// writeFileLF creates path (it must not exist) and writes header then
// body to it with CRLF line ends turned to LF, then syncs it.
func writeFileLF(path string, header []byte, body io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(&crlfToLF{w: f}, 64<<10)
	_, err = io.Copy(w, io.MultiReader(bytes.NewReader(header), body))
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// crlfToLF writes what it is given with each CRLF turned to LF (a CR
// at the end of one write waits for the next).
type crlfToLF struct {
	w  io.Writer
	cr bool
}

func (c *crlfToLF) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+1)
	for _, b := range p {
		if c.cr && b != '\n' {
			out = append(out, '\r')
		}
		c.cr = b == '\r'
		if !c.cr {
			out = append(out, b)
		}
	}
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// syncDir syncs a directory after a rename into it, so that the new
// entry survives a crash (best effort).
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// relay delivers to a next hop over LMTP (RFC 2033) or SMTP, one
// connection per message. The next hop is asked for every recipient
// before the message is sent: if it refuses any, nothing is sent and the
// client gets its refusal (the same for all, or 451 4.3.0 when they
// differ), so that no recipient gets the message twice or not at all on
// the client's retry. Over LMTP the next hop answers for each recipient
// after the message; when some accepted it and others did not, the
// client is told 451 (a retry duplicates the message for those that
// accepted it: duplication, never loss).
type relay struct {
	network, addr string
	lmtp          bool
	hostname      string
}

// parseRelay reads -relay: lmtp:HOST:PORT, lmtp:/path (a Unix socket)
// or smtp:HOST:PORT.
func parseRelay(s, hostname string) (*relay, error) {
	proto, addr, ok := strings.Cut(s, ":")
	if !ok || addr == "" || (proto != "lmtp" && proto != "smtp") {
		return nil, fmt.Errorf("-relay %q: want lmtp:HOST:PORT, lmtp:/path/to/socket or smtp:HOST:PORT", s)
	}
	r := &relay{network: "tcp", addr: addr, lmtp: proto == "lmtp", hostname: hostname}
	if strings.HasPrefix(addr, "/") {
		if !r.lmtp {
			return nil, fmt.Errorf("-relay %q: a Unix socket speaks LMTP", s)
		}
		r.network = "unix"
	} else if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("-relay %q: %w", s, err)
	}
	return r, nil
}

func (r *relay) String() string {
	p := "smtp:"
	if r.lmtp {
		p = "lmtp:"
	}
	return p + r.addr
}

// Replies of relay failures.
var (
	hopDown   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 1}, Message: "Next hop not reachable, try again later"}
	hopMixed  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Not delivered to every recipient, try again later"}
	hopFailed = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Next hop failed, try again later"}
)

func (r *relay) deliver(ctx context.Context, d *delivery) error {
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, r.network, r.addr)
	if err != nil {
		return &deliveryError{Reply: hopDown, Err: err}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var c *smtp.Client
	if r.lmtp {
		c = smtp.NewClientLMTP(conn)
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if err := c.Hello(r.hostname); err != nil {
		return hopError(err)
	}
	size := int64(len(d.Header)) + d.Body.Size()
	if err := c.Mail(quoteLocal(d.From), &smtp.MailOptions{Size: size}); err != nil {
		return hopError(err)
	}
	var refused []*smtp.SMTPError
	for _, rcpt := range d.Rcpts {
		if err := c.Rcpt(quoteLocal(rcpt), nil); err != nil {
			var se *smtp.SMTPError
			if !errors.As(err, &se) {
				return hopError(err)
			}
			refused = append(refused, se)
		}
	}
	if len(refused) > 0 {
		c.Reset()
		c.Quit()
		return &deliveryError{Reply: sameReply(refused, len(d.Rcpts)), Err: fmt.Errorf("next hop refused %d of %d recipients: %v", len(refused), len(d.Rcpts), refused[0])}
	}
	w, err := c.Data()
	if err != nil {
		return hopError(err)
	}
	if _, err := io.Copy(w, io.MultiReader(bytes.NewReader(d.Header), d.Body.Reader())); err != nil {
		return hopError(err)
	}
	if r.lmtp {
		_, err := w.CloseWithLMTPResponse()
		var lerr smtp.LMTPDataError
		if errors.As(err, &lerr) {
			var each []*smtp.SMTPError
			for _, e := range lerr {
				each = append(each, e)
			}
			c.Quit()
			return &deliveryError{Reply: sameReply(each, len(d.Rcpts)), Err: fmt.Errorf("next hop refused %d of %d recipients after the data: %v", len(each), len(d.Rcpts), err)}
		}
		if err != nil {
			return hopError(err)
		}
	} else if err := w.Close(); err != nil {
		return hopError(err)
	}
	c.Quit()
	return nil
}

// quoteLocal returns addr with its local part quoted when it is not a
// dot-atom (RFC 5321 §4.1.2): go-smtp's server hands over "x y"@domain
// unquoted, and its client sends the address as given.
func quoteLocal(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || isDotAtom(addr[:i]) {
		return addr
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(addr[:i]) {
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	b.WriteString(addr[i:])
	return b.String()
}

// isDotAtom reports whether s is a Dot-string of RFC 5321 §4.1.2 (atext
// of RFC 5322, UTF-8 as RFC 6531 allows).
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// sameReply returns the reply for refusals of some of n recipients: the
// next hop's, when it refused them all with the same code; else 451.
func sameReply(refused []*smtp.SMTPError, n int) *smtp.SMTPError {
	if len(refused) != n {
		return hopMixed
	}
	for _, e := range refused[1:] {
		if e.Code != refused[0].Code || e.EnhancedCode != refused[0].EnhancedCode {
			return hopMixed
		}
	}
	return hopReply(refused[0])
}

// hopError is the failure of a next hop's command.
func hopError(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &deliveryError{Reply: hopReply(se), Err: err}
	}
	return &deliveryError{Reply: hopFailed, Err: err}
}

// hopReply passes on the class and enhanced code of a next hop's
// refusal, with a text of ours (the next hop's may name internal hosts).
func hopReply(se *smtp.SMTPError) *smtp.SMTPError {
	if se.Code/100 == 5 {
		ec := se.EnhancedCode
		if ec[0] != 5 {
			ec = smtp.EnhancedCode{5, 0, 0}
		}
		return &smtp.SMTPError{Code: se.Code, EnhancedCode: ec, Message: "Refused by the next hop"}
	}
	return hopFailed
}
