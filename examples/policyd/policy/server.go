package policy

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// Handler answers policy requests. ServePolicy returns the action (see
// the constants and constructors of this package); "" is DUNNO. It is
// called from many goroutines at once, one per connection, and should
// return soon after ctx is done: the server has answered
// Server.TimeoutAction by then and drops what it returns, but the
// connection reads its next request only once the handler returned.
type Handler interface {
	ServePolicy(ctx context.Context, req Request) string
}

// HandlerFunc is a function used as a Handler.
type HandlerFunc func(ctx context.Context, req Request) string

// ServePolicy calls f(ctx, req).
func (f HandlerFunc) ServePolicy(ctx context.Context, req Request) string { return f(ctx, req) }

// Server serves the Postfix policy delegation protocol
// (SMTPD_POLICY_README) on stream connections: it reads requests, calls
// the Handler, and writes its action. Postfix keeps a connection open
// for many requests (smtpd_policy_service_max_idle,
// smtpd_policy_service_max_ttl); each connection has its own goroutine
// and answers its requests in order.
//
// The zero value needs only Handler. Fields must not be changed once
// Serve was called. A Server is safe for concurrent use.
type Server struct {
	// Handler answers the requests. Required.
	Handler Handler
	// Limits bound each request; a request beyond them is answered DUNNO
	// and logged (the connection is closed when the reader could not
	// find the request's end).
	Limits Limits
	// RequestTimeout bounds one request: reading it once its first octet
	// came, and the Handler's answer. A handler still busy then is
	// answered TimeoutAction (its ctx is done). If zero, 10 s; if
	// negative, no limit. Postfix waits smtpd_policy_service_timeout
	// (100 s) before it gives up with 451 4.3.5.
	RequestTimeout time.Duration
	// TimeoutAction answers a request whose handler timed out or
	// panicked. If empty, DUNNO: a policy that cannot decide in time does
	// not stop the mail.
	TimeoutAction string
	// IdleTimeout closes a connection that sends no request for that
	// long. If zero, 330 s (Postfix closes its own idle connections
	// after smtpd_policy_service_max_idle, 300 s).
	IdleTimeout time.Duration
	// MaxConns bounds the open connections; more wait to be accepted.
	// If zero, 1024 (Postfix opens at most one per smtpd process,
	// default_process_limit 100).
	MaxConns int
	// Logf, if not nil, receives a line for each malformed request,
	// timeout, panic and connection error, with the client's address.
	// It must be safe for concurrent use.
	Logf func(format string, args ...any)

	mu         sync.Mutex
	base       context.Context // parent of the handlers' contexts
	cancelBase context.CancelFunc
	listeners  map[net.Listener]struct{}
	conns      map[*conn]struct{}
	closing    bool
	wg         sync.WaitGroup // one per tracked connection
}

func (s *Server) requestTimeout() time.Duration {
	if s.RequestTimeout == 0 {
		return 10 * time.Second
	}
	return s.RequestTimeout
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout <= 0 {
		return 330 * time.Second
	}
	return s.IdleTimeout
}

func (s *Server) maxConns() int {
	if s.MaxConns <= 0 {
		return 1024
	}
	return s.MaxConns
}

