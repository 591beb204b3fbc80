package spambot

import (
	"net/netip"
	"testing"
	"time"
)

// TestHostZone: an address with a zone (fe80::1%eth0, as a log may
// write a link-local peer) is the same host as without it.
func TestHostZone(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	d := &Detector{}
	for _, h := range []string{"fe80::1%eth0", "fe80::1", "fe80::1%2"} {
		if _, err := d.Record(Event{Time: at, Host: netip.MustParseAddr(h), Kind: DirectSMTP}); err != nil {
			t.Fatal(err)
		}
	}
	o, err := d.Check(netip.MustParseAddr("fe80::1"), at)
	if err != nil || o.Counts[DirectSMTP] != 3 {
		t.Errorf("Check(fe80::1) = %v, %v; want 3 direct connections counted", o, err)
	}
	if n := d.Stats().Hosts; n != 1 {
		t.Errorf("%d hosts tracked, want 1", n)
	}
}
