package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/harvest/spambot"
)

func TestParseSyslog(t *testing.T) {
	utc := time.UTC
	for _, tc := range []struct {
		line, host, prog, msg string
		at                    time.Time
		err                   error
	}{
		{"Dec  2 09:05:11 mx1 postfix/smtpd[2101]: connect from a[10.1.3.40]", "mx1", "postfix/smtpd", "connect from a[10.1.3.40]",
			time.Date(2026, 12, 2, 9, 5, 11, 0, utc), nil},
		{"Jan 10 23:59:59 fw1 kernel: [86000.1] OUT25: SRC=1.2.3.4", "fw1", "kernel", "[86000.1] OUT25: SRC=1.2.3.4",
			time.Date(2026, 1, 10, 23, 59, 59, 0, utc), nil},
		{"2026-12-02T11:00:00.104233+01:00 mx2 postfix/submission/smtpd[4410]: x", "mx2", "postfix/submission/smtpd", "x",
			time.Date(2026, 12, 2, 10, 0, 0, 104233000, utc), nil},
		{"this line is not syslog", "", "", "", time.Time{}, errSyntax},
		{"Dec  2 09:05:11 mx1", "", "", "", time.Time{}, errSyntax},
		{"Dec  2 09:05:11 mx1 postfix/smtpd[x]: msg", "", "", "", time.Time{}, errSyntax},
		{"Dxx  2 09:05:11 mx1 postfix/smtpd[1]: msg", "", "", "", time.Time{}, errSyntax},
		{"2026-13-02T11:00:00Z mx2 p: x", "", "", "", time.Time{}, errSyntax},
		{"Dec  2 09:05:11 mx1 " + strings.Repeat("y", maxLine), "", "", "", time.Time{}, errLong},
	} {
		l, err := parseSyslog(tc.line, 2026, utc)
		if err != tc.err {
			t.Errorf("parseSyslog(%.40q) error = %v, want %v", tc.line, err, tc.err)
			continue
		}
		if err == nil && (l.Host != tc.host || l.Program != tc.prog || l.Msg != tc.msg || !l.Time.Equal(tc.at)) {
			t.Errorf("parseSyslog(%q) = %+v, want %s %s %q %s", tc.line, l, tc.host, tc.prog, tc.msg, tc.at)
		}
	}
}

