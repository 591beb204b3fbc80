package session

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestDMARCRejectSpoof: a message From: example.com (p=reject) sent from
// an address outside its SPF and unsigned is refused with 550 5.7.1.
func TestDMARCRejectSpoof(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	env := Envelope{IP: dynIP, HELO: "example.net", MailFrom: "ceo@example.com", Rcpts: []string{"bob@example.org"}}
	v, err := e.Check(context.Background(), env, message("ceo@example.com", "wire transfer", "Please pay the attached invoice today.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Reject || v.Reply.Code != 550 || v.Reply.Enhanced != "5.7.1" {
		t.Errorf("spoof: %s, want reject 550 5.7.1", v)
	}
	if !strings.Contains(v.Reply.Text, "DMARC") || !strings.Contains(v.Reply.Text, "example.com") {
		t.Errorf("reply text %q does not say DMARC and the domain", v.Reply.Text)
	}
	for check, rule := range map[string]Rule{"spf": SPFFail, "dmarc": DMARCReject, "dkim": DKIMNone, "iprev": RDNSConfirmed} {
		if r, ok := rowOf(v, check); !ok || r.Rule != rule {
			t.Errorf("row %s = %v, want rule %s", check, r, rule)
		}
	}
	ar, _ := fieldOf(v, "Authentication-Results")
	for _, want := range []string{"spf=fail", "dmarc=fail", "dkim=none"} {
		if !strings.Contains(ar, want) {
			t.Errorf("Authentication-Results %q lacks %q", ar, want)
		}
	}
}

// TestSignedCleanAccepted: a DKIM-signed message from the sender's own
// host is accepted with one Authentication-Results saying dkim=pass and
// dmarc=pass.
func TestSignedCleanAccepted(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	e.Bayes = trainedBayes(t)
	env := Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}
	msg := signed(t, message("Alice <alice@example.com>", "meeting notes", "Hi Bob, the minutes of Tuesday's meeting are below.\n"))
	v, err := e.Check(context.Background(), env, msg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Accept || v.Reply.Code != 250 {
		t.Errorf("clean: %s, want accept 250", v)
	}
	if n := count(v, "Authentication-Results"); n != 1 {
		t.Fatalf("%d Authentication-Results fields, want 1: %v", n, v.Headers)
	}
	ar, _ := fieldOf(v, "Authentication-Results")
	for _, want := range []string{"mx.example.org;", "dkim=pass", "header.d=example.com", "dmarc=pass", "spf=pass", "iprev=pass", "arc=none"} {
		if !strings.Contains(ar, want) {
			t.Errorf("Authentication-Results %q lacks %q", ar, want)
		}
	}
	if spf, ok := fieldOf(v, "Received-SPF"); !ok || !strings.HasPrefix(spf, "pass ") {
		t.Errorf("Received-SPF = %q, %v; want a pass", spf, ok)
	}
	if st, _ := fieldOf(v, "X-Spam-Status"); !strings.HasPrefix(st, "No, score=") || !strings.Contains(st, "required=5.0") || !strings.Contains(st, "RCVD_IN_DNSWL") {
		t.Errorf("X-Spam-Status = %q", st)
	}
	if _, ok := fieldOf(v, "X-Spam-Flag"); ok {
		t.Errorf("ham has X-Spam-Flag")
	}
	if r, ok := rowOf(v, "bayes"); !ok || !strings.HasPrefix(string(r.Rule), "BAYES_0") {
		t.Errorf("bayes row = %v, want a BAYES_00/05", r)
	}
	if v.Score >= 0 {
		t.Errorf("score %.3f, want negative (DNSWL, DKIM, DMARC, SPF pass)", v.Score)
	}
	// The headers are what they claim: the table's total is the score.
	var sum float64
	for _, r := range v.Rows {
		sum += r.Score
	}
	if sc, _ := fieldOf(v, "X-Spam-Score"); sc != formatScore(sum) {
		t.Errorf("X-Spam-Score %q, rows total %.3f", sc, sum)
	}
}

// TestListedClientRejectedAtConnect: a client whose DNSBL score reaches
// the threshold is refused at Connect, before any other stage.
func TestListedClientRejectedAtConnect(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	s := e.NewSession(context.Background())
	defer s.Close()
	r := s.Connect(context.Background(), listedIP, "")
	if r.Action != Reject || r.Code != 554 || r.Enhanced != "5.7.1" || !strings.Contains(r.Text, "zen.dnsbl.test") {
		t.Errorf("Connect(listed) = %s, want reject 554 5.7.1 naming the list", r)
	}
	if r := s.Connect(context.Background(), goodIP, ""); r.Action != Continue {
		t.Errorf("Connect(allowlisted) = %s, want continue", r)
	}

	// Score-only: the listing is points in the table.
	e.DNSBLScoreOnly = true
	v, err := e.Check(context.Background(), Envelope{IP: listedIP, HELO: "x.example", MailFrom: "a@example.org", Rcpts: []string{"b@example.org"}},
		message("a@example.org", "hello", "hi\n"))
	if err != nil {
		t.Fatal(err)
	}
	if row, ok := rowOf(v, "dnsbl"); !ok || row.Rule != DNSBLListed || row.Score != defaultScores[DNSBLListed] {
		t.Errorf("dnsbl row = %v, want %s scoring %.3f", row, DNSBLListed, defaultScores[DNSBLListed])
	}
}

// TestDNSOutage: with every DNS query dropped, the DNS checks are
// temperror rows (in the table and in Authentication-Results, never a
// pass), mime still rejects the malware zip, bayes still classifies, and
// a clean message is delivered, not tempfailed.
func TestDNSOutage(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	ctx := context.Background()
	env := Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}
	clean := signed(t, message("alice@example.com", "meeting notes", "Hi Bob, the minutes of Tuesday's meeting.\n"))

	// A healthy pass finds every name the checks ask for...
	e := testEngine(t, testResolver(srv, false))
	for _, m := range [][]byte{clean, malware()} {
		if _, err := e.Check(ctx, env, m); err != nil {
			t.Fatal(err)
		}
	}
	names := map[string]bool{}
	for _, q := range srv.Queries() {
		names[q.Name] = true
	}
	if len(names) < 5 {
		t.Fatalf("the healthy pass asked only %v", names)
	}
	// ...then the server drops them all.
	for n := range names {
		srv.Fail(n, resolvertest.AnyType, resolvertest.Drop)
	}
	e = testEngine(t, testResolver(srv, false))
	e.Bayes = trainedBayes(t)

	v, err := e.Check(ctx, env, malware())
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Reject || v.Reply.Code != 554 || v.Reply.Enhanced != "5.7.1" {
		t.Errorf("malware during the outage: %s, want reject 554 5.7.1", v)
	}
	if r, ok := rowOf(v, "mime"); !ok || r.Rule != MIMEReject {
		t.Errorf("mime row = %v, want %s", r, MIMEReject)
	}
	if r, ok := rowOf(v, "bayes"); !ok || r.Rule == BayesUnknown {
		t.Errorf("bayes row = %v, want a classification", r)
	}
	for check, result := range map[string]string{"spf": "temperror", "iprev": "temperror", "dmarc": "temperror", "dnsbl": "temperror", "helo": "temperror"} {
		if r, ok := rowOf(v, check); !ok || r.Result != result {
			t.Errorf("row %s = %v, want %s", check, r, result)
		}
	}
	ar, _ := fieldOf(v, "Authentication-Results")
	for _, want := range []string{"spf=temperror", "dmarc=temperror", "iprev=temperror"} {
		if !strings.Contains(ar, want) {
			t.Errorf("Authentication-Results %q lacks %q", ar, want)
		}
	}

	v, err = e.Check(ctx, env, clean)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Accept {
		t.Errorf("clean during the outage: %s, want accept (a DNS failure is no fault)", v)
	}
	if r, _ := rowOf(v, "dkim"); r.Result != "temperror" {
		t.Errorf("dkim row = %v, want temperror", r)
	}
	if ar, _ := fieldOf(v, "Authentication-Results"); strings.Contains(ar, "=pass") {
		t.Errorf("Authentication-Results %q has a pass during a DNS outage", ar)
	}
}

