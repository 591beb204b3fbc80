package main

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/postfixtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// startPolicyd runs policyd as main does (run) on a free loopback port
// with the test's clock and DNS server, and stops it when t ends.
func startPolicyd(t *testing.T, srv *resolvertest.Server, clk *clock, log *logs, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-listen", "127.0.0.1:0", "-receiver", "mx.example.org"}, args...), log,
			hooks{Now: clk.Now, Resolver: srv.Resolver(), Ready: func(a net.Addr) { addrc <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("policyd: %v", err)
		}
	})
	select {
	case a := <-addrc:
		return a.String()
	case err := <-done:
		t.Fatalf("policyd = %v before listening; log:\n%s", err, log)
	}
	return ""
}

// TestPostfix runs a real Postfix whose smtpd asks policyd, and sends
// mail with swaks: the first attempt is deferred (450), the retry after
// the greylisting delay (on policyd's injected clock) is accepted and
// delivered with policyd's Received-SPF and, prepended at the DATA
// state, its X-Greylist; and a sender whose SPF fails is rejected (550
// 5.7.23).
func TestPostfix(t *testing.T) {
	t.Parallel()
	clk, log := newClock(), &logs{}
	addr := startPolicyd(t, dns(t), clk, log, "-spf-reject")
	pf := postfixtest.Start(t, postfixtest.Options{MainCF: []string{
		"smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service inet:" + addr,
		// The DATA state gets the X-Greylist that Received-SPF held
		// back at the message's only RCPT.
		"smtpd_data_restrictions = check_policy_service inet:" + addr,
	}})
	mail := postfixtest.Mail{From: "alice@sender.test", To: pf.Address("bob"), HELO: "mail.sender.test", Headers: []string{"Subject: greylisted once"}}

	res := pf.Send(t, mail)
	if res.Code != 450 || !strings.Contains(res.Reply, "4.7.1") || !strings.Contains(res.Reply, "Greylisted, please try again in 300 seconds") {
		t.Fatalf("first attempt: %d %q, want 450 4.7.1 Greylisted; transcript:\n%s\npolicyd log:\n%s\nmaillog:\n%s", res.Code, res.Reply, res.Transcript, log, pf.Log())
	}
	if msgs, _ := pf.Messages("bob"); len(msgs) != 0 {
		t.Fatalf("a deferred message was delivered")
	}

	clk.Advance(301 * time.Second)
	res = pf.Send(t, mail)
	if res.Code != 250 {
		t.Fatalf("retry after the delay: %d %q, want 250; transcript:\n%s\npolicyd log:\n%s\nmaillog:\n%s", res.Code, res.Reply, res.Transcript, log, pf.Log())
	}
	msg := pf.WaitMessage(t, "bob", 10*time.Second)
	got := string(msg.Data)
	for _, want := range []string{
		"Received-SPF: pass (mx.example.org: domain of alice@sender.test designates 127.0.0.1 as permitted sender)",
		"X-Greylist: delayed 301 seconds by policyd at mx.example.org",
		"Subject: greylisted once",
	} {
		if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
			t.Errorf("delivered message lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "Received-SPF:"); n != 1 {
		t.Errorf("delivered message has %d Received-SPF fields, want 1", n)
	}
	pf.WaitLog(t, regexp.MustCompile(`to=<bob@example\.test>.*status=sent`), 5*time.Second)

	res = pf.Send(t, postfixtest.Mail{From: "x@fail.test", To: pf.Address("carol"), HELO: "mail.fail.test"})
	if res.Code != 550 || !strings.Contains(res.Reply, "5.7.23") {
		t.Errorf("SPF fail: %d %q, want 550 5.7.23; transcript:\n%s", res.Code, res.Reply, res.Transcript)
	}
	for _, want := range []string{
		`action=greylist reason="greylisted (first attempt, retry in 5m0s)" client_name="" client_address=127.0.0.1 sender="alice@sender.test" recipient="bob@example.test"`,
		`action=reject reason="spf fail (mailfrom fail.test`,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("policyd log lacks %q:\n%s", want, log)
		}
	}
}
