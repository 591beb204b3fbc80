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

// DefaultTimeout bounds the lookups of one check when Checker.Timeout is
// zero: postscreen_dnsbl_timeout's default.
const DefaultTimeout = 10 * time.Second

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
	// Timeout bounds the lookups of one check (all zones together; all
	// items of CheckDomains). If zero, DefaultTimeout (10 s,
	// postscreen_dnsbl_timeout); if negative, only ctx's deadline
	// applies. A zone still out then is a timeout ListError.
	Timeout time.Duration
	// MaxZones bounds the distinct zones of one kind asked for one item.
	// If zero, 32. The zones past it (in the order of Lists) are not
	// asked: each is a ListError wrapping ErrTooManyZones, and the result
	// is Unknown if they could have raised the score to the threshold.
	MaxZones int
	// MaxAnswers bounds the addresses taken from one answer. If zero,
	// 32; more make that list's error ErrTooManyAnswers.
	MaxAnswers int
	// MaxItems bounds the distinct items CheckDomains checks. If zero,
	// 100. The items past it are not checked: DomainsOutcome.Err wraps
	// ErrTooManyItems, and its Result is Unknown unless a checked item
	// is Listed.
	MaxItems int
	// MaxParallel bounds the items CheckDomains checks at a time. If
	// zero, 16.
	MaxParallel int
	// Trace, if set, is called with each query and its answer (from
	// several goroutines at once: it must be safe for that). If nil,
	// nothing is traced.
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
// except those with NoIPv6 (NoIPv4) for an IPv6 (IPv4) address. Lists
// that fail and limits reached are in the Outcome (ListErrors, Err, and
// Result Unknown when they could have changed it). The error is
// non-nil only when the check cannot run: ip is not valid
// (ErrInvalidIP), or no list is left to ask (ErrNoLists).
func (c *Checker) CheckIP(ctx context.Context, ip netip.Addr) (Outcome, error) {
	if !ip.IsValid() {
		return Outcome{Result: Unknown}, ErrInvalidIP
	}
	ip = ip.Unmap()
	return c.check(ctx, KindIP, &item{ip: ip})
}

// CheckDomain checks host against the KindDomain lists (RFC 5782 §2.3):
// its registrable domain (public suffix list, golang.org/x/net/publicsuffix)
// or, for lists with FullHost, the host itself. An IP-literal host
// ("192.0.2.1", "[192.0.2.1]", "[IPv6:2001:db8::1]") is looked up reversed
// like an IP. Internationalised names are converted to A-labels. The
// error is non-nil only when the check cannot run: host is no domain
// name or IP literal, or has no registrable domain for a list that needs
// one (ErrInvalidDomain), or no list is left to ask (ErrNoLists).
func (c *Checker) CheckDomain(ctx context.Context, host string) (Outcome, error) {
	it, err := domainItem(host)
	if err != nil {
		return Outcome{Result: Unknown, Item: host}, err
	}
	return c.check(ctx, KindDomain, &it)
}

// domainItem makes the item of a host for the domain lists.
func domainItem(host string) (item, error) {
	full := strings.TrimSpace(host)
	host = strings.TrimSuffix(full, ".")
	lit := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if len(lit) > 5 && strings.EqualFold(lit[:5], "IPv6:") {
		lit = lit[5:] // RFC 5321 §4.1.3: the tag is case-insensitive
	}
	if ip, err := netip.ParseAddr(lit); err == nil && ip.Zone() == "" {
		return item{ip: ip.Unmap()}, nil
	}
	// The final dot is removed after the IDNA mapping (UTS #46 §4), which
	// makes one of U+3002 and the other full stops and removes U+00AD:
	// "evil.example.\u00ad" is evil.example to a browser, and to the lists.
	ascii, err := idna.Lookup.ToASCII(full)
	ascii = strings.TrimSuffix(ascii, ".")
	// Only a mapping that did more than lowercase can have made an
	// address (digits and dots have no case): an ASCII host is not
	// parsed twice (a failed parse allocates its error).
	if err == nil && !strings.EqualFold(ascii, host) {
		if ip, perr := netip.ParseAddr(ascii); perr == nil {
			return item{ip: ip.Unmap()}, nil // "192.0.2.1\u00ad", "192\u30020\u30022\u30021"
		}
	}
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
// The error is non-nil only when addr has no "@" (ErrInvalidDomain) or
// no list is left to ask (ErrNoLists).
func (c *Checker) CheckAddress(ctx context.Context, addr string) (Outcome, error) {
	norm := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">"))
	if !strings.Contains(norm, "@") {
		return Outcome{Result: Unknown, Item: norm}, fmt.Errorf("%w: %q is not an address", ErrInvalidDomain, addr)
	}
	return c.check(ctx, KindAddress, &item{content: []byte(norm)})
}

// CheckHash checks content (an attachment, say) against the KindHash
// lists by its digest. Outcome.Item is the digest label of the first
// hash list. The error is non-nil only when no hash list is configured
// (ErrNoLists) or one names an unknown Digest (ErrSyntax).
func (c *Checker) CheckHash(ctx context.Context, content []byte) (Outcome, error) {
	return c.check(ctx, KindHash, &item{content: content})
}

// CheckSHA256 checks content known by its SHA-256 digest, as
// sha256.Sum256 returns it (and package mime reports the digests of
// parts), against the KindHash lists whose Digest is SHA-256 based; lists
// of other digests are not asked (ErrNoLists if none is left). It asks
// the same names as CheckHash on the content.
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