// TestGreylistRetry: the first sight of a triplet is 451 4.7.1 at RCPT;
// the retry after the delay passes, with a GREYLIST_PASS row.
func TestGreylistRetry(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	var mu sync.Mutex
	now := testNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e.Greylist = &greylist.Checker{Store: &greylist.MemoryStore{}, Delay: time.Minute, Now: clock}
	ctx := context.Background()
	msg := message("carol@example.org", "lunch", "Lunch on Friday?\n")

	s := e.NewSession(ctx)
	s.Connect(ctx, dynIP, "")
	s.Helo(ctx, "client.example.org")
	s.Mail(ctx, "carol@example.org")
	r := s.Rcpt(ctx, "bob@example.org")
	s.Close()
	if r.Action != Tempfail || r.Code != 451 || r.Enhanced != "4.7.1" {
		t.Fatalf("first Rcpt = %s, want 451 4.7.1", r)
	}

	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	s = e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, dynIP, "")
	s.Helo(ctx, "client.example.org")
	s.Mail(ctx, "carol@example.org")
	if r := s.Rcpt(ctx, "bob@example.org"); r.Action != Continue {
		t.Fatalf("retry Rcpt = %s, want continue", r)
	}
	s.Write(msg)
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if row, ok := rowOf(v, "greylist"); !ok || row.Rule != GreylistPass {
		t.Errorf("greylist row = %v, want %s", row, GreylistPass)
	}
}

