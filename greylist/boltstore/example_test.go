package boltstore_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/greylist/boltstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "greylist")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	store, err := boltstore.Open(filepath.Join(dir, "greylist.db"), nil) // Sync: durable on return
	if err != nil {
		panic(err)
	}
	defer store.Close()

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := &greylist.Checker{Store: store, Now: func() time.Time { return now }}
	ctx := context.Background()
	ip := netip.MustParseAddr("192.0.2.10")
	out, _ := c.Check(ctx, ip, "", "alice@example.com", "bob@example.net", "")
	fmt.Println(out.Result)
	now = now.Add(10 * time.Minute)
	out, _ = c.Check(ctx, ip, "", "alice@example.com", "bob@example.net", "")
	fmt.Println(out.Result)

	// An hourly job deletes what expired.
	n, _ := store.Sweep(ctx, now.Add(40*24*time.Hour))
	fmt.Println("swept", n)
	// Output:
	// greylisted
	// pass
	// swept 2
}
