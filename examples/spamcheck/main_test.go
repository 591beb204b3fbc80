package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/session"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/internal/mailbox"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

var demo struct {
	once sync.Once
	out  string
	err  error
}

// demoOutput runs the demo once, as the README's first command does, and
// returns its output, for the tests of every check (check_<pkg>_test.go).
func demoOutput(t *testing.T) string {
	t.Helper()
	demo.once.Do(func() {
		var out bytes.Buffer
		var code int
		code, demo.err = run(context.Background(), []string{"-demo", "-testdata", "testdata"}, &out)
		if demo.err == nil && code != exitAccept {
			demo.err = fmt.Errorf("-demo exited %d, want 0", code)
		}
		demo.out = out.String()
	})
	if demo.err != nil {
		t.Fatalf("run -demo: %v\n%s", demo.err, demo.out)
	}
	return demo.out
}

// sampleOutput returns the part of the demo output about one sample.
func sampleOutput(t *testing.T, file string) string {
	t.Helper()
	out := demoOutput(t)
	_, rest, ok := strings.Cut(out, "== "+file+":")
	if !ok {
		t.Fatalf("demo output has no section for %s:\n%s", file, out)
	}
	section, _, _ := strings.Cut(rest, "\n== ")
	return section
}

// TestDemo checks the DNS facts check's lines in the demo.
func TestDemo(t *testing.T) {
	got := demoOutput(t)
	for _, want := range []string{
		"== samples/legit.eml",
		"PTR 192.0.2.10: mail.example.com.",
		"HELO mail.example.com: 192.0.2.10, 2001:db8::10",
		"MX example.com: 10 mail.example.com.",
		"== samples/spam.eml",
		"PTR 198.51.113.45: 198-51-113-45.dyn.example.net.",
		"HELO example.net: no records (NODATA)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q; output:\n%s", want, got)
		}
	}
}

// TestRealMode checks one message file with an explicit envelope, as an
// operator would, against a nameserver given with -dns.
func TestRealMode(t *testing.T) {
	zone, err := demoZone("testdata")
	if err != nil {
		t.Fatal(err)
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	var out bytes.Buffer
	args := []string{"-dns", srv.Addr, "-ip", "::ffff:192.0.2.10", "-helo", "mail.example.com", "-from", "alice@example.com", "testdata/samples/legit.eml"}
	code, err := run(context.Background(), args, &out)
	if err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
	}
	if code != exitAccept {
		t.Errorf("run %v exited %d, want %d (legit.eml is accepted)", args, code, exitAccept)
	}
	for _, want := range []string{
		"== testdata/samples/legit.eml: client 192.0.2.10,",
		"PTR 192.0.2.10: mail.example.com.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q; output:\n%s", want, out.String())
		}
	}
	if srv.Count("", resolvertest.AnyType) == 0 {
		t.Errorf("the nameserver given with -dns saw no query")
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if code, err := run(context.Background(), nil, &out); err == nil || code != exitError {
		t.Errorf("run() with no arguments = %d, %v; want %d and a usage error", code, err, exitError)
	}
}

// demoRun is the demo's engine and samples, for tests that check one
// message.
type demoRun struct {
	eng    *session.Engine
	r      *resolver.Resolver
	byName map[string]*input
}

