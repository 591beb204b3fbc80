package harvest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// GreetResult is the verdict of a greeting pause.
type GreetResult string

const (
	// GreetPass: the client waited for the banner.
	GreetPass GreetResult = "pass"
	// GreetPregreet: the client spoke before the banner (postscreen's
	// PREGREET). SMTP is a lock-step dialogue that the server opens with
	// its greeting (RFC 5321 §3.1, §4.3.1): real clients wait for it,
	// bots that slam their commands do not.
	GreetPregreet GreetResult = "pregreet"
	// GreetHangup: the client closed the connection during the pause
	// (postscreen's HANGUP).
	GreetHangup GreetResult = "hangup"
	// GreetSkipped: no pause was made (Err says why: the context ended,
	// the connection has no deadlines, or GreetListener.MaxPending);
	// nothing is known about the client.
	GreetSkipped GreetResult = "skipped"
)

// String returns the result's token.
func (r GreetResult) String() string { return string(r) }

// GreetOutcome is the outcome of a greeting pause.
type GreetOutcome struct {
	// Result is the verdict.
	Result GreetResult
	// Client is the remote address, when the connection is TCP.
	Client netip.Addr
	// Early holds what the client sent before the banner (at most
	// GreetPause.MaxEarlyBytes octets); it is also read again from the
	// GreetConn.
	Early []byte
	// Waited is how long the pause lasted.
	Waited time.Duration
	// Err is the cause of GreetSkipped or of an unexpected read error.
	Err error
}

