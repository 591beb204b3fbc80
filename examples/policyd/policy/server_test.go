package policy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeListener is a net.Listener of in-memory connections (net.Pipe),
// so that servers run inside a synctest bubble with fake time.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error { l.once.Do(func() { close(l.done) }); return nil }

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// dial returns the client side of a new connection to the server.
func (l *pipeListener) dial(t *testing.T) *client {
	t.Helper()
	c, s := net.Pipe()
	select {
	case l.conns <- s:
	case <-l.done:
		t.Fatal("dial: listener closed")
	}
	t.Cleanup(func() { c.Close() })
	return &client{c: c, r: bufio.NewReader(c)}
}

type client struct {
	c net.Conn
	r *bufio.Reader
}

// ask sends a request and reads the answer: the action, or the error
// (io.EOF when the server closed the connection).
func (c *client) ask(req string) (string, error) {
	if _, err := io.WriteString(c.c, req); err != nil {
		return "", err
	}
	return c.answer()
}

func (c *client) answer() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	empty, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if empty != "\n" || !strings.HasPrefix(line, "action=") {
		return "", fmt.Errorf("answer %q%q is not action= and an empty line", line, empty)
	}
	return strings.TrimSuffix(strings.TrimPrefix(line, "action="), "\n"), nil
}

// logs collects Logf lines.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// start serves h on a pipe listener; Serve's error is sent on the
// returned channel.
func start(t *testing.T, s *Server) (*pipeListener, <-chan error) {
	l := newPipeListener()
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return l, errc
}

// echo answers "DUNNO recipient" for the request's recipient, so a test
// sees which request an answer is for.
var echo = HandlerFunc(func(ctx context.Context, req Request) string {
	return "DUNNO " + req.Get("recipient")
})

func TestServerRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log logs
		s := &Server{Handler: echo, Logf: log.logf, Limits: Limits{MaxRequestBytes: 1024}}
		l, _ := start(t, s)
		c := l.dial(t)
		for _, tc := range []struct {
			name, req, want string
			logged          string
		}{
			{"first", "request=smtpd_access_policy\nrecipient=a@example.org\n\n", "DUNNO a@example.org", ""},
			{"second on the same connection", "request=smtpd_access_policy\nrecipient=b@example.org\n\n", "DUNNO b@example.org", ""},
			{"malformed", "request=smtpd_access_policy\nrecipient\n\n", "DUNNO", "malformed attribute line (line 2 of the request); answered DUNNO"},
			{"not a policy request", "request=junk\nrecipient=c@example.org\n\n", "DUNNO", `not an smtpd_access_policy request (request="junk")`},
			{"no request attribute", "recipient=c@example.org\n\n", "DUNNO", `not an smtpd_access_policy request (request="")`},
			{"after the malformed", "request=smtpd_access_policy\nrecipient=d@example.org\n\n", "DUNNO d@example.org", ""},
		} {
			got, err := c.ask(tc.req)
			if err != nil || got != tc.want {
				t.Errorf("%s: answer %q, %v; want %q", tc.name, got, err, tc.want)
			}
			if tc.logged != "" && !strings.Contains(log.String(), tc.logged) {
				t.Errorf("%s: log lacks %q:\n%s", tc.name, tc.logged, log.String())
			}
		}
		// A request past MaxRequestBytes is answered DUNNO, and the
		// connection closed: its end cannot be found.
		got, err := c.ask("request=smtpd_access_policy\nx=" + strings.Repeat("y", 2000) + "\n\n")
		if err != nil || got != Dunno {
			t.Errorf("oversized request: answer %q, %v; want DUNNO", got, err)
		}
		if _, err := c.answer(); err != io.EOF {
			t.Errorf("after an oversized request: %v, want the connection closed (io.EOF)", err)
		}
		if !strings.Contains(log.String(), "request too large (line 2 of the request); answered DUNNO") {
			t.Errorf("log lacks the oversized request:\n%s", log.String())
		}
	})
}

