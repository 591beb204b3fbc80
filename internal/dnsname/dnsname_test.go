package dnsname

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		in                  string
		plausible, hostName bool
	}{
		{"mail.example.com", true, true},
		{"mail.example.com.", true, true},
		{"MX1.Example.COM", true, true},
		{"_email.hbl.example", true, true},
		{"198-51-100-45.dyn.example.net", true, true},
		{"bad_name-.example.net", true, false},
		{"-lead.example.net", true, false},
		{"localhost", false, false},
		{"", false, false},
		{".", false, false},
		{"a..b", false, false},
		{"a.b..", false, false},
		{"sp ace.example", false, false},
		{"bücher.example", false, false},
		{strings.Repeat("a", 63) + ".example", true, true},
		{strings.Repeat("a", 64) + ".example", false, false},
		{strings.Repeat("a.", 125) + "abc", true, true},  // 253 octets
		{strings.Repeat("a.", 126) + "ab", false, false}, // 254 octets
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := Plausible(tc.in); got != tc.plausible {
				t.Errorf("Plausible(%q) = %v, want %v", tc.in, got, tc.plausible)
			}
			if got := HostName(tc.in); got != tc.hostName {
				t.Errorf("HostName(%q) = %v, want %v", tc.in, got, tc.hostName)
			}
		})
	}
}
