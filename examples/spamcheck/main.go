// Command spamcheck runs spamkit's checks on messages, as an MTA would
// run them along the SMTP session, and says what it decides and why: each
// check's findings, then the composed verdict (the per-check score table,
// the total, the action and the SMTP reply a server would give) and the
// header fields it would add. The composition is package session, which
// examples/milter and examples/smtpd share; this program only picks the
// checks and prints.
//
// With -demo it starts an in-process authoritative DNS server
// (resolver/resolvertest) serving testdata/demo.zone and checks the bundled
// samples listed in testdata/demo.json; it needs no network:
//
//	go run ./examples/spamcheck -demo
//
// Otherwise it checks messages with the given SMTP envelope, resolving
// through the system's nameservers (/etc/resolv.conf; -dns host:port picks
// another):
//
//	go run ./examples/spamcheck -ip 192.0.2.10 -helo mail.example.com \
//		-from alice@example.com message.eml
//
// Without -ip (-helo, -from), each message's envelope is read from its
// own header: the client from its newest Received field, MAIL FROM from
// Return-Path (else an mbox message's From_ line); a message with no
// client address gets the content checks and rows saying the client's
// checks were skipped.
//
// Arguments may be message files, mbox files (messages after "From "
// lines; -mbox names the variant: mboxrd, the default, mboxo, mboxcl or
// mboxcl2, whose Content-Length bounds each message), Maildirs (cur/ and
// new/), directories (every file under them but dot files) and "-" for
// standard input; see internal/mailbox. -summary prints one line per message and the count of
// each action instead of the details; -offline runs the content checks
// only (mime, and bayes with -bayes DB, a database of examples/bayes), for
// old corpora whose DNS is gone:
//
//	go run ./examples/spamcheck -offline -summary -bayes bayes.db ../corpus/spamassassin/spam
//
// -json prints one JSON object per message (every check's row, the
// action, the reply, the headers), for scripts.
//
// The DNS checks share one time limit per stage (-timeout); the content
// checks have their own (-content-timeout), so a DNS server that never
// answers cannot starve the attachment scan.
//
// Exit status, the most severe over the messages: 0 all accepted, 1 spam
// delivered with headers or quarantined (as spamc -c says 1 for spam), 3
// tempfail, 4 reject; 2 when spamcheck itself failed (usage, unreadable
// input). -demo exits 0 when it ran.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spamkit/spamkit/internal/mailbox"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/session"
)

// input is one message with its SMTP envelope.
type input struct {
	Name     string     // sample or file name, for the report
	IP       netip.Addr // SMTP client address; invalid if unknown
	HELO     string     // HELO/EHLO name
	MailFrom string     // MAIL FROM address, "" for the null sender
	Rcpts    []string   // RCPT TO addresses
	Message  []byte     // the message, header and body
}

// Exit statuses.
const (
	exitAccept   = 0
	exitSpam     = 1
	exitError    = 2
	exitTempfail = 3
	exitReject   = 4
)

