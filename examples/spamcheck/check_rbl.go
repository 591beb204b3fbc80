package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/spamkit/spamkit/internal/header"
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
	_, end, _ := header.Split(in.Message)
	relays := (&rbl.ReceivedParser{}).Relays(in.Message[:end])
	for _, ip := range relays.IPs {
		if ip == in.IP {
			continue
		}
		if o, err := dnsbl.CheckIP(ctx, ip); err == nil {
			lines = append(lines, "relay "+o.String())
		}
	}
	if relays.Err != nil {
		lines = append(lines, "relays: "+relays.String())
	}
	// The URLs of the decoded text and HTML bodies (transfer encodings
	// and charsets undone by the mime scan), read as one body so that the
	// extractor's host limit counts the whole message. CheckLinks counts
	// that limit in the verdict: links past it make the result unknown,
	// never clean.
	if in.Report != nil {
		var texts [][]byte
		for _, text := range in.Report.Texts {
			texts = append(texts, []byte(text.Body))
		}
		links := (&rbl.Extractor{}).Links(bytes.Join(texts, []byte("\n")))
		d, err := uribl.CheckLinks(ctx, links)
		if err != nil {
			return lines, err
		}
		for _, o := range d.Domains {
			lines = append(lines, "uri "+o.String())
		}
		if d.Unchecked > 0 || d.Err != nil {
			lines = append(lines, "uri "+d.String())
		}
	}
	hbl := &rbl.Checker{Resolver: e.Resolver, Lists: demoHashLists, Threshold: 3}
	if in.MailFrom != "" {
		if o, err := hbl.CheckAddress(ctx, in.MailFrom); err == nil && o.Result != rbl.Clean {
			lines = append(lines, fmt.Sprintf("sender <%s> %s score %d %v", in.MailFrom, o.Result, o.Score, o.Hits))
		}
	}
	if in.Report != nil {
		for _, p := range in.Report.Parts {
			if p.Filename == "" || p.SHA256 == [32]byte{} {
				continue
			}
			if o, err := hbl.CheckSHA256(ctx, p.SHA256); err == nil && o.Result != rbl.Clean {
				lines = append(lines, fmt.Sprintf("attachment %s %s score %d %v", p.Filename, o.Result, o.Score, o.Hits))
			}
		}
	}
	return lines, nil
}
