package greylist_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/internal/testenv"
)

// TestCheckContextEnded: with the default MemoryStore, which never
// looks at ctx, a check whose ctx had ended was decided and recorded as
// any other (a known triplet passed). It is now what the other stores
// give, a store failure: Greylisted with a 451 4.3.0 and ErrStore
// wrapping ctx's error (FailOpen: a Pass that says so in Err).
func TestCheckContextEnded(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now}
	check := checker(t, c)
	expect(t, "first", check("192.0.2.1", "a@x", "b@y"), greylist.Greylisted, "first attempt")
	clk.Add(10 * time.Minute)
	expect(t, "retry", check("192.0.2.1", "a@x", "b@y"), greylist.Pass, "retried after the delay")

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	o, err := c.Check(ended, ip("192.0.2.1"), "", "a@x", "b@y", "")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, greylist.ErrStore) || o.Result != greylist.Greylisted || o.Reply().Enhanced != "4.3.0" {
		t.Errorf("ended ctx: %v, %v; want greylisted 4.3.0, ErrStore and context.Canceled", o, err)
	}
	// Nothing recorded: a new triplet stays new.
	if _, err := c.Check(ended, ip("192.0.2.1"), "", "a@x", "new@y", ""); err == nil {
		t.Error("ended ctx, new triplet: no error")
	}
	expect(t, "new triplet after", check("192.0.2.1", "a@x", "new@y"), greylist.Greylisted, "first attempt")

	c.FailOpen = true
	o, err = c.Check(ended, ip("192.0.2.1"), "", "a@x", "b@y", "")
	if err != nil || o.Result != greylist.Pass || !errors.Is(o.Err, context.Canceled) || o.Reason() != "greylist store unavailable" {
		t.Errorf("ended ctx, FailOpen: %v, %v; want a pass that says so", o, err)
	}
}

// TestCheckBodyContextEnds: CheckBody's walks of its recipients against
// the lists never looked at ctx, however many recipients. A ctx ending
// at its second look (every 64 recipients) stops the check before the
// store: an error, and the body's first sight not recorded.
func TestCheckBodyContextEnds(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, Traps: mustAddrs(t, "trap@example.net", "/^spamtrap[0-9]+@/")}
	rcpts := make([]string, 5000)
	for i := range rcpts {
		rcpts[i] = fmt.Sprintf("user%d@example.net", i)
	}
	var h greylist.BodyHash
	h.Write([]byte("the same text for all\r\n"))
	o, err := c.CheckBody(testenv.EndsAt(2), ip("192.0.2.1"), "", "news@example.com", rcpts, h.Sum(), "")
	if !errors.Is(err, context.Canceled) || o.Result != greylist.Greylisted {
		t.Errorf("CheckBody = %v, %v; want greylisted and context.Canceled", o, err)
	}
	o, err = c.CheckBody(ctx, ip("192.0.2.1"), "", "news@example.com", rcpts, h.Sum(), "")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "the same body after", o, greylist.Greylisted, "first attempt")
}
