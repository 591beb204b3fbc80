package harvest_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/spamkit/spamkit/harvest"
)

// A dictionary attack is stopped: the client probes names, most of which
// do not exist. At the 20th unknown recipient (DHAUnknown) the harvest
// verdict comes, and from then on every RCPT, whether the mailbox exists
// or not, gets the same 421, so the probe learns nothing more.
func Example() {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	hc := &harvest.Checker{Now: func() time.Time { return now }}
	ctx := context.Background()
	ip := netip.MustParseAddr("203.0.113.7")
	mailboxes := map[string]bool{"alice": true, "bob": true}

	probes := []string{"admin", "info", "sales", "alice", "support", "webmaster",
		"office", "contact", "hr", "jobs", "billing", "abuse", "mail", "test",
		"user", "service", "marketing", "news", "help", "team", "root", "bob",
		"carol", "dave"}
	for i, name := range probes {
		now = now.Add(200 * time.Millisecond)
		st := harvest.Unknown
		if mailboxes[name] {
			st = harvest.Known
		}
		o, err := hc.Rcpt(ctx, ip, st, i+1)
		if err != nil {
			fmt.Println(err)
			return
		}
		switch {
		case o.Result != harvest.Allow:
			fmt.Printf("%-9s %s (%s)\n", name, o.Reply(), o.Reason())
		case st == harvest.Known:
			fmt.Printf("%-9s 250 2.1.5 Ok\n", name)
		case i >= 17:
			fmt.Printf("%-9s 550 5.1.1 User unknown (tarpit %v)\n", name, o.Tarpit)
		}
	}
	o, _ := hc.Connect(ctx, ip)
	defer hc.Disconnect(ip)
	fmt.Printf("reconnect %s until %s\n", o.Reply(), o.Until.Format("15:04"))
	// Output:
	// alice     250 2.1.5 Ok
	// news      550 5.1.1 User unknown (tarpit 7s)
	// help      550 5.1.1 User unknown (tarpit 8s)
	// team      550 5.1.1 User unknown (tarpit 9s)
	// root      421 4.7.1 Too many unknown recipients, try again later (too many unknown recipients)
	// bob       421 4.7.1 Too many unknown recipients, try again later (temporarily blocked)
	// carol     421 4.7.1 Too many unknown recipients, try again later (temporarily blocked)
	// dave      421 4.7.1 Too many unknown recipients, try again later (temporarily blocked)
	// reconnect 421 4.7.1 Too many unknown recipients, try again later until 13:00
}

// A policy read from a main.cf-like text: count IPv4 clients per /24,
// and limit each to 500 recipients an hour.
func ExampleParseConfig() {
	cfg, err := harvest.ParseConfig(`
# /etc/mail/harvest.cf
ipv4_prefix = 24
dha_ratio = 60%
recipient_rate = 500/1h
fail_open = yes
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	hc := &harvest.Checker{Config: cfg}
	fmt.Println(hc.Client(netip.MustParseAddr("198.51.100.77")))
	fmt.Print(cfg)
	// Output:
	// 198.51.100.0/24
	// ipv4_prefix = 24
	// dha_ratio = 0.6
	// recipient_rate = 500/1h0m0s
	// fail_open = yes
}

// A token bucket per client: the 31st message within a minute is over
// the rate, and the outcome says how long until it would fit.
func ExampleChecker_Mail() {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	hc := &harvest.Checker{
		Config: harvest.Config{MessageRate: harvest.Rate{N: 30, Per: time.Minute}},
		Now:    func() time.Time { return now },
	}
	ip := netip.MustParseAddr("192.0.2.25")
	var o harvest.Outcome
	for i := 0; i < 31; i++ {
		o, _ = hc.Mail(context.Background(), ip)
	}
	fmt.Println(o.Result, o.Wait, o.Reply())
	now = now.Add(o.Wait)
	o, _ = hc.Mail(context.Background(), ip)
	fmt.Println(o.Result)
	// Output:
	// delay 2s 450 4.7.1 Too much mail, slow down
	// allow
}