func (s *Server) timeoutAction() string {
	if s.TimeoutAction == "" {
		return Dunno
	}
	return s.TimeoutAction
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// Serve accepts connections on l and serves them until Shutdown (then
// it returns ErrServerClosed) or until Accept fails for good. It closes
// l when it returns.
func (s *Server) Serve(l net.Listener) error {
	if s.Handler == nil {
		return errors.New("policy: Server.Handler is nil")
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	if s.base == nil {
		s.base, s.cancelBase = context.WithCancel(context.Background())
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	sem := make(chan struct{}, s.maxConns())
	var delay time.Duration
	for {
		sem <- struct{}{}
		c, err := l.Accept()
		if err != nil {
			<-sem
			if s.isClosing() {
				return ErrServerClosed
			}
			if retryAccept(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.logf("policy: accept: %v; retrying in %v", err, delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		cn := &conn{srv: s, c: c}
		if !s.track(cn) {
			<-sem
			c.Close()
			return ErrServerClosed
		}
		go func() {
			defer func() { <-sem }()
			cn.serve()
		}()
	}
}

// retryAccept reports whether Accept may succeed later: out of file
// descriptors or memory.
func retryAccept(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops the server gracefully: it closes the listeners, closes
// the connections waiting for a request, lets each request being
// served get its answer, then closes its connection. It returns when
// every connection is closed, or when ctx is done: then it closes the
// remaining connections at once, cancels the contexts of the handlers
// still running (which end on their own) and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.interruptIdle()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.c.Close()
		}
		if s.cancelBase != nil {
			s.cancelBase()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// conn is one client connection.
type conn struct {
	srv  *Server
	c    net.Conn
	idle bool // waiting for a request; guarded by srv.mu
}

// interruptIdle wakes a connection waiting for a request, so that it
// ends; one serving a request ends after its answer. Called with srv.mu
// held.
func (c *conn) interruptIdle() {
	if c.idle {
		_ = c.c.SetReadDeadline(time.Now())
	}
}

// setIdle marks the connection as waiting for a request, with the idle
// timeout, unless the server is shutting down; it reports whether to go
// on.
func (c *conn) setIdle() bool {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	if c.srv.closing {
		return false
	}
	c.idle = true
	_ = c.c.SetReadDeadline(time.Now().Add(c.srv.idleTimeout()))
	return true
}

// setBusy marks the connection as serving a request: a request whose
// first octet came is answered, even during a shutdown.
func (c *conn) setBusy() {
	c.srv.mu.Lock()
	c.idle = false
	c.srv.mu.Unlock()
}

func (c *conn) serve() {
	defer c.srv.untrack(c)
	defer c.c.Close()
	s := c.srv
	r := NewReader(c.c, s.Limits)
	peer := c.c.RemoteAddr()
	for {
		if !c.setIdle() {
			return
		}
		if err := r.Peek(); err != nil {
			if !isClosedOrEOF(err) && !s.isClosing() {
				s.logf("policy: %v: %v", peer, err)
			}
			return
		}
		c.setBusy()
		timeout := s.requestTimeout()
		if timeout > 0 {
			_ = c.c.SetReadDeadline(time.Now().Add(timeout))
		} else {
			_ = c.c.SetReadDeadline(time.Time{})
		}
		req, err := r.ReadRequest()
		action := ""
		keep := true
		var re *RequestError
		switch {
		case err == nil:
			if v := req.Get("request"); v != "smtpd_access_policy" {
				s.logf("policy: %v: %v (request=%.40q); answered DUNNO", peer, ErrUnsupportedRequest, v)
				action = Dunno
			} else {
				var answered bool
				if action, answered = c.handle(req, timeout); answered {
					continue
				}
			}
		case errors.As(err, &re):
			s.logf("policy: %v: malformed request: %v; answered DUNNO", peer, err)
			action, keep = Dunno, re.Synced
			if errors.Is(err, ErrTruncated) {
				return
			}
		default:
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				s.logf("policy: %v: request not complete within %v; connection closed", peer, timeout)
			case !isClosedOrEOF(err):
				s.logf("policy: %v: %v", peer, err)
			}
			return
		}
		_ = c.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := WriteResponse(c.c, action); err != nil {
			s.logf("policy: %v: writing the answer: %v", peer, err)
			return
		}
		if !keep {
			return
		}
	}
}

// handle calls the handler on the connection's goroutine (no goroutine
// per request: one scheduling hop less on the path of every answer)
// under the request timeout, recovering a panic. When the timeout passes
// first, the timer writes TimeoutAction to the client at once and handle
// reports answered: what the handler returns later is dropped, and the
// connection reads its next request only then.
func (c *conn) handle(req Request, timeout time.Duration) (action string, answered bool) {
	s := c.srv
	ctx := s.base
	var (
		mu   sync.Mutex
		done bool // an answer was written or is being chosen
	)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
		stop := context.AfterFunc(ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			if done {
				return
			}
			done = true
			s.logf("policy: %v: %v after %v; answered %s", c.c.RemoteAddr(), ErrTimeout, timeout, s.timeoutAction())
			_ = c.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := WriteResponse(c.c, s.timeoutAction()); err != nil {
				s.logf("policy: %v: writing the answer: %v", c.c.RemoteAddr(), err)
			}
		})
		defer stop()
	}
	defer func() {
		p := recover()
		mu.Lock()
		defer mu.Unlock()
		answered = done
		done = true
		switch {
		case answered:
		case p != nil:
			s.logf("policy: %v: %v: %v; answered %s", c.c.RemoteAddr(), ErrPanic, p, s.timeoutAction())
			action = s.timeoutAction()
		case ctx.Err() != nil:
			// Out of time before the timer could answer: what the
			// handler decided after its deadline does not count
			// either.
			s.logf("policy: %v: %v after %v; answered %s", c.c.RemoteAddr(), ErrTimeout, timeout, s.timeoutAction())
			action = s.timeoutAction()
		}
	}()
	return s.Handler.ServePolicy(ctx, req), false
}

// isClosedOrEOF reports whether err is the end of a connection rather
// than a failure worth a log line: the client closed it, the server did,
// or it was idle too long.
func isClosedOrEOF(err error) bool {
	var ne net.Error
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || (errors.As(err, &ne) && ne.Timeout())
}
