package resolver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// maxUDPReply bounds the buffer a UDP reply is read into. Replies larger
// than our advertised EDNS0 size are tolerated up to this size; larger
// datagrams are cut by the kernel and then fail to parse, which is
// treated like truncation.
const maxUDPReply = 4096

var udpBufPool = sync.Pool{New: func() any { b := make([]byte, maxUDPReply); return &b }}

// newQuery builds the query for name (fully qualified) and qtype with a
// random ID. The ID comes from math/rand/v2's ChaCha8 generator, seeded
// from the operating system, so it cannot be predicted by an off-path
// spoofer; the kernel picks a random source port for each new socket.
func (r *Resolver) newQuery(name string, qtype uint16, udpSize int) *dns.Msg {
	q := &dns.Msg{
		MsgHdr: dns.MsgHdr{
			Id:               uint16(rand.Uint32()),
			Opcode:           dns.OpcodeQuery,
			RecursionDesired: true,
			// RFC 6840 §5.7: AD in a query asks for the AD bit in the
			// reply without asking for DNSSEC records (DO).
			AuthenticatedData: true,
		},
		Question: []dns.Question{{Name: name, Qtype: qtype, Qclass: dns.ClassINET}},
	}
	if udpSize > 0 {
		q.SetEdns0(uint16(udpSize), false)
	}
	return q
}

// checkReply parses pkt and verifies that it answers q: QR set, same ID,
// opcode QUERY, and exactly q's question (name compared without regard to
// the case of ASCII letters only, RFC 4343 §3). It returns ErrMalformed or ErrMismatch otherwise.
func checkReply(q *dns.Msg, pkt []byte) (*dns.Msg, error) {
	m := new(dns.Msg)
	if err := m.Unpack(pkt); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !m.Response || m.Id != q.Id || m.Opcode != q.Opcode {
		return nil, fmt.Errorf("%w: id %d, response %t, opcode %d", ErrMismatch, m.Id, m.Response, m.Opcode)
	}
	if len(m.Question) != 1 {
		return nil, fmt.Errorf("%w: %d questions", ErrMismatch, len(m.Question))
	}
	got, want := m.Question[0], q.Question[0]
	if got.Qtype != want.Qtype || got.Qclass != want.Qclass || !equalFoldASCII(got.Name, want.Name) {
		return nil, fmt.Errorf("%w: question %s %s", ErrMismatch, got.Name, dns.TypeToString[got.Qtype])
	}
	return m, nil
}

// exchange sends the query for name/qtype to the configured servers,
// failing over across servers and attempts, and returns the first reply
// with rcode NOERROR or NXDOMAIN. Other rcodes and transport failures
// move on to the next server; the last failure is returned.
func (r *Resolver) exchange(ctx context.Context, name string, qtype uint16) (*dns.Msg, string, error) {
	c, err := r.config()
	if err != nil {
		return nil, "", err
	}
	n := len(c.servers)
	start := 0
	if c.rotate {
		start = int(r.next.Add(1) % uint32(n))
	}
	var lastErr error
	var lastServer string
	for attempt := 0; attempt < c.attempts; attempt++ {
		for i := range n {
			if ctx.Err() != nil {
				return nil, lastServer, ctxError(ctx)
			}
			server := c.servers[(start+i)%n]
			lastServer = server
			q := r.newQuery(name, qtype, c.udpSize)
			m, err := r.try(ctx, c, server, q)
			if err == nil && m.Rcode == dns.RcodeFormatError && c.udpSize > 0 && m.IsEdns0() == nil {
				// RFC 6891 §7: a FORMERR without OPT from a server that
				// does not know EDNS0; ask it again without.
				q = r.newQuery(name, qtype, 0)
				m, err = r.try(ctx, c, server, q)
			}
			if err == nil {
				switch m.Rcode {
				case dns.RcodeSuccess, dns.RcodeNameError:
					if r.Trace != nil {
						r.Trace("resolver: %s %s from %s: %s, %d answers", name, dns.TypeToString[qtype], server, dns.RcodeToString[m.Rcode], len(m.Answer))
					}
					return m, server, nil
				case dns.RcodeServerFailure:
					err = ErrServFail
				case dns.RcodeRefused:
					err = ErrRefused
				default:
					err = fmt.Errorf("%w %s", ErrRcode, rcodeString(m.Rcode))
				}
			}
			if r.Trace != nil {
				r.Trace("resolver: %s %s from %s (attempt %d): %v", name, dns.TypeToString[qtype], server, attempt+1, err)
			}
			if ctx.Err() != nil {
				return nil, server, ctxError(ctx)
			}
			lastErr = err
		}
	}
	return nil, lastServer, lastErr
}

