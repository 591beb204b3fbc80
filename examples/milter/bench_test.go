package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	bayesbolt "github.com/spamkit/spamkit/bayes/boltstore"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/mimetest"
	"github.com/spamkit/spamkit/internal/postfixtest"
	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// BenchmarkPostfix measures mail through a real Postfix (one instance,
// one smtpd listener per peer, maildir delivery) with, side by side:
//
//   - none: no milter, the ceiling;
//   - null: this milter with every check off: what the milter protocol
//     costs Postfix and the milter, plus this milter's fixed work (the
//     session's copy of the message, its four header fields, which
//     Postfix's cleanup inserts): this milter's floor, close to the most
//     any milter reaches through this Postfix (one that only accepted
//     would do a little better); checkDelivered knows its messages by
//     X-Spam-Status (TestNullConfigMarksMessage);
//   - spamkit: this milter (built and run as its own process) with every
//     check on: rdns, DNSBL, SPF, BATV, greylisting (the client
//     allowlisted, so that mail passes), harvest (with no cap on the
//     connections of one client: every benchmark client is 127.0.0.1),
//     DKIM, DMARC, ARC,
//     mime, URIBL, hash lists, bayes;
//   - rspamd: rspamd (Debian package, milter mode: rspamd_proxy
//     milter = yes, self_scan) with SPF, DKIM, DMARC, ARC, RBL on the
//     same local zones, Bayes (Redis) and its default rules; its modules
//     that need the Internet or state this run does not have (fuzzy,
//     neural, greylist, ratelimit, replies, history, url_redirector, asn,
//     phishing, dcc, mx_check) off. Skipped with the reason when rspamd
//     is not installed or does not start. Its default rules do much
//     more than this milter's composition; SPAMKIT_BENCH_RSPAMD_MIN=1
//     turns off its modules with no counterpart here (regexp, hfilter,
//     chartable, mime_types, emails, mid, once_received, ...), for a
//     comparison of comparable work.
//
// The messages are the SpamAssassin corpus at ../corpus/spamassassin
// beside the repository (scripts/fetch-corpus), or a generated mix of
// ham, spam-like text and attachments when it is absent; one message per
// SMTP connection, as an MX sees them, from SPAMKIT_BENCH_CONC
// concurrent clients (default 20). DNS is resolvertest on loopback,
// warmed by one pass over the messages before the timer starts. Each
// iteration is one message: run with -benchtime=Nx.
//
// Metrics: msgs/s (wall clock: say "(loaded)" beside it on a busy
// machine), p50-ms and p99-ms per message (connect to the reply to the
// end of DATA), accepted/rejected/tempfailed counts, and for spamkit
// rss-MiB, the milter's peak resident memory (VmHWM). With
// SPAMKIT_BENCH_CONC=200 the last is the memory under 200 concurrent
// sessions.
//
//	go test -run '^$' -bench BenchmarkPostfix -benchtime 2000x ./examples/milter/
//
// Then Postfix's smtp-source sends the first message of the stream N
// times more at the same concurrency (one message per connection), the
// smtp-source-msgs/s metric: the same measure by Postfix's own load
// generator. Without smtp-source that metric is left out.
//
// bench.sh runs it with uptime beside the figures.
func BenchmarkPostfix(b *testing.B) {
	conc := 20
	if v := os.Getenv("SPAMKIT_BENCH_CONC"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("SPAMKIT_BENCH_CONC=%q", v)
		}
		conc = n
	}
	msgs, source := benchMessages(b)
	b.Logf("%d messages from %s, %d concurrent clients", len(msgs), source, conc)

	dns := dkimtest.Server(b, resolvertest.Zone{Origin: ".", Text: testZones + benchZones})
	dir := b.TempDir()

	milterAddr, milterPID := startMilterProcess(b, dir, "milter.conf", func(addr string) string {
		return benchConfig(b, dir, addr, dns.Addr)
	})
	nullAddr, nullPID := startMilterProcess(b, dir, "null.conf", func(addr string) string {
		return nullConfig(addr, dns.Addr)
	})
	rspamdAddr, rspamdPID, rspamdErr := startRspamd(b, dir, dns.Addr)
	rspamdLog := filepath.Join(dir, "rspamd", "log", "rspamd.log")
	filterPIDs := map[string]func() []int{
		"spamkit": func() []int { return []int{milterPID} },
		"null":    func() []int { return []int{nullPID} },
		"rspamd":  func() []int { return processTree(rspamdPID) },
	}

	ports := map[string]string{}
	var master []string
	for _, name := range []string{"none", "null", "spamkit", "rspamd"} {
		p, err := freePort()
		if err != nil {
			b.Fatal(err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(p)
		ports[name] = addr
		milters := ""
		switch name {
		case "spamkit":
			milters = "inet:" + milterAddr
		case "null":
			milters = "inet:" + nullAddr
		case "rspamd":
			if rspamdErr != nil {
				continue
			}
			milters = "inet:" + rspamdAddr
		}
		master = append(master, fmt.Sprintf("%s inet n - n - - smtpd -o smtpd_milters=%s", addr, milters))
	}
	pf := postfixtest.Start(b, postfixtest.Options{
		MainCF: []string{
			"milter_protocol = 6",
			"milter_default_action = tempfail",
			"default_process_limit = 400",
			"smtpd_client_connection_count_limit = 0",
			"smtpd_client_connection_rate_limit = 0",
			"message_size_limit = 20480000",
		},
		MasterCF: master,
	})

	for _, name := range []string{"none", "null", "spamkit", "rspamd"} {
		b.Run(name, func(b *testing.B) {
			if name == "rspamd" && rspamdErr != nil {
				b.Skipf("rspamd: %v", rspamdErr)
			}
			addr, rcpt := ports[name], "bench-"+name
			// Warm DNS caches and the peers' lazy state.
			drive(b, addr, rcpt, msgs, min(len(msgs), 500), conc)
			var pids []int
			if f := filterPIDs[name]; f != nil {
				pids = f()
			}
			cpu0 := cpuTime(pids)
			b.ResetTimer()
			start := time.Now()
			st := drive(b, addr, rcpt, msgs, b.N, conc)
			elapsed := time.Since(start)
			b.StopTimer()
			if pids != nil {
				// CPU time of the filter's processes per message: what
				// a loaded machine does not distort as much as msgs/s.
				b.ReportMetric(float64((cpuTime(pids)-cpu0).Microseconds())/1000/float64(b.N), "filter-cpu-ms/msg")
			}
			if !checkDelivered(b, pf, name, rcpt) && name == "rspamd" {
				log, _ := os.ReadFile(rspamdLog)
				b.Logf("rspamd log (end):\n%s", log[max(0, len(log)-4000):])
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(st.percentile(50).Seconds()*1000, "p50-ms")
			b.ReportMetric(st.percentile(99).Seconds()*1000, "p99-ms")
			b.ReportMetric(float64(st.accepted.Load()), "accepted")
			b.ReportMetric(float64(st.rejected.Load()), "rejected")
			b.ReportMetric(float64(st.tempfailed.Load()), "tempfailed")
			if st.errors.Load() > 0 {
				b.Logf("%d messages failed at the SMTP level; first: %v", st.errors.Load(), st.firstErr.Load())
			}
			if src := smtpSource(b, addr, rcpt, msgs[0], b.N, conc); src > 0 {
				b.ReportMetric(src, "smtp-source-msgs/s")
			}
			if name == "spamkit" {
				if hwm, err := procStatus(milterPID, "VmHWM"); err == nil {
					b.ReportMetric(float64(hwm)/1024, "rss-MiB")
				}
			}
		})
	}
}

// checkDelivered checks that the peer's mark is on a message it passed:
// the filter did run.
func checkDelivered(b *testing.B, pf *postfixtest.Postfix, name, rcpt string) bool {
	want := map[string]string{
		"none":    "Received: from client.test",
		"spamkit": "Authentication-Results: mx.example.test;",
		"null":    "X-Spam-Status:",
		"rspamd":  "X-Spamd-Result:",
	}[name]
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := pf.Messages(rcpt)
		if err != nil {
			b.Fatal(err)
		}
		if len(msgs) > 0 {
			if !bytes.Contains(msgs[0].Data, []byte(want)) {
				b.Errorf("a message %s passed lacks %q:\n%.3000s", name, want, msgs[0].Data)
				return false
			}
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Errorf("nothing delivered through %s within 30 s", name)
	return false
}

// cpuTime returns the user and system CPU time of the processes.
func cpuTime(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces):
		// utime and stime are fields 14 and 15 (clock ticks, 100 Hz).
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return total
}

// processTree returns pid and its children.
func processTree(pid int) []int {
	pids := []int{pid}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		if err != nil {
			continue
		}
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			pids = append(pids, child)
		}
	}
	return pids
}

