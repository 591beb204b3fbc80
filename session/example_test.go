package session_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/session"
	"github.com/spamkit/spamkit/spf"
)

// An engine with SPF, DKIM, DMARC and FCrDNS over an in-process DNS
// server (no network): a spoof of a p=reject domain is refused at the end
// of DATA, a message from the domain's own host is accepted with the
// fields to add.
func ExampleEngine_Check() {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: ".", Text: `
$TTL 300
example.com.             IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.example.com.      IN TXT "v=DMARC1; p=reject"
mail.example.com.        IN A   192.0.2.10
10.2.0.192.in-addr.arpa. IN PTR mail.example.com.
`})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	r := srv.Resolver()
	e := &session.Engine{
		AuthServID: "mx.example.org",
		RDNS:       &rdns.Checker{Resolver: r},
		SPF:        &spf.Checker{Resolver: r, ReceiverHost: "mx.example.org"},
		DKIM:       &dkim.Verifier{Resolver: r},
		DMARC:      &dmarc.Evaluator{Resolver: r},
	}
	msg := []byte("From: ceo@example.com\r\nTo: bob@example.org\r\nSubject: wire transfer\r\n\r\nPay it today.\r\n")
	ctx := context.Background()

	v, _ := e.Check(ctx, session.Envelope{IP: netip.MustParseAddr("198.51.100.7"), HELO: "client.example.net",
		MailFrom: "ceo@example.com", Rcpts: []string{"bob@example.org"}}, msg)
	fmt.Println(v.Reply)

	v, _ = e.Check(ctx, session.Envelope{IP: netip.MustParseAddr("192.0.2.10"), HELO: "mail.example.com",
		MailFrom: "ceo@example.com", Rcpts: []string{"bob@example.org"}}, msg)
	fmt.Println(v.Reply)
	for _, f := range v.Headers {
		if f.Name != "Received-SPF" {
			fmt.Println(strings.ReplaceAll(f.String(), "\r\n", "\n"))
		}
	}
	// Output:
	// 550 5.7.1 Message rejected by the DMARC policy of example.com
	// 250 2.0.0 Ok
	// Authentication-Results: mx.example.org;
	// 	iprev=pass policy.iprev=192.0.2.10;
	// 	spf=pass smtp.mailfrom=ceo@example.com;
	// 	dkim=none;
	// 	dmarc=pass header.from=example.com policy.dmarc=reject
	// X-Spam-Score: -0.7
	// X-Spam-Status: No, score=-0.7 required=5.0 tests=DMARC_PASS,SPF_HELO_NONE,
	// 	SPF_PASS autolearn=no version=spamkit
	// X-Spam-Report:
	// 	*  0.0 RDNS_CONFIRMED iprev=confirmed
	// 	*  0.0 HELO_MATCH helo=match
	// 	* -0.2 SPF_PASS spf=pass
	// 	*  0.0 SPF_HELO_NONE spf-helo=none
	// 	*  0.0 DKIM_NONE dkim=none
	// 	* -0.5 DMARC_PASS dmarc=pass
}

// A session driven stage by stage, as a milter or an SMTP server does:
// each stage's reply, then the verdict at the end of DATA. The message
// arrives in chunks; the DNS checks started at Connect and Mail run
// meanwhile.
func ExampleSession() {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: ".", Text: `
$TTL 300
example.com.             IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
mail.example.com.        IN A   192.0.2.10
10.2.0.192.in-addr.arpa. IN PTR mail.example.com.
`})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	r := srv.Resolver()
	e := &session.Engine{
		AuthServID: "mx.example.org",
		RDNS:       &rdns.Checker{Resolver: r},
		SPF:        &spf.Checker{Resolver: r, ReceiverHost: "mx.example.org"},
		MIME:       &mime.Scanner{},
	}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	fmt.Println("connect:", s.Connect(ctx, netip.MustParseAddr("192.0.2.10"), ""))
	fmt.Println("helo:", s.Helo(ctx, "mail.example.com"))
	fmt.Println("mail:", s.Mail(ctx, "alice@example.com"))
	fmt.Println("rcpt:", s.Rcpt(ctx, "bob@example.org"))
	for _, chunk := range []string{"From: alice@example.com\r\n", "Subject: hi\r\n", "\r\n", "Hello Bob.\r\n"} {
		s.Write([]byte(chunk))
	}
	v, err := s.EndOfData(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("data:", v.Reply)
	for _, row := range v.Rows {
		fmt.Println(row)
	}
	// Output:
	// connect: continue
	// helo: continue
	// mail: continue
	// rcpt: continue
	// data: 250 2.0.0 Ok
	//   0.0 RDNS_CONFIRMED iprev=confirmed
	//   0.0 HELO_MATCH helo=match
	//  -0.2 SPF_PASS spf=pass
	//   0.0 SPF_HELO_NONE spf-helo=none
	//   0.0 MIME_CLEAN mime=accept (nothing to act on)
}
