package harvest

import (
	"errors"
	"net/netip"
	"testing"
)

// TestEvictionKeepsManyBlocks: a distributed harvest blocks many clients
// one after another (neighbours in the table); a flood of new addresses
// must recycle its own entries, not unblock the harvesters, while cold
// unblocked entries remain.
func TestEvictionKeepsManyBlocks(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{MaxClients: 64, DHAUnknown: 2}, Now: clk.Now}
	var bad []netip.Addr
	for i := range 20 {
		ip := netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})
		mustRcpt(t, c, ip, Unknown, 1)
		if o := mustRcpt(t, c, ip, Unknown, 2); !errors.Is(o.Err, ErrHarvest) {
			t.Fatalf("verdict on %v: %v", ip, o)
		}
		bad = append(bad, ip)
	}
	for i := range 5_000 {
		mustRcpt(t, c, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Known, 1)
	}
	for _, ip := range bad {
		if o := mustRcpt(t, c, ip, Known, 1); !errors.Is(o.Err, ErrBlocked) {
			t.Errorf("%v after the flood: %v, want still blocked", ip, o)
		}
	}
}
