package session

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/mimetest"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/spf"
)

// testNow is the tests' clock.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// The test lists, in postscreen_dnsbl_sites syntax.
const (
	testIPLists  = "zen.dnsbl.test=127.0.0.[2..11]*3 list.dnswl.test=127.0.[0..255].[1..3]*-2"
	testURILists = "multi.uribl.test=&8*3"
)

// Client addresses of the tests.
var (
	goodIP   = netip.MustParseAddr("192.0.2.10")    // mail.example.com, confirmed, in the DNSWL
	dynIP    = netip.MustParseAddr("198.51.113.45") // generic name, not in example.com's SPF
	listedIP = netip.MustParseAddr("203.0.113.66")  // in the DNSBL
)

// testServer serves testdata/session.zone and the DKIM test keys.
func testServer(t testing.TB) *resolvertest.Server {
	t.Helper()
	text, err := os.ReadFile("testdata/session.zone")
	if err != nil {
		t.Fatal(err)
	}
	return dkimtest.Server(t, resolvertest.Zone{Origin: ".", Text: string(text)})
}

// testResolver is srv's resolver with short timeouts (a dropped query
// fails in about 200 ms) and, if warm, a cache.
func testResolver(srv *resolvertest.Server, warm bool) *resolver.Resolver {
	r := srv.Resolver()
	r.Timeout = 100 * time.Millisecond
	r.Attempts = 2
	if warm {
		r.Cache = resolver.NewCache(resolver.CacheOptions{})
	}
	return r
}

// testEngine has every check of the package on against r, except the
// stores (greylist, harvest, batv), which tests add.
func testEngine(t testing.TB, r *resolver.Resolver) *Engine {
	t.Helper()
	ipLists, err := rbl.ParseLists(testIPLists)
	if err != nil {
		t.Fatal(err)
	}
	uriLists, err := rbl.ParseLists(testURILists)
	if err != nil {
		t.Fatal(err)
	}
	for i := range uriLists {
		uriLists[i].Kind = rbl.KindDomain
	}
	now := func() time.Time { return testNow }
	return &Engine{
		AuthServID: "mx.example.org",
		RDNS:       &rdns.Checker{Resolver: r},
		DNSBL:      &rbl.Checker{Resolver: r, Lists: ipLists, Threshold: 3, AllowlistThreshold: -1},
		SPF:        &spf.Checker{Resolver: r, ReceiverHost: "mx.example.org", Now: now},
		DKIM:       &dkim.Verifier{Resolver: r, Now: now},
		DMARC:      &dmarc.Evaluator{Resolver: r},
		ARC:        &arc.Verifier{Resolver: r, Now: now},
		MIME:       &mime.Scanner{},
		URIBL:      &rbl.Checker{Resolver: r, Lists: uriLists, Threshold: 3},
		Now:        now,
	}
}

// message returns a small message from alice@example.com, with CRLF.
func message(from, subject, body string) []byte {
	return []byte(strings.ReplaceAll("From: "+from+"\n"+
		"To: bob@example.org\n"+
		"Subject: "+subject+"\n"+
		"Date: Thu, 26 Nov 2026 11:59:00 +0000\n"+
		"Message-ID: <"+strings.ReplaceAll(subject, " ", ".")+"@example.com>\n"+
		"MIME-Version: 1.0\n"+
		"Content-Type: text/plain; charset=us-ascii\n"+
		"\n"+body, "\n", "\r\n"))
}

// signed returns msg with a DKIM signature of example.com (key rsa2048).
func signed(t testing.TB, msg []byte) []byte {
	t.Helper()
	s := &dkim.Signer{Domain: "example.com", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"),
		Now: func() time.Time { return testNow }}
	f, err := s.Sign(strings.NewReader(string(msg)))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(f), msg...)
}

// malware returns a message with a zipped executable.
func malware() []byte {
	zip := mimetest.Zip(mimetest.ZipEntry{Name: "invoice.exe", Data: mimetest.PE()})
	body := mimetest.Message("Your invoice", "Please see the attached invoice.", mimetest.Attachment{Name: "invoice.zip", Type: "application/zip", Data: zip})
	return bytes.Replace(body, []byte("From: sender@example.org"), []byte("From: billing@example.com"), 1)
}

// fieldOf returns the value of the first field named name, unfolded.
func fieldOf(v Verdict, name string) (string, bool) {
	for _, f := range v.Headers {
		if strings.EqualFold(f.Name, name) {
			s := strings.NewReplacer("\r\n\t", " ", "\r\n ", " ").Replace(f.Value)
			return strings.TrimSpace(s), true
		}
	}
	return "", false
}

// count returns how many fields named name v adds.
func count(v Verdict, name string) int {
	n := 0
	for _, f := range v.Headers {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// rowOf returns the first row of check.
func rowOf(v Verdict, check string) (Row, bool) {
	for _, r := range v.Rows {
		if r.Check == check {
			return r, true
		}
	}
	return Row{}, false
}

// trainedBayes returns a classifier trained on 200 spam and 200 ham
// texts: as many as SpamAssassin (bayes_min_spam_num, bayes_min_ham_num)
// and bayes's training minimum want before a message is classified.
func trainedBayes(t testing.TB) *bayes.Classifier {
	t.Helper()
	c := &bayes.Classifier{Store: bayes.NewMemStore()}
	ctx := context.Background()
	for i := range 200 {
		spam := message("promo@example.net", "win a cruise", "Claim your FREE prize now! Viagra casino winner lottery cash bonus offer "+strings.Repeat("x", i))
		ham := message("alice@example.com", "meeting notes", "Hi Bob, the minutes of Tuesday's meeting are below; the budget review moves to Friday. "+strings.Repeat("y", i))
		if _, err := c.Train(ctx, bayes.Spam, spam); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Train(ctx, bayes.Ham, ham); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func bayesClass(s string) bayes.Result {
	if s == "spam" {
		return bayes.Spam
	}
	return bayes.Ham
}