// benchZones add the lists the benchmark's milter and rspamd ask.
const benchZones = `
$ORIGIN uribl.test.
@              300 IN SOA ns.uribl.test. hostmaster.uribl.test. 1 3600 600 86400 300
$ORIGIN hashbl.test.
@              300 IN SOA ns.hashbl.test. hostmaster.hashbl.test. 1 3600 600 86400 300
`

// stats are the outcomes of a drive.
type stats struct {
	mu                                     sync.Mutex
	lat                                    []time.Duration
	accepted, rejected, tempfailed, errors atomic.Int64
	firstErr                               atomic.Value
}

func (s *stats) percentile(p int) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lat) == 0 {
		return 0
	}
	slices.Sort(s.lat)
	i := (len(s.lat)*p + 99) / 100
	return s.lat[min(max(i-1, 0), len(s.lat)-1)]
}

// drive sends n messages (msgs in turn) to addr from conc concurrent
// clients, one message per connection.
func drive(b *testing.B, addr, rcpt string, msgs []benchMessage, n, conc int) *stats {
	st := &stats{lat: make([]time.Duration, 0, n)}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				m := msgs[i%len(msgs)]
				t0 := time.Now()
				code, err := sendOne(addr, rcpt, m)
				d := time.Since(t0)
				switch {
				case err != nil && code == 0:
					if st.errors.Add(1) == 1 {
						st.firstErr.Store(err.Error())
					}
				case code >= 500:
					st.rejected.Add(1)
				case code >= 400:
					st.tempfailed.Add(1)
				default:
					st.accepted.Add(1)
				}
				st.mu.Lock()
				st.lat = append(st.lat, d)
				st.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return st
}

