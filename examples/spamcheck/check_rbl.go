package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"

	"github.com/jhillyerd/enmime/v2"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
)

func init() { register(rankRBL, "rbl", checkRBL) }

// The demo's lists in postscreen_dnsbl_sites syntax: a DNSBL whose codes
// 2–11 weigh 3, and a DNSWL whose trust levels 1–3 weigh -2.
const (
	demoIPLists  = "zen.dnsbl.example=127.0.0.[2..11]*3 list.dnswl.example=127.0.[0..255].[1..3]*-2"
	demoURILists = "multi.uribl.example=&8*3"
)

// The demo's hash lists (Spamhaus HBL style): sender addresses and
// attachment contents by SHA-256 in base32, codes 127.0.3.x.
var demoHashLists = []rbl.List{
	{Zone: "_email.hbl.example", Kind: rbl.KindAddress, Filter: rbl.MustParseFilter("127.0.3.[0..255]"), Weight: 3},
	{Zone: "_file.hbl.example", Kind: rbl.KindHash, Filter: rbl.MustParseFilter("127.0.3.[0..255]"), Weight: 3},
}

// checkRBL checks the client address against the DNSBL and DNSWL
// (postscreen scoring: listed at 3, allowlisted at -1 or below), the
// other relays of the Received fields likewise, the domains of the
// body's URLs against the URIBL, and the MAIL FROM address and the
// attachments (by the SHA-256 the MIME scanner computes) against hash
// lists. Only listed senders and attachments are reported.
func checkRBL(ctx context.Context, e *env, in *input) ([]string, error) {
	ipLists, err := rbl.ParseLists(demoIPLists)
	if err != nil {
		return nil, err
	}
	ipLists[0].Reason = true
	uriLists, err := rbl.ParseLists(demoURILists)
	if err != nil {
		return nil, err
	}
	for i := range uriLists {
		uriLists[i].Kind = rbl.KindDomain
	}
	dnsbl := &rbl.Checker{Resolver: e.Resolver, Lists: ipLists, Threshold: 3, AllowlistThreshold: -1}
	uribl := &rbl.Checker{Resolver: e.Resolver, Lists: uriLists, Threshold: 3}

	o, err := dnsbl.CheckIP(ctx, in.IP)
	if err != nil {
		return nil, err
	}
	lines := []string{"client " + o.String()}
	header, _, _ := bytes.Cut(in.Message, []byte("\n\n"))
	if i := bytes.Index(in.Message, []byte("\r\n\r\n")); i >= 0 && i < len(header) {
		header = in.Message[:i]
	}
	relays, _ := (&rbl.ReceivedParser{}).IPs(header)
	for _, ip := range relays {
		if ip == in.IP {
			continue
		}
		if o, err := dnsbl.CheckIP(ctx, ip); err == nil {
			lines = append(lines, "relay "+o.String())
		}
	}
	// The URLs of the decoded text and HTML bodies (transfer encodings
	// and charsets undone by enmime), each host once.
	var hosts []string
	if msg, err := enmime.ReadEnvelope(bytes.NewReader(in.Message)); err == nil {
		seen := map[string]bool{}
		for _, text := range []string{msg.Text, msg.HTML} {
			urls, _ := (&rbl.Extractor{}).URLs([]byte(text))
			for _, u := range urls {
				if !seen[u.Host] {
					seen[u.Host] = true
					hosts = append(hosts, u.Host)
				}
			}
		}
	}
	outs, err := uribl.CheckDomains(ctx, hosts)
	if err != nil {
		return lines, err
	}
	for _, o := range outs {
		lines = append(lines, "uri "+o.String())
	}
	hbl := &rbl.Checker{Resolver: e.Resolver, Lists: demoHashLists, Threshold: 3}
	if in.MailFrom != "" {
		if o, err := hbl.CheckAddress(ctx, in.MailFrom); err == nil && o.Verdict != rbl.Clean {
			lines = append(lines, fmt.Sprintf("sender <%s> %s score %d %v", in.MailFrom, o.Verdict, o.Score, o.Hits))
		}
	}
	var s mime.Scanner
	r, err := s.Scan(ctx, in.Message)
	if err != nil {
		return lines, err
	}
	for _, p := range r.Parts {
		var sum [32]byte
		if p.Filename == "" || p.SHA256 == "" {
			continue
		}
		if n, err := hex.Decode(sum[:], []byte(p.SHA256)); err != nil || n != len(sum) {
			continue
		}
		if o, err := hbl.CheckSHA256(ctx, sum); err == nil && o.Verdict != rbl.Clean {
			lines = append(lines, fmt.Sprintf("attachment %s %s score %d %v", p.Filename, o.Verdict, o.Score, o.Hits))
		}
	}
	return lines, nil
}
