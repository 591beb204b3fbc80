package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// step is one request of a scenario and the answer it wants: the
// action's prefix.
type step struct {
	advance time.Duration // clock advance before the request
	req     rcpt
	want    string
}

func runSteps(t *testing.T, h *handler, clk *clock, log *logs, steps []step) {
	t.Helper()
	for i, s := range steps {
		clk.Advance(s.advance)
		got := ask(h, s.req)
		if !strings.HasPrefix(got, s.want) {
			t.Errorf("step %d: %+v answered %q, want %q...\nlog:\n%s", i, s.req, got, s.want, log)
		}
	}
}

const (
	greylisted = "DEFER_IF_PERMIT Greylisted, please try again in "
	spfPass    = "PREPEND Received-SPF: pass (mx.example.org: domain of "
)

func TestGreylistAndSPF(t *testing.T) {
	srv := dns(t)
	a := rcpt{ip: "192.0.2.30", helo: "mail.sender.test", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	a2 := a
	a2.instance = "2"
	c := a2
	c.to = "carol@example.org"
	for _, tc := range []struct {
		name  string
		args  []string
		steps []step
	}{
		{"greylisted, retry too early, retry after the delay", nil, []step{
			{0, a, greylisted + "300 seconds"},
			{100 * time.Second, a, greylisted + "200 seconds"},
			{200 * time.Second, a2, spfPass + "alice@sender.test designates 192.0.2.30 as permitted sender) client-ip=192.0.2.30; envelope-from=\"alice@sender.test\"; helo=mail.sender.test; receiver=mx.example.org; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\""},
			// Another recipient of the same message: greylisted on its
			// own; later passing, it gets no second Received-SPF, but
			// postgrey's X-Greylist.
			{0, c, greylisted},
			{300 * time.Second, c, "PREPEND X-Greylist: delayed 300 seconds by policyd at mx.example.org; Sun, 01 Nov 2026 12:10:00 +0000"},
			// bob's X-Greylist, held back by Received-SPF, goes with
			// the message's next request; then a known triplet has
			// nothing to add.
			{time.Hour, c, "PREPEND X-Greylist: delayed 300 seconds by policyd at mx.example.org; Sun, 01 Nov 2026 12:05:00 +0000"},
			{0, c, "DUNNO"},
		}},
		{"short delay", []string{"-delay", "2s"}, []step{
			{0, a, greylisted + "2 seconds"},
			{2 * time.Second, a2, spfPass},
		}},
		{"no SPF", []string{"-spf=false"}, []step{
			{0, a, greylisted},
			{301 * time.Second, a2, "PREPEND X-Greylist: delayed 301 seconds by policyd at mx.example.org; Sun, 01 Nov 2026 12:05:01 +0000"},
		}},
		{"no SPF, no X-Greylist", []string{"-spf=false", "-x-greylist-header=false"}, []step{
			{0, a, greylisted},
			{300 * time.Second, a2, "DUNNO"},
		}},
		{"no greylisting", []string{"-greylist=false"}, []step{
			{0, a2, spfPass},
			{0, c, "DUNNO"},
		}},
		{"retry after the window starts again", []string{"-retry-window", "1h"}, []step{
			{0, a, greylisted},
			{2 * time.Hour, a2, greylisted + "300 seconds"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk, log := newClock(), &logs{}
			h := newHandler(t, clk, srv, log, tc.args...)
			runSteps(t, h, clk, log, tc.steps)
		})
	}
}

// TestXGreylistAfterReceivedSPF: a reply holds one action (Postfix 3.7's
// access(5) has no multi-action form), so when the request whose
// triplet ended its wait is also the message's first, Received-SPF is
// prepended and X-Greylist was dropped. It now waits for the message's
// next request: another recipient, or the DATA state when policyd is
// also in smtpd_data_restrictions.
func TestXGreylistAfterReceivedSPF(t *testing.T) {
	srv := dns(t)
	a := rcpt{ip: "192.0.2.30", helo: "mail.sender.test", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	a2 := a
	a2.instance = "2"
	c2 := a2
	c2.to = "carol@example.org"
	c0 := c2
	c0.instance = "0"
	d2 := a2
	d2.to, d2.state = "", "DATA"
	a3 := a
	a3.instance = "3"
	d3 := a3
	d3.to, d3.state = "", "DATA"
	const xgl = "PREPEND X-Greylist: delayed 300 seconds by policyd at mx.example.org; Sun, 01 Nov 2026 12:05:00 +0000"
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"next recipient", []step{
			{0, a, greylisted},
			{0, c0, greylisted},
			{300 * time.Second, c0, spfPass}, // carol's triplet known
			{time.Hour, a2, spfPass},
			// bob's triplet passed: its X-Greylist goes with carol's
			// request, which passes without a wait of its own.
			{0, c2, "PREPEND X-Greylist: delayed 3900 seconds by policyd at mx.example.org; Sun, 01 Nov 2026 13:05:00 +0000"},
			{0, d2, "DUNNO"}, // once per message
		}},
		{"next recipient greylisted, then DATA", []step{
			{0, a, greylisted},
			{300 * time.Second, a2, spfPass},
			{0, c2, greylisted}, // carol's first sight: pending kept
			{0, d2, xgl},
		}},
		{"DATA state", []step{
			{0, a, greylisted},
			{300 * time.Second, a2, spfPass},
			{0, d2, xgl},
			{0, d2, "DUNNO"},
		}},
		{"nothing pending", []step{
			{0, a, greylisted},
			{300 * time.Second, a2, spfPass},
			{0, d2, xgl},
			{time.Hour, a3, spfPass}, // known triplet: no wait, no X-Greylist
			{0, d3, "DUNNO"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk, log := newClock(), &logs{}
			h := newHandler(t, clk, srv, log)
			runSteps(t, h, clk, log, tc.steps)
		})
	}
}

// TestSPFDomainKey: a big sender retries from another network of its
// pool; with the SPF-validated domain as key, the retry passes.
func TestSPFDomainKey(t *testing.T) {
	srv := dns(t)
	first := rcpt{ip: "198.51.100.7", helo: "out1.pool.test", from: "news@pool.test", to: "bob@example.org", instance: "1"}
	retry := rcpt{ip: "203.0.113.9", helo: "out2.pool.test", from: "news@pool.test", to: "bob@example.org", instance: "2"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"domain key", nil, spfPass + "news@pool.test designates 203.0.113.9"},
		{"network key", []string{"-spf-domain-key=false"}, greylisted + "300 seconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk, log := newClock(), &logs{}
			h := newHandler(t, clk, srv, log, tc.args...)
			runSteps(t, h, clk, log, []step{{0, first, greylisted}, {10 * time.Minute, retry, tc.want}})
		})
	}
}

