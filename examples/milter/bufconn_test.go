package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/d--j/go-milter"
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
	ln := listenLoopback(t)
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

// replaceBackend answers the end of a message by replacing its body
// with body, and says on done when go-milter ends the session.
type replaceBackend struct {
	milter.NoOpMilter
	body []byte
	done chan<- struct{}
}

func (r replaceBackend) EndOfMessage(m milter.Modifier) (*milter.Response, error) {
	if err := m.ReplaceBody(bytes.NewReader(r.body)); err != nil {
		return nil, err
	}
	return milter.RespAccept, nil
}

func (r replaceBackend) Cleanup(milter.Modifier) { r.done <- struct{}{} }

// writeRawPacket writes one milter packet as an MTA does.
func writeRawPacket(t *testing.T, c net.Conn, code byte, data []byte) {
	t.Helper()
	n := len(data) + 1
	if _, err := c.Write(append([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n), code}, data...)); err != nil {
		t.Fatal(err)
	}
}

// negotiateRaw sends SMFIC_OPTNEG (version 6, every action, no protocol
// option) and reads the milter's answer.
func negotiateRaw(t *testing.T, c net.Conn) {
	t.Helper()
	writeRawPacket(t, c, 'O', []byte{0, 0, 0, 6, 0, 0, 1, 0xff, 0, 0, 0, 0})
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatalf("negotiation reply: %v", err)
	}
	if _, err := io.ReadFull(c, make([]byte, binary.BigEndian.Uint32(hdr[:]))); err != nil {
		t.Fatalf("negotiation reply: %v", err)
	}
}

// TestBufConnPeerStopsReading: an MTA that sends the end of a message
// and then reads nothing while the milter writes a body replacement of
// many MiB must not hold the session forever: the held and the large
// writes keep go-milter's write timeout, and the session ends.
func TestBufConnPeerStopsReading(t *testing.T) {
	ln := listenLoopback(t)
	const wt = 200 * time.Millisecond
	done := make(chan struct{}, 1)
	ms := milter.NewServer(milter.WithMilter(func() milter.Milter {
		return replaceBackend{body: bytes.Repeat([]byte("x"), 32<<20), done: done}
	}), milter.WithActions(milter.OptChangeBody), milter.WithWriteTimeout(wt))
	go func() { _ = ms.Serve(bufListener{ln, wt}) }()
	defer ms.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if tc, ok := peer.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	_ = peer.SetDeadline(time.Now().Add(30 * time.Second))
	negotiateRaw(t, peer)
	writeRawPacket(t, peer, 'E', nil)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the session still runs 30 s after its peer stopped reading (write timeout 200 ms)")
	}
}

// headerBackend adds a field at the end of each message.
type headerBackend struct{ milter.NoOpMilter }

func (headerBackend) RcptTo(string, string, milter.Modifier) (*milter.Response, error) {
	return milter.RespContinue, nil
}

func (headerBackend) Header(string, string, milter.Modifier) (*milter.Response, error) {
	return milter.RespContinue, nil
}

func (headerBackend) BodyChunk([]byte, milter.Modifier) (*milter.Response, error) {
	return milter.RespContinue, nil
}

func (headerBackend) EndOfMessage(m milter.Modifier) (*milter.Response, error) {
	if err := m.AddHeader("X-Test", "yes"); err != nil {
		return nil, err
	}
	return milter.RespAccept, nil
}