// TestServerConcurrentConnections serves interleaved requests of several
// connections, each answered in its own order.
func TestServerConcurrentConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &Server{Handler: echo}
		l, _ := start(t, s)
		var wg sync.WaitGroup
		for i := range 8 {
			c := l.dial(t)
			wg.Go(func() {
				for j := range 20 {
					rcpt := fmt.Sprintf("r%d.%d@example.org", i, j)
					got, err := c.ask("request=smtpd_access_policy\nrecipient=" + rcpt + "\n\n")
					if err != nil || got != "DUNNO "+rcpt {
						t.Errorf("connection %d request %d: %q, %v; want DUNNO %s", i, j, got, err, rcpt)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// TestServerTimeout: a handler that does not answer within
// RequestTimeout is answered TimeoutAction, and its ctx is done; one
// that panics likewise; the connection goes on.
func TestServerTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log logs
		canceled := make(chan error, 1)
		late := make(chan struct{})
		h := HandlerFunc(func(ctx context.Context, req Request) string {
			switch req.Get("recipient") {
			case "slow@example.org":
				<-ctx.Done()
				canceled <- ctx.Err()
				<-late
				return "REJECT too late"
			case "deadline@example.org":
				// Answers the moment its ctx ends: a race with the
				// timer that the timeout must win either way. (In the
				// bubble the timer mostly wins; policyd's
				// TestRequestTimeout caught the handler winning.)
				<-ctx.Done()
				return "REJECT at the deadline"
			case "panic@example.org":
				panic("boom")
			}
			return "OK"
		})
		s := &Server{Handler: h, RequestTimeout: 5 * time.Second, TimeoutAction: "DEFER_IF_PERMIT try later", Logf: log.logf}
		l, _ := start(t, s)
		c := l.dial(t)
		start := time.Now()
		got, err := c.ask("request=smtpd_access_policy\nrecipient=slow@example.org\n\n")
		if err != nil || got != "DEFER_IF_PERMIT try later" {
			t.Errorf("slow handler: answer %q, %v; want the TimeoutAction", got, err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("slow handler answered after %v, want RequestTimeout (5s)", d)
		}
		if err := <-canceled; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("slow handler's ctx: %v, want DeadlineExceeded", err)
		}
		close(late) // its late answer is dropped
		synctest.Wait()
		for range 20 {
			got, err = c.ask("request=smtpd_access_policy\nrecipient=deadline@example.org\n\n")
			if err != nil || got != "DEFER_IF_PERMIT try later" {
				t.Fatalf("handler answering at its deadline: answer %q, %v; want the TimeoutAction", got, err)
			}
		}
		got, err = c.ask("request=smtpd_access_policy\nrecipient=panic@example.org\n\n")
		if err != nil || got != "DEFER_IF_PERMIT try later" {
			t.Errorf("panicking handler: answer %q, %v; want the TimeoutAction", got, err)
		}
		got, err = c.ask("request=smtpd_access_policy\nrecipient=ok@example.org\n\n")
		if err != nil || got != "OK" {
			t.Errorf("after the timeout and the panic: answer %q, %v; want OK", got, err)
		}
		for _, want := range []string{"request timed out after 5s; answered DEFER_IF_PERMIT try later", "handler panicked: boom"} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, log.String())
			}
		}
	})
}

// TestServerSlowRequest: a client that starts a request and stops
// sending is cut off after RequestTimeout; one that sends nothing is
// closed after IdleTimeout.
func TestServerSlowRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log logs
		s := &Server{Handler: echo, RequestTimeout: 5 * time.Second, IdleTimeout: time.Minute, Logf: log.logf}
		l, _ := start(t, s)
		slow, idle := l.dial(t), l.dial(t)
		start := time.Now()
		if _, err := io.WriteString(slow.c, "request=smtpd_access_policy\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := slow.answer(); err != io.EOF {
			t.Errorf("half a request: %v, want the connection closed", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("half a request closed after %v, want RequestTimeout (5s)", d)
		}
		if want := "request not complete within 5s; connection closed"; !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
		if _, err := idle.answer(); err != io.EOF {
			t.Errorf("idle connection: %v, want it closed", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("idle connection closed after %v, want IdleTimeout (1m)", d)
		}
	})
}

