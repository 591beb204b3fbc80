package redisstore_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/greylist/redisstore"
)

// Two MX hosts share one Redis (or a Redis Cluster through
// redis.NewClusterClient); a store outage passes mail with a reason
// rather than deferring it.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	store, err := redisstore.New(rdb, &redisstore.Options{Prefix: "mx:greylist:"})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	c := &greylist.Checker{Store: store, FailOpen: true}
	out, err := c.Check(context.Background(), netip.MustParseAddr("192.0.2.10"), "mail.example.com", "alice@example.com", "bob@example.net", "")
	if err != nil {
		panic(err) // never with FailOpen
	}
	fmt.Println(out.Result, out.Reply())
}
