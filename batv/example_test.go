package batv_test

import (
	"fmt"
	"time"

	"github.com/spamkit/spamkit/batv"
)

// A bounce to a tagged address we signed is accepted; backscatter to an
// untagged one, or to a forged tag, is refused at RCPT time.
func Example() {
	c := &batv.Checker{
		Keys: []batv.Key{{Number: 1, Secret: []byte("keep this secret")}},
		Now:  func() time.Time { return time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) },
	}
	from, _ := c.Sign("alice@example.com")
	fmt.Println("MAIL FROM:", from)

	for _, rcpt := range []string{from, "alice@example.com", "prvs=1796000000=alice@example.com"} {
		o, err := c.Check("", rcpt)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %s (deliver to %s)\n", o.Result, o.Reply(), o.Address)
	}
	// Output:
	// MAIL FROM: prvs=179678e81a=alice@example.com
	// valid: 250 2.1.5 valid bounce address tag (deliver to alice@example.com)
	// missing: 550 5.7.1 bounce to an address we never used as sender (deliver to alice@example.com)
	// invalid: 550 5.7.1 invalid bounce address tag (deliver to alice@example.com)
}

// Tags expire ValidDays after signing.
func ExampleChecker_Check_expired() {
	day := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	c := &batv.Checker{Keys: []batv.Key{{Number: 0, Secret: []byte("k")}}, ValidDays: 3,
		Now: func() time.Time { return day }}
	from, _ := c.Sign("bob@example.org")
	day = day.AddDate(0, 0, 4)
	o, _ := c.Check("<>", from)
	fmt.Println(o.Result, o.Expires.Format(time.DateOnly), o.Reply())
	// Output: expired 2026-12-05 550 5.7.1 bounce address tag expired
}

func ExampleStrip() {
	for _, a := range []string{"prvs=0796d71aae=postmaster@example.com", "prvs=374a1453b=andrew@example.com", "carol@example.net"} {
		fmt.Println(batv.Strip(a))
	}
	// Output:
	// postmaster@example.com true
	// andrew@example.com true
	// carol@example.net false
}

func ExampleParse() {
	t, err := batv.Parse("prvs=0796d71aae=postmaster@example.com")
	fmt.Println(t.Key, t.Day, t.Address, err)
	// Output: 0 796 postmaster@example.com <nil>
}
