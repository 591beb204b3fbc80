package rdns

import (
	"context"
	"net/netip"
	"testing"
)

// TestHELOLiteralSnum checks HELO address literals with the Snums of RFC
// 5321 §4.1.3 (1*3DIGIT, leading zeros allowed): "[192.000.002.010]"
// is the client's address, and was HELOInvalid, the verdict the package
// doc tells callers to reject, because netip.ParseAddr refuses leading
// zeros.
func TestHELOLiteralSnum(t *testing.T) {
	c := &Checker{}
	client := netip.MustParseAddr("192.0.2.10")
	for _, tt := range []struct {
		helo string
		want HELOResult
	}{
		{"[192.000.002.010]", HELOMatch},
		{"[192.000.002.011]", HELOLiteralMismatch},
		{"[IPv6:::ffff:192.000.2.10]", HELOMatch},
		{"[192.0.2.256]", HELOInvalid},
		{"[192.0.2.0010]", HELOInvalid},
		{"[IPv6:192.0.2.10]", HELOInvalid},
		{"[IPv6:fe80::1%eth0]", HELOInvalid},
	} {
		o, err := c.CheckHELO(context.Background(), client, tt.helo)
		if err != nil || o.Result != tt.want {
			t.Errorf("CheckHELO(%s, %q) = %s, %v; want %s", client, tt.helo, o.Result, err, tt.want)
		}
	}
}
