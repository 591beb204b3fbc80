package harvest

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// Checker counts what each SMTP client does and judges it: directory
// harvesting, rate limits, concurrent connections, protocol errors. The
// caller reports each event (Connect, Mail, Rcpt, Error, Disconnect) as
// it happens and acts on the Outcome.
//
// The zero Checker is ready to use with the default policy. Set its
// fields before its first use; later changes are not seen. It is safe
// for concurrent use by multiple goroutines: clients are spread over
// shards, each with its own lock, and no lock is held across a Store
// call.
type Checker struct {
	// Config is the policy; its zero value is the default policy. Its
	// fields are promoted: hc.DHAUnknown, hc.FailOpen.
	Config
	// Store, if set, holds the counts and blocks shared with other
	// nodes; the counts kept here then serve the token buckets, the
	// connection caps and, with FailOpen, the fallback when the Store
	// fails.
	Store Store
	// Timeout bounds each Store call (the Store fails with
	// context.DeadlineExceeded past it). If zero, DefaultTimeout;
	// negative means ctx's deadline alone.
	Timeout time.Duration
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
	// Trace, if set, is told of each verdict other than a plain allow.
	Trace func(format string, args ...any)

	once sync.Once
	t    table
}

func (c *Checker) init() {
	c.once.Do(func() { c.t.init(c.Config.policy()) })
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// DefaultTimeout bounds a Store call when Checker.Timeout is zero: 5 s,
// as greylist's, well within the minutes an SMTP client waits for a reply
// (RFC 5321 §4.5.3.2).
const DefaultTimeout = 5 * time.Second

// RcptStatus is what the caller's recipient lookup found.
type RcptStatus uint8

const (
	// Known: the mailbox exists.
	Known RcptStatus = iota
	// Unknown: no such mailbox (the answer would be 550 5.1.1).
	Unknown
)

// String returns "known" or "unknown".
func (s RcptStatus) String() string {
	if s == Unknown {
		return "unknown"
	}
	return "known"
}

type event uint8

const (
	evConnect event = iota
	evMail
	evRcpt
	evError
)

// Client returns the network ip is counted as (ip itself with the /32
// and /128 defaults).
func (c *Checker) Client(ip netip.Addr) netip.Prefix {
	c.init()
	return c.prefix(ip)
}

func (c *Checker) prefix(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap().WithZone("")
	bits := c.t.p.v6bits
	if ip.Is4() {
		bits = c.t.p.v4bits
	}
	p, _ := ip.Prefix(bits)
	return p
}

// Connect records a new connection from ip and judges it: a blocked
// client, too many concurrent connections, a connection rate exceeded.
// Every Connect must be paired with one Disconnect when the connection
// ends, whatever the result (defer it).
//
// The error is non-nil only when ip is not valid (ErrInvalidIP).
func (c *Checker) Connect(ctx context.Context, ip netip.Addr) (Outcome, error) {
	return c.record(ctx, ip, evConnect, Known, 0)
}

// Disconnect records the end of a connection from ip.
func (c *Checker) Disconnect(ip netip.Addr) {
	if !ip.IsValid() {
		return
	}
	c.init()
	k := keyOf(c.prefix(ip))
	h := c.t.hash(k)
	s := c.t.shard(h)
	s.mu.Lock()
	if i := s.find(k, h); i >= 0 && s.e[i].conns > 0 {
		s.e[i].conns--
	}
	s.mu.Unlock()
}

// Mail records a message (a MAIL FROM command) from ip and judges it: a
// blocked client, a message rate exceeded.
func (c *Checker) Mail(ctx context.Context, ip netip.Addr) (Outcome, error) {
	return c.record(ctx, ip, evMail, Known, 0)
}

// Rcpt records a recipient (a RCPT TO command) from ip whose mailbox
// lookup found st, the n-th recipient of its transaction (1 for the
// first; n <= 0 skips the per-message limit), and judges it: the harvest
// verdict, a blocked client, too many recipients in the message, a
// recipient rate exceeded.
//
// Call it before telling the client what the lookup found: once a client
// is judged a harvester, every RCPT, known or unknown, gets the same
// Reject, so the probe learns nothing more.
func (c *Checker) Rcpt(ctx context.Context, ip netip.Addr, st RcptStatus, n int) (Outcome, error) {
	return c.record(ctx, ip, evRcpt, st, n)
}

// Error records a protocol error by ip (an unknown command, a syntax
// error, a command out of sequence: what Postfix counts toward
// smtpd_hard_error_limit) and judges it: too many errors.
func (c *Checker) Error(ctx context.Context, ip netip.Addr) (Outcome, error) {
	return c.record(ctx, ip, evError, Known, 0)
}

func (c *Checker) record(ctx context.Context, ip netip.Addr, ev event, st RcptStatus, n int) (Outcome, error) {
	if !ip.IsValid() {
		return Outcome{Result: Reject, Err: ErrInvalidIP, connect: ev == evConnect}, ErrInvalidIP
	}
	c.init()
	p := &c.t.p
	now := c.now()
	ns := now.UnixNano()
	pfx := c.prefix(ip)
	k := keyOf(pfx)
	o := Outcome{Result: Allow, Client: pfx, connect: ev == evConnect}
	var d Counts
	switch ev {
	case evConnect:
		d.Connections = 1
	case evMail:
		d.Messages = 1
	case evRcpt:
		d.Recipients = 1
		if st == Unknown {
			d.Unknown = 1
		}
	case evError:
		d.Errors = 1
	}

	h := c.t.hash(k)
	s := c.t.shard(h)
	s.mu.Lock()
	i := s.get(k, h, ns, &c.t)
	e := &s.e[i]
	e.roll(ns, p.window)
	if ev == evConnect {
		e.conns++
	}
	if e.until > ns {
		o.Result, o.Err = Reject, ErrBlocked
		o.Until, o.Offences = time.Unix(0, e.until), int(e.offences)
		o.Window = estimateOf(e.cur, e.prev, e.win, ns, p.invWindow).counts()
		s.mu.Unlock()
		c.trace(&o)
		return o, nil
	}
	switch ev { // e.cur.add(d), one field at a time
	case evConnect:
		inc(&e.cur.Connections)
	case evMail:
		inc(&e.cur.Messages)
	case evRcpt:
		inc(&e.cur.Recipients)
		if st == Unknown {
			inc(&e.cur.Unknown)
		}
	case evError:
		inc(&e.cur.Errors)
	}
	// Node-local limits: connection caps and token buckets.
	switch ev {
	case evConnect:
		if p.maxConc >= 0 && e.conns > p.maxConc {
			o.Result, o.Err = Reject, ErrConcurrency
		} else {
			s.take(i, dimConn, now, p, &o, ErrConnectionRate)
		}
	case evMail:
		s.take(i, dimMsg, now, p, &o, ErrMessageRate)
	case evRcpt:
		if p.maxRcptMsg >= 0 && n > p.maxRcptMsg {
			o.Result, o.Err = Reject, ErrTooManyRecipients
		} else {
			s.take(i, dimRcpt, now, p, &o, ErrRecipientRate)
		}
	}
	if c.Store == nil {
		x := estimateOf(e.cur, e.prev, e.win, ns, p.invWindow)
		if e.until != 0 {
			o.Until, o.Offences = time.Unix(0, e.until), int(e.offences)
		}
		c.judge(&o, ev, st == Unknown, x, now)
		if o.Err == ErrHarvest {
			e.offences = int32(o.Offences)
			e.until = o.Until.UnixNano()
		}
		s.mu.Unlock()
		c.trace(&o)
		return o, nil
	}
	local := estimateOf(e.cur, e.prev, e.win, ns, p.invWindow)
	prior := Block{Offences: int(e.offences)}
	if e.until != 0 {
		prior.Until = time.Unix(0, e.until)
	}
	s.mu.Unlock()
	c.shared(ctx, &o, ev, d, local, prior, now)
	c.trace(&o)
	return o, nil
}

// inc adds one to a count, saturating.
func inc(n *uint32) {
	if *n != ^uint32(0) {
		*n++
	}
}

// take takes a token from entry i's bucket for dimension dim, or makes o
// a Delay for how long until one is there.
func (s *shard) take(i int32, dim int, now time.Time, p *policy, o *Outcome, cause error) {
	if p.rates[dim].IsZero() {
		return
	}
	if ok, wait := take(&s.rl, &s.lim[dim][i], now, p.limits[dim], p.rates[dim].N); !ok {
		o.Result, o.Err, o.Wait = Delay, cause, wait
	}
}

// judge applies the count-based verdicts (harvest, errors) and the
// tarpit to o, given the client's sliding-window estimate x. A harvest
// verdict sets o.Until and o.Offences from o's prior block. It is
// reached only on an unknown recipient (probe): a known one adds no
// evidence, and after a block shorter than the window the old evidence
// must not judge (and escalate) a client that has not probed again.
func (c *Checker) judge(o *Outcome, ev event, probe bool, x estimate, now time.Time) {
	p := &c.t.p
	o.Window = x.counts()
	switch {
	case ev == evRcpt && probe && p.dhaUnknown >= 0 && x.unknown >= float64(p.dhaUnknown) &&
		x.unknown/x.rcpt >= p.dhaRatio: // the division is exact at equality (7/25 is 0.28; 0.28*25 is not 7)
		o.Result, o.Err, o.Wait = Reject, ErrHarvest, 0
		// A repeat offence escalates while the last block ended less
		// than MaxBlock ago.
		off := 1
		if !o.Until.IsZero() && now.Sub(o.Until) <= time.Duration(p.maxBlk) {
			off = o.Offences + 1
		}
		o.Offences = off
		o.Until = now.Add(blockFor(p, off))
		return
	case ev == evError && p.maxErrors >= 0 && x.errs >= float64(p.maxErrors):
		o.Result, o.Err, o.Wait = Reject, ErrTooManyErrors, 0
	}
	o.Until, o.Offences = time.Time{}, 0
	if o.Result == Allow {
		o.Tarpit = p.tarpit.delay(int(x.unknown + x.errs))
	}
}

// blockFor returns the block of the off-th offence: Block doubled for
// each earlier offence, at most MaxBlock.
func blockFor(p *policy, off int) time.Duration {
	d := time.Duration(p.block)
	for i := 1; i < off && d < time.Duration(p.maxBlk); i++ {
		d *= 2
	}
	return min(d, time.Duration(p.maxBlk))
}

// shared finishes o with the Store's counts and block (no shard lock is
// held). local are this node's counts and prior its block, used when the
// Store fails and FailOpen is set.
func (c *Checker) shared(ctx context.Context, o *Outcome, ev event, d Counts, local estimate, prior Block, now time.Time) {
	p := &c.t.p
	w := time.Duration(p.window)
	if t := c.Timeout; t >= 0 {
		if t == 0 {
			t = DefaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	// A ctx that has ended is a store failure with any Store, one that
	// ignores ctx (MemoryStore) included, so that the verdict does not
	// depend on the kind of store.
	err := ctx.Err()
	var st Stats
	if err == nil {
		st, err = c.Store.Add(ctx, o.Client, d, now, w)
	}
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrStore, err)
		if !p.failOpen {
			o.Result, o.Err, o.Wait = Delay, err, 0
			o.Window = local.counts()
			return
		}
		o.Until, o.Offences = prior.Until, prior.Offences
		c.judge(o, ev, d.Unknown > 0, local, now)
		if o.Err == nil {
			o.Err = err
		}
		if o.Err == ErrHarvest {
			c.cacheBlock(o)
		}
		return
	}
	x := estimateOf(st.Current, st.Previous, st.WindowStart.UnixNano(), now.UnixNano(), p.invWindow)
	if st.Block.Until.After(now) {
		o.Result, o.Err, o.Wait = Reject, ErrBlocked, 0
		o.Until, o.Offences = st.Block.Until, st.Block.Offences
		o.Window = x.counts()
		c.cacheBlock(o)
		return
	}
	o.Until, o.Offences = st.Block.Until, st.Block.Offences
	c.judge(o, ev, d.Unknown > 0, x, now)
	if o.Err == ErrHarvest {
		c.cacheBlock(o)
		keep := o.Until.Sub(now) + time.Duration(p.maxBlk)
		if err := c.Store.SetBlock(ctx, o.Client, Block{Until: o.Until, Offences: o.Offences}, keep); err != nil {
			// The verdict stands on this node; the others will
			// reach it from the shared counts.
			o.Err = fmt.Errorf("%w (%w: %w)", ErrHarvest, ErrStore, err)
		}
	}
}

// cacheBlock records o's block in this node's table, so that the
// client's next events are refused without asking the Store.
func (c *Checker) cacheBlock(o *Outcome) {
	k := keyOf(o.Client)
	h := c.t.hash(k)
	s := c.t.shard(h)
	s.mu.Lock()
	if i := s.find(k, h); i >= 0 {
		s.e[i].until = o.Until.UnixNano()
		s.e[i].offences = int32(o.Offences)
	}
	s.mu.Unlock()
}

func (c *Checker) trace(o *Outcome) {
	if c.Trace != nil && (o.Result != Allow || o.Err != nil) {
		c.Trace("harvest: %v", *o)
	}
}

// Clients returns the number of clients the Checker holds (at most
// Config.MaxClients).
func (c *Checker) Clients() int {
	c.init()
	return c.t.clients()
}
