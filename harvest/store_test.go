package harvest

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"
)

// Two nodes sharing a MemoryStore: a harvester alternating between them
// is judged on the sum, and the block set by one holds on the other.
func TestSharedStore(t *testing.T) {
	clk := newClock()
	store := &MemoryStore{}
	a := &Checker{Store: store, Now: clk.Now}
	b := &Checker{Store: store, Now: clk.Now}
	ip := netip.MustParseAddr("203.0.113.50")
	var o Outcome
	for i := 1; i <= DefaultDHAUnknown; i++ {
		node := a
		if i%2 == 0 {
			node = b
		}
		clk.Add(time.Second)
		o = mustRcpt(t, node, ip, Unknown, 1)
		if i < DefaultDHAUnknown && o.Result != Allow {
			t.Fatalf("probe %d: %v, want allow", i, o)
		}
	}
	if !errors.Is(o.Err, ErrHarvest) {
		t.Fatalf("probe %d (on b): %v, want the harvest verdict from the shared counts", DefaultDHAUnknown, o)
	}
	// Node a never saw more than half the probes, but sees the block.
	if o := mustRcpt(t, a, ip, Known, 1); !errors.Is(o.Err, ErrBlocked) || o.Offences != 1 {
		t.Errorf("on a after b's verdict: %v, want blocked", o)
	}
	// A node alone would not have judged it.
	alone := &Checker{Now: clk.Now}
	for i := 0; i < DefaultDHAUnknown/2; i++ {
		if o := mustRcpt(t, alone, ip, Unknown, 1); o.Result != Allow {
			t.Fatalf("alone, probe %d: %v", i, o)
		}
	}
	// The block ends for both; the offence is remembered: the next
	// verdict doubles it.
	clk.Add(DefaultBlock + time.Second)
	for i := 1; ; i++ {
		clk.Add(time.Second)
		o = mustRcpt(t, b, ip, Unknown, 1)
		if o.Result != Allow {
			break
		}
		if i > 100 {
			t.Fatal("no second verdict")
		}
	}
	if !errors.Is(o.Err, ErrHarvest) || o.Offences != 2 || o.Until.Sub(clk.Now()) != 2*DefaultBlock {
		t.Errorf("second verdict: %v, want offence 2 blocked %v", o, 2*DefaultBlock)
	}
}

type failingStore struct{}

var errDown = errors.New("connection refused")

func (failingStore) Add(context.Context, netip.Prefix, Counts, time.Time, time.Duration) (Stats, error) {
	return Stats{}, errDown
}

func (failingStore) SetBlock(context.Context, netip.Prefix, Block, time.Duration) error {
	return errDown
}

func TestStoreFailure(t *testing.T) {
	ip := netip.MustParseAddr("203.0.113.51")
	c := &Checker{Store: failingStore{}}
	o := mustRcpt(t, c, ip, Known, 1)
	if o.Result != Delay || !errors.Is(o.Err, ErrStore) || !errors.Is(o.Err, errDown) || o.Reply().Code != 451 {
		t.Errorf("fail closed: %v (%v), want delay 451 with the cause", o, o.Reply())
	}
	if o.Reason() != "service temporarily unavailable" {
		t.Errorf("Reason = %q", o.Reason())
	}
	// Fail open: this node's own counts decide.
	c = &Checker{Store: failingStore{}, Config: Config{FailOpen: true}}
	for i := 1; i < DefaultDHAUnknown; i++ {
		o = mustRcpt(t, c, ip, Unknown, 1)
		if o.Result != Allow || !errors.Is(o.Err, ErrStore) || o.Reply().Code != 0 {
			t.Fatalf("fail open, probe %d: %v, want allow noting the store failure", i, o)
		}
	}
	o = mustRcpt(t, c, ip, Unknown, 1)
	if !errors.Is(o.Err, ErrHarvest) {
		t.Errorf("fail open, probe %d: %v, want the local harvest verdict", DefaultDHAUnknown, o)
	}
	if o := mustRcpt(t, c, ip, Known, 1); !errors.Is(o.Err, ErrBlocked) {
		t.Errorf("fail open, after the verdict: %v, want blocked locally", o)
	}
}

// stuckStore never answers until its context ends.
type stuckStore struct{}

func (stuckStore) Add(ctx context.Context, _ netip.Prefix, _ Counts, _ time.Time, _ time.Duration) (Stats, error) {
	<-ctx.Done()
	return Stats{}, ctx.Err()
}

func (stuckStore) SetBlock(ctx context.Context, _ netip.Prefix, _ Block, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

// Timeout bounds a Store call that does not answer.
func TestStoreTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ip := netip.MustParseAddr("203.0.113.52")
		for _, tc := range []struct {
			timeout, want time.Duration
		}{{0, DefaultTimeout}, {time.Second, time.Second}} {
			c := &Checker{Store: stuckStore{}, Timeout: tc.timeout}
			start := time.Now()
			o, err := c.Rcpt(context.Background(), ip, Known, 1)
			if err != nil || o.Result != Delay || !errors.Is(o.Err, ErrStore) || !errors.Is(o.Err, context.DeadlineExceeded) {
				t.Errorf("Timeout %v: %v, %v; want a delay for a store timeout", tc.timeout, o, err)
			}
			if got := time.Since(start); got != tc.want {
				t.Errorf("Timeout %v: the check took %v, want %v", tc.timeout, got, tc.want)
			}
		}
		// Negative: ctx alone bounds it.
		c := &Checker{Store: stuckStore{}, Timeout: -1}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		c.Rcpt(ctx, ip, Known, 1)
		if got := time.Since(start); got != time.Minute {
			t.Errorf("Timeout -1: the check took %v, want ctx's minute", got)
		}
	})
}

// TestStoreContextEnded: a Store is told of a client's events under the
// caller's ctx. With one that never looks at ctx (MemoryStore), an
// ended ctx gave the verdict of a store that answered, while a Store
// that honours ctx (Redis) fails and gives a Delay: the same client
// judged two ways by the store's kind. An ended ctx is now a store
// failure with any Store, as in greylist: Delay (451) with ErrStore and
// ctx's error, or under FailOpen this node's own verdict noting it.
func TestStoreContextEnded(t *testing.T) {
	ip := netip.MustParseAddr("203.0.113.53")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &Checker{Store: &MemoryStore{}}
	o, err := c.Rcpt(ctx, ip, Known, 1)
	if err != nil || o.Result != Delay || !errors.Is(o.Err, ErrStore) || !errors.Is(o.Err, context.Canceled) || o.Reply().Code != 451 {
		t.Errorf("ended ctx: %v (%v), %v; want delay 451 with ErrStore and context.Canceled", o, o.Err, err)
	}
	// Nothing was recorded in the Store for the check that did not run.
	if st, _ := c.Store.Add(context.Background(), netip.PrefixFrom(ip, 32), Counts{}, time.Now(), time.Minute); st.Current != (Counts{}) {
		t.Errorf("the Store counted %+v for a check whose ctx had ended", st.Current)
	}
	c = &Checker{Store: &MemoryStore{}, Config: Config{FailOpen: true}}
	o, err = c.Rcpt(ctx, ip, Known, 1)
	if err != nil || o.Result != Allow || !errors.Is(o.Err, ErrStore) || !errors.Is(o.Err, context.Canceled) {
		t.Errorf("ended ctx, fail open: %v (%v), %v; want allow noting the store failure", o, o.Err, err)
	}
}
