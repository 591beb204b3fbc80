package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// BenchmarkPolicyServers answers one stream of Postfix policy requests
// with policyd (greylisting alone, as postgrey, with its in-memory store
// and with its durable bolt store; and with SPF too, "policyd+spf") and
// with Debian's postgrey (Perl, Berkeley DB), side by side, each server
// in a process of its own (policyd is this test binary run again, see
// benchChildEnv), over loopback TCP on persistent connections as
// Postfix's smtpd processes keep them. Each reports requests/s, the 50th
// and 99th percentile latencies of one request (send to answer), and
// requests per CPU second of the server process (req/server-cpu-s, from
// /proc: the figure to compare on a loaded machine).
//
// Durability, to compare like with like: Debian's postgrey opens its
// Berkeley DB with transactions and auto-commit, without DB_TXN_NOSYNC
// (Debian bug 334430), so each write request is committed with an
// fdatasync of its log before the answer (strace counts one or more
// per request); policyd's bolt store (-store bolt:, Sync) is the same
// durability (fsynced before the answer, concurrent checks committed
// together); its memory store keeps nothing across a restart. The stream (requestStream) has 8192
// distinct triplets from 2048 client networks, so the first pass of a run
// greylists new triplets and the next ones find them retried too early:
// both servers write their database on every request.
//
//	go test -run '^$' -bench PolicyServers -benchtime 5000x ./examples/policyd/
func BenchmarkPolicyServers(b *testing.B) {
	stream := requestStream(8192)
	b.Run("server=policyd", func(b *testing.B) {
		addr, pid := startPolicydBench(b, false)
		benchServer(b, addr, pid, stream)
	})
	b.Run("server=policyd,store=bolt", func(b *testing.B) {
		addr, pid := startPolicydBench(b, false, "-store", "bolt:"+filepath.Join(b.TempDir(), "greylist.db"))
		benchServer(b, addr, pid, stream)
	})
	b.Run("server=policyd+spf", func(b *testing.B) {
		addr, pid := startPolicydBench(b, true)
		benchServer(b, addr, pid, stream)
	})
	b.Run("server=postgrey", func(b *testing.B) {
		addr, pid := startPostgrey(b)
		benchServer(b, addr, pid, stream)
	})
}

// requestStream returns n RCPT requests as Postfix 3.7 sends them.
func requestStream(n int) [][]byte {
	reqs := make([][]byte, n)
	for i := range reqs {
		reqs[i] = fmt.Appendf(nil, "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"+
			"client_address=10.%d.%d.%d\nclient_name=unknown\nreverse_client_name=unknown\nhelo_name=mx%d.example.net\n"+
			"sender=user%d@sender%d.example.net\nrecipient=rcpt%d@example.org\nrecipient_count=0\nqueue_id=\n"+
			"instance=%x.6750a1b2.1a2b3.0\nsize=0\nccert_subject=\nccert_issuer=\nccert_fingerprint=\n"+
			"encryption_protocol=\nencryption_cipher=\nencryption_keysize=0\netrn_domain=\nstress=\n"+
			"sasl_method=\nsasl_username=\nsasl_sender=\npolicy_context=\nserver_address=127.0.0.1\nserver_port=25\n"+
			"compatibility_level=3.6\nmail_version=3.7.11\n\n",
			i/256%8, i%256/8, 1+i%7, i%61, i%97, i%2048, i%13, i)
	}
	return reqs
}

// conns is the number of client connections (Postfix's smtpd processes
// asking at once).
const conns = 8