// sendOne sends m over one SMTP connection and returns the code of the
// last reply (250, or the refusal's).
func sendOne(addr, rcpt string, m benchMessage) (int, error) {
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return 0, err
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Minute))
	c := smtp.NewClient(conn)
	defer c.Close()
	code := func(err error) (int, error) {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se.Code, err
		}
		return 0, err
	}
	if err := c.Hello("client.test"); err != nil {
		return code(err)
	}
	if err := c.Mail(m.from, nil); err != nil {
		return code(err)
	}
	if err := c.Rcpt(rcpt+"@"+postfixtest.Domain, nil); err != nil {
		return code(err)
	}
	w, err := c.Data()
	if err != nil {
		return code(err)
	}
	if _, err := w.Write(m.data); err != nil {
		return code(err)
	}
	if err := w.Close(); err != nil {
		return code(err)
	}
	_ = c.Quit()
	return 250, nil
}

// benchMessage is one message of the stream and its envelope sender.
type benchMessage struct {
	from string
	data []byte
}

// benchMessages loads the SpamAssassin corpus (ham and spam shuffled
// together, in a fixed order) or, when it is absent, generates a mix.
func benchMessages(b *testing.B) ([]benchMessage, string) {
	dir := filepath.Join(testenv.RepoRoot(b), "..", "corpus", "spamassassin")
	var files []string
	for _, class := range []string{"ham", "spam"} {
		ents, _ := os.ReadDir(filepath.Join(dir, class))
		for _, e := range ents {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(dir, class, e.Name()))
			}
		}
	}
	var msgs []benchMessage
	if len(files) > 0 {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, corpusMessage(data))
		}
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
		return msgs, dir
	}
	// A generated mix: a DKIM-signed ham, text spam, HTML with links,
	// an attachment that is stripped, and one that is rejected.
	zip := mimetest.Zip(mimetest.ZipEntry{Name: "invoice.exe", Data: mimetest.PE()})
	html := "From: promo@other.test\r\nTo: bench@example.test\r\nSubject: cheap meds\r\nContent-Type: text/html\r\n\r\n<html><body><a href=\"http://spam.uribl.test/buy\">buy now</a> " + strings.Repeat("limited offer ", 200) + "</body></html>\r\n"
	mix := []benchMessage{
		{"alice@example.com", signedMessage(b)},
		{"promo@other.test", []byte(html)},
		{"alice@example.com", mimetest.Message("the report", strings.Repeat("the figures are attached\r\n", 40), mimetest.Attachment{Name: "report.js", Data: []byte("WScript.Echo(1);\r\n")})},
		{"alice@example.com", mimetest.Message("invoice", "see attached", mimetest.Attachment{Name: "invoice.zip", Type: "application/zip", Data: zip})},
		{"newsletter@other.test", []byte("From: newsletter@other.test\r\nTo: bench@example.test\r\nSubject: news\r\n\r\n" + strings.Repeat("A long plain text newsletter line about many things.\r\n", 300))},
	}
	return mix, "a generated mix (no corpus at " + dir + ")"
}

