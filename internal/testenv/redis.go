package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RedisServer is a redis-server that Redis started for one test.
type RedisServer struct {
	// Addr is the server's loopback address, "127.0.0.1:port".
	Addr string
	// Dir is the server's working directory (a temp dir of the test).
	Dir string

	cmd *exec.Cmd
}

// Redis starts a real redis-server (Debian package redis-server) for tb
// on a free loopback port, with its working directory in tb's temp dir,
// no persistence and no password, and stops it when tb ends. It skips tb
// when redis-server is not installed (fails it under
// SPAMKIT_INTEGRATION=1), and fails tb when the server does not answer
// PING within 10 s.
//
// Each call starts its own server, so tests that call Redis can run in
// parallel and never see each other's keys.
func Redis(tb testing.TB) *RedisServer {
	tb.Helper()
	bin := Program(tb, "redis-server")
	dir := tb.TempDir()
	// A free port: bind :0, read it, close, and let redis bind it. A
	// race with another process taking the port in between is possible
	// but rare on loopback; a failed start is retried on a new port.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("testenv: no free loopback port: %v", err)
		}
		s := &RedisServer{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir}
		s.cmd = exec.Command(bin,
			"--port", fmt.Sprint(port),
			"--bind", "127.0.0.1",
			"--dir", dir,
			"--save", "",
			"--appendonly", "no",
			"--protected-mode", "no",
			"--daemonize", "no",
			"--logfile", filepath.Join(dir, "redis.log"),
		)
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := s.cmd.Start(); err != nil {
			tb.Fatalf("testenv: starting %s: %v", bin, err)
		}
		if lastErr = s.waitPing(10 * time.Second); lastErr == nil {
			tb.Cleanup(s.stop)
			return s
		}
		s.stop()
	}
	log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	tb.Fatalf("testenv: redis-server did not answer PING: %v\nlog:\n%s", lastErr, log)
	return nil
}

// Stop stops the server now (a test of what a client does when Redis
// goes away); the cleanup tb registered then does nothing more.
func (s *RedisServer) Stop() { s.stop() }

func (s *RedisServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// waitPing waits until the server answers PING with +PONG.
func (s *RedisServer) waitPing(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var err error
	for time.Now().Before(deadline) {
		if err = ping(s.Addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
