package rdns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/dnsname"
	"github.com/spamkit/spamkit/internal/dnsreason"
)

// FuzzGeneric checks the S25R and embedded-address matcher on arbitrary
// names: it is deterministic and case-insensitive, its verdict follows
// from its evidence, an allowlisted name is never generic, and a name
// built around the address in dashed or dotted form is always found.
func FuzzGeneric(f *testing.F) {
	for _, s := range []string{"198-51-113-45.dyn.example.net", "dhcp7.pool.example.org", "mail.example.com",
		"c633712d.example.net", "45.113.51.198.rev.example.net", "", ".", "1", "CPE0012345678.EXAMPLE.COM."} {
		f.Add(s, []byte{198, 51, 113, 45}, "pool.example.org")
	}
	f.Add("2001-db8--10.example.net", []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, "")
	f.Fuzz(func(t *testing.T, name string, ipb []byte, allow string) {
		ip, _ := netip.AddrFromSlice(ipb) // zero if not 4 or 16 bytes
		c := &Checker{GenericAllow: []string{allow}}
		g := c.Generic(name, ip)
		if again := c.Generic(name, ip); again != g {
			t.Fatalf("Generic(%q, %s) = %s, then %s", name, ip, g, again)
		}
		if upper := c.Generic(strings.ToUpper(name), ip); upper != g {
			t.Fatalf("Generic(%q) = %s, but Generic(%q) = %s", name, g, strings.ToUpper(name), upper)
		}
		evidence := g.Rule.Number != 0 || g.Embedded != ""
		generic := g.Result == Generic
		if g.Result != Generic && g.Result != NotGeneric ||
			generic && (!evidence || g.Allowed != "") || g.Allowed != "" && !evidence || !generic && evidence && g.Allowed == "" {
			t.Fatalf("Generic(%q, %s) = %+v: verdict does not follow from the evidence", name, ip, g)
		}
		if r, ok := MatchS25R(strings.ToLower(name)); ok != (g.Rule.Number != 0) || r.Number != g.Rule.Number {
			t.Fatalf("Generic(%q).Rule = %d, MatchS25R = %d", name, g.Rule.Number, r.Number)
		}
		n := strings.ToLower(strings.TrimSuffix(name, "."))
		a := strings.ToLower(strings.Trim(allow, "."))
		if a != "" && (n == a || strings.HasSuffix(n, "."+a)) && generic {
			t.Fatalf("Generic(%q) with allowlist %q = %s, want not generic", name, allow, g)
		}
		// Constructed names: the address embedded in a host label.
		if ip.Is4() {
			b := ip.As4()
			dashed := fmt.Sprintf("x%d-%d-%d-%d.pool.example.net", b[0], b[1], b[2], b[3])
			if form, ok := EmbeddedIP(dashed, ip); !ok || form != FormDashed {
				t.Fatalf("EmbeddedIP(%q, %s) = %q, %v, want dashed", dashed, ip, form, ok)
			}
			dotted := fmt.Sprintf("%d.%d.%d.%d.static.example.net", b[0], b[1], b[2], b[3])
			if form, ok := EmbeddedIP(dotted, ip); !ok || form != FormDotted {
				t.Fatalf("EmbeddedIP(%q, %s) = %q, %v, want dotted", dotted, ip, form, ok)
			}
		}
	})
}

// FuzzCheckHELO checks the HELO syntax checks on arbitrary arguments
// (through the in-process DNS server, for the names that pass them): the
// verdict is one of the documented ones and carries the matching error,
// a name that was looked up is a valid domain, an IP address is bare-ip,
// and the address literal of any address is never invalid.
func FuzzCheckHELO(f *testing.F) {
	for _, s := range []string{"mail.example.com", "[192.0.2.10]", "[IPv6:2001:db8::10]", "192.0.2.10",
		"localhost", "", "[", "[]", "[IPv6:]", "bad_name-.example.com", "a..b", "xn--bcher-kva.example", "nowhere.example.com."} {
		f.Add(s, []byte{192, 0, 2, 10})
	}
	srv := newServer(f)
	r := srv.Resolver()
	r.Timeout = 200 * time.Millisecond
	c := &Checker{Resolver: r, HostNames: []string{"mx.example.org"}, HostIPs: []netip.Addr{netip.MustParseAddr("203.0.113.1")}}
	f.Fuzz(func(t *testing.T, helo string, ipb []byte) {
		client, _ := netip.AddrFromSlice(ipb)
		ctx := context.Background()
		res, err := c.CheckHELO(ctx, client, helo)
		if !client.IsValid() {
			if !errors.Is(err, ErrInvalidIP) {
				t.Fatalf("CheckHELO(%s, %q) = %s, %v, want ErrInvalidIP", client, helo, res, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("CheckHELO(%s, %q) error %v", client, helo, err)
		}
		// The reason goes into headers: one of the fixed phrases, never
		// the client's argument.
		switch r := res.Reason(); r {
		case "":
			if res.Result != HELOMatch {
				t.Fatalf("CheckHELO(%q) = %s with no reason; only a match needs none", helo, res.Result)
			}
		case "HELO name resolves to other addresses", "too many addresses",
			"HELO name does not resolve", "invalid HELO syntax", "HELO address without brackets",
			"HELO claims to be us", "HELO address is not the client's",
			dnsreason.Timeout, dnsreason.ServFail, dnsreason.Refused, dnsreason.Truncated, dnsreason.NXDomain,
			dnsreason.NoData, dnsreason.BadReply, dnsreason.CNAMELoop, dnsreason.BadName, dnsreason.NoServers, dnsreason.Other:
		default:
			t.Fatalf("CheckHELO(%q).Reason() = %q, not a fixed phrase", helo, r)
		}
		switch res.Result {
		case HELOInvalid:
			if !errors.Is(res.Err, ErrSyntax) {
				t.Fatalf("CheckHELO(%q) = %s, want ErrSyntax", helo, res)
			}
		case HELOTempError:
			if !errors.Is(res.Err, ErrDNS) {
				t.Fatalf("CheckHELO(%q) = %s, want ErrDNS", helo, res)
			}
		case HELOMatch, HELOResolves:
			if res.Err != nil && !errors.Is(res.Err, ErrTooManyAddrs) {
				t.Fatalf("CheckHELO(%q) = %s with an error", helo, res)
			}
		case HELOUnresolvable, HELOBareIP, HELOOurs, HELOLiteralMismatch:
			if res.Err != nil {
				t.Fatalf("CheckHELO(%q) = %s with an error", helo, res)
			}
		default:
			t.Fatalf("CheckHELO(%q) = unknown result %q", helo, res.Result)
		}
		arg := strings.TrimSpace(helo)
		switch res.Result {
		case HELOResolves, HELOUnresolvable, HELOTempError:
			if !dnsname.HostName(strings.TrimSuffix(arg, ".")) {
				t.Fatalf("CheckHELO(%q) = %s: looked up an invalid name", helo, res)
			}
		}
		if _, err := netip.ParseAddr(strings.TrimSuffix(arg, ".")); err == nil && res.Result != HELOBareIP && res.Result != HELOOurs {
			t.Fatalf("CheckHELO(%q) = %s, want bare-ip", helo, res)
		}
		lit := "[" + client.Unmap().String() + "]"
		if client.Unmap().Is6() {
			lit = "[IPv6:" + client.String() + "]"
		}
		if client.Zone() == "" {
			if got, _ := c.CheckHELO(ctx, client, lit); got.Result != HELOMatch {
				t.Fatalf("CheckHELO(%q, %s) = %s, want match", lit, client, got)
			}
		}
	})
}
