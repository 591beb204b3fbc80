// Command spamcheck runs spamkit's checks on messages and prints what
// each found.
//
// With -demo it starts an in-process authoritative DNS server
// (resolver/resolvertest) serving testdata/demo.zone and checks the bundled
// samples listed in testdata/demo.json; it needs no network:
//
//	go run ./examples/spamcheck -demo
//
// Otherwise it checks one message file with the given SMTP envelope,
// resolving through the system's nameservers (/etc/resolv.conf):
//
//	go run ./examples/spamcheck -ip 192.0.2.10 -helo mail.example.com \
//		-from alice@example.com message.eml
//
// (-dns host:port picks another nameserver.)
//
// Each package's check lives in its own file (check_<package>.go) and
// registers itself from an init function, with a rank that puts it where
// an MTA would run it: the mime scan first (CPU only: it feeds the
// decoded texts and attachment digests to the URIBL and hash lists), then
// connection (rdns, rbl), envelope (spf) and content (dkim, dmarc, arc).
// The DNS checks share one deadline (-timeout); the content checks have
// their own (-content-timeout), so a DNS server that never answers cannot
// starve the attachment scan. Every check adds its result to one
// Authentication-Results field (RFC 8601), printed last. The demo's DNS
// data is testdata/demo.zone followed by every testdata/zones/*.zone, one
// file per check.
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

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// input is one message with its SMTP envelope.
type input struct {
	Name     string     // sample name, for the report
	IP       netip.Addr // SMTP client address
	HELO     string     // HELO/EHLO name
	MailFrom string     // MAIL FROM address, "" for the null sender
	Message  []byte     // the message, headers and body

	// Set by the spf check for the checks that follow (DMARC takes the
	// SPF result as an input): the result ("pass", "fail", ...) and the
	// domain it was for (the MAIL FROM domain, or the HELO name for the
	// null sender). Empty when SPF was not checked.
	SPFResult string
	SPFDomain string

	// Results collects what each check says for the one
	// Authentication-Results field printed at the end (RFC 8601).
	Results []authres.Result

	// Report is the mime scan of the message, set by the mime check
	// (a content check, so it runs before the DNS checks that use it).
	Report *mime.Report
}

// env is what checks share: the resolver and the clock.
type env struct {
	Resolver *resolver.Resolver
	Now      time.Time
	Demo     bool
	ServID   string // authserv-id of the Authentication-Results field
}

// check runs one package's check and returns report lines.
type check struct {
	rank    int // position: lower runs first
	name    string
	content bool // a CPU-only content check, with its own deadline
	run     func(ctx context.Context, e *env, in *input) ([]string, error)
}

// Ranks of the checks, in the order an MTA runs them.
const (
	rankMIME  = -10 // content: attachments and decoded texts (CPU only)
	rankDNS   = 0   // DNS facts
	rankRDNS  = 10  // connection: client reverse DNS, HELO
	rankRBL   = 20  // connection: DNSBL/DNSWL; content: URIBL, hash lists
	rankSPF   = 30  // envelope
	rankDKIM  = 40  // content: DKIM, DMARC, ARC
	rankOther = 90
)

var registered []check

// register adds a check; call it from an init function of the check's
// file.
func register(rank int, name string, run func(ctx context.Context, e *env, in *input) ([]string, error)) {
	registered = append(registered, check{rank: rank, name: name, run: run})
}

// registerContent adds a CPU-only content check. Content checks get their
// own deadline (-content-timeout), never the DNS checks' (-timeout): a DNS
// server that never answers must not starve the attachment scan, whose
// default policy rejects a scan cut short.
func registerContent(rank int, name string, run func(ctx context.Context, e *env, in *input) ([]string, error)) {
	registered = append(registered, check{rank: rank, name: name, content: true, run: run})
}

func init() { register(rankDNS, "dns", checkDNS) }

