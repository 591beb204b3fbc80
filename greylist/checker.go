package greylist

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// Defaults of the Checker's zero fields.
const (
	// DefaultDelay is the least time between first sight and a retry that
	// passes (postgrey --delay).
	DefaultDelay = 300 * time.Second
	// DefaultRetryWindow is the time a first sight waits for its retry
	// (postgrey --retry-window).
	DefaultRetryWindow = 48 * time.Hour
	// DefaultMaxAge is how long a passed triplet, and a counted client, is
	// remembered after its last use (postgrey --max-age).
	DefaultMaxAge = 35 * 24 * time.Hour
	// DefaultAutoAllowAfter is the number of passed triplets after which
	// a client is allowlisted (postgrey --auto-whitelist-clients).
	DefaultAutoAllowAfter = 5
	// DefaultIPv4Prefix and DefaultIPv6Prefix are the client network
	// sizes of the key (postgrey --ipv4cidr, --ipv6cidr).
	DefaultIPv4Prefix = 24
	DefaultIPv6Prefix = 64
	// DefaultTrapTime is how long a greytrap hit blocks a client (spamd's
	// default for trapped entries).
	DefaultTrapTime = 24 * time.Hour
	// DefaultTimeout bounds one store operation.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxAddressLen bounds the sender and recipient put into a key:
	// RFC 5321 §4.5.3.1.3's 256 octets for a path.
	DefaultMaxAddressLen = 256
)

// Checker greylists SMTP transactions by their triplet: the client
// network, the normalized envelope sender and the recipient (RFC 6647).
// The zero Checker is ready to use with postgrey's defaults and an
// in-memory store. A Checker is safe for concurrent use by multiple
// goroutines once its fields are set; do not copy it after first use.
type Checker struct {
	// Store keeps the state. If nil, a MemoryStore with its defaults,
	// created at first use and private to this Checker.
	Store Store
	// Delay is the least time from first sight to a retry that passes.
	// If zero, DefaultDelay (300 s).
	Delay time.Duration
	// RetryWindow is how long after first sight a retry is still taken as
	// one; later, the triplet starts again. If zero, DefaultRetryWindow
	// (2 days). It must be longer than Delay.
	RetryWindow time.Duration
	// MaxAge is how long a passed triplet is remembered after its last
	// use (refreshed at most once per AutoAllowInterval), and a client's
	// count towards the automatic allowlist after its last increase. If
	// zero, DefaultMaxAge (35 days).
	MaxAge time.Duration
	// AutoAllowAfter is the number of triplets that must pass greylisting
	// from one client (counted at most once per AutoAllowInterval) before
	// the client is allowlisted for MaxAge. If zero,
	// DefaultAutoAllowAfter (5); negative disables the automatic
	// allowlist.
	AutoAllowAfter int
	// IPv4Prefix and IPv6Prefix are the prefix lengths of the client
	// network in the key. If zero, DefaultIPv4Prefix (/24) and
	// DefaultIPv6Prefix (/64); 32 and 128 key by the full address.
	IPv4Prefix, IPv6Prefix int
	// AllowClients lets clients through without greylisting, by address
	// or host name. If nil, none.
	AllowClients *ClientList
	// AllowSenders lets envelope senders through without greylisting
	// (addresses, local parts, domains, /regexps/). Senders are trivially
	// forged: prefer AllowClients or the SPF-validated domain key. If nil,
	// none.
	AllowSenders *AddressList
	// AllowRecipients lets mail to these recipients through without
	// greylisting (postgrey's whitelist_recipients: postmaster@,
	// abuse@). If nil, none.
	AllowRecipients *AddressList
	// Traps are greytrap addresses (OpenBSD spamd): a client network that
	// sends to one, and is neither allowlisted nor auto-allowlisted, is
	// Trapped for TrapTime. If nil, none.
	Traps *AddressList
	// TrapTime is how long a greytrap hit blocks the client network. If
	// zero, DefaultTrapTime (24 h).
	TrapTime time.Duration
	// PassNullSender lets mail with the null sender through without
	// greylisting (Allowlisted, ListNullSender). By default the null
	// sender is greylisted like any other, keyed as NullSenderKey: see
	// the package documentation for the trade-off.
	PassNullSender bool
	// FailOpen turns a store failure into a Pass whose Err wraps ErrStore
	// (Reason "greylist store unavailable"), with a nil error, so that an
	// outage of the store never delays mail. By default a store failure
	// is returned as an error beside a Greylisted outcome whose Reply is
	// a 451 4.3.0: the mail is deferred, never lost, but not accepted
	// either.
	FailOpen bool
	// Timeout bounds one store operation (a MemoryStore, which never
	// blocks, is not bounded). If zero, DefaultTimeout (5 s); negative
	// means ctx's deadline alone. A store operation out of time is a
	// store failure, and so is a check whose ctx ended before its store
	// operation (with any store).
	Timeout time.Duration
	// MaxAddressLen bounds the sender and the recipient put into a key;
	// a longer one is cut and the outcome's Err wraps ErrAddressTooLong.
	// If zero, DefaultMaxAddressLen (256 octets).
	MaxAddressLen int
	// Now returns the time of a check. If nil, time.Now.
	Now func() time.Time
	// Trace, if set, is called with each step of a check (from several
	// goroutines at once: it must be safe for that). The package never
	// logs.
	Trace func(format string, args ...any)

	once     sync.Once
	memStore *MemoryStore
}

