package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/d--j/go-milter"

	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// BenchmarkMilter measures the milter alone, in process, with the
// same configuration as BenchmarkPostfix's (every check on, DNS on
// loopback, warm), driven by go-milter's client as Postfix would drive
// it: connect, HELO, MAIL, RCPT, each header field, body chunks of 64
// KiB, end of message. One iteration is one message of the stream (the
// corpus, or the generated mix); parallel over GOMAXPROCS client
// sessions. It is the milter's and the session's CPU cost per message
// without Postfix, and what -cpuprofile profiles. It runs twice, with
// the connection buffered as served (bufConn) and without, side by side:
//
//	go test -run '^$' -bench BenchmarkMilter -benchmem -cpuprofile cpu.out ./examples/milter/
func BenchmarkMilter(b *testing.B) {
	msgs, source := benchMessages(b)
	b.Logf("%d messages from %s", len(msgs), source)
	dns := dkimtest.Server(b, resolvertest.Zone{Origin: ".", Text: testZones + benchZones})
	fields := make([][][2]string, len(msgs))
	bodies := make([][]byte, len(msgs))
	for i, m := range msgs {
		fields[i], bodies[i] = splitForMilter(m.data)
	}
	// Side by side: the connection buffered (bufConn, as served) and
	// not (go-milter's two system calls per packet each way).
	for _, buffered := range []bool{true, false} {
		// Each its own server and files (the Bayes database is locked
		// by the server that has it open), started and warmed once.
		cfg, err := ParseConfig(strings.NewReader(benchConfig(b, b.TempDir(), "127.0.0.1:0", dns.Addr)))
		if err != nil {
			b.Fatal(err)
		}
		cfg.LogVerdicts = SwitchOff
		srv := newTestServer(b, cfg)
		srv.unbuffered = !buffered
		client := serve(b, srv)
		send := func(i int) error {
			return sendForBench(client, msgs[i].from, fields[i], bodies[i])
		}
		// Warm the DNS caches.
		for i := range min(len(msgs), 300) {
			if err := send(i); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(map[bool]string{true: "buffered", false: "unbuffered"}[buffered], func(b *testing.B) {
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := send(int(next.Add(1)-1) % len(msgs)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// sendForBench sends one message through client as Postfix would:
// connect, HELO, MAIL, RCPT, each header field, body chunks of 64 KiB,
// end of message.
func sendForBench(client *milter.Client, from string, fields [][2]string, body []byte) error {
	s, err := client.Session(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if act, err := s.Conn("client.test", milter.FamilyInet, 25, "127.0.0.1"); err != nil || act.StopProcessing() {
		return fmt.Errorf("conn: %v %v", act, err)
	}
	if _, err := s.Helo("client.test"); err != nil {
		return err
	}
	if act, err := s.Mail("<"+from+">", ""); err != nil || act.StopProcessing() {
		return fmt.Errorf("mail: %v %v", act, err)
	}
	if act, err := s.Rcpt("<bench@example.test>", ""); err != nil || act.StopProcessing() {
		return fmt.Errorf("rcpt: %v %v", act, err)
	}
	if _, err := s.DataStart(); err != nil {
		return err
	}
	for _, f := range fields {
		if _, err := s.HeaderField(f[0], f[1], nil); err != nil {
			return err
		}
	}
	if _, err := s.HeaderEnd(); err != nil {
		return err
	}
	for len(body) > 0 {
		n := min(len(body), int(milter.DataSize64K))
		if _, err := s.BodyChunk(body[:n]); err != nil {
			return err
		}
		body = body[n:]
	}
	_, _, err = s.End()
	return err
}

// splitForMilter splits a message into header fields as Postfix passes
// them to a milter under SMFIP_HDR_LEADSPC (name; value after the
// colon, leading space kept, folds as LF, no final line end) and the
// body with CRLF line ends.
func splitForMilter(msg []byte) ([][2]string, []byte) {
	start, bodyAt, _ := header.Split(msg)
	var fields [][2]string
	for _, line := range strings.SplitAfter(string(msg[start:bodyAt]), "\n") {
		l := strings.TrimRight(line, "\r\n")
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1][1] += "\n" + l
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		fields = append(fields, [2]string{strings.TrimRight(name, " \t"), value})
	}
	body := bytes.ReplaceAll(msg[bodyAt:], []byte("\r\n"), []byte("\n"))
	body = bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n"))
	return fields, body
}

// benchConfig writes the files of the benchmarks' milter configuration
// (every check on) into dir and returns the configuration text.
func benchConfig(tb testing.TB, dir, listen, dnsAddr string) string {
	allow := filepath.Join(dir, "greylist_clients")
	keys := filepath.Join(dir, "batv.keys")
	db := filepath.Join(dir, "bayes.db")
	if err := os.WriteFile(allow, []byte("127.0.0.0/8\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keys, []byte("0 00112233445566778899aabbccddeeff\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(db); err != nil {
		st, err := bayesOpen(db) // an empty database, as rspamd's untrained Bayes
		if err != nil {
			tb.Fatal(err)
		}
		st.Close()
	}
	return fmt.Sprintf(`listen = inet:%s
resolver = %s
authserv_id = mx.example.test
log_verdicts = no
max_connections = 2000
rdns = yes
helo = yes
dnsbl = yes
dnsbl_sites = bl.test
spf = yes
batv = yes
batv_key_file = %s
greylist = yes
greylist_allow_clients = %s
harvest = yes
harvest_max_concurrent = -1
dkim = yes
dmarc = yes
arc = yes
mime = yes
uribl = yes
uribl_sites = uribl.test
hashbl = yes
hashbl_sites = hashbl.test
bayes = yes
bayes_db = %s
`, listen, dnsAddr, keys, allow, db)
}