// failingStore is a greylist store that always fails.
type failingStore struct{}

func (failingStore) Record(context.Context, greylist.Request) (greylist.Response, error) {
	return greylist.Response{}, errors.New("store down")
}

// TestInternalError: a store that fails tempfails under TempfailOnError
// and, under AcceptOnError, lets the message on with X-Spamkit-Error and
// a SPAMKIT_ERROR row; never a silent pass.
func TestInternalError(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	ctx := context.Background()
	env := Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}
	msg := message("alice@example.com", "hello", "Hello Bob.\n")

	e := testEngine(t, testResolver(srv, true))
	e.Greylist = &greylist.Checker{Store: failingStore{}}
	v, err := e.Check(ctx, env, msg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Tempfail || v.Reply.Code != 451 || !strings.HasPrefix(v.Reply.Enhanced, "4.") {
		t.Errorf("TempfailOnError: %s, want a 451", v)
	}

	e.OnError = AcceptOnError
	v, err = e.Check(ctx, env, msg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Accept {
		t.Errorf("AcceptOnError: %s, want accept", v)
	}
	if !errors.Is(v.Err, ErrCheck) || !errors.Is(v.Err, greylist.ErrStore) {
		t.Errorf("Verdict.Err = %v, want ErrCheck and greylist.ErrStore", v.Err)
	}
	if h, ok := fieldOf(v, "X-Spamkit-Error"); !ok || !strings.Contains(h, "greylist") || strings.Contains(h, "store down") {
		t.Errorf("X-Spamkit-Error = %q, %v; want the check named and no error chain", h, ok)
	}
	if r, ok := rowOf(v, "greylist"); !ok || r.Rule != InternalError {
		t.Errorf("greylist row = %v, want %s", r, InternalError)
	}
}

// TestTooBig: over MaxMessageBytes the content checks are skipped with a
// SPAMKIT_TOOBIG row, and DKIM, streamed, still verifies the whole body.
func TestTooBig(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	e.MaxMessageBytes = 4096
	body := strings.Repeat("All work and no play makes Jack a dull boy.\n", 400)
	msg := signed(t, message("alice@example.com", "big", body))
	env := Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}
	s := e.NewSession(context.Background())
	defer s.Close()
	s.Connect(context.Background(), env.IP, "")
	s.Helo(context.Background(), env.HELO)
	s.Mail(context.Background(), env.MailFrom)
	s.Rcpt(context.Background(), env.Rcpts[0])
	for chunk := range slicesChunk(msg, 1000) {
		s.Write(chunk)
		if len(s.msg) > 4096 {
			t.Fatalf("the session holds %d bytes, over MaxMessageBytes 4096", len(s.msg))
		}
	}
	v, err := s.EndOfData(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, ok := rowOf(v, "size")
	if !ok || r.Rule != TooBig || !errors.Is(r.Err, ErrMessageTooLarge) {
		t.Errorf("size row = %v, want %s with ErrMessageTooLarge", r, TooBig)
	}
	if _, ok := rowOf(v, "mime"); ok {
		t.Errorf("mime ran over a message over the cap")
	}
	if r, _ := rowOf(v, "dkim"); r.Rule != DKIMValid {
		t.Errorf("dkim row = %v, want %s (the body is hashed as it streams)", r, DKIMValid)
	}
}

func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			c := b[:min(n, len(b))]
			b = b[len(c):]
			if !yield(c) {
				return
			}
		}
	}
}