// params is a Checker's configuration with defaults applied.
type params struct {
	delay, window, maxAge, trap, timeout time.Duration
	awl, v4, v6, maxAddr                 int
}

func (c *Checker) params() (params, error) {
	p := params{
		delay: c.Delay, window: c.RetryWindow, maxAge: c.MaxAge, trap: c.TrapTime,
		timeout: c.Timeout, awl: c.AutoAllowAfter, v4: c.IPv4Prefix, v6: c.IPv6Prefix,
		maxAddr: c.MaxAddressLen,
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.delay, DefaultDelay)
	def(&p.window, DefaultRetryWindow)
	def(&p.maxAge, DefaultMaxAge)
	def(&p.trap, DefaultTrapTime)
	def(&p.timeout, DefaultTimeout)
	switch {
	case p.awl == 0:
		p.awl = DefaultAutoAllowAfter
	case p.awl < 0:
		p.awl = 0
	}
	if p.v4 == 0 {
		p.v4 = DefaultIPv4Prefix
	}
	if p.v6 == 0 {
		p.v6 = DefaultIPv6Prefix
	}
	if p.maxAddr == 0 {
		p.maxAddr = DefaultMaxAddressLen
	}
	switch {
	case p.delay < 0 || p.window < 0 || p.maxAge < 0 || p.trap < 0:
		return p, fmt.Errorf("%w: negative duration", ErrConfig)
	case p.delay >= p.window:
		return p, fmt.Errorf("%w: Delay %v not shorter than RetryWindow %v", ErrConfig, p.delay, p.window)
	case p.v4 < 0 || p.v4 > 32 || p.v6 < 0 || p.v6 > 128:
		return p, fmt.Errorf("%w: prefix lengths %d, %d", ErrConfig, p.v4, p.v6)
	case p.maxAddr < 0:
		return p, fmt.Errorf("%w: negative MaxAddressLen", ErrConfig)
	}
	return p, nil
}

func (c *Checker) store() Store {
	if c.Store != nil {
		return c.Store
	}
	c.once.Do(func() { c.memStore = new(MemoryStore) })
	return c.memStore
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) trace(format string, args ...any) {
	if c.Trace != nil {
		c.Trace(format, args...)
	}
}

// rcptsEvery is how many recipients CheckBody's list walks go over
// between two looks at ctx.
const rcptsEvery = 64

// keyBufs recycles the buffers keys are built in: a Store must not keep
// Request's slices past Record.
var keyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Check greylists one recipient of an SMTP transaction: the client
// address ip and its host name (the verified reverse name, as Postfix's
// client_name; "" or "unknown" when there is none), the envelope sender
// from (without or with angle brackets; "" for the null sender) and the
// recipient rcpt. It is the check of RCPT time, one call per recipient.
//
// spfDomain is optional: pass the MAIL FROM domain when SPF (RFC 7208)
// gave it a pass for ip, and "" otherwise. The client part of the key is
// then "spf:" and that domain instead of the client network, so that a
// sender's retry from any address of its pool passes; greytraps still
// key on the network: a trap hit traps the network unless the network
// itself is auto-allowlisted, and a domain auto-allowlisted keeps its
// standing (its mail is Allowlisted, also from a trapped network). See
// the package documentation for the trade-off.
//
// In order: AllowClients (address, then name), AllowRecipients,
// AllowSenders and PassNullSender give Allowlisted without touching the
// store; then the store decides: an auto-allowlisted client network is
// Allowlisted; an auto-allowlisted SPF-validated domain is Allowlisted,
// and a recipient in Traps still traps the client network for every
// other sender; a trapped client network is Trapped; a recipient in
// Traps traps the client network (Trapped); and the triplet is
// Greylisted or passes.
//
// The error is non-nil only when the check could not run: an invalid ip
// (ErrInvalidIP), an empty rcpt (ErrNoRecipient), a Checker field out of
// range (ErrConfig), a store failure without FailOpen (ErrStore; a ctx
// that ended before the store was asked is one). The outcome beside an
// error is Greylisted with the error in Err and a 451 4.3.0 Reply.
func (c *Checker) Check(ctx context.Context, ip netip.Addr, hostname, from, rcpt, spfDomain string) (Outcome, error) {
	if rcpt == "" || trimBrackets(rcpt) == "" {
		return invalid(ErrNoRecipient)
	}
	return c.check(ctx, ip, hostname, from, rcpt, nil, nil, spfDomain)
}

