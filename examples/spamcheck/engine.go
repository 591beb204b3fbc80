package main

import (
	_ "embed"
	"fmt"
	"net/netip"
	"time"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/session"
	"github.com/spamkit/spamkit/spf"
)

// The demo's lists in postscreen_dnsbl_sites syntax: a DNSBL whose codes
// 2–11 weigh 3, and a DNSWL whose trust levels 1–3 weigh -2; a URIBL by
// bit 8.
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

// arcDemoKey is the TEST-ONLY key mx.example.org seals ARC sets with in
// the demo; its public record is arc2026._domainkey.example.org in
// testdata/zones/dkim.zone (testdata/dkim/gen.go).
//
//go:embed testdata/dkim/example.org-arc2026.pem
var arcDemoKey []byte

// options are what the flags say about the checks.
type options struct {
	ServID         string
	Demo           bool
	Offline        bool   // content checks only: no DNS
	DNSBL, URIBL   string // lists in postscreen syntax, "" for none
	BayesDB        string // bbolt database of examples/bayes, "" for none
	Timeout        time.Duration
	ContentTimeout time.Duration
	Now            time.Time // zero: time.Now
}

// newEngine composes the checks: package session does it all; this
// only says which checks, with which lists and keys. The returned close
// releases the Bayes database.
func newEngine(r *resolver.Resolver, o options) (*session.Engine, func(), error) {
	e, closer, err := buildEngine(r, o)
	if err != nil {
		return nil, nil, err
	}
	// A configuration the session would answer with a 451 on every
	// message is refused before any message is read.
	if err := e.Validate(); err != nil {
		closer()
		return nil, nil, err
	}
	return e, closer, nil
}

// buildEngine sets the session.Engine's checks from the options.
func buildEngine(r *resolver.Resolver, o options) (*session.Engine, func(), error) {
	var now func() time.Time
	if !o.Now.IsZero() {
		now = func() time.Time { return o.Now }
	}
	e := &session.Engine{
		AuthServID:     o.ServID,
		MIME:           &mime.Scanner{},
		ConnectTimeout: o.Timeout,
		RcptTimeout:    o.Timeout,
		DataTimeout:    o.Timeout,
		ContentTimeout: o.ContentTimeout,
		// A checker shows a listed client's message too: the connection's
		// refusal is the verdict all the same (package session, step 0).
		Now: now,
	}
	closer := func() {}
	if o.BayesDB != "" {
		st, err := boltstore.Open(o.BayesDB, &boltstore.Options{ReadOnly: true})
		if err != nil {
			return nil, nil, fmt.Errorf("-bayes: %w", err)
		}
		e.Bayes = &bayes.Classifier{Store: st}
		closer = func() { st.Close() }
	}
	if o.Offline {
		return e, closer, nil
	}
	e.RDNS = &rdns.Checker{
		Resolver:  r,
		HostNames: []string{o.ServID},
	}
	if o.Demo {
		e.RDNS.HostIPs = []netip.Addr{netip.MustParseAddr("203.0.113.25")}
	}
	e.SPF = &spf.Checker{Resolver: r, ReceiverHost: o.ServID, Now: now}
	e.DKIM = &dkim.Verifier{Resolver: r, Now: now}
	e.DMARC = &dmarc.Evaluator{Resolver: r}
	e.ARC = &arc.Verifier{Resolver: r, Now: now}
	if o.DNSBL != "" {
		lists, err := rbl.ParseLists(o.DNSBL)
		if err != nil {
			closer()
			return nil, nil, fmt.Errorf("-dnsbl: %w", err)
		}
		for i := range lists {
			lists[i].Reason = true
		}
		// postscreen scoring: listed at 3, allowlisted at -1 or below.
		e.DNSBL = &rbl.Checker{Resolver: r, Lists: lists, Threshold: 3, AllowlistThreshold: -1}
	}
	if o.URIBL != "" {
		lists, err := rbl.ParseLists(o.URIBL)
		if err != nil {
			closer()
			return nil, nil, fmt.Errorf("-uribl: %w", err)
		}
		for i := range lists {
			lists[i].Kind = rbl.KindDomain
		}
		e.URIBL = &rbl.Checker{Resolver: r, Lists: lists, Threshold: 3}
	}
	if o.Demo {
		e.HashBL = &rbl.Checker{Resolver: r, Lists: demoHashLists, Threshold: 3}
		key, err := dkim.ParsePrivateKey(arcDemoKey)
		if err != nil {
			closer()
			return nil, nil, err
		}
		// The demo's MTA seals an ARC set before forwarding (RFC 8617 §5.1).
		e.ARCSealer = &arc.Sealer{Domain: "example.org", Selector: "arc2026", Key: key, AuthServID: o.ServID, Now: now}
	}
	return e, closer, nil
}
