package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/d--j/go-milter"
	"golang.org/x/net/netutil"

	"github.com/spamkit/spamkit/session"
)

// Server is the milter service: the session.Engine a configuration
// describes, served over the milter protocol.
type Server struct {
	engine      *session.Engine
	closeEngine func()
	logger      *log.Logger
	logVerdicts bool

	// ctx bounds every session's background lookups; it ends when the
	// server has shut down.
	ctx    context.Context
	cancel context.CancelFunc
	// stageLimit bounds one milter event's work (see backend.stageCtx).
	stageLimit    time.Duration
	acceptOnError bool
	maxConns      int
	writeTimeout  time.Duration

	ms *milter.Server
	// wrap, if set, wraps each connection's backend (tests inject
	// faults with it).
	wrap func(*backend) milter.Milter
	// unbuffered serves connections without bufConn (the benchmark's
	// comparison).
	unbuffered bool
}

// NewServer builds the server of cfg: it opens what the configuration
// names (stores, databases), which Shutdown closes. logger receives one
// line per message and the errors; nil discards them.
func NewServer(cfg *Config, logger *log.Logger) (*Server, error) {
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	e, closeEngine, err := buildEngine(cfg, logger.Printf)
	if err != nil {
		return nil, err
	}
	s := &Server{
		engine:        e,
		closeEngine:   closeEngine,
		logger:        logger,
		logVerdicts:   cfg.LogVerdicts.On(true),
		acceptOnError: cfg.OnInternalError == "accept",
		maxConns:      cfg.MaxConnections,
		writeTimeout:  cfg.WriteTimeout,
	}
	if s.maxConns == 0 {
		s.maxConns = DefaultMaxConnections
	}
	if s.writeTimeout == 0 {
		s.writeTimeout = DefaultWriteTimeout
	}
	s.stageLimit = 2 * max(
		orDefault(e.ConnectTimeout, session.DefaultConnectTimeout),
		orDefault(e.RcptTimeout, session.DefaultRcptTimeout),
		orDefault(e.DataTimeout, session.DefaultDataTimeout)+orDefault(e.ContentTimeout, session.DefaultContentTimeout))
	s.ctx, s.cancel = context.WithCancel(context.Background())
	opts := []milter.Option{
		milter.WithDynamicMilter(func(uint32, milter.OptAction, milter.OptProtocol, milter.DataSize) milter.Milter {
			b := &backend{srv: s}
			if s.wrap != nil {
				return s.wrap(b)
			}
			return b
		}),
		milter.WithActions(actions),
		milter.WithProtocols(protocol),
		milter.WithWriteTimeout(s.writeTimeout),
	}
	for _, m := range macros {
		opts = append(opts, milter.WithMacroRequest(m.stage, m.names))
	}
	s.ms = milter.NewServer(opts...)
	return s, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Serve serves milter connections on ln, at most max_connections at
// once, until Shutdown; it then returns nil or milter.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	ln = netutil.LimitListener(ln, s.maxConns)
	if s.unbuffered {
		return s.ms.Serve(ln)
	}
	return s.ms.Serve(bufListener{ln, s.writeTimeout})
}

// Shutdown stops accepting connections and waits for the sessions in
// progress to end (Postfix ends each with its SMTP session), until ctx
// ends; then it closes the rest and the engine's stores.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.ms.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = fmt.Errorf("sessions still open at the end of the grace time: %w", err)
		_ = s.ms.Close()
	}
	s.cancel()
	s.closeEngine()
	return err
}

func (s *Server) log(line string) {
	if s.logVerdicts {
		s.logger.Print(line)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
