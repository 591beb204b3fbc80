package greylist_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spamkit/spamkit/greylist"
)

func Example() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := &greylist.Checker{Now: func() time.Time { return now }}
	ctx := context.Background()
	client := netip.MustParseAddr("192.0.2.10")

	out, _ := c.Check(ctx, client, "mail.example.com", "alice@example.com", "bob@example.net", "")
	fmt.Println(out)
	fmt.Println(out.Reply())

	now = now.Add(6 * time.Minute) // the client retries
	out, _ = c.Check(ctx, client, "mail.example.com", "alice@example.com", "bob@example.net", "")
	fmt.Println(out)
	// Output:
	// greylisted (first attempt, retry in 5m0s)
	// 451 4.7.1 Greylisted, please try again in 300 seconds
	// pass (retried after the delay, waited 6m0s)
}

// A sender whose retry comes from another network of its pool passes
// when SPF validated its domain both times.
func ExampleChecker_Check_spfDomain() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := &greylist.Checker{Now: func() time.Time { return now }}
	ctx := context.Background()

	out, _ := c.Check(ctx, netip.MustParseAddr("198.51.100.1"), "", "news@example.com", "bob@example.net", "example.com")
	fmt.Println(out.Result)
	now = now.Add(10 * time.Minute)
	out, _ = c.Check(ctx, netip.MustParseAddr("203.0.113.7"), "", "news@example.com", "bob@example.net", "example.com")
	fmt.Println(out.Result, out.Reason())
	// Output:
	// greylisted
	// pass retried after the delay
}

func ExampleChecker_CheckBody() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := &greylist.Checker{Now: func() time.Time { return now }}
	ctx := context.Background()
	var h greylist.BodyHash
	h.Write([]byte("Dear customer,\r\n"))
	h.Write([]byte("the same text to everyone.\r\n"))
	rcpts := []string{"a@example.net", "b@example.net", "c@example.net"}

	out, _ := c.CheckBody(ctx, netip.MustParseAddr("192.0.2.10"), "", "news@example.com", rcpts, h.Sum(), "")
	fmt.Println(out.Result)
	now = now.Add(10 * time.Minute)
	out, _ = c.CheckBody(ctx, netip.MustParseAddr("192.0.2.10"), "", "news@example.com", rcpts, h.Sum(), "")
	fmt.Println(out.Result)
	// Output:
	// greylisted
	// pass
}

func ExampleNormalizeSender() {
	for _, s := range []string{
		"prvs=1234abcdef=Alice@Example.com",
		"bounce-4711-12@lists.example",
		"list-bounces+bob=example.net@lists.example",
		"SRS0=HHH=TT=example.org=carol@forwarder.example",
		"",
	} {
		fmt.Println(greylist.NormalizeSender(s))
	}
	// Output:
	// alice@example.com
	// bounce-#-#@lists.example
	// list-bounces@lists.example
	// carol@example.org
	// <>
}

func ExampleParseClientList() {
	l, err := greylist.ParseClientList(strings.NewReader(`
# postgrey's whitelist_clients syntax
example.org
/^mx[0-9]+\.example\.net$/
192.0.2.0/24
`))
	if err != nil {
		fmt.Println(err)
	}
	c := &greylist.Checker{AllowClients: l}
	out, _ := c.Check(context.Background(), netip.MustParseAddr("198.51.100.1"), "mx7.example.net", "a@example.com", "b@example.com", "")
	fmt.Println(out)
	// Output:
	// allowlisted (client name allowlisted: /^mx[0-9]+\.example\.net$/)
}
