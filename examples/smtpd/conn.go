package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/session"
)

// client is what smtpd knows of one connection, from its accept to its
// close: the composition's session (whose Connect started at the
// accept, concurrently with the greeting pause) and the pause's outcome.
// go-smtp's sessions (one per EHLO) find it on their connection.
type client struct {
	ip netip.Addr
	// ctx bounds the connection's stages, ss's background lookups and
	// the delivery; stop ends them all (the connection closed).
	ctx  context.Context
	stop context.CancelFunc
	// mu serializes ss: go-smtp's goroutine calls its stages, and the
	// connection may be closed from another (the end of a shutdown).
	mu sync.Mutex
	ss *session.Session

	// connected is closed when ss.Connect has answered connectReply.
	connected    chan struct{}
	connectReply session.Reply

	greet harvest.GreetOutcome
}

// clientConn is a connection with its client. It tracks the connection
// for the server's shutdown, closes it after a reply when asked to (421,
// RFC 5321 §3.8), and releases the client once when closed.
type clientConn struct {
	net.Conn
	cl  *client
	srv *server

	closeAfterWrite atomic.Bool
	// endAtCommand ends the connection as go-smtp starts to read the
	// next command, after the whole reply to the last one (a
	// multi-line reply too, and through TLS).
	endAtCommand atomic.Bool
	closed       chan struct{}
	closeOnce    sync.Once

	// The junk-command count (junk.go). served is set when go-smtp
	// gets the connection; commands, seen and sc belong to go-smtp's
	// goroutine; progress and junk are also touched by the goroutine
	// go-smtp runs a BDAT transfer's Data in.
	served   atomic.Bool
	tlsOn    atomic.Bool // a TLS handshake began (STARTTLS)
	sc       *smtp.Conn  // go-smtp's connection, from the first EHLO
	commands int64
	seen     uint64
	progress atomic.Uint64
	junk     atomic.Int64
}

// Write writes p, then closes the connection if a reply was marked as
// the last one. A reply telling the client its command was an error
// (isProtocolError) is reported to the session.
func (c *clientConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err == nil && isProtocolError(p) {
		c.protocolError()
	}
	if c.closeAfterWrite.Load() {
		c.Close()
	}
	return n, err
}

// isProtocolError reports whether p is one of the replies go-smtp gives
// a command it cannot take, 500 to 504 (a syntax error, an unknown
// command, a command out of sequence; RFC 5321 §4.2.2): the errors
// Postfix counts toward smtpd_hard_error_limit. smtpd's own refusals
// have other codes. go-smtp writes each reply line in one Write; after
// STARTTLS the replies pass here encrypted and are not seen.
func isProtocolError(p []byte) bool {
	return len(p) >= 4 && p[0] == '5' && p[1] == '0' && p[2] >= '0' && p[2] <= '4' && (p[3] == ' ' || p[3] == '-')
}

// protocolError reports a protocol error of the client to its session
// (session.ProtocolError: harvest's MaxErrors); past the limit the
// session's refusal follows the error reply and ends the connection.
// It is not counted while a message holds the session (a BDAT transfer
// under way): go-smtp's writer must not wait for it.
func (c *clientConn) protocolError() {
	if !c.cl.mu.TryLock() {
		return
	}
	ctx, cancel := context.WithTimeout(c.cl.ctx, c.srv.cfg.CheckTimeout)
	r := c.cl.ss.ProtocolError(ctx)
	cancel()
	c.cl.mu.Unlock()
	if r.Action != session.Tempfail && r.Action != session.Reject {
		return
	}
	e := smtpError(r)
	line := fmt.Sprintf("%d %d.%d.%d %s\r\n", e.Code, e.EnhancedCode[0], e.EnhancedCode[1], e.EnhancedCode[2], e.Message)
	if e.EnhancedCode == ([3]int{}) {
		line = fmt.Sprintf("%d %s\r\n", e.Code, e.Message)
	}
	c.Conn.Write([]byte(line))
	c.srv.logf("%s: %s after a protocol error", c.cl.ip, r)
	c.closeAfterWrite.Store(true)
}