func rcodeString(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

// ctxError returns why ctx ended, after it did: ErrLookupTimeout when
// the lookup's bound (see lookup) passed, ErrTimeout for another
// deadline (the caller's, or one try's), the context's error otherwise.
// The context's error stays in the chain.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(context.Cause(ctx), errLookupBound) {
		return fmt.Errorf("%w: %w", ErrLookupTimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrTimeout, err)
}

// try sends q to one server over UDP (or TCP if UDP is disabled) and
// retries over TCP when the reply is truncated (RFC 7766 §5). A reply
// truncated over TCP is ErrTruncated.
func (r *Resolver) try(ctx context.Context, c *config, server string, q *dns.Msg) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if !r.TCPOnly {
		m, err := r.tryUDP(ctx, server, q)
		if err == nil && !m.Truncated {
			return m, nil
		}
		if err != nil && !errors.Is(err, errTruncatedDatagram) {
			return nil, err
		}
		if r.Trace != nil {
			r.Trace("resolver: %s truncated over UDP, retrying over TCP", server)
		}
	}
	m, err := r.tryTCP(ctx, server, q)
	if err == nil && m.Truncated {
		// RFC 1035 §4.1.1: the answer did not fit even one TCP message;
		// what it carries is part of the record set, never to be taken
		// for the whole.
		return nil, ErrTruncated
	}
	return m, err
}

var errTruncatedDatagram = errors.New("datagram larger than buffer")

func (r *Resolver) dialer() *net.Dialer { return &net.Dialer{} }

// netError maps a transport error to our sentinels, keeping the cause.
func netError(ctx context.Context, err error) error {
	var ne net.Error
	isTimeout := errors.As(err, &ne) && ne.Timeout()
	if d, ok := ctx.Deadline(); ok && isTimeout && !time.Now().Before(d) {
		// The connection timed out at ctx's deadline, which it has too
		// (see dial), maybe a moment before ctx's own timer fires: wait
		// for it, so that ctxError tells whose deadline it was.
		<-ctx.Done()
	}
	if ctx.Err() != nil {
		// The per-try timeout, the lookup's bound or the caller's
		// context ended the try.
		return ctxError(ctx)
	}
	if isTimeout {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

// dial packs q and connects to server over network. The connection's
// deadline follows ctx, and closing it through the returned func also
// stops watching ctx.
func (r *Resolver) dial(ctx context.Context, network, server string, q *dns.Msg) (out []byte, conn net.Conn, done func(), err error) {
	out, err = q.Pack()
	if err != nil {
		return nil, nil, nil, err
	}
	conn, err = r.dialer().DialContext(ctx, network, server)
	if err != nil {
		return nil, nil, nil, netError(ctx, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	return out, conn, func() { stop(); conn.Close() }, nil
}

func (r *Resolver) tryUDP(ctx context.Context, server string, q *dns.Msg) (*dns.Msg, error) {
	out, conn, done, err := r.dial(ctx, "udp", server, q)
	if err != nil {
		return nil, err
	}
	defer done()
	if _, err := conn.Write(out); err != nil {
		return nil, netError(ctx, err)
	}
	bp := udpBufPool.Get().(*[]byte)
	defer udpBufPool.Put(bp)
	buf := *bp
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, netError(ctx, err)
		}
		if n == len(buf) {
			// Possibly cut by the kernel: ask again over TCP.
			return nil, errTruncatedDatagram
		}
		m, err := checkReply(q, buf[:n])
		if err != nil {
			// A stray, spoofed or garbled datagram: drop it and keep
			// waiting for the real reply until the deadline.
			if r.Trace != nil {
				r.Trace("resolver: dropped reply from %s: %v", server, err)
			}
			continue
		}
		return m, nil
	}
}

func (r *Resolver) tryTCP(ctx context.Context, server string, q *dns.Msg) (*dns.Msg, error) {
	out, conn, done, err := r.dial(ctx, "tcp", server, q)
	if err != nil {
		return nil, err
	}
	defer done()
	frame := make([]byte, 2+len(out))
	binary.BigEndian.PutUint16(frame, uint16(len(out)))
	copy(frame[2:], out)
	if _, err := conn.Write(frame); err != nil {
		return nil, netError(ctx, err)
	}
	var lenBuf [2]byte
	if _, err := io.ReadFull(conn, lenBuf[:]); err != nil {
		return nil, netError(ctx, err)
	}
	pkt := make([]byte, binary.BigEndian.Uint16(lenBuf[:]))
	if _, err := io.ReadFull(conn, pkt); err != nil {
		return nil, netError(ctx, err)
	}
	// Over TCP a mismatched reply is an error: the connection is ours
	// alone, so something is wrong with the server.
	return checkReply(q, pkt)
}
