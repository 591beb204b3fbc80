package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spamkit/spamkit/batv"
	"github.com/spamkit/spamkit/bayes"
	bayesbolt "github.com/spamkit/spamkit/bayes/boltstore"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/greylist"
	greybolt "github.com/spamkit/spamkit/greylist/boltstore"
	"github.com/spamkit/spamkit/greylist/redisstore"
	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/session"
	"github.com/spamkit/spamkit/spf"
)

// buildEngine turns the configuration into the session.Engine it
// describes: the check engines on one shared resolver, the stores
// opened. This is configuration only; the composition of the checks
// (what runs at which stage, scores, the decision) is package session's.
// The returned function closes what was opened (stores, databases).
func buildEngine(c *Config, logf func(string, ...any)) (*session.Engine, func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (*session.Engine, func(), error) {
		closeAll()
		return nil, func() {}, err
	}

	res := &resolver.Resolver{Servers: c.Resolver}
	if c.ResolverCache.On(true) {
		res.Cache = resolver.NewCache(resolver.CacheOptions{})
	}
	authserv := c.AuthservID
	if authserv == "" {
		h, err := os.Hostname()
		if err != nil {
			return fail(fmt.Errorf("authserv_id is not set and the host name is unknown: %w", err))
		}
		authserv = h
	}
	hostnames := c.Hostnames
	if len(hostnames) == 0 {
		hostnames = []string{authserv}
	}

	e := &session.Engine{
		AuthServID:      authserv,
		MaxMessageBytes: c.MaxMessageSize,
		ConnectTimeout:  c.ConnectTimeout,
		RcptTimeout:     c.RcptTimeout,
		DataTimeout:     c.DataTimeout,
		ContentTimeout:  c.ContentTimeout,
		DNSBLScoreOnly:  !c.DNSBLReject.On(true),
		DMARCScoreOnly:  !c.DMARCEnforce.On(true),
	}
	if c.OnInternalError == "accept" {
		e.OnError = session.AcceptOnError
	}
	if c.AddHeaderScore != nil {
		e.RequiredScore = *c.AddHeaderScore
	}
	if c.QuarantineScore != nil {
		e.QuarantineScore = *c.QuarantineScore
	}
	if c.RejectScore != nil {
		e.RejectScore = *c.RejectScore
	}
	if len(c.Scores) > 0 {
		e.Scores = session.Scores{}
		for name, v := range c.Scores {
			e.Scores[session.Rule(name)] = v
		}
	}

	if c.RDNS.On(true) {
		e.RDNS = &rdns.Checker{Resolver: res, HostNames: hostnames, GenericAllow: c.RDNSGenericAllow}
	}
	e.NoHELO = !c.HELO.On(true)
	if c.DNSBL.On(len(c.DNSBLSites) > 0) {
		e.DNSBL = &rbl.Checker{Resolver: res, Lists: c.DNSBLSites, Threshold: c.DNSBLThreshold, AllowlistThreshold: c.DNSBLAllowlistThreshold}
	}
	if c.SPF.On(true) {
		e.SPF = &spf.Checker{Resolver: res, ReceiverHost: authserv}
	}
	if c.BATV.On(false) {
		keys, err := readBATVKeys(c.BATVKeyFile)
		if err != nil {
			return fail(fmt.Errorf("batv_key_file: %w", err))
		}
		e.BATV = &batv.Checker{Keys: keys}
	}
	if c.Greylist.On(false) {
		g, closeStore, err := buildGreylist(c, logf)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, closeStore)
		e.Greylist = g
	}
	if c.Harvest.On(false) {
		e.Harvest = &harvest.Checker{Config: harvest.Config{DHAUnknown: c.HarvestDHAUnknown, MaxConcurrent: c.HarvestMaxConcurrent}}
	}
	if c.DKIM.On(true) {
		e.DKIM = &dkim.Verifier{Resolver: res}
	}
	if c.DMARC.On(true) {
		e.DMARC = &dmarc.Evaluator{Resolver: res}
	}
	if c.ARC.On(true) {
		e.ARC = &arc.Verifier{Resolver: res}
	}
	if c.ARCSealKeyFile != "" {
		pem, err := os.ReadFile(c.ARCSealKeyFile)
		if err != nil {
			return fail(fmt.Errorf("arc_seal_key_file: %w", err))
		}
		key, err := dkim.ParsePrivateKey(pem)
		if err != nil {
			return fail(fmt.Errorf("arc_seal_key_file: %w", err))
		}
		e.ARCSealer = &arc.Sealer{Domain: c.ARCSealDomain, Selector: c.ARCSealSelector, Key: key, AuthServID: authserv}
	}
	if c.MIME.On(true) {
		e.MIME = &mime.Scanner{}
		if c.MIMERejectSet {
			e.MIMEPolicy.Reject = c.MIMEReject
		}
		if c.MIMEStripSet {
			e.MIMEPolicy.Strip = c.MIMEStrip
		}
		e.MIMEPolicy.Unchecked = c.MIMEUnchecked
	}
	if c.URIBL.On(len(c.URIBLSites) > 0) {
		e.URIBL = &rbl.Checker{Resolver: res, Lists: c.URIBLSites}
	}
	if c.HashBL.On(len(c.HashBLSites) > 0) {
		e.HashBL = &rbl.Checker{Resolver: res, Lists: c.HashBLSites}
	}
	if c.Bayes.On(false) {
		st, err := bayesbolt.Open(c.BayesDB, &bayesbolt.Options{ReadOnly: true})
		if err != nil {
			return fail(fmt.Errorf("bayes_db: %w", err))
		}
		closers = append(closers, func() { st.Close() })
		e.Bayes = &bayes.Classifier{Store: st}
	}
	// What the session would refuse message by message (a 451 on every
	// message by default) is refused here, at start-up.
	if err := e.Validate(); err != nil {
		return fail(err)
	}
	return e, closeAll, nil
}

