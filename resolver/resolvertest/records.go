package resolvertest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// DNS types (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 6698, RFC 8659),
// for Fail, FailExcept, Delay, Count, AddRecord and Query.Type, so that a
// test needs no DNS library for them. They are plain uint16 values, so
// the constants of github.com/miekg/dns (dns.TypeTXT) work as well.
const (
	TypeA     uint16 = 1
	TypeNS    uint16 = 2
	TypeCNAME uint16 = 5
	TypeSOA   uint16 = 6
	TypePTR   uint16 = 12
	TypeMX    uint16 = 15
	TypeTXT   uint16 = 16
	TypeAAAA  uint16 = 28
	TypeSRV   uint16 = 33
	TypeTLSA  uint16 = 52
	TypeCAA   uint16 = 257
)

// typeString returns the mnemonic of t, or TYPEnnn (RFC 3597 §5).
func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// maxCharString is the longest character-string (RFC 1035 §3.3).
const maxCharString = 255

// AddTXT adds one TXT record at name (raw octets) holding txt, raw
// octets as a check reads them back: quotes, backslashes, semicolons,
// control and non-ASCII octets need no escaping. Each string is one or
// more character-strings of the record (RFC 1035 §3.3.14), cut every 255
// octets, as a DKIM key longer than 255 octets is published; readers
// concatenate them (RFC 7208 §3.3, RFC 6376 §3.6.2.2), so the record reads
// back as the strings joined. With no string the record holds one empty
// character-string. The record goes to the zone with the longest origin
// containing name; ttl is rounded down to whole seconds.
func (s *Server) AddTXT(name string, ttl time.Duration, txt ...string) error {
	var rdata []byte
	for _, t := range txt {
		for {
			n := min(len(t), maxCharString)
			rdata = append(rdata, byte(n))
			rdata = append(rdata, t[:n]...)
			t = t[n:]
			if t == "" {
				break
			}
		}
	}
	if len(txt) == 0 {
		rdata = []byte{0}
	}
	return s.AddRecord(name, TypeTXT, ttl, rdata)
}

// AddA adds an A record at name (raw octets) for each of addrs, which
// must be IPv4 addresses (IPv4-mapped IPv6 addresses are unmapped).
func (s *Server) AddA(name string, ttl time.Duration, addrs ...netip.Addr) error {
	for _, a := range addrs {
		a = a.Unmap()
		if !a.Is4() {
			return fmt.Errorf("resolvertest: A record for %s: %v is no IPv4 address", name, a)
		}
		b := a.As4()
		if err := s.AddRecord(name, TypeA, ttl, b[:]); err != nil {
			return err
		}
	}
	return nil
}

// AddAAAA adds an AAAA record at name (raw octets) for each of addrs,
// which must be IPv6 addresses (an IPv4-mapped one is kept as it is, as
// it can be published). An address's IPv6 scope zone ("%eth0") is
// dropped.
func (s *Server) AddAAAA(name string, ttl time.Duration, addrs ...netip.Addr) error {
	for _, a := range addrs {
		if !a.Is6() {
			return fmt.Errorf("resolvertest: AAAA record for %s: %v is no IPv6 address", name, a)
		}
		b := a.As16()
		if err := s.AddRecord(name, TypeAAAA, ttl, b[:]); err != nil {
			return err
		}
	}
	return nil
}

// AddMX adds an MX record at name pointing to host (both raw octets)
// with preference pref. Host "." is a null MX (RFC 7505).
func (s *Server) AddMX(name string, ttl time.Duration, pref uint16, host string) error {
	w, err := wireName(host)
	if err != nil {
		return fmt.Errorf("resolvertest: MX target: %w", err)
	}
	return s.AddRecord(name, TypeMX, ttl, append(binary.BigEndian.AppendUint16(nil, pref), w...))
}

// AddPTR adds a PTR record for addr to each of hosts (raw octets), at
// addr's reverse name in in-addr.arpa or ip6.arpa (RFC 1035 §3.5,
// RFC 3596 §2.5), which must be in a zone served.
func (s *Server) AddPTR(addr netip.Addr, ttl time.Duration, hosts ...string) error {
	if !addr.IsValid() {
		return fmt.Errorf("resolvertest: PTR record for an invalid address")
	}
	rev, err := dns.ReverseAddr(addr.Unmap().WithZone("").String())
	if err != nil {
		return fmt.Errorf("resolvertest: PTR record for %v: %w", addr, err)
	}
	for _, h := range hosts {
		w, err := wireName(h)
		if err != nil {
			return fmt.Errorf("resolvertest: PTR target: %w", err)
		}
		if err := s.AddRecord(rev, TypePTR, ttl, w); err != nil {
			return err
		}
	}
	return nil
}

// AddCNAME adds a CNAME record at name pointing to target (both raw
// octets).
func (s *Server) AddCNAME(name string, ttl time.Duration, target string) error {
	w, err := wireName(target)
	if err != nil {
		return fmt.Errorf("resolvertest: CNAME target: %w", err)
	}
	return s.AddRecord(name, TypeCNAME, ttl, w)
}

// AddRecord adds a record of any type at name (raw octets) from its RDATA
// in wire form (RFC 1035 §3.2.1; domain names in it uncompressed), for
// the types the other Add methods do not cover (SRV, TLSA, CAA...). The
// RDATA must be what miekg/dns, which serves it, packs back octet for
// octet; otherwise AddRecord reports an error.
func (s *Server) AddRecord(name string, rtype uint16, ttl time.Duration, rdata []byte) error {
	rr, err := newRR(name, rtype, ttl, rdata)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneFor(presentationKey(rr.Header().Name))
	if z == nil {
		return fmt.Errorf("resolvertest: %q is in no zone served", name)
	}
	z.add(rr)
	return nil
}

// newRR builds the record from its wire form, so that miekg/dns gives
// every field its own presentation form (escapes included), and checks
// that it packs back to the same octets.
func newRR(name string, rtype uint16, ttl time.Duration, rdata []byte) (dns.RR, error) {
	fail := func(format string, args ...any) (dns.RR, error) {
		return nil, fmt.Errorf("resolvertest: %q %s: %s", name, typeString(rtype), fmt.Sprintf(format, args...))
	}
	owner, err := wireName(name)
	if err != nil {
		return nil, err
	}
	secs := ttl / time.Second
	if ttl < 0 || secs > math.MaxInt32 {
		// RFC 2181 §8: a TTL is at most 2^31 - 1 seconds.
		return fail("TTL %v out of range", ttl)
	}
	if len(rdata) > math.MaxUint16 {
		return fail("RDATA of %d octets", len(rdata))
	}
	switch rtype {
	case AnyType, dns.TypeANY, dns.TypeOPT, dns.TypeAXFR, dns.TypeIXFR:
		return fail("not a record type")
	}
	msg := append([]byte(nil), owner...)
	msg = binary.BigEndian.AppendUint16(msg, rtype)
	msg = binary.BigEndian.AppendUint16(msg, dns.ClassINET)
	msg = binary.BigEndian.AppendUint32(msg, uint32(secs))
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(rdata)))
	msg = append(msg, rdata...)
	rr, off, err := dns.UnpackRR(msg, 0)
	if err != nil {
		return fail("%v", err)
	}
	if off != len(msg) {
		return fail("RDATA has %d octets left over", len(msg)-off)
	}
	buf := make([]byte, len(msg)+512)
	n, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return fail("%v", err)
	}
	if !bytes.Equal(buf[:n], msg) {
		return fail("RDATA does not pack back the same")
	}
	return rr, nil
}
