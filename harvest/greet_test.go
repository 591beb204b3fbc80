package harvest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// greetWait is the pause of the loopback tests: real time, as the
// client's behaviour on a real socket is what is tested.
const greetWait = 300 * time.Millisecond

// serve runs a minimal SMTP-like server on l: a banner, then one line
// read and echoed back as "250 <line>".
func serve(t *testing.T, l net.Listener) {
	t.Helper()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, "220 mx.example ESMTP\r\n")
				line, err := bufio.NewReader(c).ReadString('\n')
				if err != nil {
					return
				}
				io.WriteString(c, "250 "+line)
			}()
		}
	}()
}

func listen(t *testing.T, gl *GreetListener) (addr string, outcomes <-chan GreetOutcome) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan GreetOutcome, 16)
	gl.Listener = l
	gl.Report = func(o GreetOutcome) { ch <- o }
	t.Cleanup(func() { gl.Close() })
	serve(t, gl)
	return l.Addr().String(), ch
}

func next(t *testing.T, ch <-chan GreetOutcome) GreetOutcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no greeting outcome")
		return GreetOutcome{}
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGreetPauseLoopback(t *testing.T) {
	t.Parallel()
	addr, outcomes := listen(t, &GreetListener{Pause: GreetPause{Wait: greetWait}})

	// A polite client waits for the banner, then speaks.
	t.Run("polite", func(t *testing.T) {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		banner, err := r.ReadString('\n')
		if err != nil || banner != "220 mx.example ESMTP\r\n" {
			t.Fatalf("banner %q, %v", banner, err)
		}
		io.WriteString(c, "EHLO client.example\r\n")
		if line, _ := r.ReadString('\n'); line != "250 EHLO client.example\r\n" {
			t.Errorf("reply %q", line)
		}
		o := next(t, outcomes)
		if o.Result != GreetPass || o.Waited < greetWait || len(o.Early) != 0 || !o.Client.IsLoopback() {
			t.Errorf("polite client: %v, want pass after the full pause", o)
		}
	})

	// An early talker speaks at once; it is flagged, and what it sent is
	// still read by the server after the banner.
	t.Run("early talker", func(t *testing.T) {
		c := dial(t, addr)
		io.WriteString(c, "EHLO bot\r\n")
		o := next(t, outcomes)
		if o.Result != GreetPregreet || string(o.Early) != "EHLO bot\r\n" || o.Reason() != "talked before the greeting" {
			t.Errorf("early talker: %v, want pregreet with its command", o)
		}
		r := bufio.NewReader(c)
		r.ReadString('\n') // banner
		if line, _ := r.ReadString('\n'); line != "250 EHLO bot\r\n" {
			t.Errorf("the server read %q, want the early command", line)
		}
	})

	t.Run("hangup", func(t *testing.T) {
		c := dial(t, addr)
		c.Close()
		if o := next(t, outcomes); o.Result != GreetHangup {
			t.Errorf("hangup: %v", o)
		}
	})
}

func TestGreetListenerDrop(t *testing.T) {
	t.Parallel()
	addr, outcomes := listen(t, &GreetListener{Pause: GreetPause{Wait: greetWait, Banner: "mx.example"}, Drop: true})

	c := dial(t, addr)
	io.WriteString(c, "HELO bot\r\n")
	all, _ := io.ReadAll(c)
	if want := "220-mx.example\r\n521 5.5.1 Protocol error\r\n"; string(all) != want {
		t.Errorf("early talker got %q, want %q and the connection closed", all, want)
	}
	if o := next(t, outcomes); o.Result != GreetPregreet {
		t.Errorf("outcome %v", o)
	}

	// A polite client reads the first line of the multi-line banner and
	// waits for the last.
	c = dial(t, addr)
	r := bufio.NewReader(c)
	first, _ := r.ReadString('\n')
	last, _ := r.ReadString('\n')
	if first != "220-mx.example\r\n" || last != "220 mx.example ESMTP\r\n" {
		t.Errorf("polite client read %q %q", first, last)
	}
	if o := next(t, outcomes); o.Result != GreetPass {
		t.Errorf("outcome %v", o)
	}
}

func TestGreetListenerMaxPending(t *testing.T) {
	t.Parallel()
	addr, outcomes := listen(t, &GreetListener{Pause: GreetPause{Wait: 5 * time.Second}, MaxPending: 1})
	dial(t, addr) // holds the one pause slot
	c := dial(t, addr)
	o := next(t, outcomes)
	if o.Result != GreetSkipped || !errors.Is(o.Err, ErrTooManyPending) || o.Reason() != "greeting pause skipped" {
		t.Errorf("second connection: %v, want skipped with ErrTooManyPending", o)
	}
	// It is served at once, without the pause.
	if banner, _ := bufio.NewReader(c).ReadString('\n'); banner != "220 mx.example ESMTP\r\n" {
		t.Errorf("banner %q", banner)
	}
}

// Closing the listener ends the pauses under way and Accept.
func TestGreetListenerClose(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	began := make(chan struct{}, 1)
	now := func() time.Time { // called as the pause begins
		select {
		case began <- struct{}{}:
		default:
		}
		return time.Now()
	}
	gl := &GreetListener{Listener: l, Pause: GreetPause{Wait: time.Minute, Now: now}}
	var wg sync.WaitGroup
	wg.Add(1)
	var acceptErr error
	go func() { defer wg.Done(); _, acceptErr = gl.Accept() }()
	c := dial(t, l.Addr().String())
	<-began // the connection is in its pause
	gl.Close()
	wg.Wait()
	if !errors.Is(acceptErr, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", acceptErr)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the paused connection is still open")
	}
}

func TestGreetPauseContext(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	gc, err := (&GreetPause{Wait: time.Minute}).Check(ctx, a)
	if err != nil || gc.Outcome.Result != GreetSkipped || !errors.Is(gc.Outcome.Err, context.Canceled) {
		t.Errorf("cancelled pause: %v, %v", gc.Outcome, err)
	}
	if _, err := (&GreetPause{}).Check(ctx, nil); err == nil {
		t.Error("Check(nil conn) = nil error")
	}
	if s := (GreetOutcome{Result: GreetPregreet, Early: []byte("EHLO \x00\"x\"\r\n")}).String(); !strings.Contains(s, `"EHLO \x00\"x\"\r\n"`) {
		t.Errorf("String = %s", s)
	}
}

// MaxEarlyBytes bounds what the outcome keeps; the rest is still read
// from the connection, in order.
func TestGreetMaxEarlyBytes(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go io.WriteString(b, "EHLO bot.example\r\n")
	gc, err := (&GreetPause{Wait: 10 * time.Second, MaxEarlyBytes: 4}).Check(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if gc.Outcome.Result != GreetPregreet || string(gc.Outcome.Early) != "EHLO" {
		t.Errorf("outcome %v, want pregreet keeping 4 octets", gc.Outcome)
	}
	line, err := bufio.NewReader(gc).ReadString('\n')
	if err != nil || line != "EHLO bot.example\r\n" {
		t.Errorf("read %q, %v; want the whole command", line, err)
	}
}
