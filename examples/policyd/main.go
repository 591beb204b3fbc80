// Command policyd is a Postfix policy delegation server (Postfix's
// SMTPD_POLICY_README) that greylists (RFC 6647) through spamkit's
// greylist package, checks SPF (RFC 7208) as policyd-spf does, and asks
// DNS lists about the client as postscreen does. It can replace postgrey
// and policyd-spf together:
//
//	policyd -listen 127.0.0.1:10023 -store bolt:/var/lib/policyd/greylist.db
//
// and in Postfix's main.cf:
//
//	smtpd_recipient_restrictions =
//	    permit_mynetworks,
//	    reject_unauth_destination,
//	    check_policy_service inet:127.0.0.1:10023
//
// # Decisions
//
// Each request of the RCPT state (one per recipient) goes through, in
// order:
//
//  1. The client's DNSBL score, when -dnsbl names lists
//     (postscreen_dnsbl_sites syntax, rbl package): a client at or over
//     -dnsbl-threshold is rejected, 550 5.7.1 (unless -dnsbl-reject=false:
//     then it is greylisted as any other); a client at or below a
//     negative -dnsbl-allowlist-threshold (a DNSWL) is not greylisted. A
//     list that cannot answer changes nothing.
//  2. SPF for the MAIL FROM (postmaster@HELO for the null sender), once
//     per message (Postfix's instance attribute): a fail is rejected, 550
//     5.7.23 (RFC 7372), with -spf-reject; otherwise the result goes on.
//  3. Greylisting (greylist package; store: memory by default,
//     -store bolt:PATH, -store redis://HOST:PORT/DB): the key is the
//     client network, the sender and the recipient, or with an SPF pass
//     (and -spf-domain-key, the default) the SPF-validated MAIL FROM
//     domain in place of the network, so a big sender retrying from
//     another address of its pool passes. A greylisted or trapped
//     request is answered DEFER_IF_PERMIT (postgrey's action: Postfix
//     replies 450 4.7.1 unless a later restriction rejects). A store
//     failure defers with 451 4.3.0, or lets the mail pass with
//     -fail-open.
//  4. The message's first request that gets this far is answered
//     PREPEND Received-SPF (policyd-spf's header).
//  5. Otherwise a request whose triplet just ended its wait is answered
//     PREPEND X-Greylist ("delayed N seconds", postgrey's header; off
//     with -x-greylist-header=false), and the others DUNNO. One answer
//     holds one action (Postfix has no multi-action reply; PREPEND runs
//     at any stage before the message content, access(5)): an
//     X-Greylist due at the request that carried Received-SPF is
//     prepended at the message's next request, another recipient's or
//     the DATA state's (for a message of one recipient, list policyd in
//     smtpd_data_restrictions too, as below).
//
// A request of the DATA state, from
//
//	smtpd_data_restrictions = check_policy_service inet:127.0.0.1:10023
//
// is answered with that X-Greylist or DUNNO. Other protocol states,
// requests of authenticated clients (Postfix's sasl_username: this
// site's users submitting mail), and requests
// without a usable client address or recipient, are answered DUNNO. A
// malformed request (not name=value lines, over the limits of package
// policy) is answered DUNNO and logged; a request that takes longer
// than -timeout is answered DUNNO (mail is never stopped by a policy
// server that cannot decide). That is a fail-open for greylisting, so
// the DNS checks end a reserve before -timeout (a quarter of it, at
// most 1 s, whatever -dns-timeout says) and the greylist store half of
// it before: DNS that never answers (a client dropping the queries for
// its own domain) still leaves the client greylisted, and a hung store
// is a store failure, deferred unless -fail-open. On SIGTERM or SIGINT policyd stops
// accepting, lets the requests being served get their answers (for at
// most -shutdown-grace; a second signal ends it at once), and closes
// the store.
//
// # Limits
//
// -timeout (10 s) bounds a request, -dns-timeout (5 s) its SPF and DNSBL
// lookups, -max-conns (1024) the open connections; package policy's
// Limits bound a request's lines, attributes and size; the SPF results
// of at most 10,000 messages are remembered (the oldest forgotten
// first); the greylist store has its own bounds (package greylist).
//
// # Configuration
//
// Every setting is a flag (policyd -h lists them); -config FILE reads
// "name = value" lines with the same names ("#" starts a comment line;
// double quotes keep spaces at a value's ends), which the command line
// overrides. testdata/policyd.conf is a sample:
//
//	store = bolt:/var/lib/policyd/greylist.db
//	delay = 5m
//	allow-clients = /etc/postgrey/whitelist_clients,/etc/postgrey/whitelist_clients.local
//	allow-recipients = /etc/postgrey/whitelist_recipients
//	greylist-text = "Greylisted, please try again later"
//	spf-reject = true
//	dnsbl = zen.spamhaus.org*3 list.dnswl.org=127.0.[0..255].[1..3]*-2
//	dnsbl-threshold = 3
//	dnsbl-allowlist-threshold = -1
//
// postgrey's whitelist files are read as they are (greylist package),
// so a site switches without rewriting its lists; as postgrey, policyd
// logs a line it cannot read and carries on. A bolt store is swept of
// expired records every hour.
//
// The protocol itself (reading requests within limits, answering,
// timeouts, graceful shutdown) is package
// github.com/spamkit/spamkit/examples/policyd/policy.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/examples/policyd/policy"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/greylist/boltstore"
	"github.com/spamkit/spamkit/greylist/redisstore"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/spf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		// After the first signal, a second one ends policyd at once
		// instead of waiting for the graceful shutdown.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Stderr, hooks{}); err != nil {
		fmt.Fprintln(os.Stderr, "policyd:", err)
		os.Exit(1)
	}
}

