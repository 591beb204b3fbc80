package main

import (
	"context"
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/session"
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

// TestRBLDecodedBodies checks that the URIBL sees the URLs of bodies
// behind a transfer encoding: a base64 HTML part and a quoted-printable
// text part whose link is split by a soft line break. Neither host is
// in the raw bytes of the message.
func TestRBLDecodedBodies(t *testing.T) {
	zone, err := demoZone("testdata")
	if err != nil {
		t.Fatal(err)
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	html := base64.StdEncoding.EncodeToString([]byte(`<p>Claim <a href="https://claim.example.net/now">here</a></p>`))
	msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Visit http://www.exam=\r\nple.net/x today\r\n" +
		"--b\r\nContent-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		html + "\r\n--b--\r\n"
	if strings.Contains(msg, "example.net") {
		t.Fatal("test message has the host in clear")
	}
	r := srv.Resolver()
	eng, closeEngine, err := newEngine(r, options{ServID: demoServID, Demo: true, DNSBL: demoIPLists, URIBL: demoURILists, Now: demoNow})
	if err != nil {
		t.Fatal(err)
	}
	defer closeEngine()
	in := &input{Name: "encoded", IP: netip.MustParseAddr("192.0.2.10"), HELO: "mail.example.com", MailFrom: "a@example.org", Message: []byte(msg)}
	res := check(context.Background(), eng, in)
	var out strings.Builder
	res.print(context.Background(), &out, eng, r)
	want := "rbl     uri listed example.net score 3 (multi.uribl.example=127.0.0.8*3)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if row, ok := rowOf(res.Verdict, "uribl"); !ok || row.Rule != session.URIBLListed {
		t.Errorf("uribl row = %v, want %s", row, session.URIBLListed)
	}
	if n := srv.Count("example.net.multi.uribl.example", dns.TypeA); n != 1 {
		t.Errorf("URIBL asked %d times about example.net, want once (both links share the registrable domain)", n)
	}
}
