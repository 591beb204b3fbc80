package main

import (
	"strings"
	"testing"
)

// TestDemoRBL checks the rbl check's lines in the demo: legit.eml's
// client is on the DNSWL (weight -2, at or below the allowlist
// threshold -1); spam.eml's client is on the DNSBL with code 127.0.0.4
// (filter [2..11], weight 3 = the threshold) with its TXT reason, and
// the domain it links to is on the URIBL by bit 8, and its sender on
// the address hash list; malware.eml's client is on no list, but the
// executable in its zip attachment is on the file hash list.
func TestDemoRBL(t *testing.T) {
	for _, tc := range []struct {
		sample string
		want   []string
	}{
		{"samples/legit.eml", []string{
			"rbl     client allowlisted 192.0.2.10 score -2 (list.dnswl.example=127.0.15.3*-2)\n",
		}},
		{"samples/spam.eml", []string{
			`rbl     client listed 198.51.113.45 score 3 (zen.dnsbl.example=127.0.0.4*3 ("https://zen.dnsbl.example/query/ip/198.51.113.45"))` + "\n",
			"rbl     uri listed example.net score 3 (multi.uribl.example=127.0.0.8*3)\n",
			"rbl     sender <promo@example.net> listed score 3 [_email.hbl.example=127.0.3.2*3]\n",
		}},
		{"samples/malware.eml", []string{
			"rbl     client clean 203.0.113.66 score 0\n",
			"rbl     attachment invoice.pdf.exe listed score 3 [_file.hbl.example=127.0.3.10*3]\n",
		}},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			got := sampleOutput(t, tc.sample)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("demo output for %s lacks %q; output:\n%s", tc.sample, want, got)
				}
			}
			if tc.sample == "samples/legit.eml" {
				for _, not := range []string{"rbl     sender", "rbl     attachment", "rbl     uri"} {
					if strings.Contains(got, not) {
						t.Errorf("demo output for %s has a %q line; output:\n%s", tc.sample, not, got)
					}
				}
			}
			if n := strings.Count(got, "\n  rbl "); n > 4 {
				t.Errorf("demo output for %s has %d rbl lines, want at most 4", tc.sample, n)
			}
		})
	}
}
