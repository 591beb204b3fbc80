package resolver

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Result is an answer: the records of one type at one name.
//
// With a NXDOMAIN or NODATA error, Result has no Records but still its
// Name, Canonical (where the CNAMEs led), TTL (how long the negative
// answer is cached, RFC 2308 §5) and Authentic.
//
// Records is shared with the cache and must not be modified; the
// net.Resolver-style methods (LookupTXT, ...) return copies.
type Result[T any] struct {
	// Name is the queried name, fully qualified, its ASCII letters in
	// lower case and its other octets as given (RFC 4343 §3).
	Name string
	// Canonical is the owner of the records after following CNAMEs; it
	// equals Name when there was no CNAME.
	Canonical string
	// Records holds the answer's records, in the order the server gave
	// them (MX records sorted by preference).
	Records []T
	// TTL is the remaining time to live: the smallest TTL of the
	// records and CNAMEs that made the answer, minus its age in the cache.
	TTL time.Duration
	// Authentic reports whether the upstream resolver set the AD bit on
	// every reply that made the answer (RFC 4035 §3.2.3): the data was
	// DNSSEC-validated by that resolver. Trust it only when the path to
	// that resolver is trusted (RFC 6698 §A.3, RFC 7672 §2.1.1).
	Authentic bool
}

// String renders the result for traces and logs, e.g.
// `example.com. TXT ["v=spf1 -all"] ttl=300s`.
func (r Result[T]) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if r.Canonical != "" && r.Canonical != r.Name {
		b.WriteString(" -> ")
		b.WriteString(r.Canonical)
	}
	b.WriteString(" [")
	for i, rec := range r.Records {
		if i > 0 {
			b.WriteByte(' ')
		}
		if s, ok := any(rec).(string); ok {
			b.WriteString(strconv.Quote(s))
		} else {
			fmt.Fprint(&b, rec)
		}
	}
	fmt.Fprintf(&b, "] ttl=%s", r.TTL)
	if r.Authentic {
		b.WriteString(" ad")
	}
	return b.String()
}

// MX is a mail exchanger record.
type MX struct {
	Host string // fully qualified, with the trailing dot
	Pref uint16
}

func (m MX) String() string { return fmt.Sprintf("%d %s", m.Pref, m.Host) }