// hooks let tests run policyd with a fake clock and an in-process DNS
// server, and learn its address.
type hooks struct {
	Now      func() time.Time
	Resolver *resolver.Resolver
	Ready    func(addr net.Addr)
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stderr io.Writer, hk hooks) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	logger := log.New(stderr, "policyd: ", log.LstdFlags)
	h, closeStore, err := build(cfg, hk, logger.Printf)
	if err != nil {
		return err
	}
	defer closeStore()
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &policy.Server{
		Handler:        h,
		RequestTimeout: cfg.RequestTO,
		MaxConns:       cfg.MaxConns,
		Logf:           logger.Printf,
	}
	logger.Printf("listening on %s (greylist %v, store %s, spf %v, dnsbl %q)", l.Addr(), cfg.Greylist, cfg.Store, cfg.SPF, cfg.DNSBL)
	if hk.Ready != nil {
		hk.Ready(l.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Printf("shutdown: %v", err)
	}
	if err := <-errc; !errors.Is(err, policy.ErrServerClosed) {
		return err
	}
	return nil
}

// hostname returns name, or this host's name if name is empty.
func hostname(name string) string {
	if name == "" {
		name, _ = os.Hostname()
	}
	return name
}

// build makes the handler of cfg; closeStore closes its store.
func build(cfg *config, hk hooks, logf func(string, ...any)) (h *handler, closeStore func(), err error) {
	closeStore = func() {}
	h = &handler{
		spfReject:    cfg.SPFReject,
		spfDomainKey: cfg.SPFDomainKey,
		dnsblReject:  cfg.DNSBLReject,
		dnsTimeout:   cfg.DNSTimeout,
		greylistText: cfg.GreylistText,
		xGreylist:    cfg.XGreylist,
		hostname:     hostname(cfg.ReceiverHost),
		instances:    newInstances(maxInstances),
		now:          hk.Now,
		verbose:      cfg.Verbose,
		logf:         logf,
	}
	res := hk.Resolver
	if res == nil {
		res = &resolver.Resolver{Cache: resolver.NewCache(resolver.CacheOptions{})}
		if cfg.Nameserver != "" {
			res.Servers = []string{cfg.Nameserver}
		}
	}
	if cfg.SPF {
		h.spf = &spf.Checker{Resolver: res, ReceiverHost: h.hostname, Timeout: -1, Now: hk.Now}
	}
	if cfg.DNSBL != "" {
		lists, err := rbl.ParseLists(cfg.DNSBL)
		if err != nil {
			return nil, closeStore, fmt.Errorf("-dnsbl: %w", err)
		}
		h.dnsbl = &rbl.Checker{Resolver: res, Lists: lists, Threshold: cfg.DNSBLThreshold, AllowlistThreshold: cfg.DNSBLAllowlistThreshold, Timeout: -1}
	}
	if !cfg.Greylist {
		return h, closeStore, nil
	}
	gl := &greylist.Checker{
		Delay:          cfg.Delay,
		RetryWindow:    cfg.RetryWindow,
		MaxAge:         cfg.MaxAge,
		AutoAllowAfter: cfg.AutoAllowAfter,
		IPv4Prefix:     cfg.IPv4Prefix,
		IPv6Prefix:     cfg.IPv6Prefix,
		PassNullSender: cfg.PassNullSender,
		FailOpen:       cfg.FailOpen,
		Now:            hk.Now,
	}
	if cfg.AutoAllowAfter <= 0 {
		gl.AutoAllowAfter = -1 // postgrey's --auto-whitelist-clients=0
	}
	if gl.AllowClients, err = readClientLists(cfg.AllowClients, logf); err != nil {
		return nil, closeStore, fmt.Errorf("-allow-clients: %w", err)
	}
	if gl.AllowRecipients, err = readAddressLists(cfg.AllowRecipients, logf); err != nil {
		return nil, closeStore, fmt.Errorf("-allow-recipients: %w", err)
	}
	if gl.AllowSenders, err = readAddressLists(cfg.AllowSenders, logf); err != nil {
		return nil, closeStore, fmt.Errorf("-allow-senders: %w", err)
	}
	if gl.Traps, err = readAddressLists(cfg.Traps, logf); err != nil {
		return nil, closeStore, fmt.Errorf("-traps: %w", err)
	}
	switch store := cfg.Store; {
	case store == "" || store == "memory":
	case strings.HasPrefix(store, "bolt:"):
		s, err := boltstore.Open(strings.TrimPrefix(store, "bolt:"), nil)
		if err != nil {
			return nil, closeStore, fmt.Errorf("-store: %w", err)
		}
		now := hk.Now
		if now == nil {
			now = time.Now
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); sweep(ctx, s, now, logf) }()
		gl.Store, closeStore = s, func() { cancel(); <-done; s.Close() }
	case strings.HasPrefix(store, "redis://"), strings.HasPrefix(store, "rediss://"):
		opts, err := redis.ParseURL(store)
		if err != nil {
			return nil, closeStore, fmt.Errorf("-store: %w", err)
		}
		rdb := redis.NewClient(opts)
		s, err := redisstore.New(rdb, &redisstore.Options{Prefix: cfg.StorePrefix})
		if err != nil {
			rdb.Close()
			return nil, closeStore, fmt.Errorf("-store: %w", err)
		}
		gl.Store, closeStore = s, func() { s.Close(); rdb.Close() }
	default:
		return nil, closeStore, fmt.Errorf("-store %q: want memory, bolt:PATH or redis://HOST:PORT/DB", store)
	}
	h.greylist = gl
	return h, closeStore, nil
}