// TestChunking: the verdict does not depend on how the message is cut
// into writes, down to one byte each, LF or CRLF.
func TestChunking(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	msg := signed(t, message("alice@example.com", "chunks", "Line one.\nLine two.\n"))
	for _, size := range []int{1, 2, 3, 7, 64, len(msg)} {
		s := e.NewSession(context.Background())
		s.Connect(context.Background(), goodIP, "")
		s.Helo(context.Background(), "mail.example.com")
		s.Mail(context.Background(), "alice@example.com")
		s.Rcpt(context.Background(), "bob@example.org")
		for c := range slicesChunk(msg, size) {
			s.Write(c)
		}
		v, err := s.EndOfData(context.Background())
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := rowOf(v, "dkim"); r.Rule != DKIMValid {
			t.Errorf("chunks of %d: dkim row %v, want %s", size, r, DKIMValid)
		}
		if r, _ := rowOf(v, "dmarc"); r.Rule != DMARCPass {
			t.Errorf("chunks of %d: dmarc row %v, want %s", size, r, DMARCPass)
		}
	}
}

// TestHeaderTooLarge: a header over MaxHeaderBytes is a row with
// ErrHeaderTooLarge and a DKIM permerror, never a pass.
func TestHeaderTooLarge(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	e.MaxHeaderBytes = 1024
	msg := signed(t, message("alice@example.com", "long", "body\n"))
	msg = append([]byte("X-Filler: "+strings.Repeat("a", 2000)+"\r\n"), msg...)
	v, err := e.Check(context.Background(), Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}, msg)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rowOf(v, "dkim")
	if r.Result != "permerror" || !errors.Is(r.Err, ErrHeaderTooLarge) {
		t.Errorf("dkim row = %v (err %v), want permerror with ErrHeaderTooLarge", r, r.Err)
	}
	// Every configured check has its row: ARC could not verify either.
	if r, ok := rowOf(v, "arc"); !ok || r.Result != "fail" || !errors.Is(r.Err, ErrHeaderTooLarge) {
		t.Errorf("arc row = %v, %v (err %v), want fail with ErrHeaderTooLarge", r, ok, r.Err)
	}
	if ar, _ := fieldOf(v, "Authentication-Results"); !strings.Contains(ar, `arc=fail reason="header too large"`) {
		t.Errorf("Authentication-Results = %q, want arc=fail", ar)
	}
}

// TestDataTimeout: a DNS answer slower than DataTimeout is a temperror
// row with ErrTimeout, and the verdict does not wait for it.
func TestDataTimeout(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	srv.Delay("_dmarc.example.com", resolvertest.AnyType, 3*time.Second)
	srv.Delay("example.com", resolvertest.TypeTXT, 3*time.Second)
	r := testResolver(srv, false)
	r.Timeout = 5 * time.Second
	e := testEngine(t, r)
	e.DataTimeout = 200 * time.Millisecond
	v, err := e.Check(context.Background(), Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}},
		message("alice@example.com", "slow", "body\n"))
	if err != nil {
		t.Fatal(err)
	}
	row, _ := rowOf(v, "dmarc")
	if row.Result != "temperror" {
		t.Errorf("dmarc row = %v, want temperror", row)
	}
	row, _ = rowOf(v, "spf")
	if row.Result != "temperror" || row.Reason != "DNS timeout" || !errors.Is(row.Err, ErrTimeout) {
		t.Errorf("spf row = %v (%v), want temperror, DNS timeout, ErrTimeout", row, row.Err)
	}
	if ar, _ := fieldOf(v, "Authentication-Results"); !strings.Contains(ar, `spf=temperror reason="DNS timeout" smtp.mailfrom=alice@example.com`) {
		t.Errorf("Authentication-Results %q", ar)
	}
	if v.Action != Accept {
		t.Errorf("verdict %s, want accept", v)
	}
}