// corpusMessage makes a corpus file sendable: the mbox From_ line
// dropped, the envelope sender taken from its From field (so that SPF
// and DMARC look its domain up), or a fixed one.
func corpusMessage(data []byte) benchMessage {
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	from := "bench@other.test"
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line == "\r" {
			break
		}
		if len(line) > 5 && strings.EqualFold(line[:5], "from:") {
			v := line[5:]
			if i := strings.LastIndexByte(v, '<'); i >= 0 {
				v = v[i+1:]
				if j := strings.IndexByte(v, '>'); j >= 0 {
					v = v[:j]
				}
			}
			v = strings.TrimSpace(v)
			if strings.Count(v, "@") == 1 && !strings.ContainsAny(v, " \t\"(),;:[]\\") {
				from = v
			}
			break
		}
	}
	return benchMessage{from: from, data: data}
}

// nullConfig is the milter with every check off: the milter protocol's
// cost and this milter's fixed work (see BenchmarkPostfix).
func nullConfig(listen, dnsAddr string) string {
	conf := "listen = inet:" + listen + "\nresolver = " + dnsAddr + "\nauthserv_id = mx.example.test\nlog_verdicts = no\nmax_connections = 2000\n"
	for _, check := range []string{"rdns", "helo", "dnsbl", "spf", "batv", "greylist", "harvest", "dkim", "dmarc", "arc", "mime", "uribl", "hashbl", "bayes"} {
		conf += check + " = no\n"
	}
	return conf
}

