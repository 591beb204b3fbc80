package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// recordConn is the network side of a bufConn under test: it records
// each Write (one system call on a real connection) and serves reads
// from in.
type recordConn struct {
	net.Conn
	mu        sync.Mutex
	writes    [][]byte
	writeErr  error
	deadlines []time.Time
	in        *bytes.Reader
	closed    bool
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writeErr != nil {
		return 0, c.writeErr
	}
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func (c *recordConn) Read(p []byte) (int, error) { return c.in.Read(p) }

func (c *recordConn) SetWriteDeadline(t time.Time) error {
	c.deadlines = append(c.deadlines, t)
	return nil
}

func (c *recordConn) Close() error {
	c.closed = true
	return nil
}

func (c *recordConn) sent() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// packet is a milter packet as go-milter writes it: two writes.
func packet(code byte, data string) [][]byte {
	n := len(data) + 1
	return [][]byte{{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n), code}, []byte(data)}
}

func TestBufConnHoldsWritesUntilRead(t *testing.T) {
	rc := &recordConn{in: bytes.NewReader([]byte("next command"))}
	c := newBufConn(rc, time.Minute)
	var want []byte
	for _, p := range append(packet('h', "X-Spam-Flag\x00NO\x00"), packet('a', "")...) {
		if n, err := c.Write(p); err != nil || n != len(p) {
			t.Fatalf("Write = %d, %v", n, err)
		}
		want = append(want, p...)
	}
	if got := rc.sent(); len(got) != 0 {
		t.Fatalf("sent before the milter waits for input: %q", got)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	got := rc.sent()
	if len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("sent %q, want one write of %q", got, want)
	}
	// The rest of the command is buffered: reading it sends nothing.
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != " com" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if len(rc.sent()) != 1 {
		t.Fatalf("writes: %q", rc.sent())
	}
	// The held write had a deadline of its own, cleared after.
	if len(rc.deadlines) != 2 || rc.deadlines[0].IsZero() || !rc.deadlines[1].IsZero() {
		t.Errorf("write deadlines %v, want one set and then cleared", rc.deadlines)
	}
}

func TestBufConnSendsProgressAtOnce(t *testing.T) {
	rc := &recordConn{in: bytes.NewReader(nil)}
	c := newBufConn(rc, 0)
	p := packet('p', "")
	if _, err := c.Write(p[0]); err != nil {
		t.Fatal(err)
	}
	if got := rc.sent(); len(got) != 1 || !bytes.Equal(got[0], p[0]) {
		t.Fatalf("progress packet: sent %q", got)
	}
	if len(rc.deadlines) != 0 {
		t.Errorf("write deadline set without a write timeout: %v", rc.deadlines)
	}
}

func TestBufConnSendsWhenTooMuchWaits(t *testing.T) {
	rc := &recordConn{in: bytes.NewReader(nil)}
	c := newBufConn(rc, 0)
	chunk := bytes.Repeat([]byte("b"), 40<<10)
	for range 2 {
		if _, err := c.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	got := rc.sent()
	if len(got) != 1 || len(got[0]) != 80<<10 {
		t.Fatalf("after 80 KiB: %d writes", len(got))
	}
}

func TestBufConnCloseSends(t *testing.T) {
	rc := &recordConn{in: bytes.NewReader(nil)}
	c := newBufConn(rc, 0)
	p := packet('y', "451\x004.3.0\x00try later\x00")
	for _, w := range p {
		_, _ = c.Write(w)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := rc.sent(); len(got) != 1 || !bytes.Equal(got[0], append(p[0], p[1]...)) {
		t.Fatalf("sent %q", got)
	}
	if !rc.closed {
		t.Error("not closed")
	}
}

func TestBufConnWriteErrorFromRead(t *testing.T) {
	broken := errors.New("broken pipe")
	rc := &recordConn{in: bytes.NewReader([]byte("data")), writeErr: broken}
	c := newBufConn(rc, 0)
	if _, err := c.Write([]byte("reply")); err != nil {
		t.Fatalf("held Write = %v", err)
	}
	if _, err := c.Read(make([]byte, 4)); !errors.Is(err, broken) {
		t.Fatalf("Read = %v, want the held write's error", err)
	}
}

// TestBufConnRealSocket runs a request and reply over loopback TCP: the
// reply reaches the peer once the milter side reads again.
func TestBufConnRealSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bl := bufListener{Listener: ln, writeTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		c, err := bl.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		buf := make([]byte, 4)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				done <- nil // the peer closed
				return
			}
			for _, w := range packet('c', string(buf)) {
				if _, err := c.Write(w); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = peer.SetDeadline(time.Now().Add(10 * time.Second))
	for _, req := range []string{"one.", "two."} {
		if _, err := peer.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		reply := make([]byte, 9)
		if _, err := io.ReadFull(peer, reply); err != nil {
			t.Fatalf("reply to %q: %v", req, err)
		}
		if want := "\x00\x00\x00\x05c" + req; string(reply) != want {
			t.Fatalf("reply %q, want %q", reply, want)
		}
	}
	peer.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