func TestSPFFail(t *testing.T) {
	srv := dns(t)
	m := rcpt{ip: "192.0.2.30", helo: "mail.fail.test", from: "x@fail.test", to: "bob@example.org", instance: "1"}
	m2 := m
	m2.instance = "2"
	for _, tc := range []struct {
		name  string
		args  []string
		steps []step
	}{
		{"rejected", []string{"-spf-reject"}, []step{
			{0, m, "550 5.7.23 SPF fail: fail.test does not authorize this client: 192.0.2.30 is not a mail server of fail.test"},
		}},
		{"not rejected: greylisted, then marked", nil, []step{
			{0, m, greylisted},
			{time.Hour, m2, "PREPEND Received-SPF: fail (mx.example.org: domain of x@fail.test does not designate 192.0.2.30"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk, log := newClock(), &logs{}
			h := newHandler(t, clk, srv, log, tc.args...)
			runSteps(t, h, clk, log, tc.steps)
		})
	}
}

func TestDNSBL(t *testing.T) {
	srv := dns(t)
	listed := rcpt{ip: "192.0.2.66", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	allowed := rcpt{ip: "192.0.2.77", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "2"}
	other := rcpt{ip: "192.0.2.88", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "3"}
	lists := []string{"-dnsbl", "bl.test=127.0.0.2*3 wl.test*-2", "-dnsbl-threshold", "3", "-dnsbl-allowlist-threshold", "-1"}
	for _, tc := range []struct {
		name  string
		args  []string
		steps []step
	}{
		{"listed client rejected, allowlisted client not greylisted, other greylisted", lists, []step{
			{0, listed, "550 5.7.1 Service unavailable; client [192.0.2.66] blocked using bl.test"},
			{0, allowed, spfPass},
			{0, other, greylisted},
		}},
		{"listed client only greylisted", append(lists, "-dnsbl-reject=false"), []step{
			{0, listed, greylisted},
		}},
		{"below the threshold", []string{"-dnsbl", "bl.test*2", "-dnsbl-threshold", "3"}, []step{
			{0, listed, greylisted},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk, log := newClock(), &logs{}
			h := newHandler(t, clk, srv, log, tc.args...)
			runSteps(t, h, clk, log, tc.steps)
		})
	}
}

// TestDNSBLFailure: a list that cannot answer changes nothing (the
// client is greylisted as any other) and is logged.
func TestDNSBLFailure(t *testing.T) {
	srv := dns(t)
	srv.Fail("66.2.0.192.bl.test", resolvertest.TypeA, resolvertest.ServFail)
	clk, log := newClock(), &logs{}
	h := newHandler(t, clk, srv, log, "-dnsbl", "bl.test*3", "-dnsbl-threshold", "3")
	runSteps(t, h, clk, log, []step{{0, rcpt{ip: "192.0.2.66", helo: "x", from: "a@sender.test", to: "b@example.org"}, greylisted}})
	if want := "client=192.0.2.66 dnsbl unknown"; !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, log)
	}
}