// TestBufConnCloseDuringTraffic closes the server (every session's
// connection, from go-milter's goroutine) while clients send messages
// through bufConns: under -race this is where a data race between
// Close's flush and the session's reads and writes would show.
func TestBufConnCloseDuringTraffic(t *testing.T) {
	ln := listenLoopback(t)
	ms := milter.NewServer(milter.WithMilter(func() milter.Milter { return headerBackend{} }),
		milter.WithActions(milter.OptAddHeader), milter.WithWriteTimeout(time.Second))
	go func() { _ = ms.Serve(bufListener{ln, time.Second}) }()
	client := milter.NewClient("tcp", ln.Addr().String(), milter.WithAction(milter.AllClientSupportedActionMasks))
	var wg sync.WaitGroup
	var delivered sync.WaitGroup
	delivered.Add(4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			for {
				s, err := client.Session(nil)
				if err != nil {
					if first {
						t.Errorf("Session: %v", err)
						delivered.Done()
					}
					return
				}
				_, _ = s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.1")
				_, _ = s.Helo("client.test")
				_, _ = s.Mail("<a@example.com>", "")
				_, _ = s.Rcpt("<b@example.test>", "")
				_, _ = s.DataStart()
				_, _ = s.HeaderField("Subject", " hi", nil)
				_, _ = s.HeaderEnd()
				_, _ = s.BodyChunk([]byte("hello\r\n"))
				mods, act, err := s.End()
				s.Close()
				if err != nil {
					if first {
						t.Errorf("End: %v", err)
						delivered.Done()
					}
					return
				}
				if first {
					if act.Type != milter.ActionAccept || len(mods) != 1 {
						t.Errorf("End = %+v, %v; want accept with one field", mods, act)
					}
					first = false
					delivered.Done()
				}
			}
		}()
	}
	delivered.Wait()
	if err := ms.Close(); err != nil {
		t.Logf("Close: %v", err)
	}
	wg.Wait()
}

// TestBufConnReleasesConnectionSlot: with max_connections = 1, each
// session's bufConn closes the limit listener's connection, so that
// sessions one after the other are all served.
func TestBufConnReleasesConnectionSlot(t *testing.T) {
	cfg := localConfig()
	cfg.MaxConnections = 1
	client := serve(t, newTestServer(t, cfg), milter.WithReadTimeout(10*time.Second), milter.WithWriteTimeout(10*time.Second))
	for i := range 3 {
		s, err := client.Session(nil)
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if _, err := s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.1"); err != nil {
			t.Fatalf("session %d: Conn: %v", i, err)
		}
		s.Close()
	}
}

// progressBackend sends SMFIR_PROGRESS at the end of a message and
// answers only once the peer says it has seen it.
type progressBackend struct {
	milter.NoOpMilter
	seen <-chan struct{}
}

func (p progressBackend) EndOfMessage(m milter.Modifier) (*milter.Response, error) {
	if err := m.Progress(); err != nil {
		return nil, err
	}
	select {
	case <-p.seen:
		return milter.RespAccept, nil
	case <-time.After(20 * time.Second):
		return nil, errors.New("the progress packet never reached the MTA")
	}
}

// readRawPacket reads one packet as an MTA does.
func readRawPacket(t *testing.T, c net.Conn) (byte, []byte) {
	t.Helper()
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatalf("reading a packet: %v", err)
	}
	data := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(c, data); err != nil || len(data) == 0 {
		t.Fatalf("reading a packet: %v", err)
	}
	return data[0], data[1:]
}

// TestBufConnProgressReachesMTA: go-milter's Progress, written as it
// writes it, leaves at once, though the milter reads nothing until it
// has answered: the MTA sees it while the milter still works.
func TestBufConnProgressReachesMTA(t *testing.T) {
	ln := listenLoopback(t)
	seen := make(chan struct{})
	ms := milter.NewServer(milter.WithMilter(func() milter.Milter { return progressBackend{seen: seen} }),
		milter.WithWriteTimeout(10*time.Second))
	go func() { _ = ms.Serve(bufListener{ln, 10 * time.Second}) }()
	defer ms.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	_ = peer.SetDeadline(time.Now().Add(30 * time.Second))
	negotiateRaw(t, peer)
	writeRawPacket(t, peer, 'E', nil)
	if code, _ := readRawPacket(t, peer); code != 'p' {
		t.Fatalf("first reply to the end of message %q, want progress 'p'", code)
	}
	close(seen)
	if code, _ := readRawPacket(t, peer); code != 'a' {
		t.Fatalf("verdict %q, want accept 'a'", code)
	}
}
