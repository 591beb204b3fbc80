package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/batv"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestConnectRefusalSticks: a caller that goes on after Connect refused
// (a checker that shows everything) gets that refusal as the verdict,
// with the DNSBL outcome in the table, whatever the content scores.
func TestConnectRefusalSticks(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	ctx := context.Background()
	v, err := e.Check(ctx, Envelope{IP: listedIP, HELO: "x.example.org", MailFrom: "a@example.org", Rcpts: []string{"b@example.org"}},
		message("a@example.org", "hi", "hi\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Reply.Code != 554 || v.Rows == nil {
		t.Fatalf("Check(listed) = %s, want the 554 with the rows so far", v)
	}
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, listedIP, "")
	s.Helo(ctx, "x.example.org")
	s.Mail(ctx, "a@example.org")
	s.Rcpt(ctx, "b@example.org")
	s.Write(message("a@example.org", "hi", "hi\n"))
	v, err = s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Reject || v.Reply.Code != 554 {
		t.Errorf("EndOfData after a refused Connect = %s, want the 554", v)
	}
	if v.Checks.DNSBL == nil || v.Checks.DNSBL.Result != rbl.Listed {
		t.Errorf("Checks.DNSBL = %v, want listed", v.Checks.DNSBL)
	}
	if r, _ := rowOf(v, "dnsbl"); r.Rule != DNSBLListed {
		t.Errorf("dnsbl row = %v", r)
	}
}

// TestURIBL: a link to a listed domain in the decoded text scores
// URIBL_BLACK.
func TestURIBL(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	v, err := e.Check(context.Background(), Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}},
		message("alice@example.com", "offer", "Look: http://www.spam.example/deal now\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rowOf(v, "uribl"); r.Rule != URIBLListed || r.Score != defaultScores[URIBLListed] {
		t.Errorf("uribl row = %v, want %s", r, URIBLListed)
	}
	if st, _ := fieldOf(v, "X-Spam-Status"); !strings.Contains(st, "URIBL_BLACK") {
		t.Errorf("X-Spam-Status %q lacks URIBL_BLACK", st)
	}
}

// TestBATV: a bounce to an address without a tag is refused at RCPT; one
// to a tagged address passes with a BATV_VALID row.
func TestBATV(t *testing.T) {
	t.Parallel()
	b := &batv.Checker{Keys: []batv.Key{{Number: 1, Secret: []byte("session test secret")}}, Now: func() time.Time { return testNow }}
	e := &Engine{BATV: b}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Mail(ctx, "<>")
	if r := s.Rcpt(ctx, "bob@example.org"); r.Action != Reject || r.Code != 550 {
		t.Errorf("bounce to an untagged address: %s, want 550", r)
	}
	tagged, err := b.Sign("bob@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Rcpt(ctx, tagged); r.Action != Continue {
		t.Errorf("bounce to %s: %s, want continue", tagged, r)
	}
	s.Write([]byte("Subject: bounce\r\n\r\nundeliverable\r\n"))
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rowOf(v, "batv"); r.Rule != BATVValid {
		t.Errorf("batv row = %v", r)
	}
	// Not a bounce: BATV says nothing.
	s.Mail(ctx, "alice@example.com")
	if r := s.Rcpt(ctx, "bob@example.org"); r.Action != Continue {
		t.Errorf("not a bounce: %s", r)
	}
}

// TestHarvest: a client probing unknown recipients is refused once it is
// judged a harvester, at RCPT and at its next connection.
func TestHarvest(t *testing.T) {
	t.Parallel()
	h := &harvest.Checker{Config: harvest.Config{DHAUnknown: 3}, Now: func() time.Time { return testNow }}
	e := &Engine{Harvest: h}
	ctx := context.Background()
	s := e.NewSession(ctx)
	s.Connect(ctx, dynIP, "")
	s.Mail(ctx, "x@example.net")
	var r Reply
	for i := range 10 {
		if r = s.RcptRejected(ctx, "user"+string(rune('a'+i))+"@example.org"); r.Action != Continue {
			break
		}
	}
	s.Close()
	if r.Action != Tempfail || r.Code != 421 {
		t.Fatalf("harvester's RCPT: %s, want 421", r)
	}
	if row := s.txRows[len(s.txRows)-1]; row.Rule != HarvestRefused || row.Check != "harvest" {
		t.Errorf("harvest row %v, want %s", row, HarvestRefused)
	}
	s = e.NewSession(ctx)
	defer s.Close()
	if r := s.Connect(ctx, dynIP, ""); r.Code != 421 {
		t.Errorf("harvester's next Connect: %s, want 421", r)
	}
	// A caller that goes on gets the refusal, with the harvest row.
	s.Mail(ctx, "x@example.net")
	s.Write([]byte("Subject: x\r\n\r\nx\r\n"))
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if row, ok := rowOf(v, "harvest"); v.Reply.Code != 421 || !ok || row.Rule != HarvestRefused {
		t.Errorf("verdict %s, harvest row %v", v, row)
	}
}

