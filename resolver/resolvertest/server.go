package resolvertest

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
)

// Zone is one zone to serve: its origin and its master-file text
// (RFC 1035 §5). Relative names in Text are relative to Origin. If Text
// has no SOA record at the origin, one is added (TTL 300, MINIMUM 60),
// so negative answers carry an SOA as they do from real servers.
type Zone struct {
	Origin string
	Text   string
}

// ZoneFile reads a zone from a master file, failing tb if it cannot.
func ZoneFile(tb testing.TB, origin, path string) Zone {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("resolvertest: %v", err)
	}
	return Zone{Origin: origin, Text: string(b)}
}

// Failure is a fault injected for a name and type.
type Failure int

const (
	// Healthy answers normally; Fail with it removes a failure.
	Healthy Failure = iota
	// ServFail answers with RCODE SERVFAIL.
	ServFail
	// Refused answers with RCODE REFUSED.
	Refused
	// Drop sends no reply at all: the client times out.
	Drop
	// Truncate answers over UDP with TC set and an empty answer, so the
	// client must retry over TCP, where the answer is normal.
	Truncate
	// Spoof sends, over UDP, two forged replies before the real one: one
	// with a wrong ID and one with the right ID but another question,
	// both claiming the address 192.0.2.66 / 2001:db8::66 and the TXT
	// "spoofed". A correct client drops both.
	Spoof
	// NoEDNS acts as a server that does not implement EDNS0: a query
	// carrying an OPT record gets FORMERR without OPT (RFC 6891 §7), a
	// query without one is answered normally.
	NoEDNS
)

func (f Failure) String() string {
	switch f {
	case Healthy:
		return "healthy"
	case ServFail:
		return "servfail"
	case Refused:
		return "refused"
	case Drop:
		return "drop"
	case Truncate:
		return "truncate"
	case Spoof:
		return "spoof"
	case NoEDNS:
		return "noedns"
	}
	return fmt.Sprintf("Failure(%d)", int(f))
}

// AnyType, given as the type to Fail, Delay or Count, matches every
// type.
const AnyType uint16 = 0

// Query is one query the server received.
type Query struct {
	Name string // raw octets, ASCII letters lower-cased, fully qualified
	Type uint16 // TypeA, TypeTXT, ...
	Net  string // "udp" or "tcp"
}

// String returns the query as "udp example.com. TXT".
func (q Query) String() string { return q.Net + " " + q.Name + " " + typeString(q.Type) }

// ruleKey is a name (its key, see name.go) and a type.
type ruleKey struct {
	name  string
	qtype uint16
}

// rule is a failure injected for a name; for AnyType, except lists the
// types it leaves alone (FailExcept).
type rule struct {
	failure Failure
	except  []uint16
}

// Server is an authoritative DNS server on 127.0.0.1 for tests. Its
// methods are safe for concurrent use by multiple goroutines, also while
// queries are being served.
type Server struct {
	// Addr is the address the server listens on, "127.0.0.1:port", for
	// both UDP and TCP.
	Addr string

	mu        sync.Mutex
	zones     map[string]*zone // by origin
	failures  map[ruleKey]rule
	delays    map[ruleKey]time.Duration
	latency   time.Duration
	authentic map[string]bool
	queries   []loggedQuery

	udp, tcp  *dns.Server
	closed    chan struct{}
	closeOnce sync.Once
}

// NewServer starts a server serving zones and registers its shutdown with
// tb.Cleanup. It fails tb if a zone does not parse or the server cannot
// listen.
func NewServer(tb testing.TB, zones ...Zone) *Server {
	tb.Helper()
	s, err := Start(zones...)
	if err != nil {
		tb.Fatalf("resolvertest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a server serving zones, for use outside tests (a demo, a
// benchmark harness). The caller must Close it. Inside tests use
// NewServer.
func Start(zones ...Zone) (*Server, error) {
	s := &Server{
		zones:     make(map[string]*zone),
		failures:  make(map[ruleKey]rule),
		delays:    make(map[ruleKey]time.Duration),
		authentic: make(map[string]bool),
		closed:    make(chan struct{}),
	}
	for _, z := range zones {
		if err := s.AddZone(z); err != nil {
			return nil, err
		}
	}
	pc, ln, err := listen()
	if err != nil {
		return nil, err
	}
	s.Addr = pc.LocalAddr().String()
	handler := dns.HandlerFunc(s.serve)
	s.udp = &dns.Server{PacketConn: pc, Handler: handler}
	s.tcp = &dns.Server{Listener: ln, Handler: handler}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		errc := make(chan error, 1)
		go func() { errc <- srv.ActivateAndServe() }()
		select {
		case <-started:
		case err := <-errc:
			pc.Close()
			ln.Close()
			return nil, fmt.Errorf("serve: %w", err)
		}
	}
	return s, nil
}

// Close stops the server. Queries being delayed are abandoned. Close may
// be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.udp.Shutdown()
		s.tcp.Shutdown()
	})
}