func main() {
	code, err := run(context.Background(), os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spamcheck:", err)
		os.Exit(exitError)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, out io.Writer) (int, error) {
	fs := flag.NewFlagSet("spamcheck", flag.ContinueOnError)
	fs.SetOutput(out)
	demo := fs.Bool("demo", false, "check the bundled samples against the bundled demo DNS zone (no network)")
	dir := fs.String("testdata", "", "directory of demo.zone and demo.json (default: testdata beside the source)")
	ip := fs.String("ip", "", "SMTP client IP address (default: from each message's Received fields)")
	helo := fs.String("helo", "", "HELO/EHLO name")
	from := fs.String("from", "", "MAIL FROM address (default: each message's Return-Path)")
	rcpt := fs.String("rcpt", "", "RCPT TO addresses, comma-separated")
	timeout := fs.Duration("timeout", 20*time.Second, "time limit for the DNS checks of one stage")
	contentTimeout := fs.Duration("content-timeout", 10*time.Second, "time limit for the content checks (mime, bayes) of one message, apart from -timeout")
	nameserver := fs.String("dns", "", "nameserver host:port to use instead of those of /etc/resolv.conf")
	dnsbl := fs.String("dnsbl", "", "client DNSBL/DNSWL lists, postscreen_dnsbl_sites syntax (the demo's by default with -demo)")
	uribl := fs.String("uribl", "", "URIBL lists, postscreen syntax (the demo's by default with -demo)")
	bayesDB := fs.String("bayes", "", "Bayes database written by examples/bayes (read-only)")
	offline := fs.Bool("offline", false, "content checks only (mime, bayes): no DNS")
	asJSON := fs.Bool("json", false, "print one JSON object per message")
	summary := fs.Bool("summary", false, "print one line per message and a count of each action")
	mboxFormat := fs.String("mbox", "mboxrd", "variant of the mbox files read: mboxrd, mboxo, mboxcl or mboxcl2")
	if err := fs.Parse(args); err != nil {
		return exitError, err
	}
	o := options{ServID: demoServID, Demo: *demo, Offline: *offline, DNSBL: *dnsbl, URIBL: *uribl,
		BayesDB: *bayesDB, Timeout: *timeout, ContentTimeout: *contentTimeout}
	var r *resolver.Resolver
	var inputs []*input
	if *demo {
		d := *dir
		if d == "" {
			d = demoDir()
		}
		srv, samples, err := startDemo(d)
		if err != nil {
			return exitError, err
		}
		defer srv.Close()
		r = srv.Resolver()
		r.Cache = resolver.NewCache(resolver.CacheOptions{})
		o.Now = demoNow
		if o.DNSBL == "" {
			o.DNSBL = demoIPLists
		}
		if o.URIBL == "" {
			o.URIBL = demoURILists
		}
		inputs = samples
		if !*asJSON && !*summary {
			fmt.Fprintf(out, "spamcheck demo: DNS served in-process at %s from %s\n", srv.Addr, filepath.Join(d, "demo.zone"))
		}
	} else {
		if fs.NArg() == 0 {
			return exitError, errors.New("usage: spamcheck -demo | spamcheck [-ip ADDR -helo NAME -from ADDR] [-json] [-summary] FILE|MBOX|MAILDIR (one or more)")
		}
		if host, err := os.Hostname(); err == nil {
			o.ServID = host
		}
		var env input
		if *ip != "" {
			addr, err := netip.ParseAddr(*ip)
			if err != nil {
				return exitError, fmt.Errorf("-ip: %w", err)
			}
			env.IP = addr.Unmap()
		}
		env.HELO, env.MailFrom = *helo, *from
		if *rcpt != "" {
			env.Rcpts = strings.Split(*rcpt, ",")
		}
		format, err := mailbox.ParseFormat(*mboxFormat)
		if err != nil {
			return exitError, fmt.Errorf("-mbox: %w", err)
		}
		if inputs, err = readInputs(fs.Args(), env, *from != "", format); err != nil {
			return exitError, err
		}
		r = &resolver.Resolver{Cache: resolver.NewCache(resolver.CacheOptions{})}
		if *nameserver != "" {
			r.Servers = []string{*nameserver}
		}
	}
	eng, closeEngine, err := newEngine(r, o)
	if err != nil {
		return exitError, err
	}
	defer closeEngine()

	code := exitAccept
	counts := map[session.Action]int{}
	for _, in := range inputs {
		res := check(ctx, eng, in)
		code = max(code, exitCode(res.Verdict.Action))
		counts[res.Verdict.Action]++
		switch {
		case *asJSON:
			if err := json.NewEncoder(out).Encode(res.JSON()); err != nil {
				return exitError, err
			}
		case *summary:
			printSummaryLine(out, res)
		default:
			fmt.Fprintf(out, "\n== %s: client %s, HELO %q, MAIL FROM <%s>\n", in.Name, clientString(in.IP), in.HELO, in.MailFrom)
			if !*offline {
				dctx, cancel := context.WithTimeout(ctx, *timeout)
				for _, l := range checkDNS(dctx, r, in) {
					fmt.Fprintf(out, "  %-7s %s\n", "dns", l)
				}
				cancel()
			}
			res.print(ctx, out, eng, r)
		}
	}
	if *summary && !*asJSON {
		printSummaryTotals(out, counts, len(inputs))
	}
	if *demo {
		return exitAccept, nil
	}
	return code, nil
}

func clientString(ip netip.Addr) string {
	if !ip.IsValid() {
		return "unknown"
	}
	return ip.String()
}

// exitCode maps a verdict to the exit status.
func exitCode(a session.Action) int {
	switch a {
	case session.AddHeader, session.Quarantine:
		return exitSpam
	case session.Tempfail:
		return exitTempfail
	case session.Reject:
		return exitReject
	}
	return exitAccept
}

// demoServID is the authserv-id of the demo's receiving MTA (the samples'
// Received fields say "by mx.example.org").
const demoServID = "mx.example.org"

// demoNow is the demo's fixed clock, so that its output does not change
// with the date (signatures, greylisting and rate windows use it).
var demoNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// demoDir finds testdata beside this program's source, whether run from
// the module root or from this directory.
func demoDir() string {
	for _, d := range []string{"examples/spamcheck/testdata", "testdata"} {
		if _, err := os.Stat(filepath.Join(d, "demo.zone")); err == nil {
			return d
		}
	}
	return "examples/spamcheck/testdata"
}

// sample is an entry of demo.json.
type sample struct {
	File     string `json:"file"`
	IP       string `json:"ip"`
	HELO     string `json:"helo"`
	MailFrom string `json:"from"`
}

// demoZone reads testdata/demo.zone and then each testdata/zones/*.zone
// (in name order) into one master file served at the root.
func demoZone(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "zones", "*.zone"))
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	files = append([]string{filepath.Join(dir, "demo.zone")}, files...)
	var text []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		text = append(text, fmt.Sprintf("\n; ---- %s\n$TTL 300\n", filepath.Base(f))...)
		text = append(text, b...)
	}
	return string(text), nil
}

func startDemo(dir string) (*resolvertest.Server, []*input, error) {
	zone, err := demoZone(dir)
	if err != nil {
		return nil, nil, err
	}
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: ".", Text: zone})
	if err != nil {
		return nil, nil, err
	}
	list, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	var samples []sample
	if err := json.Unmarshal(list, &samples); err != nil {
		srv.Close()
		return nil, nil, fmt.Errorf("demo.json: %w", err)
	}
	var inputs []*input
	for _, s := range samples {
		msg, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			srv.Close()
			return nil, nil, err
		}
		ip, err := netip.ParseAddr(s.IP)
		if err != nil {
			srv.Close()
			return nil, nil, fmt.Errorf("demo.json %s: %w", s.File, err)
		}
		inputs = append(inputs, &input{Name: s.File, IP: ip.Unmap(), HELO: s.HELO, MailFrom: s.MailFrom,
			Rcpts: []string{"bob@example.org"}, Message: msg})
	}
	return srv, inputs, nil
}