func newDemo(t *testing.T) *demoRun {
	t.Helper()
	srv, inputs, err := startDemo("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	r := srv.Resolver()
	eng, closeEngine, err := newEngine(r, options{ServID: demoServID, Demo: true, DNSBL: demoIPLists, URIBL: demoURILists, Now: demoNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeEngine)
	d := &demoRun{eng: eng, r: r, byName: map[string]*input{}}
	for _, in := range inputs {
		d.byName[in.Name] = in
	}
	return d
}

// output returns what spamcheck prints for in (its checks and verdict).
func (d *demoRun) output(t *testing.T, in *input) string {
	t.Helper()
	var out strings.Builder
	check(context.Background(), d.eng, in).print(context.Background(), &out, d.eng, d.r)
	return out.String()
}

func rowOf(v session.Verdict, check string) (session.Row, bool) {
	for _, r := range v.Rows {
		if r.Check == check {
			return r, true
		}
	}
	return session.Row{}, false
}

// TestDemoVerdicts: each sample ends with the composed verdict, the
// reply a server would give, the table and the fields to add.
func TestDemoVerdicts(t *testing.T) {
	for _, tc := range []struct {
		sample string
		want   []string
	}{
		{"samples/legit.eml", []string{
			"  verdict accept: 250 2.0.0 Ok (score -3.1, required 5.0)\n",
			"  score    -2.3 RCVD_IN_DNSWL dnsbl=allowlisted",
			"  X-Spam-Status: No, score=-3.1 required=5.0 tests=DKIM_VALID,DMARC_PASS,\n      RCVD_IN_DNSWL,SPF_HELO_PASS,SPF_PASS autolearn=no version=spamkit\n",
			"  X-Spam-Report:\n      *  0.0 RDNS_CONFIRMED iprev=confirmed",
		}},
		{"samples/spam.eml", []string{
			"  verdict reject at connect: 554 5.7.1 Service unavailable; client blocked using zen.dnsbl.example (score 12.6, required 5.0)\n",
			"  score     3.3 RCVD_IN_DNSBL dnsbl=listed (rejected at connect)\n",
			"  score     2.0 DMARC_REJECT dmarc=fail",
			"  X-Spam-Flag: YES\n",
			"  X-Spam-Status: Yes, score=12.6 required=5.0",
		}},
		{"samples/malware.eml", []string{
			"  verdict reject: 554 5.7.1 Message content rejected (",
			"  score     0.0 MIME_REJECT mime=reject",
			"HASHBL_LISTED hashbl=listed (attachment listed)",
		}},
	} {
		got := sampleOutput(t, tc.sample)
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("demo output for %s lacks %q; output:\n%s", tc.sample, want, got)
			}
		}
		if n := strings.Count(got, "\n  Authentication-Results:"); n != 1 {
			t.Errorf("demo output for %s has %d Authentication-Results fields, want 1", tc.sample, n)
		}
	}
}

// TestJSON: -json prints one object per message with every check's row,
// the action and the reply; the exit status is the most severe verdict.
func TestJSON(t *testing.T) {
	zone, err := demoZone("testdata")
	if err != nil {
		t.Fatal(err)
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	var out bytes.Buffer
	args := []string{"-json", "-dns", srv.Addr, "-dnsbl", demoIPLists, "-ip", "198.51.113.45", "-helo", "example.net", "-from", "promo@example.net",
		"testdata/samples/spam.eml", "testdata/samples/legit.eml"}
	code, err := run(context.Background(), args, &out)
	if err != nil {
		t.Fatal(err)
	}
	if code != exitReject {
		t.Errorf("exit status %d, want %d (a rejected message)", code, exitReject)
	}
	dec := json.NewDecoder(&out)
	var objs []map[string]any
	for dec.More() {
		var o map[string]any
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("%v in:\n%s", err, out.String())
		}
		objs = append(objs, o)
	}
	if len(objs) != 2 {
		t.Fatalf("%d objects, want 2", len(objs))
	}
	o := objs[0]
	if o["action"] != "reject" || o["stage"] != "connect" || o["smtp_reply"] != "554 5.7.1 Service unavailable; client blocked using zen.dnsbl.example" {
		t.Errorf("spam.eml: action %v stage %v reply %v", o["action"], o["stage"], o["smtp_reply"])
	}
	rows, _ := o["rows"].([]any)
	checks := map[string]bool{}
	for _, r := range rows {
		row := r.(map[string]any)
		checks[row["check"].(string)] = true
		for _, k := range []string{"rule", "result", "score"} {
			if _, ok := row[k]; !ok {
				t.Errorf("row %v lacks %s", row, k)
			}
		}
	}
	for _, c := range []string{"iprev", "helo", "dnsbl", "spf", "dkim", "dmarc", "arc", "mime"} {
		if !checks[c] {
			t.Errorf("spam.eml: no %s row in %v", c, rows)
		}
	}
	if objs[1]["action"] == nil {
		t.Errorf("legit.eml: no action")
	}
}