// TestUnusable: requests policyd cannot use are answered DUNNO, and the
// malformed ones logged.
func TestUnusable(t *testing.T) {
	srv := dns(t)
	clk, log := newClock(), &logs{}
	h := newHandler(t, clk, srv, log)
	for _, tc := range []struct {
		name   string
		req    rcpt
		logged string
	}{
		{"DATA state", rcpt{ip: "192.0.2.30", from: "a@sender.test", to: "b@example.org", state: "DATA"}, ""},
		{"authenticated client", rcpt{ip: "192.0.2.66", from: "x@fail.test", to: "b@example.org", sasl: "alice"}, ""},
		{"no client address", rcpt{ip: "", from: "a@sender.test", to: "b@example.org"}, `reason="malformed request" error="client_address \"\": ParseAddr(\"\"): unable to parse IP"`},
		{"bad client address", rcpt{ip: "192.0.2.300", from: "a@sender.test", to: "b@example.org"}, `client_address \"192.0.2.300\"`},
		{"no recipient", rcpt{ip: "192.0.2.30", from: "a@sender.test"}, `error="no recipient"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ask(h, tc.req); got != "DUNNO" {
				t.Errorf("answer %q, want DUNNO", got)
			}
			if tc.logged != "" && !strings.Contains(log.String(), tc.logged) {
				t.Errorf("log lacks %q:\n%s", tc.logged, log)
			}
		})
	}
}

// TestInvalidSender: a MAIL FROM that is no RFC 5321 path gets no SPF
// result and no header; greylisting goes on.
func TestInvalidSender(t *testing.T) {
	srv := dns(t)
	clk, log := newClock(), &logs{}
	h := newHandler(t, clk, srv, log, "-delay", "1s")
	m := rcpt{ip: "192.0.2.30", helo: "x", from: "a b@sender.test", to: "bob@example.org", instance: "1"}
	runSteps(t, h, clk, log, []step{{0, m, greylisted}, {time.Minute, m, "PREPEND X-Greylist: delayed 60 seconds"}})
	if !strings.Contains(log.String(), "spf error=") {
		t.Errorf("log lacks the SPF error:\n%s", log)
	}
}

// failingStore is a greylist store that always fails.
type failingStore struct{}

var errDown = errors.New("store down")

func (failingStore) Record(context.Context, greylist.Request) (greylist.Response, error) {
	return greylist.Response{}, errDown
}

// TestStoreFailure: a store failure defers with 451 4.3.0, or with
// -fail-open lets the mail through.
func TestStoreFailure(t *testing.T) {
	srv := dns(t)
	m := rcpt{ip: "192.0.2.30", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fail closed", nil, "451 4.3.0 Greylisting temporarily unavailable"},
		{"fail open", []string{"-fail-open"}, spfPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk, log := newClock(), &logs{}
			h := newHandler(t, clk, srv, log, tc.args...)
			h.greylist.Store = failingStore{}
			runSteps(t, h, clk, log, []step{{0, m, tc.want}})
		})
	}
}

// TestInstanceReuse: an instance reused for another sender (no Postfix
// does it; another client of the protocol might) gets that sender's own
// SPF result and header.
func TestInstanceReuse(t *testing.T) {
	srv := dns(t)
	clk, log := newClock(), &logs{}
	h := newHandler(t, clk, srv, log, "-greylist=false")
	a := rcpt{ip: "192.0.2.30", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	f := a
	f.from = "x@fail.test"
	runSteps(t, h, clk, log, []step{
		{0, a, spfPass},
		{0, f, "PREPEND Received-SPF: fail "},
		{0, a, "DUNNO"},
	})
}

func TestInstances(t *testing.T) {
	c := newInstances(3)
	for _, id := range []string{"a", "b", "c", "d"} {
		c.put(id, instanceState{checked: true})
	}
	if n := c.len(); n != 3 {
		t.Errorf("len = %d after 4 puts with max 3, want 3", n)
	}
	if c.get("a").checked {
		t.Error("the oldest instance is still remembered")
	}
	for _, id := range []string{"b", "c", "d"} {
		if !c.get(id).checked {
			t.Errorf("instance %q forgotten", id)
		}
	}
	c.put("", instanceState{checked: true})
	if c.get("").checked || c.len() != 3 {
		t.Error("a request without instance was remembered")
	}
}

// TestDNSTimeout: DNS that does not answer within -dns-timeout makes
// SPF a temperror (no domain key, Received-SPF temperror) and leaves
// greylisting to go on.
func TestDNSTimeout(t *testing.T) {
	srv := dns(t)
	srv.Fail("sender.test", resolvertest.TypeTXT, resolvertest.Drop)
	clk, log := newClock(), &logs{}
	h := newHandler(t, clk, srv, log, "-dns-timeout", "150ms", "-delay", "1s")
	m := rcpt{ip: "192.0.2.30", helo: "x", from: "alice@sender.test", to: "bob@example.org", instance: "1"}
	m2 := m
	m2.instance = "2"
	runSteps(t, h, clk, log, []step{
		{0, m, greylisted},
		{time.Minute, m2, "PREPEND Received-SPF: temperror (mx.example.org: error in processing during lookup of sender.test: DNS timeout) client-ip=192.0.2.30"},
	})
}

// TestCRInValues: Postfix passes on a quoted local part as it came, a
// CR in it included (MAIL FROM:<"a\rb"@sender.test> is
// sender=a\rb@sender.test), and another client of the protocol may put
// one anywhere. Such a value reaches no answer or log line as a line
// break, and the retry of a greylisted triplet finds its key.
func TestCRInValues(t *testing.T) {
	srv := dns(t)
	for i, m := range []rcpt{
		{ip: "192.0.2.30", helo: "mail.sender.test", from: "a\rb@sender.test", to: "bob\r@example.org", instance: "1"},
		{ip: "192.0.2.30", helo: "mail\r.sender.test", from: "alice@sender.test", to: "bob@example.org", instance: "1"},
	} {
		clk, log := newClock(), &logs{}
		h := newHandler(t, clk, srv, log, "-delay", "1s", "-v")
		first := ask(h, m)
		clk.Advance(time.Minute)
		retry := ask(h, m)
		if !strings.HasPrefix(first, greylisted) || !strings.HasPrefix(retry, "PREPEND ") {
			t.Errorf("case %d: answered %q then %q, want greylisted then a header\nlog:\n%s", i, first, retry, log)
		}
		for _, s := range []string{first, retry, log.String()} {
			if strings.ContainsAny(s, "\r") {
				t.Errorf("case %d: %q has a CR", i, s)
			}
		}
	}
}
