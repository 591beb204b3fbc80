package session

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/spf"
)

// TestGreylistKeyStable: the greylist key of a recipient is a function of
// the session's facts, not of how fast SPF answered: a retry after the
// delay passes whether the first attempt's SPF was slow (cold lookups)
// and the retry's fast (cached), or the other way round, also when one
// of them was slower than RcptTimeout, also when the caller's ctx for
// Rcpt is no longer than RcptTimeout (examples/smtpd's stage ctx): the
// wait for SPF then ends a reserve before that deadline, so the greylist
// store is not asked on an ended ctx (a store failure, 451 4.3.0, for
// every retry while the sender's DNS stalls).
func TestGreylistKeyStable(t *testing.T) {
	t.Parallel()
	const slow = 2 * time.Second
	for _, tc := range []struct {
		name        string
		rcptTimeout time.Duration
		delay       [2]time.Duration // the SPF TXT lookup's delay, first and second attempt
		callerCtx   time.Duration    // the caller's ctx for Rcpt, if not 0
	}{
		{"slow then fast", 0, [2]time.Duration{300 * time.Millisecond, 0}, 0},
		{"slower than RcptTimeout then fast", 200 * time.Millisecond, [2]time.Duration{slow, 0}, 0},
		{"fast then slower than RcptTimeout", 200 * time.Millisecond, [2]time.Duration{0, slow}, 0},
		{"slower than the caller's ctx twice", time.Second, [2]time.Duration{slow, slow}, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testServer(t)
			r := srv.Resolver()
			r.Timeout, r.Attempts = 5*time.Second, 1
			var mu sync.Mutex
			now := testNow
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			e := &Engine{
				SPF:         &spf.Checker{Resolver: r, Now: clock},
				Greylist:    &greylist.Checker{Store: &greylist.MemoryStore{}, Delay: time.Minute, Now: clock},
				RcptTimeout: tc.rcptTimeout,
			}
			ctx := context.Background()
			attempt := func(i int) Reply {
				srv.Delay("example.com", resolvertest.TypeTXT, tc.delay[i])
				s := e.NewSession(ctx)
				defer s.Close()
				s.Connect(ctx, goodIP, "")
				s.Helo(ctx, "mail.example.com")
				s.Mail(ctx, "alice@example.com")
				if tc.delay[i] == 0 {
					<-s.spfT.done // a fast SPF: done before RCPT
				}
				rctx := ctx
				if tc.callerCtx > 0 {
					var cancel context.CancelFunc
					rctx, cancel = context.WithTimeout(ctx, tc.callerCtx)
					defer cancel()
				}
				return s.Rcpt(rctx, "bob@example.org")
			}
			if r := attempt(0); r.Action != Tempfail || r.Code != 451 {
				t.Fatalf("first attempt: Rcpt = %s, want 451 4.7.1", r)
			} else if r.Enhanced != "4.7.1" {
				t.Fatalf("first attempt: Rcpt = %s (%s), want greylisting's 4.7.1", r, r.Enhanced)
			}
			mu.Lock()
			now = now.Add(2 * time.Minute)
			mu.Unlock()
			if r := attempt(1); r.Action != Continue {
				t.Fatalf("retry after the delay: Rcpt = %s, want continue", r)
			}
		})
	}
}

// TestWaitWithin: the wait before a store call ends at the stage's own
// time or, when the caller's deadline comes first, a reserve before it
// (a quarter of the time left, at most maxStoreReserve); without a
// caller's deadline it is within's.
func TestWaitWithin(t *testing.T) {
	bg := context.Background()
	for _, tc := range []struct {
		name     string
		caller   time.Duration // 0: no deadline
		d        time.Duration
		min, max time.Duration // of the wait's deadline, from now
	}{
		{"no caller deadline", 0, time.Second, 500 * time.Millisecond, time.Second},
		{"no caller deadline, no stage bound", 0, -1, -1, -1},
		{"stage first", time.Hour, time.Second, 500 * time.Millisecond, time.Second},
		{"caller first: a quarter kept", 400 * time.Millisecond, time.Hour, 150 * time.Millisecond, 300 * time.Millisecond},
		{"caller first: the reserve capped", time.Minute, time.Hour, time.Minute - maxStoreReserve - 500*time.Millisecond, time.Minute - maxStoreReserve},
		{"caller first, no stage bound", 400 * time.Millisecond, -1, 150 * time.Millisecond, 300 * time.Millisecond},
		{"zero stage bound: the default (10 s)", 0, 0, DefaultRcptTimeout - 500*time.Millisecond, DefaultRcptTimeout},
		{"caller first, zero stage bound", 2 * time.Second, 0, 1250 * time.Millisecond, 1500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := bg
			if tc.caller > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(bg, tc.caller)
				defer cancel()
			}
			wctx, cancel := waitWithin(ctx, tc.d, DefaultRcptTimeout)
			defer cancel()
			dl, ok := wctx.Deadline()
			if tc.min < 0 {
				if ok {
					t.Errorf("deadline %v, want none", time.Until(dl))
				}
				return
			}
			if left := time.Until(dl); !ok || left < tc.min || left > tc.max {
				t.Errorf("deadline in %v (set %v), want %v..%v", left, ok, tc.min, tc.max)
			}
			if tc.caller > 0 {
				if cdl, _ := ctx.Deadline(); !dl.Before(cdl) {
					t.Errorf("wait ends %v, not before the caller's deadline %v", dl, cdl)
				}
			}
		})
	}
	// A caller's ctx already past its deadline: the wait has ended too
	// (the reserve, a quarter of a negative time left, must not move
	// the deadline past the caller's).
	ctx, cancel := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel()
	for _, d := range []time.Duration{0, -1, time.Hour} {
		wctx, cancel := waitWithin(ctx, d, DefaultRcptTimeout)
		if wctx.Err() == nil {
			t.Errorf("waitWithin(ended ctx, %v) has not ended", d)
		}
		cancel()
	}
}