// listen opens UDP and TCP on the same free port of 127.0.0.1.
func listen() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
	}
	return nil, nil, fmt.Errorf("no port free for both UDP and TCP: %w", lastErr)
}

// AddrPort returns the server's address.
func (s *Server) AddrPort() netip.AddrPort { return netip.MustParseAddrPort(s.Addr) }

// Resolver returns a new resolver pointed at the server, without cache,
// with a 1 s timeout and one attempt. Set its fields before its first
// lookup to change them.
func (s *Server) Resolver() *resolver.Resolver {
	return &resolver.Resolver{Servers: []string{s.Addr}, Timeout: time.Second, Attempts: 1}
}

// AddZone adds or replaces a zone.
func (s *Server) AddZone(z Zone) error {
	zn, err := parseZone(z)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones[zn.origin] = zn
	return nil
}

// Add adds records, each to the zone with the longest origin that
// contains its owner name. Records are given in master-file syntax with
// fully qualified names, e.g. `a.example.com. 300 IN A 192.0.2.1`. To
// add records without master-file quoting, see AddTXT, AddA and the
// other Add methods.
func (s *Server) Add(records ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, text := range records {
		rr, err := dns.NewRR(text)
		if err != nil {
			return fmt.Errorf("resolvertest: %q: %w", text, err)
		}
		if rr == nil {
			continue
		}
		z := s.zoneFor(presentationKey(rr.Header().Name))
		if z == nil {
			return fmt.Errorf("resolvertest: %s is in no zone served", rr.Header().Name)
		}
		z.add(rr)
	}
	return nil
}

// Fail injects failure f for queries of name (raw octets, as package
// resolver takes it) with type qtype, or with every type for AnyType.
// A rule for the type asked wins over one for AnyType.
// Fail(name, qtype, Healthy) removes the rule for name and qtype.
func (s *Server) Fail(name string, qtype uint16, f Failure) {
	k := ruleKey{ruleName(name), qtype}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == Healthy {
		delete(s.failures, k)
		return
	}
	s.failures[k] = rule{failure: f}
}

// FailExcept injects failure f for queries of name with any type but
// those listed, which are answered normally: FailExcept(name, ServFail,
// TypeA, TypeAAAA) makes a host whose addresses resolve and whose every
// other lookup (TXT, MX...) fails. It replaces the name's AnyType rule
// (see Fail); a rule Fail set for one type still wins.
// FailExcept(name, Healthy) removes it.
func (s *Server) FailExcept(name string, f Failure, types ...uint16) {
	k := ruleKey{ruleName(name), AnyType}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == Healthy {
		delete(s.failures, k)
		return
	}
	s.failures[k] = rule{failure: f, except: slices.Clone(types)}
}

// failure returns the failure injected for queries of name (a key) and
// qtype. s.mu must be held.
func (s *Server) failure(name string, qtype uint16) Failure {
	if r, ok := s.failures[ruleKey{name, qtype}]; ok {
		return r.failure
	}
	if r, ok := s.failures[ruleKey{name, AnyType}]; ok && !slices.Contains(r.except, qtype) {
		return r.failure
	}
	return Healthy
}

// Delay makes the server wait d before answering queries of name (raw
// octets) with type qtype (AnyType for every type), on top of
// SetLatency and of a delay for AnyType.
func (s *Server) Delay(name string, qtype uint16, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[ruleKey{ruleName(name), qtype}] = d
}

// Authenticate sets the AD bit on every answer to queries of name (raw
// octets), as a
// DNSSEC-validating recursive resolver does for data it validated
// (RFC 4035 §3.2.3). The server does no DNSSEC itself.
func (s *Server) Authenticate(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authentic[ruleName(name)] = true
}

// SetLatency makes the server wait d before answering every query, to
// measure clients under realistic round-trip times.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Queries returns the queries received so far, in order of arrival.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Query, len(s.queries))
	for i, q := range s.queries {
		out[i] = q.Query
	}
	return out
}

// Count returns how many queries for name (raw octets; "" or "." for
// every name) and qtype (AnyType for every type) the server received,
// over UDP and TCP.
func (s *Server) Count(name string, qtype uint16) int {
	key := ruleName(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queries {
		if (key == "." || q.key == key) && (qtype == AnyType || q.Type == qtype) {
			n++
		}
	}
	return n
}

// ResetQueries clears the query log.
func (s *Server) ResetQueries() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = nil
}

// loggedQuery is a Query and the key of its name.
type loggedQuery struct {
	Query
	key string
}

// zoneFor returns the zone with the longest origin containing key.
// s.mu must be held.
func (s *Server) zoneFor(key string) *zone {
	for {
		if z, ok := s.zones[key]; ok {
			return z
		}
		if key == "." {
			return nil
		}
		key = parent(key)
	}
}
