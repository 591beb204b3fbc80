package main

import (
	"strings"
	"testing"
)

// TestDemoRDNS checks the rdns check's lines in the demo: legit.eml's
// client is forward-confirmed and its HELO resolves to it; spam.eml's
// client has a PTR name that does not resolve back (mismatch) and that
// matches S25R rule 1 and embeds the address, and its HELO has no
// address; malware.eml's client has no PTR and claims our own name.
func TestDemoRDNS(t *testing.T) {
	for _, tc := range []struct {
		sample string
		want   []string
	}{
		{"samples/legit.eml", []string{
			"rdns    fcrdns confirmed 192.0.2.10 (mail.example.com)\n",
			"rdns    name mail.example.com: not generic\n",
			"rdns    helo match \"mail.example.com\"\n",
		}},
		{"samples/spam.eml", []string{
			"rdns    fcrdns mismatch 198.51.113.45 (PTR 198-51-113-45.dyn.example.net)\n",
			"rdns    name 198-51-113-45.dyn.example.net: generic (S25R rule 1; embeds IP dashed)\n",
			"rdns    helo unresolvable \"example.net\"\n",
		}},
		{"samples/malware.eml", []string{
			"rdns    fcrdns none 203.0.113.66\n",
			"rdns    helo ours \"mx.example.org\"\n",
		}},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			got := sampleOutput(t, tc.sample)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("demo output for %s lacks %q; output:\n%s", tc.sample, want, got)
				}
			}
			if n := strings.Count(got, "\n  rdns "); n > 4 {
				t.Errorf("demo output for %s has %d rdns lines, want at most 4", tc.sample, n)
			}
		})
	}
}