// SetReadDeadline sets the read deadline, or during a shutdown one in
// the past for a connection between transactions, so that go-smtp's
// wait for the next command ends at once (with its 421 4.4.2). Once
// go-smtp holds the connection, each call is the start of a command
// line: past -junk-limit junk commands it fails (noteCommand).
func (c *clientConn) SetReadDeadline(t time.Time) error {
	if c.endAtCommand.Load() {
		return errEnded
	}
	if c.served.Load() {
		if err := c.noteCommand(); err != nil {
			return err
		}
	}
	if c.srv.draining.Load() && !c.busy() {
		t = time.Unix(1, 0)
	}
	return c.Conn.SetReadDeadline(t)
}

// errEnded is the read error that ends go-smtp's session quietly (it
// takes a closed connection for the end) when endAtCommand is set.
var errEnded = fmt.Errorf("smtpd: connection ended: %w", net.ErrClosed)

// busy reports whether the connection is in a mail transaction.
func (c *clientConn) busy() bool { return c.srv.busy(c) }

// Close closes the connection and releases its client, once.
func (c *clientConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		err = c.Conn.Close()
		close(c.closed)
		c.srv.forget(c)
		// A stage under way ends early: its ctx is canceled first,
		// and its reads fail on the closed connection.
		c.cl.stop()
		<-c.cl.connected
		c.cl.mu.Lock()
		c.cl.ss.Close()
		c.cl.mu.Unlock()
	})
	return err
}

// sleep pauses d (a tarpit), or less if the connection closes.
func (c *clientConn) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.closed:
	}
}

// connOf finds the clientConn under the connection go-smtp holds (a TLS
// connection after STARTTLS, a harvest.GreetConn).
func connOf(nc net.Conn) *clientConn {
	for nc != nil {
		switch c := nc.(type) {
		case *clientConn:
			return c
		case *tls.Conn:
			nc = c.NetConn()
		case interface{ Unwrap() net.Conn }:
			nc = c.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// starter is the innermost listener: it refuses connections past
// -max-conns, and starts each client's session (its Connect: harvest's
// connection accounting, the DNS lists, reverse DNS) before the greeting
// pause, so that the lookups run during it, as postscreen's do.
type starter struct {
	net.Listener
	srv *server
}

func (l *starter) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c := l.srv.start(nc); c != nil {
			return c, nil
		}
	}
}

// judge is the outermost listener: it takes the connections whose
// greeting pause ended, waits for their Connect, and hands out those to
// be greeted; the others get the refusal instead of the banner.
type judge struct {
	inner net.Listener // the GreetListener
	srv   *server

	once  sync.Once
	ready chan net.Conn
	errc  chan error
	done  chan struct{}
}

func (l *judge) run() {
	for {
		nc, err := l.inner.Accept()
		if err != nil {
			select {
			case l.errc <- err:
			case <-l.done:
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go func() {
			if !l.srv.admit(nc) {
				return
			}
			select {
			case l.ready <- nc:
			case <-l.done:
				nc.Close()
			}
		}()
	}
}

func (l *judge) Accept() (net.Conn, error) {
	l.once.Do(func() { go l.run() })
	select {
	case nc := <-l.ready:
		return nc, nil
	case err := <-l.errc:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *judge) Close() error {
	select {
	case <-l.done:
		return nil
	default:
		close(l.done)
	}
	return l.inner.Close()
}

func (l *judge) Addr() net.Addr { return l.inner.Addr() }

// writeReply sends one reply line on a connection go-smtp does not hold
// (yet), bounded by the write timeout.
func writeReply(nc net.Conn, r string, timeout time.Duration) {
	nc.SetWriteDeadline(time.Now().Add(timeout))
	io.WriteString(nc, r+"\r\n")
}