// benchServer sends the stream round-robin over conns connections
// (b.N requests in all) and reports throughput and latency percentiles.
// Every answer must be a well-formed action.
func benchServer(b *testing.B, addr string, pid int, stream [][]byte) {
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	deferred := atomic.Int64{}
	b.ReportAllocs()
	b.SetParallelism((conns + 1) / 2) // RunParallel runs GOMAXPROCS×this goroutines
	cpu0 := procCPU(pid)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		var mine []time.Duration
		for pb.Next() {
			req := stream[int(next.Add(1)-1)%len(stream)]
			t0 := time.Now()
			if _, err := c.Write(req); err != nil {
				b.Error(err)
				return
			}
			line, err := r.ReadSlice('\n')
			if err != nil {
				b.Error(err)
				return
			}
			if !strings.HasPrefix(string(line), "action=") {
				b.Errorf("answer %q", line)
				return
			}
			if strings.HasPrefix(string(line), "action=DEFER_IF_PERMIT") {
				deferred.Add(1)
			}
			if empty, err := r.ReadSlice('\n'); err != nil || len(empty) != 1 {
				b.Errorf("answer not ended by an empty line: %q, %v", empty, err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	cpu := procCPU(pid) - cpu0
	if len(lat) == 0 {
		return
	}
	if d := deferred.Load(); d != int64(len(lat)) {
		b.Errorf("%d of %d requests deferred; every request of the stream should be greylisted", d, len(lat))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	if cpu > 0 {
		// The server's requests per second of its own CPU time: what
		// it would answer on one core, whatever else loads the machine.
		b.ReportMetric(float64(len(lat))/cpu.Seconds(), "req/server-cpu-s")
	}
}

// benchChildEnv, when set in the environment of this test binary, makes
// it run policyd with the flags it holds (one a line)
// instead of the tests: BenchmarkPolicyServers runs policyd in a process
// of its own, as postgrey runs and as Postfix's smtpd processes see it.
// In the benchmark's process, policyd shared the Go scheduler's two Ps
// with the benchmark's eight client goroutines (the measuring ones), and
// the p99 measured both.
const benchChildEnv = "POLICYD_BENCH_CHILD"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(benchChildEnv); ok {
		os.Exit(benchChild(strings.Split(args, "\n")))
	}
	os.Exit(m.Run())
}

// benchChild runs policyd until SIGTERM, printing its address on
// stdout once it listens.
func benchChild(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	hk := hooks{Ready: func(a net.Addr) { fmt.Println(a) }}
	if err := run(ctx, args, io.Discard, hk); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startPolicydBench runs policyd in a child process (benchChildEnv) with
// its memory store and greylisting alone (as postgrey), or with SPF too:
// then every sender domain of the stream publishes "v=spf1
// ip4:10.0.0.0/8 -all" on an in-process DNS server (-dns), answers are
// cached by policyd's resolver (a warm cache, as an MX host's resolver
// has for its regular senders), and the greylist is keyed by the
// SPF-validated domain. extra flags follow ("-store bolt:..." for the
// durable store: fsynced before each answer, checks of concurrent
// connections committed together). It returns the address and the
// child's pid.
func startPolicydBench(b *testing.B, withSPF bool, extra ...string) (string, int) {
	b.Helper()
	args := []string{"-listen", "127.0.0.1:0", "-spf=false", "-x-greylist-header=false"}
	if withSPF {
		srv := resolvertest.NewServer(b, resolvertest.Zone{Origin: "example.net.", Text: `*.example.net. 3600 IN TXT "v=spf1 ip4:10.0.0.0/8 -all"`})
		args = []string{"-listen", "127.0.0.1:0", "-receiver", "mx.example.org", "-x-greylist-header=false", "-dns", srv.Addr}
	}
	args = append(args, extra...)
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), benchChildEnv+"="+strings.Join(args, "\n"))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("policyd child: %v", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid
}

// procCPU returns the CPU time (user and system) process pid has used,
// from /proc (Linux; zero elsewhere), at the kernel's clock tick.
func procCPU(pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (in parentheses, which may hold
	// spaces): state is field 3, utime and stime fields 14 and 15.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / 100 // USER_HZ is 100 on Linux
}

// startPostgrey runs /usr/sbin/postgrey (Debian package postgrey) on a
// free loopback port with its database in a temp dir and empty
// allowlists, and stops it when b ends. It skips b when postgrey is
// missing (fails it under SPAMKIT_INTEGRATION=1).
func startPostgrey(b *testing.B) (string, int) {
	b.Helper()
	bin := testenv.Program(b, "postgrey")
	dir := b.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		b.Fatal(err)
	}
	args := []string{"--dbdir=" + db, "--delay=300", "--whitelist-clients=" + empty, "--whitelist-recipients=" + empty}
	if os.Geteuid() == 0 {
		// postgrey drops to its user; the database must be theirs, and
		// the temp dirs searchable.
		u, err := user.Lookup("postgrey")
		if err != nil {
			b.Skipf("no postgrey user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(db, uid, gid); err != nil {
			b.Fatal(err)
		}
		for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			_ = os.Chmod(d, 0o755)
		}
	} else {
		u, err := user.Current()
		if err != nil {
			b.Fatal(err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			b.Fatal(err)
		}
		args = append(args, "--user="+u.Username, "--group="+g.Name)
	}
	for attempt := 0; attempt < 3; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		logf, err := os.Create(filepath.Join(dir, "postgrey.log"))
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bin, append([]string{"--inet=" + addr}, args...)...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited); logf.Close() }()
		stop := func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{}
				continue
			default:
			}
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				b.Cleanup(stop)
				return addr, cmd.Process.Pid
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
	}
	log, _ := os.ReadFile(filepath.Join(dir, "postgrey.log"))
	b.Fatalf("postgrey did not start; log:\n%s", log)
	return "", 0
}
