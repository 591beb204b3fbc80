package greylist

import (
	"context"
	"time"
)

// Store keeps the greylisting state: triplets (or body keys) and
// clients. Record must be atomic: two checks of the same client and
// triplet, from one process or from several MX hosts sharing the store,
// see one history, as if they had run one after the other. The
// implementations in this module are MemoryStore (the default),
// greylist/boltstore (a durable file) and greylist/redisstore (shared by
// several MX hosts).
//
// A store that keeps its state in Go can run Request.Apply on its two
// records under its own lock or transaction; that is what MemoryStore
// and boltstore do, and what redisstore's Lua script does in Redis. The
// behavioural suite in greylist/greylisttest checks a store against it.
type Store interface {
	// Record applies one check to the stored state and returns its
	// verdict. The byte slices of req are valid only until Record
	// returns: a store must copy what it keeps. An error means the check
	// could not be recorded (the Checker wraps it with ErrStore).
	Record(ctx context.Context, req Request) (Response, error)
}

// Request is one check for a Store: the keys it touches, the time, and
// the policy to apply.
type Request struct {
	// Client is the client key: the client network ("192.0.2.0/24",
	// "2001:db8:1:2::/64", "192.0.2.7/32") or "spf:" and an SPF-validated
	// domain. It holds no space, "{" or "}".
	Client []byte
	// Triplet is the rest of the triplet key: the normalized sender, a
	// space and the recipient; or the sender, a space and "body:" and the
	// hex body digest. Nil for a client-only request: only the client's
	// trap and automatic allowlist state is checked (and a trap set), no
	// triplet; the Response is then Trapped, Allowlisted, or has an empty
	// Result.
	Triplet []byte
	// Now is the time of the check. Stores compare times at millisecond
	// precision (TripletRecord and ClientRecord hold Unix milliseconds).
	Now time.Time
	// Delay, RetryWindow and MaxAge are the Checker's, with defaults
	// applied.
	Delay, RetryWindow, MaxAge time.Duration
	// AutoAllowAfter is the number of passed triplets after which the
	// client is allowlisted; zero disables the automatic allowlist.
	AutoAllowAfter int
	// Trap, if positive, reports that the recipient is a greytrap: the
	// client is trapped until Now+Trap (unless it is auto-allowlisted).
	Trap time.Duration
}

// Response is what a Store decided for a Request.
type Response struct {
	// Result is Pass, Greylisted, Allowlisted (the automatic allowlist)
	// or Trapped; empty for a client-only request that found the client
	// neither trapped nor allowlisted.
	Result Result
	// First is the triplet's first sight (Pass, Greylisted).
	First time.Time
	// Until is, for Greylisted, the earliest time a retry passes; for
	// Trapped, the end of the trap.
	Until time.Time
	// New reports that this check created the triplet, or started it
	// again (RetryWindow over, clock set back).
	New bool
	// Passed reports that this check is the retry that ended the
	// triplet's greylisting.
	Passed bool
	// Count is the client's number of passed triplets (counted at most
	// once per AutoAllowInterval).
	Count int
	// Evicted is the number of entries the store evicted to make room for
	// this one (MemoryStore at MaxEntries).
	Evicted int
}

// AutoAllowInterval is the least time between two passed triplets that
// count towards Checker.AutoAllowAfter for one client, and between two
// refreshes of an allowlisted client's or a passed triplet's age, as in
// postgrey: a client earns its place by passing greylisting over
// several hours, not by a burst, and a busy triplet costs a store write
// once an hour, not on every mail.
const AutoAllowInterval = time.Hour

// ClockSkew is how far in the future a stored time may be and still be
// taken as it is: the clocks of MX hosts sharing a store, and the order
// in which racing checks reach it, differ by that much. A first sight
// dated further ahead (a clock set back) is restarted at the check's
// time, as postgrey does; one dated less far ahead stands, so that a
// check a little behind another still sees the triplet that one created.
const ClockSkew = time.Minute

// TripletRecord is the stored state of one triplet (or body key). Times
// are Unix milliseconds; the zero record is an absent one.
type TripletRecord struct {
	// First is the first sight of the current greylisting attempt.
	First int64
	// Last is the last sight that refreshed the record (for a passed
	// triplet, at most AutoAllowInterval old).
	Last int64
	// Expires is when the record may be deleted: First+RetryWindow before
	// the triplet passed, Last+MaxAge after. The record is expired at any
	// time after Expires.
	Expires int64
	// Passed reports that the triplet passed greylisting.
	Passed bool
}

