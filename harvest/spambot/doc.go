// Package spambot finds internal hosts that send mail like spambots:
// the outbound side of directory-harvest and rate accounting (package
// harvest watches the clients that connect to us; this package watches
// the hosts of our own network). It is what a university does when it
// reads its mail and DNS logs to find infected campus machines.
//
// The caller feeds events about internal source hosts, from wherever it
// sees them (a policy server, a Postfix maillog, DNS query logs, flow or
// firewall logs; examples/spambots reads Postfix and BIND logs):
//
//   - Message: a message submitted by the host;
//   - Recipient: a recipient, by domain (distinct domains are counted);
//   - MXLookup: an MX query by the host;
//   - DirectSMTP: a TCP connection from the host to port 25 outside;
//   - Rejected: a recipient refused permanently (our 5xx, a bounce).
//
// Detector.Record counts an event and returns the host's Outcome: each
// kind's count in its sliding window against its threshold, the kinds
// that reached theirs (Signals, as Evidence), and the verdict: Clean
// (none), Suspect (fewer than SpambotSignals, default 2) or Spambot.
// One signal alone has innocent explanations (a developer's dig MX, a
// list manager's burst); two at once, such as an MX lookup followed by
// a direct port-25 connection, or many domains and many rejections, are
// what a spambot does. Detector.Suspects lists every host not Clean.
//
// # Thresholds
//
// Each threshold is a Count within a sliding Window, overridable per
// field of Detector (a negative Count disables the kind). The defaults
// and where they come from:
//
//   - Messages, 30 per minute: Exchange Online's sending limit ("message
//     rate limit: 30 messages per minute", Microsoft's Exchange Online
//     limits, Sending limits), the rate past which a mailbox that sends
//     is throttled as a probable spam source.
//   - Distinct recipient domains, 50 in 5 minutes: Haraka's limit
//     plugin, whose default recipient rate by host (rate_rcpt_host) is
//     50 per 5 minutes; a host that reaches 50 distinct domains has sent
//     to at least 50 recipients. Courier's ratefilter defaults to 100
//     recipients per 60 s per sender, a looser bound of the same kind.
//   - MX lookups, 1 per hour: D. Whyte, P. C. van Oorschot, E. Kranakis,
//     "Addressing SMTP-based Mass-Mailing Activity Within Enterprise
//     Networks" (ACSAC 2006): in an enterprise only the mail servers
//     need MX records, so one MX query by another host marks it (they
//     detect within a single mailing attempt). Leave the mail servers
//     out of the events, or disable the kind where clients resolve MX.
//   - Direct port-25 connections, 1 per hour: MAAWG (now M3AAWG),
//     "Managing Port 25 for Residential or Dynamic IP Space: Benefits of
//     Adoption and Risks of Inaction" (December 2005), and Outbound Port
//     25 Blocking (draft-akagiri-op25b-dynamicip): end-user hosts submit
//     mail through the submission port (RFC 6409) of their mail servers,
//     never straight to port 25 of the Internet, which is why networks
//     block it.
//   - Rejected recipients, 20 per hour: Postfix's smtpd_hard_error_limit
//     default, 20 errors after which a client is disconnected; applied
//     here to a host's refused recipients over an hour rather than one
//     session, since a spambot's rejections (unknown users of a
//     harvested list) are spread over many connections.
//
// # Windows
//
// Counts are kept in 10 buckets per window (exact to a tenth of the
// window: an event leaves the count between 0.9 and 1 window after it
// happened); distinct domains keep their last sighting and are exact.
// Time comes from each Event (for log replays, out of order within the
// window is fine) or from Detector.Now.
//
// # Memory
//
// A Detector tracks at most MaxHosts hosts (default 65536), spread over
// 32 shards, each forgetting its least recently active host to make
// room; the Outcome of the Record that forgot one carries
// ErrTooManyHosts in Err, and Stats counts the evictions. A host costs
// about 400 octets of heap with the table's share (BenchmarkHostMemory;
// TestMemoryPerHost holds it under 600), plus 16 per distinct recipient
// domain remembered, at most the Domains threshold's Count (the count
// saturates there, which is all a verdict needs; room for 8 is taken at
// the first).
//
// # Concurrency
//
// The zero Detector is ready with the default thresholds. Set its fields
// before the first call; it is then safe for concurrent use by multiple
// goroutines, with one lock per shard and no global lock on the Record
// path.
//
// # Usage
//
//	d := &spambot.Detector{}
//	o, err := d.Record(spambot.Event{Time: t, Host: ip, Kind: spambot.Recipient, Domain: "example.net"})
//	if o.Result == spambot.Spambot {
//		// block or quarantine the host; o.Signals is the evidence
//	}
//	for _, o := range d.Suspects(time.Time{}) {
//		fmt.Println(o)
//	}
package spambot