// TestARCSeal: with a sealer the verdict's fields start with an ARC set
// over this host's results, and the sealed message verifies.
func TestARCSeal(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	r := testResolver(srv, true)
	e := testEngine(t, r)
	e.ARCSealer = &arc.Sealer{Domain: "example.org", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.org",
		Now: func() time.Time { return testNow }}
	msg := signed(t, message("alice@example.com", "forward me", "Body.\n"))
	v, err := e.Check(context.Background(), Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}, msg)
	if err != nil {
		t.Fatal(err)
	}
	var set strings.Builder
	for _, f := range v.Headers {
		if strings.HasPrefix(f.Name, "ARC-") {
			set.WriteString(f.String() + "\r\n")
		}
	}
	if !strings.HasPrefix(v.Headers[0].Name, "ARC-") || set.Len() == 0 {
		t.Fatalf("headers %v do not start with an ARC set", v.Headers)
	}
	if !strings.Contains(set.String(), "dkim=pass") {
		t.Errorf("the ARC set does not carry this host's results:\n%s", set.String())
	}
	o, err := (&arc.Verifier{Resolver: r, Now: func() time.Time { return testNow }}).Verify(context.Background(), strings.NewReader(set.String()+string(msg)))
	if err != nil || o.Result != arc.Pass {
		t.Errorf("the sealed message's chain: %v, %v; want pass", o, err)
	}
}

// TestNoClient: without a client address the client's checks are
// skipped rows, not faults or passes, and the content checks run.
func TestNoClient(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	v, err := e.Check(context.Background(), Envelope{MailFrom: "alice@example.com"}, malware())
	if err != nil {
		t.Fatal(err)
	}
	if v.Err != nil {
		t.Errorf("Verdict.Err = %v, want none", v.Err)
	}
	for _, c := range []string{"iprev", "helo", "dnsbl", "spf"} {
		if r, ok := rowOf(v, c); !ok || r.Rule != Skipped {
			t.Errorf("%s row = %v, want %s", c, r, Skipped)
		}
	}
	if v.Action != Reject || v.Reply.Code != 554 {
		t.Errorf("malware without a client: %s, want 554", v)
	}
}

// TestProtocolErrors: past harvest's MaxErrors a client is refused.
func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	e := &Engine{Harvest: &harvest.Checker{Config: harvest.Config{MaxErrors: 2}, Now: func() time.Time { return testNow }}}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, dynIP, "")
	var r Reply
	for range 5 {
		if r = s.ProtocolError(ctx); r.Action != Continue {
			break
		}
	}
	if r.Action != Tempfail || r.Code != 421 {
		t.Errorf("after 5 protocol errors: %s, want 421", r)
	}
	if r := (&Engine{}).NewSession(ctx).ProtocolError(ctx); r.Action != Continue {
		t.Errorf("without harvest: %s", r)
	}
}