// ClientRecord is the stored state of one client key. Times are Unix
// milliseconds; the zero record is an absent one.
type ClientRecord struct {
	// Count is the number of passed triplets counted for the automatic
	// allowlist.
	Count int64
	// Counted is the time Count was last increased.
	Counted int64
	// Seen is the last time the record's age was refreshed.
	Seen int64
	// TrappedUntil is the end of the client's trap, or zero.
	TrappedUntil int64
	// Expires is when the record may be deleted: the later of Seen+MaxAge
	// (while it counts) and TrappedUntil. The record is expired at any
	// time after Expires.
	Expires int64
}

// Apply runs the greylisting algorithm on a client's and a triplet's
// stored records, updates them in place, and reports the verdict and
// which records must be written back (a record never written stays
// absent). Expired records are treated as absent. Apply is the
// reference the stores implement; a Store that keeps Go records calls it
// inside its lock or transaction. t is ignored for a client-only request
// (nil Triplet) and may be nil then.
//
// In order: a trapped client is Trapped; an auto-allowlisted client is
// Allowlisted (its age refreshed once per AutoAllowInterval); a trap
// request traps the client; a client-only request stops there; an
// absent triplet, or one not passed within RetryWindow, starts (again)
// and is Greylisted; a retry before Delay is Greylisted (and not
// written); the first retry after Delay passes, counting towards the
// automatic allowlist at most once per AutoAllowInterval; a passed
// triplet passes, its age refreshed once per AutoAllowInterval. A record
// dated more than ClockSkew in the future (a clock set back) is
// restarted at Now.
func (r *Request) Apply(t *TripletRecord, c *ClientRecord) (resp Response, writeT, writeC bool) {
	now := r.Now.UnixMilli()
	delay, window, maxAge := r.Delay.Milliseconds(), r.RetryWindow.Milliseconds(), r.MaxAge.Milliseconds()
	hour, skew := AutoAllowInterval.Milliseconds(), ClockSkew.Milliseconds()
	if c.Expires != 0 && now > c.Expires {
		*c = ClientRecord{}
	}
	resp.Count = int(c.Count)
	if c.TrappedUntil > now {
		resp.Result, resp.Until = Trapped, time.UnixMilli(c.TrappedUntil)
		return resp, false, false
	}
	if r.AutoAllowAfter > 0 && c.Count >= int64(r.AutoAllowAfter) {
		if now-c.Seen >= hour || c.Seen > now+skew {
			c.Seen = now
			c.Expires = max(now+maxAge, c.TrappedUntil)
			writeC = true
		}
		resp.Result = Allowlisted
		return resp, false, writeC
	}
	if r.Trap > 0 {
		c.TrappedUntil = now + r.Trap.Milliseconds()
		c.Expires = max(c.Expires, c.TrappedUntil)
		resp.Result, resp.Until = Trapped, time.UnixMilli(c.TrappedUntil)
		return resp, false, true
	}
	if r.Triplet == nil {
		return resp, false, false
	}
	if t.Expires != 0 && now > t.Expires {
		*t = TripletRecord{}
	}
	if t.Expires == 0 || t.First > now+skew {
		*t = TripletRecord{First: now, Last: now, Expires: now + window}
		resp.Result, resp.First, resp.Until, resp.New = Greylisted, time.UnixMilli(now), time.UnixMilli(now+delay), true
		return resp, true, false
	}
	resp.First = time.UnixMilli(t.First)
	if t.Passed {
		if now-t.Last >= hour || t.Last > now+skew {
			t.Last, t.Expires = now, now+maxAge
			writeT = true
		}
		resp.Result = Pass
		return resp, writeT, false
	}
	if now-t.First < delay {
		resp.Result, resp.Until = Greylisted, time.UnixMilli(t.First+delay)
		return resp, false, false
	}
	t.Passed, t.Last, t.Expires = true, now, now+maxAge
	resp.Result, resp.Passed = Pass, true
	if r.AutoAllowAfter > 0 && (c.Count == 0 || now-c.Counted >= hour || c.Counted > now+skew) {
		c.Count++
		c.Counted, c.Seen = now, now
		c.Expires = max(now+maxAge, c.TrappedUntil)
		resp.Count = int(c.Count)
		writeC = true
	}
	return resp, true, writeC
}
