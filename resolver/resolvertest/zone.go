package resolvertest

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// zone is the data of one origin.
type zone struct {
	origin string
	soa    *dns.SOA
	rrs    map[string][]dns.RR // by owner name key (name.go)
	names  map[string]bool     // owners and their ancestors within the zone (empty non-terminals)
}

func parseZone(z Zone) (*zone, error) {
	origin := presentationKey(z.Origin)
	zn := &zone{origin: origin, rrs: make(map[string][]dns.RR), names: make(map[string]bool)}
	zp := dns.NewZoneParser(strings.NewReader(z.Text), origin, "")
	zp.SetDefaultTTL(300)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		owner := presentationKey(rr.Header().Name)
		if !dns.IsSubDomain(origin, owner) {
			return nil, fmt.Errorf("zone %s: record %s is outside the zone", origin, rr.Header().Name)
		}
		if soa, ok := rr.(*dns.SOA); ok && owner == origin {
			zn.soa = soa
			continue
		}
		zn.add(rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("zone %s: %w", origin, err)
	}
	if zn.soa == nil {
		zn.soa = &dns.SOA{
			Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300},
			Ns:      "ns." + strings.TrimPrefix(origin, "."),
			Mbox:    "hostmaster." + strings.TrimPrefix(origin, "."),
			Serial:  1,
			Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 60,
		}
	}
	return zn, nil
}

func (z *zone) add(rr dns.RR) {
	owner := presentationKey(rr.Header().Name)
	z.rrs[owner] = append(z.rrs[owner], rr)
	for n := owner; ; n = parent(n) {
		z.names[n] = true
		if n == z.origin || n == "." {
			break
		}
	}
}

// lookup returns the records at name (synthesised from a wildcard if
// need be, RFC 4592 §4) and whether the name exists.
func (z *zone) lookup(name string) ([]dns.RR, bool) {
	if z.names[name] || name == z.origin {
		return z.rrs[name], true
	}
	// Find the closest encloser, then its wildcard.
	for n := name; n != z.origin && n != "."; {
		n = parent(n)
		if z.names[n] || n == z.origin {
			wild := "*." + n
			if n == "." {
				wild = "*."
			}
			if rrs, ok := z.rrs[wild]; ok {
				return rrs, true
			}
			return nil, false
		}
	}
	return nil, false
}
