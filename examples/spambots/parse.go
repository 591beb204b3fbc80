package main

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// maxLine bounds a log line; longer ones are skipped (errLong).
const maxLine = 8192

var (
	errSyntax = errors.New("not a syslog line")
	errLong   = errors.New("line too long")
)

// syslogLine is a syslog line split into its header and message.
type syslogLine struct {
	Time    time.Time
	Host    string // the logging host
	Program string // "postfix/smtpd", "named", "kernel"
	Msg     string // after "program[pid]: "
	NoYear  bool   // an RFC 3164 timestamp: its year was supplied
}

// parseSyslog splits a line in either of the formats a maillog has:
// RFC 3164 ("Dec  2 10:00:01 mx1 postfix/smtpd[1234]: msg"; its time has
// no year and no zone: year and loc supply them) or RFC 5424-style
// timestamps as rsyslog and Postfix's own logger write them
// ("2026-12-02T10:00:01.123456+00:00 mx1 postfix/smtpd[1234]: msg").
func parseSyslog(line string, year int, loc *time.Location) (syslogLine, error) {
	var l syslogLine
	if len(line) > maxLine {
		return l, errLong
	}
	var rest string
	if len(line) >= 16 && line[3] == ' ' && line[6] == ' ' && line[9] == ':' {
		t, err := time.ParseInLocation(time.Stamp, line[:15], loc)
		if err != nil {
			return l, errSyntax
		}
		l.Time, l.NoYear = t.AddDate(year, 0, 0), true
		rest = line[15:]
	} else {
		ts, r, ok := strings.Cut(line, " ")
		if !ok {
			return l, errSyntax
		}
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return l, errSyntax
		}
		l.Time, rest = t, r
	}
	rest = strings.TrimLeft(rest, " ")
	host, rest, ok := strings.Cut(rest, " ")
	if !ok || host == "" {
		return l, errSyntax
	}
	tag, msg, ok := strings.Cut(rest, ": ")
	if !ok || tag == "" {
		return l, errSyntax
	}
	if i := strings.IndexByte(tag, '['); i > 0 && strings.HasSuffix(tag, "]") {
		if _, err := strconv.Atoi(tag[i+1 : len(tag)-1]); err != nil {
			return l, errSyntax
		}
		tag = tag[:i]
	}
	if strings.ContainsAny(tag, " []") {
		return l, errSyntax
	}
	l.Host, l.Program, l.Msg = host, tag, msg
	return l, nil
}

// kind of record a line holds.
type kind int

const (
	kNone      kind = iota
	kClient         // smtpd: "QUEUEID: client=name[ip]"
	kReject         // smtpd: "NOQUEUE: reject: RCPT from name[ip]: 550 5.1.1 <rcpt>: ...; from=<> to=<> ..." (QUEUEID for NOQUEUE once the transaction has a queue file)
	kMessageID      // cleanup: "QUEUEID: message-id=<id>"
	kFrom           // qmgr: "QUEUEID: from=<addr>, size=N, nrcpt=N (queue active)"
	kRemoved        // qmgr: "QUEUEID: removed"
	kDelivery       // smtp, lmtp, local...: "QUEUEID: to=<addr>, relay=..., dsn=X.Y.Z, status=sent (...)"
	kQuery          // named: "client @0x... ip#port (name): query: name IN MX +..."
	kFlow           // kernel (netfilter LOG): "... SRC=ip DST=ip ... PROTO=TCP SPT=n DPT=25 ..."
)

// record is what the scanner needs from one line.
type record struct {
	Kind    kind
	Time    time.Time
	QueueID string
	Client  netip.Addr // kClient, kReject, kQuery: the client; kFlow: the source
	Dst     netip.Addr // kFlow: the destination
	Port    int        // kFlow: the destination port
	SYN     bool       // kFlow: a connection's first packet
	Addr    string     // kReject, kDelivery: the recipient; kFrom: the sender
	Code    int        // kReject: the SMTP reply code
	Status  string     // kDelivery: sent, bounced, deferred, expired
	Relay   string     // kDelivery
	Detail  string     // kReject: the reply text; kDelivery: the parenthesized status detail
	QType   string     // kQuery: the query type (MX, A...)
}

// parseRecord reads the Postfix, BIND and netfilter lines the scanner
// uses; other lines give kNone.
func parseRecord(l syslogLine) record {
	r := record{Time: l.Time}
	prog := l.Program
	switch {
	case strings.HasPrefix(prog, "postfix") && strings.Contains(prog, "/"):
		prog = prog[strings.LastIndexByte(prog, '/')+1:]
	case prog == "named" || prog == "kernel":
	default:
		return r
	}
	msg := l.Msg
	switch prog {
	case "smtpd":
		if rest, ok := strings.CutPrefix(msg, "NOQUEUE: reject: RCPT from "); ok {
			return parseReject(r, rest)
		}
		id, rest, ok := splitQueueID(msg)
		if !ok {
			return r
		}
		// Once the transaction has a queue file (after its first
		// accepted recipient), smtpd logs a refusal with the queue ID.
		if rest, ok := strings.CutPrefix(rest, "reject: RCPT from "); ok {
			r = parseReject(r, rest)
			if r.Kind == kReject {
				r.QueueID = id
			}
			return r
		}
		if v, ok := strings.CutPrefix(rest, "client="); ok {
			if ip, ok := bracketAddr(field(v)); ok {
				r.Kind, r.QueueID, r.Client = kClient, id, ip
			}
		}
	case "cleanup":
		if id, rest, ok := splitQueueID(msg); ok && strings.HasPrefix(rest, "message-id=") {
			r.Kind, r.QueueID = kMessageID, id
		}
	case "qmgr":
		id, rest, ok := splitQueueID(msg)
		switch {
		case !ok:
		case rest == "removed":
			r.Kind, r.QueueID = kRemoved, id
		case strings.HasPrefix(rest, "from=<"):
			if a, ok := angle(rest[len("from="):]); ok {
				r.Kind, r.QueueID, r.Addr = kFrom, id, a
			}
		}
	case "smtp", "lmtp", "local", "virtual", "pipe", "error", "discard":
		id, rest, ok := splitQueueID(msg)
		if !ok || !strings.HasPrefix(rest, "to=<") {
			return r
		}
		a, ok := angle(rest[len("to="):])
		if !ok {
			return r
		}
		attrs, detail, _ := strings.Cut(rest, " (")
		r.Detail = strings.TrimSuffix(detail, ")")
		for _, kv := range strings.Split(attrs, ", ") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "relay":
				r.Relay = v
			case "status":
				r.Status = v
			}
		}
		if r.Status == "" {
			return r
		}
		r.Kind, r.QueueID, r.Addr = kDelivery, id, a
	case "named":
		return parseQuery(r, msg)
	case "kernel":
		return parseFlow(r, msg)
	}
	return r
}

