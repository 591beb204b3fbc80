package rbl

import (
	"net/netip"
	"strings"
	"testing"
)

// TestRelaysSkipsMalformedLines checks that Relays reads past the lines
// the module's header rule skips as malformed (a folded line before any
// field, a line starting with a field name too long for any line), as
// dkim and mime do: Relays ended the header there, so a leading space or
// a long junk name above the Received fields hid every relay.
func TestRelaysSkipsMalformedLines(t *testing.T) {
	received := "Received: from a (a [8.8.8.8]) by mx.example.org\r\n"
	for _, hdr := range []string{
		" x\r\n" + received + "\r\n",
		strings.Repeat("x", 1000) + ": v\r\n" + received + "\r\n",
		"X: 1\r\n" + strings.Repeat("x", 2000) + "\r\n" + received + "\r\n",
	} {
		var p ReceivedParser
		r := p.Relays([]byte(hdr))
		if len(r.IPs) != 1 || r.IPs[0] != netip.MustParseAddr("8.8.8.8") {
			t.Errorf("Relays(%.40q...) = %v, want [8.8.8.8]", hdr, r.IPs)
		}
	}
}
