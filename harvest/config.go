package harvest

import (
	"time"

	"golang.org/x/time/rate"
)

// Defaults. doc.go says where each comes from.
const (
	DefaultIPv4Prefix              = 32
	DefaultIPv6Prefix              = 64
	DefaultWindow                  = time.Hour
	DefaultDHAUnknown              = 20
	DefaultDHARatio                = 0.5
	DefaultBlock                   = 3 * time.Hour
	DefaultMaxBlock                = 24 * time.Hour
	DefaultMaxErrors               = 20
	DefaultMaxConcurrent           = 50
	DefaultMaxRecipientsPerMessage = 1000
	DefaultMaxClients              = 100_000
)

// Rate is a token-bucket rate: N events per Per, with a bucket of N
// tokens (a burst of N). The zero Rate means no limit. It is written
// "N/Per" ("50/5m", "10/1s", "500/1h", as Haraka and rspamd write rates);
// see ParseRate.
type Rate struct {
	N   int
	Per time.Duration
}

// IsZero reports whether r sets no limit.
func (r Rate) IsZero() bool { return r.N <= 0 || r.Per <= 0 }

// Limit returns r as a golang.org/x/time/rate limit (events per second)
// and burst.
func (r Rate) Limit() (rate.Limit, int) {
	if r.IsZero() {
		return rate.Inf, 0
	}
	return rate.Limit(float64(r.N) / r.Per.Seconds()), r.N
}

// Config is the policy of a Checker. Its zero value is the default
// policy: every zero field means its documented default. Fields whose
// default is "no limit" take a negative value (or the zero Rate) for
// that, and those whose default is a limit take a negative value to turn
// it off.
type Config struct {
	// IPv4Prefix is the length of the network IPv4 clients are counted
	// by: 32 counts each address, 24 each /24. If zero, 32.
	IPv4Prefix int
	// IPv6Prefix is the length of the network IPv6 clients are counted
	// by. If zero, 64 (one end site, one customer).
	IPv6Prefix int

	// Window is the span of the sliding window the counts cover. If zero,
	// one hour.
	Window time.Duration

	// DHAUnknown is the number of unknown recipients within Window from
	// which a client is judged a harvester (if DHARatio is also met). If
	// zero, 20; negative turns the harvest verdict off.
	DHAUnknown int
	// DHARatio is the share of unknown recipients among all recipients
	// within Window from which a client is judged a harvester (if
	// DHAUnknown is also met). If zero, 0.5.
	DHARatio float64
	// Block is how long a harvester is blocked the first time. Each
	// further offence doubles it, up to MaxBlock. If zero, three hours.
	Block time.Duration
	// MaxBlock caps the escalated block, and is also how long after its
	// last block ended a client's offences are remembered. If zero, 24
	// hours.
	MaxBlock time.Duration

	// MaxErrors is the number of protocol errors (Checker.Error) within
	// Window at which an error is answered with a 421 that closes the
	// connection (Postfix smtpd_hard_error_limit). If zero, 20; negative
	// means no limit.
	MaxErrors int

	// MaxConcurrent is the number of concurrent connections a client may
	// hold. If zero, 50; negative means no limit.
	MaxConcurrent int
	// ConnectionRate limits new connections per client. The zero Rate
	// means no limit (the default).
	ConnectionRate Rate
	// MessageRate limits messages (MAIL FROM) per client. The zero Rate
	// means no limit (the default).
	MessageRate Rate
	// RecipientRate limits recipients (RCPT TO) per client. The zero Rate
	// means no limit (the default).
	RecipientRate Rate
	// MaxRecipientsPerMessage is the number of recipients one transaction
	// may have. If zero, 1000; negative means no limit.
	MaxRecipientsPerMessage int

	// MaxClients is the number of clients (addresses or networks) kept in
	// memory; past it the least recently seen are forgotten. If zero,
	// 100 000.
	MaxClients int

	// Tarpit is the delay schedule suggested in Outcome.Tarpit for
	// clients with unknown recipients or errors. The zero Tarpit is
	// Postfix's schedule (see Tarpit).
	Tarpit Tarpit

	// FailOpen, if true, makes a Store failure fall back to this node's
	// own counts (the result carries ErrStore in Err). If false, the
	// default, a Store failure delays the event with a 451 4.3.0, as
	// Postfix does when its policy service does not answer.
	FailOpen bool
}

// policy is a Config with the defaults applied, in the forms the hot
// path uses.
type policy struct {
	v4bits, v6bits int
	window         int64   // ns
	invWindow      float64 // 1/window
	dhaUnknown     int64   // <0 off
	dhaRatio       float64
	block, maxBlk  int64 // ns
	maxErrors      int64 // <0 off
	maxConc        int32 // <0 off
	maxRcptMsg     int   // <0 off
	maxClients     int
	rates          [numDims]Rate
	limits         [numDims]rate.Limit
	tarpit         schedule
	failOpen       bool
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func (c Config) policy() policy {
	p := policy{
		v4bits:     orInt(c.IPv4Prefix, DefaultIPv4Prefix),
		v6bits:     orInt(c.IPv6Prefix, DefaultIPv6Prefix),
		window:     int64(orDur(c.Window, DefaultWindow)),
		dhaUnknown: int64(orInt(c.DHAUnknown, DefaultDHAUnknown)),
		dhaRatio:   c.DHARatio,
		block:      int64(orDur(c.Block, DefaultBlock)),
		maxBlk:     int64(orDur(c.MaxBlock, DefaultMaxBlock)),
		maxErrors:  int64(orInt(c.MaxErrors, DefaultMaxErrors)),
		maxConc:    int32(orInt(c.MaxConcurrent, DefaultMaxConcurrent)),
		maxRcptMsg: orInt(c.MaxRecipientsPerMessage, DefaultMaxRecipientsPerMessage),
		maxClients: orInt(c.MaxClients, DefaultMaxClients),
		tarpit:     c.Tarpit.schedule(),
		failOpen:   c.FailOpen,
	}
	p.invWindow = 1 / float64(p.window)
	p.v4bits = clamp(p.v4bits, 0, 32)
	p.v6bits = clamp(p.v6bits, 0, 128)
	if p.dhaRatio <= 0 {
		p.dhaRatio = DefaultDHARatio
	}
	if p.maxBlk < p.block {
		p.maxBlk = p.block
	}
	if p.maxClients < 1 {
		p.maxClients = DefaultMaxClients
	}
	p.rates[dimConn] = c.ConnectionRate
	p.rates[dimMsg] = c.MessageRate
	p.rates[dimRcpt] = c.RecipientRate
	for d, r := range p.rates {
		p.limits[d], _ = r.Limit()
	}
	return p
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// Token-bucket dimensions.
const (
	dimConn = iota
	dimMsg
	dimRcpt
	numDims
)