func TestParseRecord(t *testing.T) {
	ip := netip.MustParseAddr
	for _, tc := range []struct {
		line string
		want record
	}{
		{"Dec  2 09:05:11 mx1 postfix/smtpd[2101]: 7A3C2C1E2F: client=alice-pc.campus.example[10.1.3.40]",
			record{Kind: kClient, QueueID: "7A3C2C1E2F", Client: ip("10.1.3.40")}},
		{"Dec  2 09:05:11 mx1 postfix/submission/smtpd[2101]: 3kXq1Y0Zz4z9s1b: client=unknown[2001:db8::7], sasl_method=PLAIN, sasl_username=dev",
			record{Kind: kClient, QueueID: "3kXq1Y0Zz4z9s1b", Client: ip("2001:db8::7")}},
		{"Dec  2 09:05:11 mx1 postfix/cleanup[2104]: 7A3C2C1E2F: message-id=<x@y>", record{Kind: kMessageID, QueueID: "7A3C2C1E2F"}},
		{"Dec  2 09:05:11 mx1 postfix/qmgr[880]: 7A3C2C1E2F: from=<alice@campus.example>, size=2812, nrcpt=2 (queue active)",
			record{Kind: kFrom, QueueID: "7A3C2C1E2F", Addr: "alice@campus.example"}},
		{"Dec  2 09:05:11 mx1 postfix/qmgr[880]: 7A3C2C1E2F: from=<>, size=2812, nrcpt=1 (queue active)",
			record{Kind: kFrom, QueueID: "7A3C2C1E2F", Addr: ""}},
		{"Dec  2 09:05:12 mx1 postfix/qmgr[880]: 7A3C2C1E2F: removed", record{Kind: kRemoved, QueueID: "7A3C2C1E2F"}},
		{"Dec  2 09:05:12 mx1 postfix/smtp[2105]: 7A3C2C1E2F: to=<x@example.net>, relay=mx.example.net[203.0.113.7]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=5.1.1, status=bounced (host mx.example.net[203.0.113.7] said: 550 5.1.1 <x@example.net>: User unknown (in reply to RCPT TO command))",
			record{Kind: kDelivery, QueueID: "7A3C2C1E2F", Addr: "x@example.net", Status: "bounced", Relay: "mx.example.net[203.0.113.7]:25",
				Detail: "host mx.example.net[203.0.113.7] said: 550 5.1.1 <x@example.net>: User unknown (in reply to RCPT TO command)"}},
		{"Dec  2 09:05:12 mx1 postfix/smtp[2105]: 7A3C2C1E2F: to=<y@example.com>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.com[192.0.2.9]:25: Connection timed out)",
			record{Kind: kDelivery, QueueID: "7A3C2C1E2F", Addr: "y@example.com", Status: "deferred", Relay: "none",
				Detail: "connect to mx.example.com[192.0.2.9]:25: Connection timed out"}},
		{"Dec  2 09:40:01 mx1 postfix/smtpd[2301]: NOQUEUE: reject: RCPT from scan[10.1.2.50]: 554 5.7.1 <s@example.biz>: Relay access denied; from=<x@campus.example> to=<s@example.biz> proto=ESMTP helo=<scan>",
			record{Kind: kReject, Client: ip("10.1.2.50"), Code: 554, Addr: "s@example.biz", Detail: "5.7.1 <s@example.biz>: Relay access denied"}},
		{"Dec  2 09:58:02 ns1 named[612]: client @0x7f3c8c0a1b70 10.1.2.33#53211 (v.example.com): query: v.example.com IN MX +E(0) (10.1.0.53)",
			record{Kind: kQuery, Client: ip("10.1.2.33"), Addr: "v.example.com", QType: "MX"}},
		{"Dec  2 09:58:02 fw1 kernel: [1.2] OUT25: IN=eth1 OUT=eth0 SRC=10.1.2.33 DST=203.0.113.80 LEN=60 PROTO=TCP SPT=49152 DPT=25 WINDOW=64240 RES=0x00 SYN URGP=0",
			record{Kind: kFlow, Client: ip("10.1.2.33"), Dst: ip("203.0.113.80"), Port: 25, SYN: true}},
		{"Dec  2 09:58:02 fw1 kernel: OUT: SRC=10.1.2.33 DST=203.0.113.80 PROTO=UDP SPT=1 DPT=25", record{}},
		{"Dec  2 09:05:11 mx1 postfix/smtpd[2101]: connect from a[10.1.3.40]", record{}},
		{"Dec  2 09:05:11 mx1 postfix/smtpd[2101]: NOQUEUE: reject: RCPT from a[10.1.3.40]: 999 nonsense; from=<a> to=<b>", record{}},
		{"Dec  2 09:05:11 mx1 dovecot: imap-login: Login: user=<alice>", record{}},
		{"Dec  2 09:05:11 mx1 postfix/smtp[1]: NOQUEUE: to=<x@y>, status=sent", record{}},
	} {
		l, err := parseSyslog(tc.line, 2026, time.UTC)
		if err != nil {
			t.Fatalf("parseSyslog(%q): %v", tc.line, err)
		}
		got := parseRecord(l)
		tc.want.Time = got.Time
		if tc.want.Kind == kNone {
			if got.Kind != kNone {
				t.Errorf("parseRecord(%q) = %+v, want nothing", tc.line, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("parseRecord(%q)\n got %+v\nwant %+v", tc.line, got, tc.want)
		}
	}
}

// TestMaxHosts trips the scanner's bound on host reports.
func TestMaxHosts(t *testing.T) {
	internal := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	s := newScanner(&spambot.Detector{}, internal, nil)
	s.maxHosts = 1
	for _, h := range []string{"10.0.0.1", "10.0.0.2"} {
		s.line("Dec  2 09:58:02 ns1 named[612]: client "+h+"#1 (x): query: x IN MX +", 2026, time.UTC)
	}
	if len(s.hosts) != 1 || s.counts.noReport != 1 {
		t.Fatalf("%d reports, %d refused, want 1 and 1", len(s.hosts), s.counts.noReport)
	}
}

// FuzzParseLine holds the log parser to its properties on any line: no
// panic; a parsed line's message is the line's tail and its program has
// no space or bracket; each record has the fields its kind needs, taken
// from the line.
func FuzzParseLine(f *testing.F) {
	for _, l := range []string{
		"Dec  2 09:05:11 mx1 postfix/smtpd[2101]: 7A3C2C1E2F: client=alice-pc.campus.example[10.1.3.40]",
		"Dec  2 09:05:11 mx1 postfix/qmgr[880]: 7A3C2C1E2F: from=<alice@campus.example>, size=2812, nrcpt=2 (queue active)",
		"Dec  2 09:05:12 mx1 postfix/smtp[2105]: 7A3C2C1E2F: to=<x@example.net>, relay=none, dsn=5.1.1, status=bounced (x)",
		"Dec  2 09:40:01 mx1 postfix/smtpd[2301]: NOQUEUE: reject: RCPT from s[10.1.2.50]: 550 5.1.1 <a@b>: no; from=<> to=<a@b> proto=ESMTP",
		"2026-12-02T11:02:10.55+01:00 ns2 named[733]: client 10.2.0.9#33210 (m.example.com): query: m.example.com IN MX + (10.2.0.53)",
		"Dec  2 09:58:02 fw1 kernel: OUT25: SRC=10.1.2.33 DST=203.0.113.80 PROTO=TCP SPT=49152 DPT=25 SYN",
		"Dec  2 09:05:12 mx1 postfix/qmgr[880]: 7A3C2C1E2F: removed",
		"garbage", "",
	} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		l, err := parseSyslog(line, 2026, time.UTC)
		if err != nil {
			if len(line) > maxLine && err != errLong {
				t.Fatalf("parseSyslog of %d octets: %v, want errLong", len(line), err)
			}
			return
		}
		if !strings.HasSuffix(line, l.Msg) || strings.ContainsAny(l.Program, " []") || l.Program == "" || l.Host == "" {
			t.Fatalf("parseSyslog(%q) = %+v", line, l)
		}
		r := parseRecord(l)
		switch r.Kind {
		case kClient, kQuery, kReject, kFlow:
			if !r.Client.IsValid() || r.Client.Is4In6() {
				t.Fatalf("parseRecord(%q): kind %d with client %v", line, r.Kind, r.Client)
			}
		}
		switch r.Kind {
		case kClient, kFrom, kRemoved, kDelivery, kMessageID:
			if r.QueueID == "" || !strings.Contains(l.Msg, r.QueueID+": ") {
				t.Fatalf("parseRecord(%q): queue ID %q not in the line", line, r.QueueID)
			}
		}
		switch {
		case r.Kind == kDelivery && (r.Status == "" || !strings.Contains(l.Msg, "to=<"+r.Addr+">")):
			t.Fatalf("parseRecord(%q) = %+v: delivery without status or recipient", line, r)
		case r.Kind == kReject && (r.Code < 400 || r.Code > 599 || !strings.Contains(l.Msg, "to=<"+r.Addr+">")):
			t.Fatalf("parseRecord(%q) = %+v: reject without code or recipient", line, r)
		case r.Kind == kFlow && !r.Dst.IsValid():
			t.Fatalf("parseRecord(%q) = %+v: flow without destination", line, r)
		}
		// The scanner takes any line without panicking.
		s := newScanner(&spambot.Detector{}, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}, nil)
		s.line(line, 2026, time.UTC)
	})
}