// readClientLists reads comma-separated postgrey whitelist_clients
// files into one list; nil for none. As postgrey, it logs the lines it
// cannot read and carries on; a file it cannot open is an error.
func readClientLists(files string, logf func(string, ...any)) (*greylist.ClientList, error) {
	r, err := readLists(files, logf, func(r io.Reader) error { _, err := greylist.ParseClientList(r); return err })
	if r == nil || err != nil {
		return nil, err
	}
	l, _ := greylist.ParseClientList(r) // the errors were logged per file
	return l, nil
}

// readAddressLists reads comma-separated postgrey whitelist_recipients
// files into one list; nil for none. As readClientLists, it logs the
// lines it cannot read.
func readAddressLists(files string, logf func(string, ...any)) (*greylist.AddressList, error) {
	r, err := readLists(files, logf, func(r io.Reader) error { _, err := greylist.ParseAddressList(r); return err })
	if r == nil || err != nil {
		return nil, err
	}
	l, _ := greylist.ParseAddressList(r)
	return l, nil
}

// readLists reads the comma-separated files, logs what parse finds wrong
// in each (one line per bad line, with the file's name), and returns them
// joined; nil for none.
func readLists(files string, logf func(string, ...any), parse func(io.Reader) error) (io.Reader, error) {
	if strings.TrimSpace(files) == "" {
		return nil, nil
	}
	var all bytes.Buffer
	for name := range strings.SplitSeq(files, ",") {
		name = strings.TrimSpace(name)
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := parse(bytes.NewReader(b)); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				logf("%s: %s (skipped)", name, line)
			}
		}
		all.Write(b)
		all.WriteByte('\n')
	}
	return &all, nil
}

// sweepEvery is how often expired records are deleted from a bolt
// store (the memory store sweeps itself, Redis expires its keys).
const sweepEvery = time.Hour

// sweep deletes expired records from s every sweepEvery until ctx ends.
func sweep(ctx context.Context, s *boltstore.Store, now func() time.Time, logf func(string, ...any)) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Sweep(ctx, now())
			if err != nil {
				logf("sweeping the greylist store: %v", err)
			} else if n > 0 {
				logf("swept %d expired greylist records", n)
			}
		}
	}
}
