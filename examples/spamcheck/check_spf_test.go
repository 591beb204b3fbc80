package main

import (
	"strings"
	"testing"
)

// TestDemoSPF checks the spf check's lines in the demo: legit.eml's
// client is example.com's MX host and passes (and its HELO name's own
// record passes it too); spam.eml's client is not example.net's MX host
// and fails, with no explanation (example.net has no exp=); malware.eml's
// example.org publishes no SPF record.
func TestDemoSPF(t *testing.T) {
	for _, tc := range []struct {
		sample string
		want   []string
	}{
		{"samples/legit.eml", []string{
			"spf     pass (mailfrom example.com, mechanism mx, 1 lookups)\n",
			"spf     pass (helo mail.example.com, mechanism a, 1 lookups)\n",
			"spf       Received-SPF: pass (mx.example.org: domain of alice@example.com designates\n",
			"receiver=mx.example.org; identity=mailfrom; mechanism=mx\n",
			"spf pass example.com aligned",
		}},
		{"samples/spam.eml", []string{
			"spf     fail (mailfrom example.net, mechanism -all, 1 lookups)\n",
			"spf     fail (helo example.net, mechanism -all, 1 lookups)\n",
			"spf       Received-SPF: fail (mx.example.org: domain of promo@example.net does not\n",
		}},
		{"samples/malware.eml", []string{
			"spf     none (mailfrom example.org, 0 lookups)\n",
		}},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			got := sampleOutput(t, tc.sample)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("demo output for %s lacks %q; output:\n%s", tc.sample, want, got)
				}
			}
			if n := strings.Count(got, "\n  spf "); n > 7 {
				t.Errorf("demo output for %s has %d spf lines, want at most 7", tc.sample, n)
			}
		})
	}
}