// buildGreylist configures the greylist checker and opens its store.
func buildGreylist(c *Config, logf func(string, ...any)) (*greylist.Checker, func(), error) {
	g := &greylist.Checker{
		Delay:          c.GreylistDelay,
		RetryWindow:    c.GreylistRetryWindow,
		MaxAge:         c.GreylistMaxAge,
		PassNullSender: c.GreylistPassNullSender.On(false),
		FailOpen:       c.GreylistFailOpen.On(false),
	}
	var err error
	if len(c.GreylistAllowClients) > 0 {
		r, err := joinFiles(c.GreylistAllowClients)
		if err != nil {
			return nil, nil, fmt.Errorf("greylist_allow_clients: %w", err)
		}
		if g.AllowClients, err = greylist.ParseClientList(r); err != nil {
			return nil, nil, fmt.Errorf("greylist_allow_clients: %w", err)
		}
	}
	for _, l := range []struct {
		name  string
		files []string
		dst   **greylist.AddressList
	}{
		{"greylist_allow_recipients", c.GreylistAllowRecipients, &g.AllowRecipients},
		{"greylist_allow_senders", c.GreylistAllowSenders, &g.AllowSenders},
	} {
		if len(l.files) == 0 {
			continue
		}
		r, err := joinFiles(l.files)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", l.name, err)
		}
		if *l.dst, err = greylist.ParseAddressList(r); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", l.name, err)
		}
	}
	closeStore := func() {}
	switch store := c.GreylistStore; {
	case store == "" || store == "memory":
	case strings.HasPrefix(store, "bolt:"):
		s, err := greybolt.Open(strings.TrimPrefix(store, "bolt:"), nil)
		if err != nil {
			return nil, nil, fmt.Errorf("greylist_store: %w", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(time.Hour)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-t.C:
					if _, err := s.Sweep(ctx, now); err != nil {
						logf("sweeping the greylist store: %v", err)
					}
				}
			}
		}()
		g.Store, closeStore = s, func() { cancel(); <-done; s.Close() }
	default: // redis:// or rediss://, as the config parser allows
		opts, err := redis.ParseURL(store)
		if err != nil {
			return nil, nil, fmt.Errorf("greylist_store: %w", err)
		}
		rdb := redis.NewClient(opts)
		s, err := redisstore.New(rdb, nil)
		if err != nil {
			rdb.Close()
			return nil, nil, fmt.Errorf("greylist_store: %w", err)
		}
		g.Store, closeStore = s, func() { s.Close(); rdb.Close() }
	}
	return g, closeStore, err
}

// joinFiles reads files into one reader, a newline after each.
func joinFiles(files []string) (io.Reader, error) {
	var all bytes.Buffer
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		all.Write(b)
		all.WriteByte('\n')
	}
	return &all, nil
}

// readBATVKeys reads a BATV key file: "K HEXSECRET" lines, "#"
// comments and blank lines skipped.
func readBATVKeys(path string) ([]batv.Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []batv.Key
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		num, secret, ok := strings.Cut(line, " ")
		k, err := strconv.Atoi(num)
		if !ok || err != nil || k < 0 || k > 9 {
			return nil, fmt.Errorf("line %d: want \"K HEXSECRET\" with K from 0 to 9", n)
		}
		b, err := hex.DecodeString(strings.TrimSpace(secret))
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("line %d: the secret is not hex", n)
		}
		keys = append(keys, batv.Key{Number: k, Secret: b})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	return keys, nil
}