// startMilterProcess builds the milter (once), starts it with the
// configuration conf returns for its listening address (written to
// dir/name), and returns its address and process id.
func startMilterProcess(b *testing.B, dir, name string, conf func(addr string) string) (string, int) {
	bin := filepath.Join(dir, "milter")
	if _, err := os.Stat(bin); err != nil {
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		b.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(conf(addr)), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", file)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	waitListen(b, addr, 30*time.Second, func() string { return logs.String() })
	return addr, cmd.Process.Pid
}

// startRspamd starts rspamd in milter mode on the benchmark's DNS and a
// Redis of its own (for Bayes), or says why it cannot.
func startRspamd(b *testing.B, dir, dnsAddr string) (string, int, error) {
	bin, err := exec.LookPath("rspamd")
	if err != nil {
		return "", 0, fmt.Errorf("not installed (Debian package rspamd): %w", err)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return "", 0, fmt.Errorf("redis-server, for its Bayes, is not installed: %w", err)
	}
	redis := testenv.Redis(b)
	port, err := freePort()
	if err != nil {
		return "", 0, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	d := filepath.Join(dir, "rspamd")
	for _, sub := range []string{"local.d", "override.d", "db", "run", "log"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return "", 0, err
		}
	}
	files := map[string]string{
		"local.d/options.inc": fmt.Sprintf("dns { nameserver = [\"%s\"]; timeout = 2s; retransmits = 2; }\n", dnsAddr),
		// The benchmark's clients are on loopback, which rspamd skips
		// SPF, DKIM, DMARC and its headers for by default.
		"override.d/options.inc":           "local_addrs = [];\n",
		"local.d/dkim_signing.conf":        "enabled = false;\n",
		"local.d/spf.conf":                 "check_local = true;\n",
		"local.d/dkim.conf":                "check_local = true;\n",
		"local.d/dmarc.conf":               "check_local = true;\n",
		"local.d/arc.conf":                 "check_local = true;\n",
		"local.d/redis.conf":               fmt.Sprintf("servers = \"%s\";\n", redis.Addr),
		"override.d/worker-proxy.inc":      fmt.Sprintf("milter = yes;\ntimeout = 120s;\nbind_socket = \"%s\";\nupstream \"local\" { default = yes; self_scan = yes; }\ncount = 2;\nmax_retries = 5;\ndiscard_on_reject = false;\nquarantine_on_reject = false;\nspam_header = \"X-Spam\";\nreject_message = \"Spam message rejected\";\n", addr),
		"override.d/worker-normal.inc":     "enabled = false;\n",
		"override.d/worker-controller.inc": "enabled = false;\n",
		"override.d/worker-fuzzy.inc":      "enabled = false;\n",
		"override.d/logging.inc":           fmt.Sprintf("type = \"file\";\nfilename = \"%s\";\nlevel = \"error\";\n", filepath.Join(d, "log", "rspamd.log")),
		// rspamd adds no field to ham by default: these show that it
		// ran, as this milter's fields do.
		"local.d/milter_headers.conf": "skip_local = false;\nuse = [\"authentication-results\", \"x-spamd-result\"];\n",
		"override.d/rbl.conf":         "rbls {\n  bench_bl { rbl = \"bl.test\"; ipv6 = false; received = false; from = true; symbol = \"RBL_BENCH\"; }\n  bench_uribl { rbl = \"uribl.test\"; urls = true; from = false; symbol = \"URIBL_BENCH\"; }\n}\n",
	}
	off := []string{"fuzzy_check", "neural", "greylist", "ratelimit", "replies", "history_redis", "url_redirector", "asn", "phishing", "dcc", "mx_check"}
	if os.Getenv("SPAMKIT_BENCH_RSPAMD_MIN") != "" {
		// rspamd's modules with no counterpart in this milter's
		// composition off too, so that it does comparable work: its
		// regexp rules, host-name filters, character tables, MIME
		// type rules, email/Message-ID/Received heuristics, maps.
		off = append(off, "regexp", "hfilter", "chartable", "mime_types", "emails", "mid", "once_received",
			"forged_recipients", "multimap", "whitelist", "bimi", "trie", "maillist", "reputation", "spamtrap",
			"http_headers", "external_relay", "p0f", "spamassassin")
	}
	for _, m := range off {
		files["local.d/"+m+".conf"] = "enabled = false;\n"
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			return "", 0, err
		}
	}
	if out, err := exec.Command("chown", "-R", "_rspamd:_rspamd", d).CombinedOutput(); err != nil {
		return "", 0, fmt.Errorf("chown %s to _rspamd: %v: %s", d, err, out)
	}
	cmd := exec.Command(bin, "-f", "-u", "_rspamd", "-g", "_rspamd", "-c", "/etc/rspamd/rspamd.conf",
		"--var", "LOCAL_CONFDIR="+d, "--var", "DBDIR="+filepath.Join(d, "db"), "--var", "RUNDIR="+filepath.Join(d, "run"), "--var", "LOGDIR="+filepath.Join(d, "log"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	// rspamd compiles its rules at start: minutes on a loaded machine.
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr, cmd.Process.Pid, nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(d, "log", "rspamd.log"))
			return "", 0, fmt.Errorf("rspamd exited at start: %v\n%s\n%s", cmd.ProcessState, logs.String(), log)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return "", 0, fmt.Errorf("rspamd did not listen on %s within 5 minutes:\n%s", addr, logs.String())
}

func waitListen(b *testing.B, addr string, timeout time.Duration, logs func() string) {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("nothing listens on %s after %v: %v\n%s", addr, timeout, err, logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// procStatus returns a "kB" field of /proc/PID/status.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// smtpSource sends m n times to addr with Postfix's smtp-source from
// conc sessions, one message per connection, and returns the rate; 0
// when smtp-source is not installed.
func smtpSource(b *testing.B, addr, rcpt string, m benchMessage, n, conc int) float64 {
	bin, err := exec.LookPath("smtp-source")
	if err != nil {
		b.Logf("smtp-source is not installed: no smtp-source-msgs/s")
		return 0
	}
	f := filepath.Join(b.TempDir(), "message")
	if err := os.WriteFile(f, bytes.ReplaceAll(m.data, []byte("\r\n"), []byte("\n")), 0o644); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	out, err := exec.Command(bin, "-s", strconv.Itoa(conc), "-m", strconv.Itoa(n), "-F", f,
		"-f", m.from, "-t", rcpt+"@"+postfixtest.Domain, "-S", "bench", addr).CombinedOutput()
	if err != nil {
		b.Fatalf("smtp-source: %v\n%s", err, out)
	}
	return float64(n) / time.Since(start).Seconds()
}

func bayesOpen(path string) (*bayesbolt.Store, error) { return bayesbolt.Open(path, nil) }