// String renders the outcome for logs, e.g. `pregreet 192.0.2.1 after
// 12ms "EHLO x\r\n"`.
func (o GreetOutcome) String() string {
	s := string(o.Result)
	if s == "" {
		s = "none"
	}
	if o.Client.IsValid() {
		s += " " + o.Client.String()
	}
	s += " after " + o.Waited.Round(time.Millisecond).String()
	if len(o.Early) > 0 {
		s += " " + quote(o.Early)
	}
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// quote renders b as a Go-like quoted string, with anything but
// printable ASCII escaped, so that log lines stay one line.
func quote(b []byte) string {
	const hex = "0123456789abcdef"
	out := []byte{'"'}
	for _, c := range b {
		switch {
		case c == '\r':
			out = append(out, '\\', 'r')
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c >= 0x20 && c < 0x7f:
			out = append(out, c)
		default:
			out = append(out, '\\', 'x', hex[c>>4], hex[c&15])
		}
	}
	return string(append(out, '"'))
}

// Reason returns a short stable phrase: "" for a pass, "talked before
// the greeting", "hung up before the greeting", "greeting pause
// skipped", "no result" for the zero outcome.
func (o GreetOutcome) Reason() string {
	switch o.Result {
	case GreetPass:
		return ""
	case GreetPregreet:
		return "talked before the greeting"
	case GreetHangup:
		return "hung up before the greeting"
	case GreetSkipped:
		return "greeting pause skipped"
	}
	return "no result"
}

// Default greeting pause.
const (
	// DefaultGreetWait is postscreen_greet_wait's value when the server
	// is not under stress (6 s; 2 s under stress). sendmail's greet_pause
	// is commonly set to 5 s.
	DefaultGreetWait = 6 * time.Second
	// DefaultMaxEarlyBytes is how much of what an early talker sent is
	// kept: one SMTP command line (RFC 5321 §4.5.3.1.4: 512 octets).
	DefaultMaxEarlyBytes = 512
)

// GreetPause is the greeting-pause test of postscreen and sendmail's
// greet_pause: before the server's banner, wait and watch whether the
// client speaks first. The zero GreetPause waits DefaultGreetWait. It is
// safe for concurrent use.
type GreetPause struct {
	// Wait is the pause. If zero, DefaultGreetWait.
	Wait time.Duration
	// Banner, if set, is sent before the pause as the first line of a
	// multi-line greeting, "220-" + Banner (RFC 5321 §4.2.1), as
	// postscreen_greet_banner does: bots that answer the first line
	// they see talk too early. The caller's banner (a "220 " line) then
	// ends the greeting.
	Banner string
	// MaxEarlyBytes is how much of an early talker's input is kept. If
	// zero, DefaultMaxEarlyBytes.
	MaxEarlyBytes int
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
}

// Check waits g.Wait on conn, before the caller writes its banner, and
// reports whether the client spoke first. What the client sent is not
// lost: the returned GreetConn reads it again first. The pause ends
// early when the client speaks or hangs up, or when ctx ends (then the
// result is GreetSkipped).
//
// The error is non-nil only when the pause cannot be made at all: conn
// is nil (ErrNilConn), or refuses a read deadline (the result is then
// GreetSkipped with the same Err).
func (g *GreetPause) Check(ctx context.Context, conn net.Conn) (*GreetConn, error) {
	if conn == nil {
		return nil, ErrNilConn
	}
	gc := &GreetConn{Conn: conn}
	o := &gc.Outcome
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			o.Client = ip.Unmap()
		}
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	start := now()
	wait := g.Wait
	if wait <= 0 {
		wait = DefaultGreetWait
	}
	max := g.MaxEarlyBytes
	if max <= 0 {
		max = DefaultMaxEarlyBytes
	}
	if err := ctx.Err(); err != nil {
		o.Result, o.Err = GreetSkipped, err
		return gc, nil
	}
	if g.Banner != "" {
		if _, err := io.WriteString(conn, "220-"+g.Banner+"\r\n"); err != nil {
			o.Result, o.Err = GreetHangup, err
			return gc, nil
		}
	}
	if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		o.Result, o.Err = GreetSkipped, err
		return gc, err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		conn.SetReadDeadline(time.Unix(1, 0))
		close(fired)
	})
	buf := make([]byte, max)
	n, err := conn.Read(buf)
	if !stop() {
		// ctx ended meanwhile: let its past deadline land before
		// clearing it, or it would outlast the pause.
		<-fired
	}
	conn.SetReadDeadline(time.Time{})
	o.Waited = now().Sub(start)
	switch {
	case n > 0:
		o.Result = GreetPregreet
		o.Early = buf[:n:n]
		gc.early = o.Early
	case errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil:
		o.Result, o.Err = GreetSkipped, ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded):
		o.Result = GreetPass
	case errors.Is(err, io.EOF):
		o.Result = GreetHangup
	default:
		o.Result, o.Err = GreetHangup, err
	}
	return gc, nil
}

// GreetConn is a connection that went through a greeting pause: its
// Outcome, and its input with what the client sent early read first.
type GreetConn struct {
	net.Conn
	// Outcome is the pause's outcome.
	Outcome GreetOutcome

	early []byte // not yet read again
}

