package session

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/internal/mimetest"
	"github.com/spamkit/spamkit/internal/testenv"
)

// benchMessage is a corpus-like message: DKIM-signed by example.com,
// multipart with a text part, an HTML part with links and a PDF-named
// attachment, about 12 KB.
func benchMessage(b testing.TB) []byte {
	text := strings.Repeat("Hi Bob, here are the figures for the third quarter, as discussed on Tuesday. "+
		"See http://www.example.com/reports/q3 and http://spam.example/offer for details.\n", 40)
	msg := mimetest.Message("Q3 figures", text,
		mimetest.Attachment{Name: "figures.html", Type: "text/html", Data: []byte("<html><body><p>" + strings.Repeat("Quarterly <a href=\"http://www.example.com/q\">report</a> ", 40) + "</p></body></html>")},
		mimetest.Attachment{Name: "notes.txt", Type: "text/plain", Data: []byte(strings.Repeat("note ", 400))})
	msg = []byte(strings.Replace(string(msg), "From: sender@example.org", "From: Alice <alice@example.com>", 1))
	return signed(b, msg)
}

// benchEngine has every check on, over a warm cache.
func benchEngine(b testing.TB) *Engine {
	srv := testServer(b)
	e := testEngine(b, testResolver(srv, true))
	e.Bayes = trainedBayes(b)
	start := testNow
	var n atomic.Int64
	// Each triplet passes: the clock moves an hour per check, past the
	// greylisting delay, so that the store is exercised without a 451
	// (atomically: BenchmarkSessionParallel's sessions share the clock).
	e.Greylist = &greylist.Checker{Store: &greylist.MemoryStore{}, Now: func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Hour) }}
	return e
}

// BenchmarkSession is a whole SMTP session per iteration (Connect, Helo,
// Mail, Rcpt, the message written in 64 KiB chunks, EndOfData) with every
// check on (FCrDNS, HELO, DNSBL, SPF, greylist, DKIM, DMARC, ARC, mime,
// URIBL, bayes) and the DNS answers in the resolver's cache.
func BenchmarkSession(b *testing.B) {
	b.Run("multipart", func(b *testing.B) {
		e := benchEngine(b)
		benchMessages(b, e, [][]byte{benchMessage(b)})
	})
	b.Run("corpus", func(b *testing.B) {
		msgs := corpusMessages(b, 200)
		e := benchEngine(b)
		benchMessages(b, e, msgs)
	})
}

// BenchmarkSessionParallel runs sessions concurrently over one Engine,
// as an MTA's connections do.
func BenchmarkSessionParallel(b *testing.B) {
	e := benchEngine(b)
	msg := benchMessage(b)
	ctx := context.Background()
	if _, err := runSession(ctx, e, msg); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := runSession(ctx, e, msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
}

func benchMessages(b *testing.B, e *Engine, msgs [][]byte) {
	ctx := context.Background()
	warm := func(msg []byte) {
		if v, err := runSession(ctx, e, msg); err != nil || v.Action == Tempfail {
			b.Fatalf("%v %v", v, err)
		}
	}
	for _, m := range msgs {
		warm(m) // fills the DNS cache
	}
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	b.SetBytes(size / int64(len(msgs)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		if _, err := runSession(ctx, e, msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "msgs/s")
	// CPU time of the process (every goroutine, the in-process DNS
	// server's included) per message: the figure that a loaded machine
	// does not distort as it does wall time.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(i), "cpu-ns/op")
	b.ReportMetric(float64(i)/cpu.Seconds(), "msgs/cpu-s")
}

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runSession drives one session as an MTA would.
func runSession(ctx context.Context, e *Engine, msg []byte) (Verdict, error) {
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, goodIP, "")
	s.Helo(ctx, "mail.example.com")
	s.Mail(ctx, "alice@example.com")
	s.Rcpt(ctx, "bob@example.org")
	for c := range slicesChunk(msg, 64<<10) {
		s.Write(c)
	}
	return s.EndOfData(ctx)
}

// corpusMessages returns up to n messages of the SpamAssassin corpus
// (../corpus/spamassassin beside the repository, laid out by
// scripts/fetch-corpus), half ham and half spam, or skips.
func corpusMessages(tb testing.TB, n int) [][]byte {
	tb.Helper()
	dir := filepath.Join(testenv.RepoRoot(tb), "..", "corpus", "spamassassin")
	var msgs [][]byte
	for _, class := range []string{"ham", "spam"} {
		files, _ := filepath.Glob(filepath.Join(dir, class, "*"))
		for _, f := range files[:min(n/2, len(files))] {
			m, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		tb.Skipf("no SpamAssassin corpus at %s (scripts/fetch-corpus fetches it)", dir)
	}
	return msgs
}
