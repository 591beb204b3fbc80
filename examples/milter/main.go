// Command milter is a mail filter for Postfix (and Sendmail) that runs
// every spamkit check on the mail an MTA receives, through package
// session, on github.com/d--j/go-milter: a thin adapter from milter
// events to session stage calls, with one configuration file.
//
//	milter -config /etc/spamkit/milter.conf
//
// and in Postfix's main.cf:
//
//	smtpd_milters = inet:127.0.0.1:8891
//	milter_protocol = 6
//	milter_default_action = tempfail
//
// # What it does at each stage
//
// The milter asks Postfix for header values with their leading space
// (SMFIP_HDR_LEADSPC) and for the recipients Postfix itself rejected
// (SMFIP_RCPT_REJ), and calls, for each SMTP session (one milter
// connection):
//
//   - connect: session Connect (FCrDNS, DNSBL/DNSWL; a listed client
//     gets 554 5.7.1, a harvester or a client over its rate 421);
//   - HELO: Helo (the HELO check, collected at the end);
//   - MAIL FROM: Mail (SPF starts); mail of a client logged in with SASL
//     ({auth_authen}) is this site's users' and is accepted unchecked;
//   - RCPT TO: Rcpt (BATV, greylisting 451 4.7.1, harvest), or
//     RcptRejected for a recipient Postfix refused as unknown (5.1.x);
//   - each header field: Write of the field's bytes as they were in the
//     message ("Name:" + value as passed, LF folds made CRLF again, CRLF),
//     then the empty line at the end of the header, then each body chunk
//     as it comes: the milter keeps no copy of the message (the session
//     keeps the only one, up to max_message_size);
//   - end of message: EndOfData, then the verdict: the received fields
//     it names deleted (Authentication-Results claiming our authserv-id,
//     RFC 8601 §5, and X-Spam-* a sender set in advance); its fields
//     (Authentication-Results, Received-SPF, X-Spam-Flag, X-Spam-Score,
//     X-Spam-Status, X-Spam-Report; an ARC set when sealing) inserted at
//     the top in the session's order; the body replaced when the mime
//     policy strips parts; quarantine (Postfix's hold queue); or the
//     session's 451/550/554 reply with its RFC 3463 code and text
//     (SMFIR_REPLYCODE).
//
// The composition itself (which check runs when, scores, the decision,
// the header fields) is package session's; the milter only configures
// it and carries its answers. See the package documentation of session
// for the decision order and the score table.
//
// # Configuration
//
// One file of "name = value" lines (milter.conf.sample documents every
// setting, with its default): the listen address, the resolver, each
// check's switch and data, thresholds, per-check scores, per-stage
// timeouts, max_message_size and on_internal_error. "milter -config FILE
// -n" checks the file and prints the settings that differ from the
// defaults.
//
// # Failures
//
// A DNS outage makes the DNS checks temperror rows (in the table and in
// Authentication-Results) while the content checks run in full. A fault
// on this side (a store that failed, a stage out of time, a panic in the
// milter) gives the message 451 4.3.0 under on_internal_error = tempfail
// (the default: the client retries, nothing is lost), or delivery with
// an X-Spamkit-Error field under on_internal_error = accept. Configure
// Postfix with milter_default_action = tempfail so that a milter that is
// down or does not answer within milter_*_timeout tempfails too.
// SIGTERM or SIGINT stops accepting and gives the sessions in progress
// shutdown_grace to end; a second signal ends them at once.
//
// # Performance
//
// bench.sh measures messages per second through Postfix, the milter and
// delivery, beside rspamd's milter, this milter with every check off
// (the milter protocol's cost plus this milter's fixed work: the
// session's copy of the message and its four header fields; a milter
// that only answered "accept" would do a little better) and Postfix
// alone (see bench.sh). On a 2-core machine
// Postfix's side of the milter protocol (smtpd and cleanup talking to
// the milter over a new connection per SMTP session) costs more CPU than
// the checks: with every check off the milter still takes Postfix from
// about 440 to about 280 messages per second.
//
// The milter buffers its connection both ways (bufConn): go-milter
// reads and writes each packet in two system calls, which cost a quarter
// of the milter's CPU time. It runs the Go collector at GOGC=400 unless
// the environment sets GOGC, which trades memory for CPU time (see
// gcPercent: set GOGC=100 or GOMEMLIMIT where memory is tight).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/d--j/go-milter"
)

// gcPercent is the Go collector's GOGC unless the environment sets it.
// Under bench.sh the milter's live heap is small (a few MiB: the
// messages in progress, caches), so at Go's default of 100 it collects
// after every few MiB allocated, a sixth of its CPU time under Postfix.
// At 400 it collects a quarter as often. The price is memory: the heap
// grows to about five times the live heap between collections instead
// of twice, about 10 MiB more resident memory under bench.sh's 200
// concurrent sessions, but proportionally more where many large messages
// are in progress at once (the session keeps each, up to
// max_message_size, for every one of max_connections). Where memory is
// tight, GOGC=100 restores Go's default, or GOMEMLIMIT bounds the heap
// (the collector then runs more often near the limit).
const gcPercent = 400

// setGCPercent sets the collector to gcPercent unless getenv has GOGC.
func setGCPercent(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("milter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "/etc/spamkit/milter.conf", "configuration file (see milter.conf.sample)")
	printConf := fs.Bool("n", false, "check the configuration, print the settings that differ from the defaults, and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "milter: unexpected arguments %q\n", fs.Args())
		return 2
	}
	logger := log.New(stderr, "milter: ", log.LstdFlags)
	setGCPercent(os.Getenv)
	cfg, err := loadConfig(*configFile)
	if err != nil {
		logger.Print(err)
		return 1
	}
	if *printConf {
		fmt.Fprint(stdout, cfg)
		return 0
	}
	milter.LogWarning = func(format string, v ...any) { logger.Printf("go-milter: "+format, v...) }
	srv, err := NewServer(cfg, logger)
	if err != nil {
		logger.Print(err)
		return 1
	}
	ln, err := listen(cfg.Listen)
	if err != nil {
		logger.Print(err)
		_ = srv.Shutdown(context.Background())
		return 1
	}
	logger.Printf("listening on %s", ln.Addr())

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		logger.Printf("serving: %v", err)
		_ = srv.Shutdown(context.Background())
		return 1
	case sig := <-sigs:
		grace := cfg.ShutdownGrace
		if grace == 0 {
			grace = DefaultShutdownGrace
		}
		logger.Printf("%v: shutting down, giving the sessions in progress %v", sig, grace)
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		go func() {
			select {
			case <-sigs:
				logger.Print("second signal: ending the sessions now")
				cancel()
			case <-ctx.Done():
			}
		}()
		err := srv.Shutdown(ctx)
		cancel()
		if err != nil {
			logger.Print(err)
		}
		if err := <-served; err != nil && !errors.Is(err, milter.ErrServerClosed) {
			logger.Print(err)
		}
		return 0
	}
}

func loadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// listen opens the configured listener; a stale unix socket left by a
// previous run is removed first.
func listen(addr string) (net.Listener, error) {
	network, address := network(addr)
	if network == "unix" {
		if fi, err := os.Lstat(address); err == nil && fi.Mode()&os.ModeSocket != 0 {
			if c, err := net.DialTimeout("unix", address, time.Second); err == nil {
				c.Close()
				return nil, fmt.Errorf("%s: another milter is listening there", address)
			}
			_ = os.Remove(address)
		}
	}
	return net.Listen(network, address)
}
