// Command spambots reads mail logs and lists the internal hosts that
// behave like spambots, with the evidence (package harvest/spambot).
//
//	go run ./examples/spambots -year 2026 examples/spambots/testdata/maillog
//
// It reads syslog files (RFC 3164 timestamps, space- or zero-padded as
// syslogd and Postfix's postlogd write them, or RFC 3339 ones; "-" is
// standard input) holding any mix of the lines below. RFC 3164
// timestamps have no year: -year is the first line's, and a jump back of
// more than six months (Dec 31 to Jan 1) moves to the next year.
//
//   - Postfix smtpd "QUEUEID: client=name[ip]" lines, which tie a queued
//     message to the internal host that submitted it; qmgr "from=" (one
//     message); smtp and the other delivery agents' "to=<rcpt>, relay=...,
//     status=sent|bounced|deferred|expired" lines (a recipient's domain;
//     bounced and expired are rejections, deferred is reported only);
//     qmgr "removed"; cleanup "message-id=" is recognized and needs no
//     action;
//   - smtpd "NOQUEUE: reject: RCPT from name[ip]: 5xx ..." lines, or
//     "QUEUEID: reject: ..." once the transaction has a queue file (a
//     recipient our server refused; 4xx refusals are not counted);
//   - BIND query log lines ("client ... ip#port (name): query: name IN MX")
//     for MX lookups;
//   - netfilter LOG lines ("SRC=... DST=... PROTO=TCP ... DPT=25 ... SYN")
//     for direct connections to port 25 outside the internal networks.
//
// Hosts are judged when inside -internal (default: the RFC 1918 and
// RFC 4193 ranges) and not in -exempt (the mail servers and resolvers
// themselves). Each host is listed with its worst verdict while the log
// was read: the signals, the instant they were reached, and what the log
// said of it.
package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spamkit/spamkit/harvest/spambot"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "spambots:", err)
		os.Exit(1)
	}
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("spambots", flag.ContinueOnError)
	fs.SetOutput(stdout)
	year := fs.Int("year", time.Now().Year(), "year of RFC 3164 timestamps, which have none")
	tz := fs.String("tz", "UTC", "time zone of RFC 3164 timestamps")
	internal := fs.String("internal", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7", "internal networks, comma-separated")
	exempt := fs.String("exempt", "", "hosts or networks never judged (mail servers, resolvers), comma-separated")
	signals := fs.Int("signals", spambot.DefaultSpambotSignals, "thresholds reached at once that make a spambot")
	maxQueue := fs.Int("max-queue", defaultMaxQueue, "queue IDs remembered until their removed line")
	all := fs.Bool("all", false, "list clean hosts too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("no log file (use - for standard input)")
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return err
	}
	in, err := parsePrefixes(*internal)
	if err != nil {
		return fmt.Errorf("-internal: %w", err)
	}
	ex, err := parsePrefixes(*exempt)
	if err != nil {
		return fmt.Errorf("-exempt: %w", err)
	}
	det := &spambot.Detector{SpambotSignals: *signals}
	s := newScanner(det, in, ex)
	if *maxQueue > 0 {
		s.maxQueue = *maxQueue
	}
	for _, name := range fs.Args() {
		var r io.Reader = stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		if err := s.read(r, *year, loc); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	printReport(stdout, s, *all)
	return nil
}

func rank(r spambot.Result) int {
	switch r {
	case spambot.Spambot:
		return 2
	case spambot.Suspect:
		return 1
	}
	return 0
}

func printReport(w io.Writer, s *scanner, all bool) {
	addrs := make([]netip.Addr, 0, len(s.hosts))
	for a, rep := range s.hosts {
		if all || rep.peak.Result != "" && rep.peak.Result != spambot.Clean {
			addrs = append(addrs, a)
		}
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int {
		ra, rb := s.hosts[a].peak, s.hosts[b].peak
		return cmp.Or(cmp.Compare(rank(rb.Result), rank(ra.Result)), cmp.Compare(len(rb.Signals), len(ra.Signals)), a.Compare(b))
	})
	fmt.Fprintf(w, "%d lines read, %d skipped; %d internal hosts seen, %d suspected\n", s.counts.lines, s.counts.skipped, len(s.hosts), countSuspects(s))
	if s.counts.long > 0 {
		fmt.Fprintf(w, "%d lines over %d octets skipped\n", s.counts.long, maxLine)
	}
	if s.counts.queueEvicted > 0 {
		fmt.Fprintf(w, "%d queue IDs forgotten before their removed line (-max-queue %d)\n", s.counts.queueEvicted, s.maxQueue)
	}
	if s.counts.noReport > 0 {
		fmt.Fprintf(w, "%d events about hosts past the first %d not reported\n", s.counts.noReport, s.maxHosts)
	}
	if st := s.det.Stats(); st.Evictions > 0 {
		fmt.Fprintf(w, "%d hosts forgotten by the detector (MaxHosts)\n", st.Evictions)
	}
	for _, a := range addrs {
		rep := s.hosts[a]
		res := rep.peak.Result
		if res == "" {
			res = spambot.Clean
		}
		fmt.Fprintf(w, "\n%s %s", a, res)
		if res != spambot.Clean {
			fmt.Fprintf(w, " at %s", rep.peak.At.UTC().Format(time.RFC3339))
		}
		fmt.Fprintln(w)
		for _, e := range rep.peak.Signals {
			fmt.Fprintf(w, "  %s\n", e)
		}
		fmt.Fprintf(w, "  log: %d messages; recipients %d sent, %d bounced, %d deferred; %d refused by us; %d MX lookups; %d port-25 connections\n",
			rep.messages, rep.sent, rep.bounced, rep.deferred, rep.refused, rep.mx, rep.direct)
	}
}

func countSuspects(s *scanner) int {
	n := 0
	for _, rep := range s.hosts {
		if rep.peak.Result == spambot.Suspect || rep.peak.Result == spambot.Spambot {
			n++
		}
	}
	return n
}