// checks lists the registered checks in rank order (name order within a
// rank).
func checks() []check {
	cs := append([]check(nil), registered...)
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].rank != cs[j].rank {
			return cs[i].rank < cs[j].rank
		}
		return cs[i].name < cs[j].name
	})
	return cs
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "spamcheck:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("spamcheck", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "check the bundled samples against the bundled demo DNS zone (no network)")
	dir := fs.String("testdata", "", "directory of demo.zone and demo.json (default: testdata beside the source)")
	ip := fs.String("ip", "", "SMTP client IP address")
	helo := fs.String("helo", "", "HELO/EHLO name")
	from := fs.String("from", "", "MAIL FROM address (empty for the null sender)")
	timeout := fs.Duration("timeout", 20*time.Second, "time limit for the DNS checks of one message")
	contentTimeout := fs.Duration("content-timeout", 10*time.Second, "time limit for the content checks (mime) of one message, apart from -timeout")
	nameserver := fs.String("dns", "", "nameserver host:port to use instead of those of /etc/resolv.conf")
	if err := fs.Parse(args); err != nil {
		return err
	}
	e := &env{Now: time.Now(), ServID: demoServID}
	if !*demo {
		if host, err := os.Hostname(); err == nil {
			e.ServID = host
		}
	}
	var inputs []*input
	if *demo {
		d := *dir
		if d == "" {
			d = demoDir()
		}
		srv, samples, err := startDemo(d)
		if err != nil {
			return err
		}
		defer srv.Close()
		e.Resolver = srv.Resolver()
		e.Resolver.Cache = resolver.NewCache(resolver.CacheOptions{})
		e.Demo = true
		e.Now = demoNow
		inputs = samples
		fmt.Fprintf(out, "spamcheck demo: DNS served in-process at %s from %s\n", srv.Addr, filepath.Join(d, "demo.zone"))
	} else {
		if fs.NArg() != 1 || *ip == "" {
			return errors.New("usage: spamcheck -demo | spamcheck -ip ADDR -helo NAME -from ADDR message.eml")
		}
		addr, err := netip.ParseAddr(*ip)
		if err != nil {
			return fmt.Errorf("-ip: %w", err)
		}
		msg, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		e.Resolver = &resolver.Resolver{Cache: resolver.NewCache(resolver.CacheOptions{})}
		if *nameserver != "" {
			e.Resolver.Servers = []string{*nameserver}
		}
		inputs = []*input{{Name: fs.Arg(0), IP: addr.Unmap(), HELO: *helo, MailFrom: *from, Message: msg}}
	}
	for _, in := range inputs {
		fmt.Fprintf(out, "\n== %s: client %s, HELO %q, MAIL FROM <%s>\n", in.Name, in.IP, in.HELO, in.MailFrom)
		dnsCtx, cancelDNS := context.WithTimeout(ctx, *timeout)
		contentCtx, cancelContent := context.WithTimeout(ctx, *contentTimeout)
		for _, c := range checks() {
			cctx := dnsCtx
			if c.content {
				cctx = contentCtx
			}
			lines, err := c.run(cctx, e, in)
			for _, l := range lines {
				fmt.Fprintf(out, "  %-7s %s\n", c.name, l)
			}
			if err != nil {
				fmt.Fprintf(out, "  %-7s error: %v\n", c.name, err)
			}
		}
		cancelDNS()
		cancelContent()
		// One Authentication-Results field from every check's result.
		ar := authres.Header{ServID: e.ServID, Results: in.Results}
		for l := range strings.SplitSeq(strings.TrimSuffix(ar.Field(), "\r\n"), "\r\n") {
			fmt.Fprintf(out, "  %s\n", strings.Replace(l, "\t", "    ", 1))
		}
	}
	return nil
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
		inputs = append(inputs, &input{Name: s.File, IP: ip.Unmap(), HELO: s.HELO, MailFrom: s.MailFrom, Message: msg})
	}
	return srv, inputs, nil
}
