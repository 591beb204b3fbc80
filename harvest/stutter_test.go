package harvest

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"testing/synctest"
	"time"
)

func TestStutterConn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		sc := &StutterConn{Conn: a}
		const reply = "421 4.7.1 go away\r\n"
		start := time.Now()
		done := make(chan error, 1)
		go func() { _, err := io.WriteString(sc, reply); done <- err }()
		buf := make([]byte, 64)
		got := ""
		for i := 1; len(got) < len(reply); i++ {
			n, err := b.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("read %d octets at once, want 1", n)
			}
			if at := time.Since(start); at != time.Duration(i)*DefaultStutterDelay {
				t.Fatalf("octet %d arrived after %v, want %v", i, at, time.Duration(i)*DefaultStutterDelay)
			}
			got += string(buf[:n])
		}
		if got != reply {
			t.Errorf("read %q, want %q", got, reply)
		}
		if err := <-done; err != nil {
			t.Errorf("Write: %v", err)
		}

		// Close ends a stuttering write at once.
		go func() { _, err := io.WriteString(sc, "250 ok\r\n"); done <- err }()
		b.Read(buf) // the first octet
		before := time.Now()
		sc.Close()
		if err := <-done; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write after Close: %v, want net.ErrClosed", err)
		}
		if time.Since(before) != 0 {
			t.Errorf("Close took %v of stuttering", time.Since(before))
		}
	})
}

// With For set, only the first span stutters.
func TestStutterConnFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		sc := &StutterConn{Conn: a, Delay: 500 * time.Millisecond, For: 2 * time.Second}
		defer sc.Close()
		go io.WriteString(sc, "220 0123456789\r\n")
		start := time.Now()
		all := make([]byte, 0, 64)
		buf := make([]byte, 64)
		for len(all) < 16 {
			n, err := b.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, buf[:n]...)
		}
		// 4 octets at 0.5 s each, then the rest at once.
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("the reply took %v, want 2s", got)
		}
		if string(all) != "220 0123456789\r\n" {
			t.Errorf("read %q", all)
		}
	})
}

// A write deadline ends a stuttering write, as it would a slow one.
func TestStutterConnDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		sc := &StutterConn{Conn: a}
		defer sc.Close()
		go io.Copy(io.Discard, b)
		start := time.Now()
		sc.SetWriteDeadline(start.Add(3500 * time.Millisecond))
		n, err := io.WriteString(sc, "421 4.7.1 go away\r\n")
		if !errors.Is(err, os.ErrDeadlineExceeded) || n != 3 {
			t.Errorf("Write = %d, %v; want 3 octets and os.ErrDeadlineExceeded", n, err)
		}
		if got := time.Since(start); got != 3500*time.Millisecond {
			t.Errorf("the write ended after %v, want at the deadline", got)
		}
		// Cleared, the deadline no longer applies.
		sc.SetDeadline(time.Time{})
		if n, err := io.WriteString(sc, "ok"); n != 2 || err != nil {
			t.Errorf("Write after clearing = %d, %v", n, err)
		}
	})
}
