package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/harvest/redisstore"
	"github.com/spamkit/spamkit/resolver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		// After the first signal, a second one ends smtpd at once
		// instead of waiting for the graceful shutdown.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Stderr, hooks{}); err != nil {
		fmt.Fprintln(os.Stderr, "smtpd:", err)
		os.Exit(1)
	}
}

// hooks let tests run smtpd with a fake clock and an in-process DNS
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
	logger := log.New(stderr, "smtpd: ", log.LstdFlags)
	s, err := build(cfg, hk, logger.Printf)
	if err != nil {
		return err
	}
	defer s.close()
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	s.base = base

	raw, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	var inner net.Listener = &starter{Listener: raw, srv: s}
	if cfg.GreetWait > 0 {
		// Every connection is handed out with its outcome, early
		// talkers included: judge counts them through the session
		// and drops them (-greet-drop).
		inner = &harvest.GreetListener{
			Listener: inner,
			Pause:    harvest.GreetPause{Wait: cfg.GreetWait, Banner: cfg.GreetBanner, Now: hk.Now},
		}
	}
	l := &judge{inner: inner, srv: s, ready: make(chan net.Conn), errc: make(chan error), done: make(chan struct{})}

	srv := smtp.NewServer(s)
	srv.Domain = s.hostname
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRcpts
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.ErrorLog = logger
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			raw.Close()
			return fmt.Errorf("-tls-cert, -tls-key: %w", err)
		}
		srv.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			// Marks the connection as TLS for the junk-command
			// count's 421 (junk.go); the config is unchanged.
			GetConfigForClient: func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
				if cc := connOf(hi.Conn); cc != nil {
					cc.tlsOn.Store(true)
				}
				return nil, nil
			},
		}
	}
	logger.Printf("listening on %s as %s (domains %s, delivering to %s, greeting pause %s, max message %d octets, STARTTLS %v)",
		raw.Addr(), s.hostname, cfg.Domains, s.out, cfg.GreetWait, cfg.MaxMessageBytes, srv.TLSConfig != nil)
	if hk.Ready != nil {
		hk.Ready(raw.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		l.Close()
		s.closeAll()
		return err
	case <-ctx.Done():
	}

	// Graceful shutdown: no new connections; those between
	// transactions get 421 now, the others at the end of theirs; after
	// -shutdown-grace whatever is left is cut (the client retries what
	// it did not see accepted: nothing is lost).
	logger.Printf("shutting down (%d connections open)", s.open())
	s.drain()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Printf("shutdown: %d connections cut after -shutdown-grace %s", s.open(), cfg.ShutdownGrace)
	}
	// What go-smtp does not hold (connections in their greeting pause,
	// refusals being stuttered) and what outlived the grace.
	s.closeAll()
	if err := <-errc; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return err
	}
	cancelBase()
	return nil
}

// hostname returns name, or this host's name if name is empty.
func hostname(name string) string {
	if name == "" {
		name, _ = os.Hostname()
	}
	if name == "" {
		name = "localhost"
	}
	return name
}

// build makes the server of cfg.
func build(cfg *config, hk hooks, logf func(string, ...any)) (*server, error) {
	s := &server{
		cfg:      cfg,
		hostname: hostname(cfg.Hostname),
		now:      hk.Now,
		logf:     logf,
		spoolDir: os.TempDir(),
		conns:    map[*clientConn]bool{},
		base:     context.Background(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.SpoolDir != "" {
		if st, err := os.Stat(cfg.SpoolDir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("-spool-dir %s: not a directory", cfg.SpoolDir)
		}
		s.spoolDir = cfg.SpoolDir
	}
	var mailboxes io.Reader
	if cfg.Mailboxes != "" {
		f, err := os.Open(cfg.Mailboxes)
		if err != nil {
			return nil, fmt.Errorf("-mailboxes: %w", err)
		}
		defer f.Close()
		mailboxes = f
	}
	rcpts, err := newRecipients(cfg.Domains, mailboxes)
	if err != nil {
		return nil, fmt.Errorf("-domains, -mailboxes: %w", err)
	}
	s.rcpts = rcpts
	if cfg.Maildir != "" {
		if err := os.MkdirAll(cfg.Maildir, 0o700); err != nil {
			return nil, fmt.Errorf("-maildir: %w", err)
		}
		s.out = &maildirs{root: cfg.Maildir, hostname: s.hostname, now: s.now}
	} else {
		r, err := parseRelay(cfg.Relay, s.hostname)
		if err != nil {
			return nil, err
		}
		s.out = r
	}
	res := hk.Resolver
	if res == nil {
		res = &resolver.Resolver{Cache: resolver.NewCache(resolver.CacheOptions{})}
		if cfg.Nameserver != "" {
			res.Servers = []string{cfg.Nameserver}
		}
	}
	var hc harvest.Checker
	if cfg.Harvest != "" {
		b, err := os.ReadFile(cfg.Harvest)
		if err != nil {
			return nil, fmt.Errorf("-harvest: %w", err)
		}
		if hc.Config, err = harvest.ParseConfig(string(b)); err != nil {
			return nil, fmt.Errorf("-harvest %s: %w", cfg.Harvest, err)
		}
	}
	hc.Now = hk.Now
	if cfg.HarvestDB != "" {
		opts, err := redis.ParseURL(cfg.HarvestDB)
		if err != nil {
			return nil, fmt.Errorf("-harvest-store: %w", err)
		}
		rdb := redis.NewClient(opts)
		st, err := redisstore.New(rdb, nil)
		if err != nil {
			rdb.Close()
			return nil, fmt.Errorf("-harvest-store: %w", err)
		}
		hc.Store = st
		s.closers = append(s.closers, rdb.Close)
	}
	engine, closeEngine, err := buildEngine(cfg, res, &hc, s.hostname, hk.Now)
	if err != nil {
		s.close()
		return nil, err
	}
	s.engine = engine
	s.closers = append(s.closers, func() error { closeEngine(); return nil })
	return s, nil
}

// close releases what build opened (the Redis client of -harvest-store).
func (s *server) close() {
	for _, c := range s.closers {
		c()
	}
}