// TestStrip: a policy that strips gives Verdict.Strip and a body without
// the part.
func TestStrip(t *testing.T) {
	t.Parallel()
	e := &Engine{MIME: &mime.Scanner{}, MIMEPolicy: mime.Policy{Reject: []mime.Kind{}, Strip: []mime.Kind{mime.KindExecutable, mime.KindDangerousExtension}}}
	s := e.NewSession(context.Background())
	defer s.Close()
	s.Mail(context.Background(), "billing@example.com")
	s.Write(malware())
	v, err := s.EndOfData(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Strip) == 0 || v.Action != Accept {
		t.Fatalf("verdict %s strip %v, want accept with parts to strip", v, v.Strip)
	}
	body, err := s.StrippedBody()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "invoice.zip\"\r\nContent-Transfer-Encoding: base64") || len(body) >= len(malware()) {
		t.Errorf("stripped body still holds the zip:\n%s", body)
	}
}

// TestStageOrder: EndOfData without a transaction is ErrStage; the zero
// Engine accepts with an Authentication-Results of its own.
func TestStageOrder(t *testing.T) {
	t.Parallel()
	var e Engine
	s := e.NewSession(context.Background())
	defer s.Close()
	if _, err := s.EndOfData(context.Background()); !errors.Is(err, ErrStage) {
		t.Errorf("EndOfData before Mail: %v, want ErrStage", err)
	}
	s.Mail(context.Background(), "a@example.org")
	s.Write([]byte("Subject: x\r\n\r\nbody\r\n"))
	v, err := s.EndOfData(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Accept || count(v, "Authentication-Results") != 1 {
		t.Errorf("zero Engine: %s %v", v, v.Headers)
	}
	if _, err := s.EndOfData(context.Background()); !errors.Is(err, ErrStage) {
		t.Errorf("a second EndOfData: %v, want ErrStage", err)
	}
	if n, err := s.Write([]byte("more")); n != 0 || !errors.Is(err, ErrStage) {
		t.Errorf("Write after EndOfData = %d, %v; want 0, ErrStage", n, err)
	}
	s.Reset()
	if _, err := s.EndOfData(context.Background()); !errors.Is(err, ErrStage) {
		t.Errorf("EndOfData after Reset: %v, want ErrStage", err)
	}
	if _, err := s.Write([]byte("Subject: x\r\n")); !errors.Is(err, ErrStage) {
		t.Errorf("Write before Mail: %v, want ErrStage", err)
	}
}

// TestHeaderTooLargeSpoof: padding the header past MaxHeaderBytes does not
// get a spoof of a p=reject domain past DMARC: the From field is read
// from the whole header (held with the message), and a header that is
// not held fails closed.
func TestHeaderTooLargeSpoof(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	e.MaxHeaderBytes = 1024
	msg := message("ceo@example.com", "wire transfer", "Please pay the attached invoice today.\r\n")
	msg = append([]byte("X-Filler: "+strings.Repeat("a", 2000)+"\r\n"), msg...)
	env := Envelope{IP: dynIP, HELO: "pc45.dyn.example.net", MailFrom: "ceo@example.net", Rcpts: []string{"bob@example.org"}}
	v, err := e.Check(context.Background(), env, msg)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rowOf(v, "dmarc"); r.Result != "fail" || v.Action != Reject || v.Reply.Code != 550 {
		t.Errorf("dmarc row %v, verdict %v; want dmarc fail, 550 5.7.1", r, v)
	}
	// Header and message both over their caps: the header is not held,
	// but its From field was read as the header streamed past the cap
	// (the overflow reader), so DMARC still judges it.
	e.MaxMessageBytes = 1500
	v, err = e.Check(context.Background(), env, msg)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rowOf(v, "dmarc"); r.Result != "fail" || v.Action != Reject || v.Reply.Code != 550 {
		t.Errorf("header not held: dmarc row %v, verdict %v; want dmarc fail, 550 5.7.1", r, v)
	}
}
