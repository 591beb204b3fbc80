// Package resolver is a DNS stub resolver for mail checks, built on
// github.com/miekg/dns.
//
// Mail authentication needs more from DNS than net.Resolver gives:
//
//   - NXDOMAIN, NODATA, SERVFAIL, REFUSED and timeouts told apart
//     (SPF void lookups, RFC 7208 §4.6.4; DMARC's non-existent domains,
//     RFC 9091; DNSBLs' "not listed" against "could not ask"). Lookup
//     errors are *Error values wrapping the sentinels ErrNXDomain,
//     ErrNoData, ErrServFail, ErrRefused, ErrTimeout and others; classify
//     with errors.Is, or with IsNotFound, IsNXDomain and IsTemporary, which
//     also understand net.Resolver's *net.DNSError.
//   - The TTL of each answer and the AD bit of the upstream validating
//     resolver (RFC 4035 §3.2.3), for DANE and DNSSEC-aware policies:
//     see Result.
//   - A cache with positive and negative entries (RFC 2308), TTL clamps,
//     bounds on entries, bytes and records per answer, and concurrent
//     identical queries collapsed into one: see Cache.
//
// A Resolver is configured by its fields, all optional:
//
//	r := &resolver.Resolver{
//		LookupTimeout: 5 * time.Second, // one lookup, every hop and retry
//		Cache:         resolver.NewCache(resolver.CacheOptions{MaxBytes: 64 << 20}),
//	}
//	res, err := r.TXT(ctx, "example.com") // res.Records, res.TTL, res.Authentic
//
// # Transport
//
// Queries go to the configured nameservers (default: the nameserver
// lines of /etc/resolv.conf; see Resolver.ConfigFile) over UDP with
// EDNS0 (RFC 6891, 1232-octet payload; asked again without it from a
// server that answers FORMERR, §7) and are retried over TCP when
// truncated (RFC 7766 §5). A reply still truncated over TCP, whose
// record set did not fit 65,535 octets, is an error (ErrTruncated),
// never a partial answer taken for the whole (RFC 1035 §4.1.1). Each
// query has a random ID and a fresh socket, so a random source port
// (RFC 5452 §9.2). A reply is used only if it answers the question asked
// (ID, QR bit, opcode, name, type and class, RFC 5452 §4); other datagrams
// are dropped and the resolver keeps waiting, so a spoofed reply cannot
// end a lookup early. Servers are tried in order (or rotated, with
// Rotate) for Attempts rounds, moving on after a timeout, SERVFAIL,
// REFUSED or other error rcode. Each attempt at one server waits at most
// Timeout: the resolv.conf "timeout" option if the file has one, else
// DefaultTimeout (2 s), so a lookup that no server answers ends after
// Timeout × Attempts × servers (4 s with one server and the defaults),
// or at the context's deadline. CNAME chains are followed to the final
// records, across queries when a reply stops short, up to MaxCNAMEs
// hops, and loops are detected. The whole lookup, every hop and attempt,
// is bounded by LookupTimeout (see Bounds).
//
// # Names and records
//
// Names are given and returned as raw octets, as they travel on the wire and
// as net.Resolver has them: a label may hold any octet but the dot (RFC 2181
// §11), so an SPF macro that expands to "a b@c" (RFC 7208 §7.3) is asked as
// exactly that. Only the ASCII letters A to Z are folded to lower case,
// in the name asked, the cache key and Result.Name (RFC 4343 §3); every
// other octet, 0x80 to 0xFF and invalid UTF-8 included, is kept as it
// is, so two names that differ in any such octet are never asked, cached
// or answered as one. TXT strings come back as the octets published (RFC 1035
// §3.3.14), with the strings of one record concatenated. The RFC 1035 §5.1
// presentation escapes that miekg/dns uses (\DDD, \X) never appear in what
// this package returns.
//
// # Bounds
//
// What a hostile zone or a dead server can make one lookup and the cache
// cost is bounded:
//
//   - Time: Timeout (default 2 s) per try at one server; LookupTimeout
//     (DefaultLookupTimeout, 10 s) for the whole lookup, its queries,
//     attempts and CNAME hops together, on top of the context's
//     deadline; reaching it is ErrLookupTimeout, a temporary ErrTimeout.
//   - Names: MaxCNAMEs hops (8); 253 octets, labels of 63 (ErrInvalidName,
//     no query sent).
//   - Replies: a UDP reply is read into 4,096 octets, a TCP reply is at
//     most 65,535 (RFC 1035 §4.2.2), so one answer holds at most about
//     4,000 A records or 64 KiB of TXT strings.
//   - Cache: MaxEntries (10,000), MaxBytes (DefaultCacheMaxBytes, 32 MiB,
//     accounting each entry's records, names and structures as the Go
//     allocator sizes them, an upper estimate of its heap), and
//     MaxRecords per answer (256). An answer with more records is
//     returned whole and not cached: callers (SPF, DKIM, DNSBL) never see
//     part of a record set as the whole; the cache never cuts one.
//
// Measured (BenchmarkHeapHostileZone, heap after a full collection, with
// the default CacheOptions): a zone answering every name with 4,000 A
// records (one 64 KiB TCP message) made each cache entry hold 112 KiB
// of heap before these bounds, 1.1 GiB for the default 10,000 entries,
// and TXT answers of 250 strings of 250 octets 67 KiB each; now 300 such
// A answers hold 0.02 MiB (none is cached), 2,000 answers of 256 A
// records 13.1 MiB (13.7 MiB accounted), and 1,000 answers of 240 TXT
// strings of 250 octets 28.1 MiB (31.5 MiB accounted, 448 entries kept,
// the rest evicted). TestCacheHeap checks that the heap held stays under
// the bytes accounted and those under MaxBytes.
//
// # Interfaces
//
// Check packages declare the small interface they need, and
// *net.Resolver satisfies it too:
//
//	type Resolver interface {
//		LookupTXT(ctx context.Context, name string) ([]string, error)
//		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
//	}
//
// The typed methods (TXT, A, AAAA, IP, MX, PTR) return a Result with
// TTL and AD bit and do not allocate on a cache hit; their Records are
// shared with the cache and must not be modified.
//
// # Divergences
//
//   - No search list or ndots: every name is taken as fully qualified, as
//     mail checks need (a domain from an address is never relative).
//   - No /etc/hosts.
//   - resolv.conf is read for its nameserver lines and the timeout,
//     attempts and rotate options only (clamped to glibc's bounds, 30 s
//     and 5). Without a timeout option the timeout is DefaultTimeout,
//     2 s, not resolv.conf(5)'s 5 s: mail checks make several lookups
//     per message under one deadline.
//   - Negative answers without an SOA record are not cached (RFC 2308
//     §5); SERVFAIL and timeouts are never cached.
//   - MX records of equal preference keep the server's order (RFC 5321
//     §5.1 randomisation is left to the SMTP client).
//
// For tests, package resolvertest serves zones from an in-process
// authoritative server with failure injection.
package resolver