// Read reads what the client sent during the pause first, then the
// connection.
func (c *GreetConn) Read(p []byte) (int, error) {
	if len(c.early) > 0 {
		n := copy(p, c.early)
		c.early = c.early[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// Unwrap returns the underlying connection.
func (c *GreetConn) Unwrap() net.Conn { return c.Conn }

// DefaultMaxPending is GreetListener's default bound on connections in
// their pause at once.
const DefaultMaxPending = 1000

// GreetListener is a net.Listener that puts each accepted connection
// through a GreetPause before handing it out, so that any server taking
// a net.Listener (net/http-like accept loops, github.com/emersion/go-smtp's
// Server.Serve) gets the pregreet test without changes: the server
// writes its banner as usual, after the pause. The pauses run
// concurrently; Accept hands out connections as their pauses end. Each
// handed-out connection is a *GreetConn (a go-smtp session finds it with
// smtp.Conn.Conn()).
//
// Set its fields before the first Accept. It is safe for concurrent use.
type GreetListener struct {
	// Listener is the listener whose connections are paused.
	net.Listener
	// Pause is the greeting pause.
	Pause GreetPause
	// Drop, if true, ends early talkers' connections with DropReply
	// instead of handing them out (postscreen_greet_action = drop), and
	// hangups too. If false, every connection is handed out with its
	// outcome, for the server to judge (postscreen's "ignore").
	Drop bool
	// DropReply is the reply sent to a dropped early talker. If empty,
	// "521 5.5.1 Protocol error" (RFC 7504 §3: 521, the server does not
	// accept mail from this client).
	DropReply string
	// MaxPending bounds the connections in their pause, or paused and
	// not yet taken by Accept, at once; past it a connection is handed
	// out at once, GreetSkipped with ErrTooManyPending. If zero,
	// DefaultMaxPending.
	MaxPending int
	// Report, if set, is called with each outcome (for a Checker's
	// accounting, or logs), from the pausing goroutine.
	Report func(GreetOutcome)

	once    sync.Once
	ready   chan net.Conn
	errc    chan error    // temporary Accept errors
	failed  chan struct{} // closed when the listener's Accept failed for good (err)
	err     error
	done    chan struct{} // closed by Close
	closing sync.Once
	mu      sync.Mutex
	pending int
}

func (l *GreetListener) start() {
	l.once.Do(func() {
		l.ready = make(chan net.Conn)
		l.errc = make(chan error)
		l.failed = make(chan struct{})
		l.done = make(chan struct{})
		go l.loop()
	})
}

func (l *GreetListener) loop() {
	maxPending := l.MaxPending
	if maxPending <= 0 {
		maxPending = DefaultMaxPending
	}
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				select {
				case l.errc <- err: // temporary: the server retries
				case <-l.done:
					return
				}
				continue
			}
			l.err = err
			close(l.failed)
			return
		}
		l.mu.Lock()
		over := l.pending >= maxPending
		if !over {
			l.pending++
		}
		l.mu.Unlock()
		if over {
			// Handed out from this loop: while the server does not
			// take it, no more connections are accepted here, and
			// the kernel's backlog holds them, as without the pause.
			gc := &GreetConn{Conn: conn}
			gc.Outcome.Result, gc.Outcome.Err = GreetSkipped, ErrTooManyPending
			l.report(gc.Outcome)
			l.hand(gc)
			continue
		}
		go func() {
			defer func() {
				l.mu.Lock()
				l.pending--
				l.mu.Unlock()
			}()
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-l.done:
					cancel()
				case <-ctx.Done():
				}
			}()
			gc, err := l.Pause.Check(ctx, conn)
			cancel()
			if err != nil && gc == nil {
				conn.Close()
				return
			}
			l.report(gc.Outcome)
			if l.Drop && (gc.Outcome.Result == GreetPregreet || gc.Outcome.Result == GreetHangup) {
				if gc.Outcome.Result == GreetPregreet {
					reply := l.DropReply
					if reply == "" {
						reply = "521 5.5.1 Protocol error"
					}
					conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
					io.WriteString(conn, reply+"\r\n")
				}
				conn.Close()
				return
			}
			l.hand(gc)
		}()
	}
}

func (l *GreetListener) report(o GreetOutcome) {
	if l.Report != nil {
		l.Report(o)
	}
}

// hand gives gc to an Accept, or closes it if the listener closes first.
func (l *GreetListener) hand(gc *GreetConn) {
	select {
	case l.ready <- gc:
	case <-l.done:
		gc.Close()
	}
}

// Accept returns the next connection whose pause has ended.
func (l *GreetListener) Accept() (net.Conn, error) {
	l.start()
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.errc:
		return nil, err
	case <-l.failed:
		return nil, l.err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close closes the listener; connections still in their pause are
// closed.
func (l *GreetListener) Close() error {
	l.start()
	l.closing.Do(func() { close(l.done) })
	return l.Listener.Close()
}
