package spambot_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/spamkit/spamkit/harvest/spambot"
)

// A campus host looks up an MX record and then connects to port 25 of
// the Internet: the pattern of an SMTP engine in malware. A staff member
// sending ordinary mail stays clean.
func Example() {
	var d spambot.Detector
	t := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	infected := netip.MustParseAddr("10.1.2.17")
	staff := netip.MustParseAddr("10.1.3.40")

	d.Record(spambot.Event{Time: t, Host: staff, Kind: spambot.Message})
	d.Record(spambot.Event{Time: t, Host: staff, Kind: spambot.Recipient, Domain: "example.org"})
	d.Record(spambot.Event{Time: t, Host: infected, Kind: spambot.MXLookup})
	o, _ := d.Record(spambot.Event{Time: t.Add(time.Second), Host: infected, Kind: spambot.DirectSMTP})
	fmt.Println(o.Result, o.Reason())

	for _, o := range d.Suspects(t.Add(time.Minute)) {
		fmt.Println(o.Host, o.Result)
		for _, e := range o.Signals {
			fmt.Println("  ", e)
		}
	}
	// Output:
	// spambot spambot behaviour
	// 10.1.2.17 spambot
	//    MX lookups: 1 (≥ 1 in 1h0m0s)
	//    direct port-25 connections: 1 (≥ 1 in 1h0m0s)
}