// TestSummaryMbox: an mbox and a Maildir are read message by message,
// the envelope taken from each message's Received and Return-Path, and
// -summary prints a line each and the count of each action. -offline
// runs the content checks only.
func TestSummaryMbox(t *testing.T) {
	dir := t.TempDir()
	legit, err := os.ReadFile("testdata/samples/legit.eml")
	if err != nil {
		t.Fatal(err)
	}
	malware, err := os.ReadFile("testdata/samples/malware.eml")
	if err != nil {
		t.Fatal(err)
	}
	mbox := "From alice@example.com Sun Nov  1 12:00:00 2026\n" + string(legit) + "\nFrom billing@example.org Sun Nov  1 12:00:00 2026\n" + string(malware) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "inbox.mbox"), []byte(mbox), 0o600); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(md, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(md, "new", "1.eml"), malware, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(md, "tmp", "partial"), []byte("From: x\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	code, err := run(context.Background(), []string{"-offline", "-summary", filepath.Join(dir, "inbox.mbox"), md}, &out)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"inbox.mbox#1", "inbox.mbox#2", "1.eml", "3 messages: accept 1, reject 2\n", "554 5.7.1 Message content rejected"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "partial") {
		t.Errorf("summary read a Maildir's tmp/:\n%s", got)
	}
	if code != exitReject {
		t.Errorf("exit status %d, want %d", code, exitReject)
	}
	// The envelope from the message itself.
	ins, err := readInputs([]string{filepath.Join(dir, "inbox.mbox")}, input{}, false, mailbox.MboxRD)
	if err != nil {
		t.Fatal(err)
	}
	if ins[0].MailFrom != "alice@example.com" || ins[0].IP.String() != "192.0.2.10" {
		t.Errorf("envelope of the first message: from %q ip %v, want alice@example.com 192.0.2.10", ins[0].MailFrom, ins[0].IP)
	}
	if !bytes.Equal(ins[0].Message, legit) || !bytes.Equal(ins[1].Message, malware) {
		t.Errorf("the mbox's messages are not the files written into it")
	}
}

// TestExitCodes maps verdicts to exit statuses.
func TestExitCodes(t *testing.T) {
	for a, want := range map[session.Action]int{session.Accept: 0, session.AddHeader: 1, session.Quarantine: 1, session.Tempfail: 3, session.Reject: 4} {
		if got := exitCode(a); got != want {
			t.Errorf("exitCode(%s) = %d, want %d", a, got, want)
		}
	}
}

// TestMboxFormat: -mbox names the variant of the mbox files: an mboxcl2
// message whose body has an unquoted From_ line after an empty line is
// one message by its Content-Length, two when read as mboxrd; a From_
// line supplies MAIL FROM when there is no Return-Path; an unknown
// variant is refused.
func TestMboxFormat(t *testing.T) {
	dir := t.TempDir()
	body := "Hi,\n\nFrom the minutes of Tuesday: nothing.\n"
	msg := "From: alice@example.com\nSubject: minutes\nContent-Length: " + fmt.Sprint(len(body)) + "\n\n" + body
	path := filepath.Join(dir, "cl2.mbox")
	if err := os.WriteFile(path, []byte("From alice@example.com Sun Nov  1 12:00:00 2026\n"+msg+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for format, want := range map[mailbox.Format]int{mailbox.MboxCL2: 1, mailbox.MboxRD: 2} {
		ins, err := readInputs([]string{path}, input{}, false, format)
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != want {
			t.Errorf("%s: %d messages, want %d", format, len(ins), want)
		}
		if ins[0].MailFrom != "alice@example.com" {
			t.Errorf("%s: MAIL FROM %q, want the From_ line's alice@example.com", format, ins[0].MailFrom)
		}
	}
	var out bytes.Buffer
	if code, err := run(context.Background(), []string{"-offline", "-summary", "-mbox", "mboxcl2", path}, &out); err != nil || !strings.Contains(out.String(), "1 messages") && !strings.Contains(out.String(), "1 message") {
		t.Errorf("-mbox mboxcl2: code %d, %v:\n%s", code, err, out.String())
	}
	if code, err := run(context.Background(), []string{"-offline", "-mbox", "maildir", path}, &out); err == nil || code != exitError {
		t.Errorf("-mbox maildir: code %d, %v, want an error", code, err)
	}
}
