package rbl

import (
	"context"

	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/spamkit/spamkit/internal/dnsname"
	"github.com/spamkit/spamkit/resolver"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Resolver is the DNS interface the Checker needs; *net.Resolver and
// *resolver.Resolver satisfy it. A resolver that also has the typed
// methods of *resolver.Resolver (A and TXT returning resolver.Result) is
// asked through them, which does not allocate on a cache hit.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

type typedResolver interface {
	A(ctx context.Context, name string) (resolver.Result[netip.Addr], error)
	TXT(ctx context.Context, name string) (resolver.Result[string], error)
}

// Verdict is the overall result of checking one item against the lists.
type Verdict string

const (
	// Listed: the score reached Checker.Threshold
	// (postscreen_dnsbl_threshold: an inclusive lower bound).
	Listed Verdict = "listed"
	// Allowlisted: the score is at or below a negative
	// Checker.AllowlistThreshold (postscreen_dnsbl_allowlist_threshold),
	// and no list that failed could have raised it above.
	Allowlisted Verdict = "allowlisted"
	// Clean: below the threshold, and every list that could have raised
	// the score to it answered.
	Clean Verdict = "clean"
	// Unknown: below the threshold, but lists that failed (timeout,
	// SERVFAIL, error codes) could have raised the score to it.
	Unknown Verdict = "unknown"
)

func (v Verdict) String() string { return string(v) }

// Hit is one list entry whose filter matched.
type Hit struct {
	List   string     // List.Name, or List.Zone
	Code   netip.Addr // the first answer that matched the filter
	Weight int        // the weight added to the score
	Reason string     // the TXT record, if List.Reason asked for it and there was one
}

func (h Hit) String() string {
	s := fmt.Sprintf("%s=%s*%d", h.List, h.Code, h.Weight)
	if h.Reason != "" {
		s += fmt.Sprintf(" (%q)", h.Reason)
	}
	return s
}

// ListError is a list that could not say whether the item is listed. It
// counts as unknown for that list only.
type ListError struct {
	List  string // List.Name, or List.Zone
	Query string // the name queried
	Err   error  // wraps ErrDNS, ErrListRefused, ErrBadReply or ErrTooManyAnswers
}

func (e *ListError) Error() string { return e.List + ": " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *ListError) Unwrap() error { return e.Err }

// Outcome is the result of checking one item.
type Outcome struct {
	Verdict Verdict
	// Item is the item as looked up: the IP address, the registrable
	// domain (the host if it has none), or the digest label of the first
	// hash list.
	Item string
	// Score is the sum of the weights of Hits.
	Score int
	// Hits lists the matching entries, in the order of Checker.Lists.
	Hits []Hit
	// Errors lists the zones that could not be asked, in the order of
	// Checker.Lists.
	Errors []ListError
}

// String renders the outcome on one line, e.g.
// `listed 192.0.2.1 score 3 (zen.example=127.0.0.2*3)`.
func (o Outcome) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s score %d", o.Verdict, o.Item, o.Score)
	if len(o.Hits) > 0 {
		b.WriteString(" (")
		for i, h := range o.Hits {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(h.String())
		}
		b.WriteByte(')')
	}
	for _, e := range o.Errors {
		fmt.Fprintf(&b, "; %s", e.Error())
	}
	return b.String()
}

// Checker checks items against DNS lists and scores them the way Postfix
// postscreen does (postconf(5) postscreen_dnsbl_sites,
// postscreen_dnsbl_threshold, postscreen_dnsbl_allowlist_threshold).
//
// The zones of one item are queried concurrently under one deadline. A
// Checker is safe for concurrent use by multiple goroutines once its
// fields are set; it holds no state of its own (caching is the
// resolver's).
type Checker struct {
	// Resolver does the lookups. If nil, net.DefaultResolver.
	Resolver Resolver
	// Lists are the lists, in the order hits are reported.
	Lists []List
	// Threshold is the score at or above which the item is Listed. If
	// zero, 1 (postscreen_dnsbl_threshold).
	Threshold int
	// AllowlistThreshold, when negative, makes an item whose score is at
	// or below it Allowlisted (postscreen_dnsbl_allowlist_threshold). If
	// zero, nothing is allowlisted, as in postscreen.
	AllowlistThreshold int
	// Timeout bounds the lookups of one check (all zones together). If
	// zero, 10 s (postscreen_dnsbl_timeout); if negative, only ctx's
	// deadline applies.
	Timeout time.Duration
	// MaxZones bounds the distinct zones of one kind asked for one item.
	// If zero, 32; more give ErrTooManyZones.
	MaxZones int
	// MaxAnswers bounds the addresses taken from one answer. If zero,
	// 32; more make that list's error ErrTooManyAnswers.
	MaxAnswers int
	// MaxItems bounds the distinct items CheckDomains checks. If zero,
	// 100; more give ErrTooManyItems with the outcomes of the first.
	MaxItems int
	// MaxParallel bounds the items CheckDomains checks at a time. If
	// zero, 16.
	MaxParallel int
	// Trace, if set, is called with each query and its answer.
	Trace func(format string, args ...any)
}

func (c *Checker) resolver() Resolver {
	if c.Resolver == nil {
		return net.DefaultResolver
	}
	return c.Resolver
}

func (c *Checker) threshold() int {
	if c.Threshold == 0 {
		return 1
	}
	return c.Threshold
}

func (c *Checker) maxZones() int {
	if c.MaxZones <= 0 {
		return 32
	}
	return c.MaxZones
}

func (c *Checker) maxAnswers() int {
	if c.MaxAnswers <= 0 {
		return 32
	}
	return c.MaxAnswers
}