// CheckBody greylists a whole message at the end of DATA by its body
// key: the client (network or SPF-validated domain, as Check), the
// normalized sender and body, the digest of the message body (see
// BodyHash), instead of one triplet per recipient. A body sent to many
// recipients is then greylisted once. rcpts are the transaction's
// accepted recipients: the message is Allowlisted when every one of them
// is in AllowRecipients (one allowlisted recipient does not let a
// message through for the others), and Trapped when any is in Traps. The
// rest is as Check; see the package documentation for the trade-offs.
func (c *Checker) CheckBody(ctx context.Context, ip netip.Addr, hostname, from string, rcpts []string, body BodyDigest, spfDomain string) (Outcome, error) {
	if len(rcpts) == 0 {
		return invalid(ErrNoRecipient)
	}
	for _, r := range rcpts {
		if trimBrackets(r) == "" {
			return invalid(ErrNoRecipient)
		}
	}
	return c.check(ctx, ip, hostname, from, "", rcpts, &body, spfDomain)
}

func invalid(err error) (Outcome, error) {
	return Outcome{Result: Greylisted, Err: err, why: whyInvalid}, err
}

// check runs Check (rcpt, no body) and CheckBody (rcpts and body).
func (c *Checker) check(ctx context.Context, ip netip.Addr, hostname, from, rcpt string, rcpts []string, body *BodyDigest, spfDom string) (Outcome, error) {
	if !ip.IsValid() {
		return invalid(ErrInvalidIP)
	}
	p, err := c.params()
	if err != nil {
		return invalid(err)
	}
	ip = ip.Unmap()
	now := c.now()
	allow := func(l List, entry string) (Outcome, error) {
		if c.Trace != nil {
			c.Trace("greylist: %s: allowlisted (%s %s)", ip, l, entry)
		}
		return Outcome{Result: Allowlisted, List: l, Match: entry, why: whyAllowlisted}, nil
	}
	if e, ok := c.AllowClients.MatchAddr(ip); ok {
		return allow(ListClient, e)
	}
	if e, ok := c.AllowClients.MatchName(hostname); ok {
		return allow(ListClientName, e)
	}
	if c.AllowRecipients != nil && body == nil {
		if e, ok := c.AllowRecipients.Match(rcpt); ok {
			return allow(ListRecipient, e)
		}
	} else if c.AllowRecipients != nil {
		var e string
		all := true
		for i, r := range rcpts {
			if i%rcptsEvery == rcptsEvery-1 {
				if err := ctx.Err(); err != nil {
					return c.storeFailed(err)
				}
			}
			m, ok := c.AllowRecipients.Match(r)
			if !ok {
				all = false
				break
			}
			e = m
		}
		if all {
			return allow(ListRecipient, e)
		}
	}
	if e, ok := c.AllowSenders.Match(from); ok {
		return allow(ListSender, e)
	}
	if c.PassNullSender && trimBrackets(from) == "" {
		return allow(ListNullSender, NullSenderKey)
	}
	var trap time.Duration
	if body == nil {
		if _, ok := c.Traps.Match(rcpt); ok {
			trap = p.trap
		}
	}
	for i, r := range rcpts {
		if i%rcptsEvery == rcptsEvery-1 {
			if err := ctx.Err(); err != nil {
				return c.storeFailed(err)
			}
		}
		if _, ok := c.Traps.Match(r); ok {
			trap = p.trap
			break
		}
	}

	var finding error // what the outcome's Err reports beside the verdict
	note := func(err error) {
		if finding == nil {
			finding = err
		} else {
			finding = errors.Join(finding, err)
		}
	}
	if len(from) > p.maxAddr {
		note(fmt.Errorf("%w: sender of %d octets, limit %d", ErrAddressTooLong, len(from), p.maxAddr))
		from = from[:p.maxAddr]
	}
	if len(rcpt) > p.maxAddr {
		note(fmt.Errorf("%w: recipient of %d octets, limit %d", ErrAddressTooLong, len(rcpt), p.maxAddr))
		rcpt = rcpt[:p.maxAddr]
	}

	bp := keyBufs.Get().(*[]byte)
	defer keyBufs.Put(bp)
	buf := (*bp)[:0]
	bits := p.v4
	if ip.Is6() {
		bits = p.v6
	}
	buf = appendNetwork(buf, ip, bits)
	netEnd := len(buf)
	client := netEnd
	if spfDom != "" {
		if d, ok := spfDomain(spfDom); ok {
			buf = append(buf, spfKeyPrefix...)
			buf = append(buf, d...)
		} else {
			note(fmt.Errorf("%w: %q", ErrInvalidDomain, spfDom))
		}
	}
	clientEnd := len(buf)
	buf = appendSender(buf, from)
	buf = append(buf, ' ')
	if body != nil {
		buf = append(buf, "body:"...)
		buf = body.appendHex(buf)
	} else {
		buf = appendRecipient(buf, rcpt)
	}
	*bp = buf
	network := buf[:netEnd]
	triplet := buf[clientEnd:]
	clientKey := buf[client:clientEnd]
	if clientEnd == netEnd {
		clientKey = network
	}

	// A ctx that has ended is a store operation out of time, whatever
	// the store (a MemoryStore never looks at it).
	if err := ctx.Err(); err != nil {
		return c.storeFailed(err)
	}
	st := c.store()
	if _, mem := st.(*MemoryStore); !mem && p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	req := Request{
		Client: clientKey, Triplet: triplet, Now: now,
		Delay: p.delay, RetryWindow: p.window, MaxAge: p.maxAge,
		AutoAllowAfter: p.awl, Trap: trap,
	}
	var resp Response
	matched := clientKey
	if clientEnd != netEnd {
		// The SPF-validated domain keys the triplet and the automatic
		// allowlist; greytraps, and the network's own automatic
		// allowlist, stay on the network. An allowlist shields only
		// what earned it: the network's shields the network (not
		// trapped); the domain's shields the domain's mail, even from a
		// trapped network, but not the network: a trap hit from an
		// allowlisted domain still traps the network for every other
		// sender. So the network's state is read first (a client-only
		// request); when it is trapped, or on a trap hit, the domain's
		// state (client-only: a trap hit records no triplet), then the
		// network is trapped.
		nreq := req
		nreq.Client, nreq.Triplet, nreq.Trap = network, nil, 0
		resp, err = st.Record(ctx, nreq)
		matched = network
		switch {
		case err != nil || resp.Result == Allowlisted:
		case resp.Result == Trapped:
			dreq := req
			dreq.Triplet, dreq.Trap = nil, 0
			if dresp, derr := st.Record(ctx, dreq); derr != nil {
				resp, err = dresp, derr
			} else if dresp.Result == Allowlisted {
				resp, matched = dresp, clientKey
			}
		case trap > 0:
			dreq := req
			dreq.Triplet, dreq.Trap = nil, 0
			dresp, derr := st.Record(ctx, dreq)
			if derr != nil {
				resp, err = dresp, derr
				break
			}
			nreq.Trap = trap
			resp, err = st.Record(ctx, nreq)
			if err == nil && dresp.Result == Allowlisted && resp.Result == Trapped {
				// The network is trapped; this message passes by
				// its domain's standing.
				resp, matched = dresp, clientKey
			}
		default:
			matched = clientKey
			resp, err = st.Record(ctx, req)
		}
	} else {
		resp, err = st.Record(ctx, req)
	}
	if err != nil {
		return c.storeFailed(err)
	}
	if resp.Evicted > 0 {
		note(fmt.Errorf("%w: %d evicted", ErrStoreFull, resp.Evicted))
	}
	o := Outcome{Result: resp.Result, Err: finding}
	switch resp.Result {
	case Trapped:
		o.why = whyTrapped
		if trap > 0 {
			o.why = whyTrapHit
		}
		o.RetryAfter = resp.Until.Sub(now)
	case Allowlisted:
		o.why, o.List, o.Match = whyAllowlisted, ListAuto, string(matched)
	case Greylisted:
		o.First = resp.First
		o.RetryAfter = resp.Until.Sub(now)
		o.why = whyEarly
		if resp.New {
			o.why = whyNew
		}
	case Pass:
		o.First = resp.First
		o.why = whyKnown
		if resp.Passed {
			o.why = whyRetried
			o.Waited = now.Sub(resp.First)
		}
	default:
		err := fmt.Errorf("%w: store returned result %q", ErrStore, resp.Result)
		return c.storeFailed(err)
	}
	if c.Trace != nil {
		// Guarded: the arguments would be boxed even for a nil hook.
		c.Trace("greylist: %s %s %q: %v", ip, buf[:clientEnd], triplet, o)
	}
	return o, nil
}

func (c *Checker) storeFailed(err error) (Outcome, error) {
	if !errors.Is(err, ErrStore) {
		err = fmt.Errorf("%w: %w", ErrStore, err)
	}
	c.trace("greylist: %v", err)
	if c.FailOpen {
		return Outcome{Result: Pass, Err: err, why: whyStore}, nil
	}
	return Outcome{Result: Greylisted, Err: err, why: whyStore}, err
}