// TestServerShutdown: Shutdown closes idle connections at once, lets a
// request being served get its answer, then closes that connection, and
// Serve returns ErrServerClosed.
func TestServerShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		entered := make(chan struct{})
		h := HandlerFunc(func(ctx context.Context, req Request) string {
			if req.Get("recipient") == "busy@example.org" {
				close(entered)
				<-release
				return "DEFER_IF_PERMIT greylisted"
			}
			return Dunno
		})
		s := &Server{Handler: h}
		l, errc := start(t, s)
		idle, busy := l.dial(t), l.dial(t)
		if got, err := idle.ask("request=smtpd_access_policy\nrecipient=idle@example.org\n\n"); err != nil || got != Dunno {
			t.Fatalf("idle connection's request: %q, %v", got, err)
		}
		answer := make(chan string, 1)
		go func() {
			a, err := busy.ask("request=smtpd_access_policy\nrecipient=busy@example.org\n\n")
			if err != nil {
				a = err.Error()
			}
			answer <- a
		}()
		<-entered
		shut := make(chan error, 1)
		go func() { shut <- s.Shutdown(context.Background()) }()
		synctest.Wait()
		if _, err := idle.answer(); err != io.EOF {
			t.Errorf("idle connection after Shutdown: %v, want closed", err)
		}
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v while a request was being served", err)
		default:
		}
		close(release)
		if a := <-answer; a != "DEFER_IF_PERMIT greylisted" {
			t.Errorf("request served during Shutdown: answer %q, want its action", a)
		}
		if _, err := busy.answer(); err != io.EOF {
			t.Errorf("busy connection after its answer: %v, want closed", err)
		}
		if err := <-shut; err != nil {
			t.Errorf("Shutdown = %v, want nil", err)
		}
		if err := <-errc; err != ErrServerClosed {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
}

// TestServerShutdownDeadline: a Shutdown whose ctx ends first closes the
// connections still serving and returns ctx's error.
func TestServerShutdownDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		entered := make(chan struct{})
		ended := make(chan error, 1)
		h := HandlerFunc(func(ctx context.Context, req Request) string {
			close(entered)
			<-ctx.Done()
			ended <- ctx.Err()
			return Dunno
		})
		s := &Server{Handler: h, RequestTimeout: time.Hour}
		l, _ := start(t, s)
		c := l.dial(t)
		go c.ask("request=smtpd_access_policy\n\n")
		<-entered
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Shutdown returned after %v, want its ctx's 1s", d)
		}
		// The handler's ctx was canceled by the forced shutdown, not
		// by its hour-long timeout.
		if err := <-ended; !errors.Is(err, context.Canceled) || time.Since(start) != time.Second {
			t.Errorf("handler's ctx ended with %v after %v, want Canceled at the shutdown", err, time.Since(start))
		}
	})
}

// TestServerMaxConns: connections past MaxConns wait to be accepted
// until one closes.
func TestServerMaxConns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &Server{Handler: echo, MaxConns: 2}
		l, _ := start(t, s)
		a, b := l.dial(t), l.dial(t)
		c, srv := net.Pipe()
		defer c.Close()
		accepted := make(chan struct{})
		go func() { l.conns <- srv; close(accepted) }()
		synctest.Wait()
		select {
		case <-accepted:
			t.Fatal("a third connection was accepted with MaxConns 2")
		default:
		}
		a.c.Close()
		<-accepted
		if got, err := b.ask("request=smtpd_access_policy\nrecipient=b@example.org\n\n"); err != nil || got != "DUNNO b@example.org" {
			t.Errorf("second connection: %q, %v", got, err)
		}
		s.Shutdown(context.Background())
	})
}
