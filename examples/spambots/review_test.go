package main

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/spamkit/spamkit/harvest/spambot"
)

// Postfix logs a refused recipient with the queue ID instead of NOQUEUE
// once the transaction has a queue file (after its first accepted
// recipient): smtpd_check.c logs state->queue_id when it is set.
func TestParseRejectWithQueueID(t *testing.T) {
	line := "Dec  2 09:40:01 mx1 postfix/smtpd[2301]: 4Fq2Zx1234z1: reject: RCPT from scan[10.1.2.50]: 550 5.1.1 <u@example.net>: Recipient address rejected: User unknown; from=<x@campus.example> to=<u@example.net> proto=ESMTP helo=<scan>"
	l, err := parseSyslog(line, 2026, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	got := parseRecord(l)
	want := record{Kind: kReject, Time: l.Time, QueueID: "4Fq2Zx1234z1", Client: netip.MustParseAddr("10.1.2.50"), Code: 550, Addr: "u@example.net",
		Detail: "5.1.1 <u@example.net>: Recipient address rejected: User unknown"}
	if got != want {
		t.Errorf("parseRecord(%q)\n got %+v\nwant %+v", line, got, want)
	}
}

// RFC 3164 timestamps have no year: a log running over New Year goes
// from "Dec 31" to "Jan  1", which is the next year, not eleven months
// back (the detector dropped every event after midnight as too old).
func TestYearRollover(t *testing.T) {
	internal := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	s := newScanner(&spambot.Detector{}, internal, nil)
	for i := range 20 {
		stamp := fmt.Sprintf("Dec 31 23:59:%02d", 40+i)
		if i >= 10 {
			stamp = fmt.Sprintf("Jan  1 00:00:%02d", i)
		}
		s.line(fmt.Sprintf("%s mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[10.1.2.3]: 550 5.1.1 <u%d@example.net>: User unknown; from=<x@campus.example> to=<u%d@example.net> proto=ESMTP helo=<a>", stamp, i, i), 2026, time.UTC)
	}
	rep := s.hosts[netip.MustParseAddr("10.1.2.3")]
	if rep == nil || rep.refused != 20 {
		t.Fatalf("report %+v, want 20 refused", rep)
	}
	var n int
	for _, e := range rep.peak.Signals {
		if e.Kind == spambot.Rejected {
			n = e.Count
		}
	}
	if n != 20 {
		t.Errorf("rejected count in window = %d, want 20 (peak %v)", n, rep.peak)
	}
}

// A link-local client is logged with its zone (fe80::1%eth0); a zoned
// address matches no prefix (netip.Prefix.Contains), so the host was
// never judged. The zone is dropped.
func TestZonedClient(t *testing.T) {
	internal := []netip.Prefix{netip.MustParsePrefix("fe80::/10")}
	s := newScanner(&spambot.Detector{}, internal, nil)
	for _, line := range []string{
		"Dec  2 09:58:02 ns1 named[612]: client fe80::1%eth0#5353 (x.example): query: x.example IN MX +",
		"Dec  2 09:58:03 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[fe80::1%eth0]: 550 5.1.1 <u@example.net>: User unknown; from=<x@campus.example> to=<u@example.net> proto=ESMTP helo=<a>",
	} {
		s.line(line, 2026, time.UTC)
	}
	rep := s.hosts[netip.MustParseAddr("fe80::1")]
	if rep == nil || rep.mx != 1 || rep.refused != 1 {
		t.Errorf("report of fe80::1 = %+v, want 1 MX lookup and 1 refusal (hosts %v)", rep, s.hosts)
	}
}

// TestYearRolloverInterleaved: lines of several hosts interleave around
// midnight; a late "Dec 31" after "Jan  1" is the old year, not the
// next December (which then pushed every later line a year further).
func TestYearRolloverInterleaved(t *testing.T) {
	s := newScanner(&spambot.Detector{}, nil, nil)
	var got []time.Time
	for _, stamp := range []string{"Dec 31 23:59:58", "Jan  1 00:00:01", "Dec 31 23:59:59", "Jan  1 00:00:02"} {
		l, err := parseSyslog(stamp+" mx1 postfix/smtpd[1]: connect from a[10.1.2.3]", 2026+s.years, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.fixYear(l).Time)
	}
	want := []time.Time{
		time.Date(2026, 12, 31, 23, 59, 58, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 2, 0, time.UTC),
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("line %d at %v, want %v", i, got[i], want[i])
		}
	}
}