// TestDecision: the score thresholds give add-header (X-Spam-Flag: YES),
// quarantine and reject; DMARC quarantine quarantines.
func TestDecision(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	ctx := context.Background()
	env := Envelope{IP: dynIP, HELO: "client.example.net", MailFrom: "ceo@example.com", Rcpts: []string{"bob@example.org"}}
	msg := message("ceo@example.com", "hello", "Hello.\n")
	for _, tc := range []struct {
		name    string
		spfFail float64
		quar    float64
		action  Action
		code    int
		flag    bool
	}{
		{"under required", 0, 0, Accept, 250, false},
		{"required", 6, 0, AddHeader, 250, true},
		{"quarantine", 8, 7, Quarantine, 250, true},
		{"reject", 20, 7, Reject, 550, true},
	} {
		e := testEngine(t, testResolver(srv, true))
		e.DMARCScoreOnly = true
		e.Scores = Scores{SPFFail: tc.spfFail, DMARCReject: 0, RDNSDynamic: 0}
		e.QuarantineScore = tc.quar
		v, err := e.Check(ctx, env, msg)
		if err != nil {
			t.Fatal(err)
		}
		if v.Action != tc.action || v.Reply.Code != tc.code {
			t.Errorf("%s: %s, want %s %d", tc.name, v, tc.action, tc.code)
		}
		if tc.action == Quarantine && !strings.Contains(v.Reply.Text, "quarantined as spam") {
			// The reason a milter gives SMFIR_QUARANTINE (Action's doc).
			t.Errorf("%s: reply text %q does not name the cause", tc.name, v.Reply.Text)
		}
		if _, ok := fieldOf(v, "X-Spam-Flag"); ok != tc.flag {
			t.Errorf("%s: X-Spam-Flag present %v, want %v", tc.name, ok, tc.flag)
		}
	}
	// DMARC p=quarantine, enforced.
	if err := srv.Add(`_dmarc.example.net. 300 IN TXT "v=DMARC1; p=quarantine"`, `example.net. 300 IN TXT "v=spf1 -all"`); err != nil {
		t.Fatal(err)
	}
	e := testEngine(t, testResolver(srv, true))
	v, err := e.Check(ctx, Envelope{IP: dynIP, HELO: "client.example.net", MailFrom: "x@example.net", Rcpts: []string{"bob@example.org"}},
		message("x@example.net", "hello", "Hello.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Quarantine || !strings.Contains(v.Reply.Text, "DMARC") {
		t.Errorf("DMARC p=quarantine: %s, want quarantine by DMARC", v)
	}
}

// TestTrace: the Trace hook hears the verdict, with the clock of
// Engine.Now; the package writes nothing else.
func TestTrace(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	clock := testNow
	e := &Engine{
		Now:   func() time.Time { mu.Lock(); defer mu.Unlock(); clock = clock.Add(time.Second); return clock },
		Trace: func(f string, a ...any) { mu.Lock(); defer mu.Unlock(); lines = append(lines, fmt.Sprintf(f, a...)) },
	}
	s := e.NewSession(context.Background())
	defer s.Close()
	s.Mail(context.Background(), "a@example.org")
	s.Write([]byte("Subject: x\r\n\r\nbody\r\n"))
	if _, err := s.EndOfData(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 || !strings.Contains(lines[0], "accept") || !strings.Contains(lines[0], "end of data in 1s") {
		t.Errorf("trace = %q", lines)
	}
}

// TestEarlyLookups: the DNS checks start at the stage that has their
// facts, not at the end of the message: the PTR and DNSBL queries are
// sent by Connect, the HELO and SPF queries by Helo and Mail, the DKIM
// key query once the header is written, each before any later stage is
// called.
func TestEarlyLookups(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, false))
	e.DNSBLScoreOnly = true // Connect does not wait for the DNSBL
	ctx := context.Background()
	asked := func(name string, qtype uint16) bool {
		for range 500 {
			for _, q := range srv.Queries() {
				if q.Name == name && q.Type == qtype {
					return true
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, goodIP, "")
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"10.2.0.192.in-addr.arpa.", resolvertest.TypePTR}, {"10.2.0.192.zen.dnsbl.test.", resolvertest.TypeA}} {
		if !asked(q.name, q.qtype) {
			t.Errorf("after Connect: no query for %s", q.name)
		}
	}
	s.Helo(ctx, "mail.example.com")
	if !asked("mail.example.com.", resolvertest.TypeA) {
		t.Errorf("after Helo: no query for the HELO name")
	}
	s.Mail(ctx, "alice@example.com")
	if !asked("example.com.", resolvertest.TypeTXT) {
		t.Errorf("after Mail: no SPF query")
	}
	msg := signed(t, message("alice@example.com", "early", "Body.\n"))
	_, body, _ := strings.Cut(string(msg), "\r\n\r\n")
	s.Write(msg[:len(msg)-len(body)]) // the header and the empty line
	if !asked("rsa2048._domainkey.example.com.", resolvertest.TypeTXT) {
		t.Errorf("after the header: no DKIM key query")
	}
	s.Write([]byte(body))
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rowOf(v, "dkim"); r.Rule != DKIMValid {
		t.Errorf("dkim row %v", r)
	}
}

// TestContentTimeout: a mime scan cut short by ContentTimeout is not a
// permanent refusal of the message (the limit is this side's): 451.
func TestContentTimeout(t *testing.T) {
	t.Parallel()
	e := &Engine{MIME: &mime.Scanner{}, ContentTimeout: time.Nanosecond}
	v, err := e.Check(context.Background(), Envelope{MailFrom: "a@example.org"}, message("a@example.org", "hi", "Hello.\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rowOf(v, "mime")
	if !errors.Is(r.Err, mime.ErrTime) {
		t.Fatalf("mime row %v (err %v): the scan was not cut short", r, r.Err)
	}
	if v.Action != Tempfail || v.Reply.Code != 451 {
		t.Errorf("verdict %s, want a 451", v)
	}
}

// TestGreylistBody: with the body key, a message to two recipients is
// greylisted once, at the end of DATA (451 4.7.1), and its retry after
// the delay passes; the body key is hashed as the body streams.
func TestGreylistBody(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	var mu sync.Mutex
	now := testNow
	store := &greylist.MemoryStore{}
	e.Greylist = &greylist.Checker{Store: store, Delay: time.Minute, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	e.GreylistBody = true
	ctx := context.Background()
	msg := message("carol@example.org", "lunch", "Lunch on Friday?\n")
	send := func() Verdict {
		t.Helper()
		s := e.NewSession(ctx)
		defer s.Close()
		s.Connect(ctx, dynIP, "")
		s.Helo(ctx, "client.example.org")
		s.Mail(ctx, "carol@example.org")
		for _, to := range []string{"bob@example.org", "dave@example.org"} {
			if r := s.Rcpt(ctx, to); r.Action != Continue {
				t.Fatalf("Rcpt(%s) = %s, want continue: the body key waits for DATA", to, r)
			}
		}
		for c := range slicesChunk(msg, 7) {
			s.Write(c)
		}
		v, err := s.EndOfData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := send()
	if v.Action != Tempfail || v.Reply.Code != 451 || v.Reply.Enhanced != "4.7.1" {
		t.Fatalf("first sight: %s, want 451 4.7.1", v)
	}
	if r, _ := rowOf(v, "greylist"); r.Rule != GreylistBody {
		t.Errorf("greylist row %v", r)
	}
	if n := store.Len(); n != 1 { // per recipient, it would be two triplets
		t.Errorf("the store holds %d entries, want 1 (one body key for both recipients)", n)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	v = send()
	if v.Action != Accept {
		t.Errorf("retry: %s, want accept", v)
	}
	if r, _ := rowOf(v, "greylist"); r.Rule != GreylistPass {
		t.Errorf("retry greylist row %v", r)
	}
}

// TestHarvestTarpit: harvest's progressive tarpit reaches the MTA on the
// stage's reply, Continue replies included: past Tarpit.After unknown
// recipients, RcptRejected, Rcpt and Mail carry the pause.
func TestHarvestTarpit(t *testing.T) {
	t.Parallel()
	h := &harvest.Checker{Config: harvest.Config{Tarpit: harvest.Tarpit{After: 1, Step: time.Second}}, Now: func() time.Time { return testNow }}
	e := &Engine{Harvest: h}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, dynIP, "")
	if r := s.Mail(ctx, "x@example.net"); r.Tarpit != 0 {
		t.Errorf("Mail of a clean client: tarpit %s, want 0", r.Tarpit)
	}
	if r := s.RcptRejected(ctx, "nobody1@example.org"); r.Tarpit != 0 || r.Action != Continue {
		t.Errorf("first unknown recipient: %s tarpit %s, want continue, no pause", r, r.Tarpit)
	}
	r := s.RcptRejected(ctx, "nobody2@example.org")
	if r.Action != Continue || r.Tarpit <= 0 {
		t.Errorf("second unknown recipient: %s tarpit %s, want continue with a pause", r, r.Tarpit)
	}
	if r := s.Rcpt(ctx, "bob@example.org"); r.Action != Continue || r.Tarpit <= 0 {
		t.Errorf("known recipient after two unknown: %s tarpit %s, want continue with a pause", r, r.Tarpit)
	}
	if r := s.Mail(ctx, "x@example.net"); r.Tarpit <= 0 {
		t.Errorf("next Mail: tarpit %s, want a pause", r.Tarpit)
	}
}

// TestNoHELO: NoHELO turns the HELO checks off apart from FCrDNS: no
// HELO lookup, no helo row, the iprev row and Authentication-Results
// entry still there; with no client address either, no helo row.
func TestNoHELO(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	e.SPF = nil
	e.NoHELO = true
	ctx := context.Background()
	const helo = "helo-check.example.net"
	msg := message("alice@example.com", "no helo check", "Hello.\n")
	v, err := e.Check(ctx, Envelope{IP: goodIP, HELO: helo, MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := rowOf(v, "helo"); ok {
		t.Errorf("NoHELO: helo row %v, want none", r)
	}
	if n := srv.Count(helo, resolvertest.TypeA); n != 0 {
		t.Errorf("NoHELO: %d A queries of the HELO name, want 0", n)
	}
	if r, ok := rowOf(v, "iprev"); !ok || r.Rule != RDNSConfirmed {
		t.Errorf("NoHELO: iprev row %v, want %s", r, RDNSConfirmed)
	}
	if ar, _ := fieldOf(v, "Authentication-Results"); !strings.Contains(ar, "iprev=pass") {
		t.Errorf("NoHELO: Authentication-Results %q, want iprev=pass", ar)
	}
	v, err = e.Check(ctx, Envelope{HELO: helo, MailFrom: "alice@example.com"}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := rowOf(v, "helo"); ok {
		t.Errorf("NoHELO without a client: helo row %v, want none", r)
	}
	// Control: with the HELO checks on, the name is looked up.
	e.NoHELO = false
	if _, err := e.Check(ctx, Envelope{IP: goodIP, HELO: helo, MailFrom: "alice@example.com"}, msg); err != nil {
		t.Fatal(err)
	}
	if srv.Count(helo, resolvertest.TypeA) == 0 {
		t.Error("HELO checks on: no A query of the HELO name")
	}
}
