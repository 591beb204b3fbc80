package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func runOut(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(args, strings.NewReader(stdin), &out); err != nil {
		t.Fatalf("run(%q): %v\n%s", args, err, out.String())
	}
	return out.String()
}

// TestGolden reads the composed campus maillog (Postfix, BIND and
// netfilter lines) and lists the three hosts it was composed to
// contain: a spambot relaying through the mail server, one that looks up
// MX records and connects to port 25 itself, and a host probing local
// users; the staff and the events office stay clean.
func TestGolden(t *testing.T) {
	got := runOut(t, "", "-year", "2026", "-exempt", "10.1.0.25,10.1.0.53", "testdata/maillog")
	const golden = "testdata/maillog.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("output differs from %s (go test -update to rewrite):\n%s", golden, got)
	}
	for _, s := range []string{"10.1.2.17 spambot", "10.1.2.33 spambot", "10.1.2.50 suspect", "3 suspected"} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if strings.Contains(got, "10.1.3.40") || strings.Contains(got, "10.1.3.41") {
		t.Errorf("a clean host is listed:\n%s", got)
	}
}

// TestExemptMatters: without -exempt the mail server's own MX lookups
// and port-25 connections make it a spambot.
func TestExemptMatters(t *testing.T) {
	got := runOut(t, "", "-year", "2026", "testdata/maillog")
	if !strings.Contains(got, "10.1.0.25 spambot") {
		t.Fatalf("without -exempt the relay is not listed:\n%s", got)
	}
}

// TestAllListsClean: -all lists the clean hosts with what the log said.
func TestAllListsClean(t *testing.T) {
	got := runOut(t, "", "-year", "2026", "-exempt", "10.1.0.25,10.1.0.53", "-all", "testdata/maillog")
	for _, s := range []string{"10.1.3.40 clean", "10.1.3.41 clean", "recipients 12 sent"} {
		if !strings.Contains(got, s) {
			t.Errorf("-all output lacks %q:\n%s", s, got)
		}
	}
}

// TestRFC3339 reads RFC 3339 timestamps, IPv6 clients and the BIND
// format without the client object's address; an ACK is not a new
// connection.
func TestRFC3339(t *testing.T) {
	got := runOut(t, "", "testdata/maillog-rfc3339")
	for _, s := range []string{"10 lines read, 0 skipped; 2 internal hosts seen, 2 suspected",
		"10.2.0.9 spambot at 2026-12-02T10:02:10Z", "fd00:1:2::7 suspect at 2026-12-02T10:03:00Z",
		"1 MX lookups; 1 port-25 connections", "1 messages; recipients 1 sent"} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q:\n%s", s, got)
		}
	}
}

func TestStdinAndSignals(t *testing.T) {
	b, err := os.ReadFile("testdata/maillog-rfc3339")
	if err != nil {
		t.Fatal(err)
	}
	got := runOut(t, string(b), "-signals", "1", "-")
	if !strings.Contains(got, "fd00:1:2::7 spambot") {
		t.Fatalf("-signals 1: a single signal is not a spambot:\n%s", got)
	}
}

func TestErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"-internal", "10.0.0.0/33", "x"}, {"-exempt", "nonsense", "x"}, {"testdata/absent"}, {"-tz", "Nowhere/Land", "x"}} {
		var out bytes.Buffer
		if err := run(args, strings.NewReader(""), &out); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// TestLimits trips the scanner's limits: a line over maxLine is skipped
// and counted, queue IDs past -max-queue are forgotten and reported.
func TestLimits(t *testing.T) {
	long := "Dec  2 09:00:00 mx1 postfix/smtpd[1]: " + strings.Repeat("x", maxLine) + "\n"
	var log strings.Builder
	log.WriteString(long)
	for i := range 5 {
		log.WriteString("Dec  2 09:00:01 mx1 postfix/smtpd[1]: ABCDE" + string(rune('0'+i)) + ": client=h[10.0.0.9]\n")
	}
	log.WriteString("Dec  2 09:00:02 mx1 postfix/qmgr[2]: ABCDE0: from=<a@b>, size=1, nrcpt=1 (queue active)\n")
	log.WriteString("Dec  2 09:00:02 mx1 postfix/qmgr[2]: ABCDE4: from=<a@b>, size=1, nrcpt=1 (queue active)\n")
	got := runOut(t, log.String(), "-year", "2026", "-max-queue", "2", "-all", "-")
	for _, s := range []string{"1 lines over 8192 octets skipped", "3 queue IDs forgotten before their removed line (-max-queue 2)",
		"8 lines read, 1 skipped", "log: 1 messages"} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q:\n%s", s, got)
		}
	}
}

// TestRealPostfix reads a log written by a real Postfix (Debian's
// 3.7.11, postlogd's maillog_file, whose days are zero-padded: "Dec 02"),
// recorded from a test instance on loopback: one message delivered, one
// to a local address, one recipient refused ("Relay access denied").
func TestRealPostfix(t *testing.T) {
	got := runOut(t, "", "-year", "2026", "-internal", "127.0.0.0/8", "-all", "testdata/postfix-3.7.11.log")
	for _, s := range []string{"32 lines read, 0 skipped; 1 internal hosts seen, 0 suspected", "127.0.0.1 clean",
		"log: 2 messages; recipients 2 sent, 0 bounced, 0 deferred; 1 refused by us"} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q:\n%s", s, got)
		}
	}
}

// TestHugeLine: a line longer than the reader's buffer is read in
// pieces, skipped as too long, and the next line is read whole.
func TestHugeLine(t *testing.T) {
	log := "Dec  2 09:00:00 mx1 postfix/smtpd[1]: " + strings.Repeat("z", 200000) + "\n" +
		"Dec  2 09:58:02 ns1 named[612]: client 10.0.0.7#1 (x.example): query: x.example IN MX +\n"
	got := runOut(t, log, "-year", "2026", "-")
	for _, s := range []string{"2 lines read, 1 skipped", "1 lines over 8192 octets skipped", "10.0.0.7 suspect"} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q:\n%s", s, got)
		}
	}
}
