package main

import (
	"bufio"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/spamkit/spamkit/harvest/spambot"
)

// Defaults of the scanner's limits.
const (
	defaultMaxQueue = 100000 // queue IDs remembered between client= and removed
	defaultMaxHosts = 65536  // hosts with a report
)

// scanner turns log records into spambot events about internal hosts.
type scanner struct {
	det      *spambot.Detector
	internal []netip.Prefix // our networks
	exempt   []netip.Prefix // our mail servers and resolvers: never judged
	maxQueue int
	maxHosts int

	// last is the latest RFC 3164 timestamp read and years the years
	// added to the given one since: such a timestamp has no year, so a
	// jump back of months (Dec 31 to Jan 1) is the next year.
	last  time.Time
	years int

	queue  map[string]*queued // by queue ID
	order  []string           // queue IDs in arrival order, for eviction
	hosts  map[netip.Addr]*report
	counts struct {
		lines, skipped, long   int
		queueEvicted, noReport int
	}
}

// queued is a message in the queue from an internal host.
type queued struct {
	client  netip.Addr
	counted bool // its Message event was recorded (qmgr logs from= again after a deferral)
}

// report is what the log said about one host, with its worst verdict.
type report struct {
	messages, sent, bounced, deferred, refused, mx, direct int

	peak spambot.Outcome // the verdict with the most signals, first reached
}

func newScanner(det *spambot.Detector, internal, exempt []netip.Prefix) *scanner {
	return &scanner{det: det, internal: internal, exempt: exempt, maxQueue: defaultMaxQueue, maxHosts: defaultMaxHosts,
		queue: make(map[string]*queued), hosts: make(map[netip.Addr]*report)}
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// judged reports whether a is an internal host that is not exempt.
func (s *scanner) judged(a netip.Addr) bool {
	return a.IsValid() && contains(s.internal, a) && !contains(s.exempt, a)
}

// read scans a log.
func (s *scanner) read(r io.Reader, year int, loc *time.Location) error {
	br := bufio.NewReaderSize(r, 64*1024)
	var long bool
	var buf []byte
	for {
		frag, isPrefix, err := br.ReadLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if isPrefix || long {
			// Keep at most maxLine+1 octets: parseSyslog refuses longer.
			if len(buf) <= maxLine {
				buf = append(buf, frag...)
			}
			long = isPrefix
			if isPrefix {
				continue
			}
			frag, buf = buf, buf[:0]
		}
		s.line(string(frag), year, loc)
	}
}

// line handles one log line.
func (s *scanner) line(line string, year int, loc *time.Location) {
	s.counts.lines++
	l, err := parseSyslog(line, year+s.years, loc)
	if err != nil {
		if err == errLong {
			s.counts.long++
		}
		s.counts.skipped++
		return
	}
	l = s.fixYear(l)
	r := parseRecord(l)
	switch r.Kind {
	case kClient:
		if s.judged(r.Client) {
			s.enqueue(r.QueueID, r.Client)
		}
	case kFrom:
		if q := s.queue[r.QueueID]; q != nil && !q.counted {
			q.counted = true
			if rep := s.event(spambot.Event{Time: r.Time, Host: q.client, Kind: spambot.Message}); rep != nil {
				rep.messages++
			}
		}
	case kDelivery:
		q := s.queue[r.QueueID]
		if q == nil {
			return
		}
		if d := domainOf(r.Addr); d != "" {
			s.event(spambot.Event{Time: r.Time, Host: q.client, Kind: spambot.Recipient, Domain: d})
		}
		rep := s.report(q.client)
		switch r.Status {
		case "sent":
			if rep != nil {
				rep.sent++
			}
		case "bounced", "expired":
			// A permanent refusal: the remote server said 5xx, or the
			// domain does not exist, or the message expired in the queue.
			s.event(spambot.Event{Time: r.Time, Host: q.client, Kind: spambot.Rejected})
			if rep != nil {
				rep.bounced++
			}
		case "deferred":
			// Temporary: greylisting and busy servers defer legitimate
			// mail too, so it is reported but not counted as a rejection.
			if rep != nil {
				rep.deferred++
			}
		}
	case kRemoved:
		delete(s.queue, r.QueueID)
	case kReject:
		if !s.judged(r.Client) || r.Code < 500 {
			return
		}
		if d := domainOf(r.Addr); d != "" {
			s.event(spambot.Event{Time: r.Time, Host: r.Client, Kind: spambot.Recipient, Domain: d})
		}
		if rep := s.event(spambot.Event{Time: r.Time, Host: r.Client, Kind: spambot.Rejected}); rep != nil {
			rep.refused++
		}
	case kQuery:
		if r.QType == "MX" && s.judged(r.Client) {
			if rep := s.event(spambot.Event{Time: r.Time, Host: r.Client, Kind: spambot.MXLookup}); rep != nil {
				rep.mx++
			}
		}
	case kFlow:
		if r.Port == 25 && r.SYN && s.judged(r.Client) && !contains(s.internal, r.Dst) {
			if rep := s.event(spambot.Event{Time: r.Time, Host: r.Client, Kind: spambot.DirectSMTP}); rep != nil {
				rep.direct++
			}
		}
	}
}

// fixYear places an RFC 3164 timestamp, which has no year, in the year
// nearest the latest one read: a jump back of more than six months (Dec
// 31 to Jan 1) is the next year, and from then on the year is one more;
// a jump ahead of more than six months (a late Dec 31 line after Jan 1,
// from another host or process) is the year before.
func (s *scanner) fixYear(l syslogLine) syslogLine {
	if !l.NoYear {
		return l
	}
	switch {
	case s.last.IsZero():
	case l.Time.Before(s.last.AddDate(0, -6, 0)):
		s.years++
		l.Time = l.Time.AddDate(1, 0, 0)
	case l.Time.After(s.last.AddDate(0, 6, 0)):
		l.Time = l.Time.AddDate(-1, 0, 0)
		return l // a straggler: the latest time stays
	}
	s.last = l.Time
	return l
}

// enqueue remembers a queue ID's client, forgetting the oldest IDs past
// maxQueue (messages whose "removed" line the log lacks).
func (s *scanner) enqueue(id string, client netip.Addr) {
	if _, ok := s.queue[id]; !ok {
		s.order = append(s.order, id)
	}
	s.queue[id] = &queued{client: client}
	for len(s.queue) > s.maxQueue && len(s.order) > 0 {
		old := s.order[0]
		s.order = s.order[1:]
		if _, ok := s.queue[old]; ok {
			delete(s.queue, old)
			s.counts.queueEvicted++
		}
	}
	if len(s.order) > 2*s.maxQueue+16 { // drop the IDs already removed
		kept := make([]string, 0, len(s.queue))
		for _, id := range s.order {
			if _, ok := s.queue[id]; ok {
				kept = append(kept, id)
			}
		}
		s.order = kept
	}
}

// report returns a's report, creating it unless maxHosts are kept.
func (s *scanner) report(a netip.Addr) *report {
	rep := s.hosts[a]
	if rep == nil {
		if len(s.hosts) >= s.maxHosts {
			s.counts.noReport++
			return nil
		}
		rep = &report{}
		s.hosts[a] = rep
	}
	return rep
}

// event records e and keeps the host's worst verdict.
func (s *scanner) event(e spambot.Event) *report {
	o, err := s.det.Record(e)
	rep := s.report(e.Host)
	if err != nil || rep == nil {
		return rep
	}
	if len(o.Signals) > len(rep.peak.Signals) {
		rep.peak = o
	}
	return rep
}

// domainOf returns the domain of an address, lower-cased.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}
