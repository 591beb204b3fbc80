// Package resolvertest provides an in-process authoritative DNS server
// for tests, as net/http/httptest does for HTTP.
//
// A Server listens on 127.0.0.1 with UDP and TCP on the same port and
// answers as a real authoritative server does (RFC 1034 §4.3.2): NXDOMAIN
// for names that do not exist, NODATA (NOERROR, empty answer, SOA in the
// authority section, RFC 2308) for names that exist without the asked
// type (empty non-terminals included), CNAME chains followed inside the
// zone (targets elsewhere are left to the client), wildcards (RFC 4592),
// REFUSED outside its zones, and truncation to the client's UDP payload
// size (EDNS0 or 512 octets). Over TCP an answer is served whole up to
// the 65,535 octets a TCP message holds (RFC 1035 §4.2.2), names
// compressed (RFC 1035 §4.1.4): about 4,000 A records at one name, as a
// hostile zone can publish.
//
// # Records
//
// Zones are given as RFC 1035 master-file text (several origins at once,
// Zone, ZoneFile, AddZone, Add), or records are added as Go values, with
// no master-file quoting: AddTXT takes the raw octets of a TXT record
// (quotes, backslashes, semicolons, any octet; a string over 255 octets
// becomes several character-strings), AddA and AddAAAA take netip.Addr
// values, AddMX, AddPTR and AddCNAME their targets, and AddRecord the
// RDATA of any other type. A test needs no DNS library: TypeA, TypeTXT
// and the other type constants are the uint16 values miekg/dns's
// constants have, and either may be used.
//
// Names given to the Go API and returned in Query are raw octets, as
// package resolver takes and returns them (a label may hold any octet but
// the dot, RFC 2181 §11); only master-file text uses the presentation
// form with \DDD and \X escapes (RFC 1035 §5.1), and a name written
// there with escapes is the same name as its raw form.
//
// # Failures
//
// Failures are injected per name and type with Fail (AnyType for every
// type), or for every type but some with FailExcept: SERVFAIL, REFUSED,
// dropped queries (the client times out), forced truncation over UDP (so
// the TCP path is taken), spoofed replies before the real one, a server
// without EDNS0 (FORMERR). Delay and SetLatency add latency; Authenticate
// sets the AD bit as a validating resolver would. Every query is logged
// (Queries, Count) so tests can count the lookups, and so the attempts,
// a check made.
//
//	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: `
//	@    300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
//	`})
//	srv.AddTXT("sel._domainkey.example.com", time.Hour, `v=DKIM1; n="raw \ text"; p=...`)
//	srv.AddA("mail.example.com", time.Hour, netip.MustParseAddr("192.0.2.25"))
//	srv.FailExcept("broken.example.com", resolvertest.ServFail, resolvertest.TypeA)
//	r := srv.Resolver() // a *resolver.Resolver pointed at srv, no cache
//	txt, err := r.LookupTXT(ctx, "example.com")
//	n := srv.Count("example.com", resolvertest.TypeTXT) // 1
//
// The server is stopped by tb.Cleanup. Its methods are safe for
// concurrent use by multiple goroutines, including while queries are
// being served.
package resolvertest
