package main

import (
	"strings"
	"testing"

	"github.com/d--j/go-milter"
)

// TestRcptRejectedCounts: of the recipients Postfix refuses itself
// (SMFIP_RCPT_REJ: {rcpt_mailer} "error", {rcpt_host} the enhanced
// status code), only unknown mailboxes (X.1.1, RFC 3463 §3.2: bad
// destination mailbox address) are harvest's unknown recipients. With
// smtpd_delay_reject (Postfix's default) a sender refusal (X.1.7 bad
// sender's mailbox syntax, X.1.8 bad sender's system address: e.g.
// reject_unknown_sender_domain) is given at RCPT too: counting those
// would judge a relay of mail from broken senders a harvester.
func TestRcptRejectedCounts(t *testing.T) {
	for _, tc := range []struct {
		code      string
		harvester bool
	}{
		{"5.1.1", true},
		{"5.1.8", false},
		{"5.1.7", false},
		{"5.1.2", false},
		{"4.1.8", false},
	} {
		t.Run(tc.code, func(t *testing.T) {
			addr, _ := startMilter(t, `
authserv_id = mx.example.test
rdns = no
helo = no
spf = no
dkim = no
dmarc = no
arc = no
harvest = yes
harvest_dha_unknown = 3
`)
			client := milter.NewClient("tcp", addr, milter.WithAction(milter.AllClientSupportedActionMasks))
			macros := milter.NewMacroBag()
			s, err := client.Session(macros)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.7"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Helo("client.test"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Mail("someone@example.com", ""); err != nil {
				t.Fatal(err)
			}
			macros.Set(milter.MacroRcptMailer, "error")
			macros.Set(milter.MacroRcptHost, tc.code)
			for i := range 6 {
				if _, err := s.Rcpt("user"+strings.Repeat("x", i)+"@example.test", ""); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			// The client's next connection.
			s, err = client.Session(milter.NewMacroBag())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			act, err := s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.7")
			if err != nil {
				t.Fatal(err)
			}
			if refused := act.StopProcessing(); refused != tc.harvester {
				t.Errorf("after 6 recipients refused with %s, the next connection = %+v; want refused %v", tc.code, act, tc.harvester)
			}
		})
	}
}
