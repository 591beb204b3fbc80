// Package resolvertest provides an in-process authoritative DNS server
// for tests, as net/http/httptest does for HTTP.
//
// A Server listens on 127.0.0.1 with UDP and TCP on the same port,
// serves zones given as RFC 1035 master-file text (several origins at
// once), and answers as a real authoritative server does: NXDOMAIN for
// names that do not exist, NODATA (NOERROR, empty answer, SOA in the
// authority section, RFC 2308) for names that exist without the asked
// type (empty non-terminals included), CNAME chains followed inside the
// zone (targets elsewhere are left to the client), wildcards (RFC 4592), REFUSED outside its zones, and truncation
// to the client's UDP payload size (EDNS0 or 512 octets).
//
// Failures can be injected per name and type: SERVFAIL, REFUSED, dropped
// queries (the client times out), forced truncation over UDP (so the TCP
// path is taken), spoofed replies before the real one, a server without
// EDNS0 (FORMERR), and latency;
// Authenticate sets the AD bit as a validating resolver would.
// Every query is logged so tests can count the lookups a check made.
//
//	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: `
//	@    300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
//	mail 300 IN A   192.0.2.25
//	`})
//	r := srv.Resolver() // a *resolver.Resolver pointed at srv, no cache
//	txt, err := r.LookupTXT(ctx, "example.com")
//	n := srv.Count("example.com.", dns.TypeTXT) // 1
//
// The server is stopped by tb.Cleanup. Its methods are safe for
// concurrent use by multiple goroutines, including while queries are
// being served.
package resolvertest