// splitQueueID splits "QUEUEID: rest" where QUEUEID is a Postfix queue ID
// (short hex, or long base-52 form).
func splitQueueID(msg string) (id, rest string, ok bool) {
	id, rest, ok = strings.Cut(msg, ": ")
	if !ok || len(id) < 5 || len(id) > 32 || id == "NOQUEUE" {
		return "", "", false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return "", "", false
		}
	}
	return id, rest, true
}

// field returns s up to the first ", " or space.
func field(s string) string {
	if i := strings.IndexAny(s, ", "); i >= 0 {
		return s[:i]
	}
	return s
}

// bracketAddr reads the address of "name[ip]" or "name[ip]:port".
func bracketAddr(s string) (netip.Addr, bool) {
	i := strings.LastIndexByte(s, '[')
	j := strings.LastIndexByte(s, ']')
	if i < 0 || j < i {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(strings.TrimPrefix(s[i+1:j], "IPv6:"))
	if err != nil {
		return netip.Addr{}, false
	}
	return host(a), true
}

// host returns a as the host it names: IPv4-mapped addresses unmapped,
// the zone of a link-local one dropped (a zoned address matches no
// netip.Prefix, so it would never be judged).
func host(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// angle returns the address in a leading "<...>".
func angle(s string) (string, bool) {
	if !strings.HasPrefix(s, "<") {
		return "", false
	}
	a, _, ok := strings.Cut(s[1:], ">")
	return a, ok
}

// parseReject reads "name[ip]: 554 5.7.1 <rcpt>: text; from=<s> to=<r> proto=ESMTP helo=<h>".
func parseReject(r record, s string) record {
	client, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return r
	}
	ip, ok := bracketAddr(client)
	if !ok || len(rest) < 4 || rest[3] != ' ' {
		return r
	}
	code, err := strconv.Atoi(rest[:3])
	if err != nil || code < 400 || code > 599 {
		return r
	}
	text := rest[4:]
	i := strings.LastIndex(text, "; from=<")
	if i < 0 {
		return r
	}
	_, to, ok := strings.Cut(text[i:], " to=")
	if !ok {
		return r
	}
	a, ok := angle(to)
	if !ok {
		return r
	}
	r.Kind, r.Client, r.Code, r.Addr, r.Detail = kReject, ip, code, a, text[:i]
	return r
}

// parseQuery reads a BIND query log line: "client @0x7f3c8c0a1b70
// 10.1.2.33#53211 (example.net): query: example.net IN MX +E(0)K
// (10.1.0.53)" (the "@0x..." field is absent before BIND 9.11).
func parseQuery(r record, s string) record {
	rest, ok := strings.CutPrefix(s, "client ")
	if !ok {
		return r
	}
	if strings.HasPrefix(rest, "@0x") {
		_, rest, _ = strings.Cut(rest, " ")
	}
	hostport, rest, ok := strings.Cut(rest, " ")
	if !ok {
		return r
	}
	h, _, ok := strings.Cut(hostport, "#")
	if !ok {
		return r
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return r
	}
	_, q, ok := strings.Cut(rest, "query: ")
	if !ok {
		return r
	}
	f := strings.Fields(q)
	if len(f) < 3 || f[1] != "IN" {
		return r
	}
	r.Kind, r.Client, r.Addr, r.QType = kQuery, host(ip), f[0], f[2]
	return r
}

// parseFlow reads a netfilter LOG line: "OUT25: IN=eth1 OUT=eth0
// SRC=10.1.2.33 DST=203.0.113.5 LEN=60 ... PROTO=TCP SPT=49152 DPT=25
// WINDOW=64240 RES=0x00 SYN URGP=0".
func parseFlow(r record, s string) record {
	var src, dst, proto, dpt string
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case !ok:
			if f == "SYN" {
				r.SYN = true
			}
		case k == "SRC":
			src = v
		case k == "DST":
			dst = v
		case k == "PROTO":
			proto = v
		case k == "DPT":
			dpt = v
		}
	}
	s1, err1 := netip.ParseAddr(src)
	d1, err2 := netip.ParseAddr(dst)
	port, err3 := strconv.Atoi(dpt)
	if err1 != nil || err2 != nil || err3 != nil || proto != "TCP" {
		return r
	}
	r.Kind, r.Client, r.Dst, r.Port = kFlow, host(s1), host(d1), port
	return r
}