// CheckIP checks ip against the KindIP lists (RFC 5782 §2.1, §2.4),
// except those with NoIPv6 (NoIPv4) for an IPv6 (IPv4) address. List
// failures are in Outcome.Errors; the error is for input or
// configuration that prevents the check (ErrInvalidIP, ErrNoLists when
// no list is left to ask, ErrTooManyZones).
func (c *Checker) CheckIP(ctx context.Context, ip netip.Addr) (Outcome, error) {
	if !ip.IsValid() {
		return Outcome{Verdict: Unknown}, ErrInvalidIP
	}
	ip = ip.Unmap()
	return c.check(ctx, KindIP, &item{ip: ip})
}

// CheckDomain checks host against the KindDomain lists (RFC 5782 §2.3):
// its registrable domain (public suffix list, golang.org/x/net/publicsuffix)
// or, for lists with FullHost, the host itself. An IP-literal host
// ("192.0.2.1", "[192.0.2.1]", "[IPv6:2001:db8::1]") is looked up reversed
// like an IP. Internationalised names are converted to A-labels.
func (c *Checker) CheckDomain(ctx context.Context, host string) (Outcome, error) {
	it, err := domainItem(host)
	if err != nil {
		return Outcome{Verdict: Unknown, Item: host}, err
	}
	return c.check(ctx, KindDomain, &it)
}

// domainItem makes the item of a host for the domain lists.
func domainItem(host string) (item, error) {
	host = strings.TrimSuffix(strings.TrimSpace(host), ".")
	lit := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if len(lit) > 5 && strings.EqualFold(lit[:5], "IPv6:") {
		lit = lit[5:] // RFC 5321 §4.1.3: the tag is case-insensitive
	}
	if ip, err := netip.ParseAddr(lit); err == nil && ip.Zone() == "" {
		return item{ip: ip.Unmap()}, nil
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil || !dnsname.Plausible(ascii) {
		return item{}, fmt.Errorf("%w: %q", ErrInvalidDomain, host)
	}
	ascii = strings.ToLower(ascii)
	reg, regErr := publicsuffix.EffectiveTLDPlusOne(ascii)
	return item{host: ascii, reg: reg, regErr: regErr}, nil
}

// CheckAddress checks an email address against the KindAddress lists:
// the digest of the address, trimmed of white space and angle brackets
// and lower-cased (no provider-specific folding such as dropping dots).
func (c *Checker) CheckAddress(ctx context.Context, addr string) (Outcome, error) {
	norm := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">"))
	if !strings.Contains(norm, "@") {
		return Outcome{Verdict: Unknown, Item: norm}, fmt.Errorf("%w: %q is not an address", ErrInvalidDomain, addr)
	}
	return c.check(ctx, KindAddress, &item{content: []byte(norm)})
}

// CheckHash checks content (an attachment, say) against the KindHash
// lists by its digest. Outcome.Item is the digest label of the first
// hash list.
func (c *Checker) CheckHash(ctx context.Context, content []byte) (Outcome, error) {
	return c.check(ctx, KindHash, &item{content: content})
}

// CheckSHA256 checks content known by its SHA-256 digest (as a MIME
// scanner reports it) against the KindHash lists whose Digest is
// SHA-256 based; lists of other digests are not asked (ErrNoLists if
// none is left).
func (c *Checker) CheckSHA256(ctx context.Context, sum [32]byte) (Outcome, error) {
	return c.check(ctx, KindHash, &item{sum: &sum})
}

// SelfTest checks that list answers its RFC 5782 §5 test entries: for IP
// lists 127.0.0.2 listed and 127.0.0.1 not (::FFFF:7F00:2 and
// ::FFFF:7F00:1 for an IPv6 list, one with NoIPv4); for
// domain lists TEST listed and INVALID not. Hash lists have no test
// entries: SelfTest returns ErrSelfTest for them.
func SelfTest(ctx context.Context, r Resolver, list List) error {
	if !dnsname.Plausible(list.Zone) {
		return fmt.Errorf("%w: bad zone %q", ErrSyntax, list.Zone)
	}
	var listed, unlisted string
	switch list.kind() {
	case KindIP:
		listed, unlisted = "2.0.0.127."+list.Zone+".", "1.0.0.127."+list.Zone+"."
		if list.NoIPv4 {
			// §5: an IPv6 list's test entries are ::FFFF:7F00:2 and
			// ::FFFF:7F00:1, in nibble form.
			listed = string(appendQuery(nil, netip.MustParseAddr("::ffff:7f00:2"), list.Zone))
			unlisted = string(appendQuery(nil, netip.MustParseAddr("::ffff:7f00:1"), list.Zone))
		}
	case KindDomain:
		listed, unlisted = "test."+list.Zone+".", "invalid."+list.Zone+"."
	default:
		return fmt.Errorf("%w: %s lists have no RFC 5782 test entries", ErrSelfTest, list.kind())
	}
	addrs, err := r.LookupNetIP(ctx, "ip4", listed)
	if err != nil {
		return fmt.Errorf("%w: %s not listed: %w", ErrSelfTest, listed, err)
	}
	for _, a := range addrs {
		if a = a.Unmap(); !a.Is4() || a.As4()[0] != 127 {
			return fmt.Errorf("%w: %s: %w: %s", ErrSelfTest, listed, ErrBadReply, a)
		}
	}
	addrs, err = r.LookupNetIP(ctx, "ip4", unlisted)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %s listed as %v", ErrSelfTest, unlisted, addrs)
	case !resolver.IsNotFound(err):
		return fmt.Errorf("%w: %s: %w", ErrSelfTest, unlisted, err)
	}
	return nil
}
