package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/session"
	"github.com/spamkit/spamkit/spf"
)

// buildEngine configures the composition from cfg: each check on or off,
// every one of them sharing res. The composition itself (what runs at
// which stage, the scores, the action) is package session's.
func buildEngine(cfg *config, res *resolver.Resolver, hc *harvest.Checker, host string, now func() time.Time) (e *session.Engine, closeAll func(), err error) {
	var closers []func()
	closeAll = func() {
		for _, c := range closers {
			c()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	e = &session.Engine{
		AuthServID:      host,
		Harvest:         hc,
		RequiredScore:   cfg.RequiredScore,
		QuarantineScore: cfg.QuarantineScore,
		RejectScore:     cfg.RejectScore,
		MaxMessageBytes: cfg.MaxMessageBytes,
		ConnectTimeout:  cfg.ConnectTimeout,
		RcptTimeout:     cfg.CheckTimeout,
		DataTimeout:     cfg.CheckTimeout,
		ContentTimeout:  cfg.CheckTimeout,
		Now:             now,
	}
	if cfg.ScanMaxBytes > 0 {
		e.MaxMessageBytes = cfg.ScanMaxBytes
	}
	if cfg.Scores != "" {
		f, err := os.Open(cfg.Scores)
		if err != nil {
			return nil, closeAll, fmt.Errorf("-scores: %w", err)
		}
		e.Scores, err = session.ParseScores(f)
		f.Close()
		if err != nil {
			return nil, closeAll, fmt.Errorf("-scores %s: %w", cfg.Scores, err)
		}
	}
	if cfg.OnError == "accept" {
		e.OnError = session.AcceptOnError
	}
	if cfg.RDNS {
		e.RDNS = &rdns.Checker{Resolver: res}
		e.NoHELO = !cfg.HELOCheck
	}
	if cfg.SPF {
		e.SPF = &spf.Checker{Resolver: res, ReceiverHost: host, Now: now}
	}
	if cfg.DKIM {
		e.DKIM = &dkim.Verifier{Resolver: res, Now: now}
	}
	if cfg.DMARC {
		e.DMARC = &dmarc.Evaluator{Resolver: res}
	}
	if cfg.ARC {
		e.ARC = &arc.Verifier{Resolver: res, Now: now}
	}
	if cfg.MIME {
		e.MIME = &mime.Scanner{}
	}
	if cfg.DNSBL != "" {
		lists, err := rbl.ParseLists(cfg.DNSBL)
		if err != nil {
			return nil, closeAll, fmt.Errorf("-dnsbl: %w", err)
		}
		e.DNSBL = &rbl.Checker{Resolver: res, Lists: lists, Threshold: cfg.DNSBLThreshold}
	}
	if cfg.URIBL != "" {
		lists, err := rbl.ParseLists(cfg.URIBL)
		if err != nil {
			return nil, closeAll, fmt.Errorf("-uribl: %w", err)
		}
		for i := range lists {
			lists[i].Kind = rbl.KindDomain
		}
		e.URIBL = &rbl.Checker{Resolver: res, Lists: lists}
	}
	if cfg.HashBL != "" {
		lists, err := rbl.ParseLists(cfg.HashBL)
		if err != nil {
			return nil, closeAll, fmt.Errorf("-hashbl: %w", err)
		}
		// A hash list (Spamhaus HBL) holds addresses and file digests
		// in one zone: each list named is asked about the MAIL FROM
		// address and about the attachments.
		both := make([]rbl.List, 0, 2*len(lists))
		for _, l := range lists {
			l.Kind = rbl.KindAddress
			both = append(both, l)
			l.Kind = rbl.KindHash
			both = append(both, l)
		}
		e.HashBL = &rbl.Checker{Resolver: res, Lists: both}
	}
	if cfg.Bayes != "" {
		st, err := boltstore.Open(cfg.Bayes, &boltstore.Options{ReadOnly: true})
		if err != nil {
			return nil, closeAll, fmt.Errorf("-bayes: %w", err)
		}
		closers = append(closers, func() { st.Close() })
		e.Bayes = &bayes.Classifier{Store: st}
	}
	if cfg.Greylist {
		e.Greylist = &greylist.Checker{Now: now}
		e.GreylistBody = cfg.GreylistBody
	}
	// What the session would answer with 451 on every message (a list
	// of no use, URIBL without the MIME scan, scores that are no number)
	// is refused here, at start-up.
	if err := e.Validate(); err != nil {
		return nil, closeAll, err
	}
	return e, closeAll, nil
}
