package bayes_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
	"github.com/spamkit/spamkit/bayes/redisstore"
	"github.com/spamkit/spamkit/internal/testenv"
)

// corpus composes n messages of about 3 KiB each, as mail of 2003 was:
// a few Received fields, the usual header, a text body of words from a
// vocabulary of 5000, every fourth message in HTML with links.
func corpus(n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	vocab := make([]string, 5000)
	for i := range vocab {
		var b strings.Builder
		for range 3 + r.IntN(7) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		vocab[i] = b.String()
	}
	word := func() string {
		// Zipf-like: low indices far more often.
		return vocab[int(float64(len(vocab))*r.Float64()*r.Float64()*r.Float64())]
	}
	msgs := make([][]byte, n)
	for i := range msgs {
		var b strings.Builder
		for h := range 3 {
			fmt.Fprintf(&b, "Received: from mx%d.%s.example (mx%d.%s.example [192.0.2.%d])\r\n\tby mail.%s.example with ESMTP id %x\r\n\tfor <user@example.org>; Mon, 1 Jan 2024 00:00:%02d +0000\r\n",
				h, word(), h, word(), r.IntN(255), word(), r.Uint32(), h)
		}
		fmt.Fprintf(&b, "From: %s <%s@%s.example>\r\nTo: user@example.org\r\nSubject: %s %s %s\r\nMessage-ID: <%x@%s.example>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMIME-Version: 1.0\r\nX-Mailer: %s 1.0\r\n",
			word(), word(), word(), word(), word(), word(), r.Uint64(), word(), word())
		html := i%4 == 0
		if html {
			b.WriteString("Content-Type: text/html; charset=us-ascii\r\n\r\n<html><body><p>")
		} else {
			b.WriteString("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
		}
		for line := range 40 {
			for range 9 {
				b.WriteString(word())
				b.WriteByte(' ')
			}
			if html && line%10 == 0 {
				fmt.Fprintf(&b, `<a href="http://www.%s.example/%s/%s?id=%d">%s</a>`, word(), word(), word(), r.IntN(1e6), word())
			}
			b.WriteString("\r\n")
		}
		if html {
			b.WriteString("</p></body></html>\r\n")
		}
		msgs[i] = []byte(b.String())
	}
	return msgs
}

func BenchmarkTokenize(b *testing.B) {
	msgs := corpus(64, 1)
	for _, osb := range []bool{false, true} {
		b.Run(fmt.Sprintf("osb=%v", osb), func(b *testing.B) {
			tk := bayes.Tokenizer{OSB: osb}
			var size int64
			for _, m := range msgs {
				size += int64(len(m))
			}
			b.SetBytes(size / int64(len(msgs)))
			b.ReportAllocs()
			i := 0
			start := cpuTime()
			for b.Loop() {
				tk.Tokenize(context.Background(), msgs[i%len(msgs)])
				i++
			}
			reportCPU(b, start)
		})
	}
}

// stores returns the stores to benchmark, each new and empty.
func stores(b *testing.B) []struct {
	name string
	s    bayes.Store
} {
	bolt, err := boltstore.Open(filepath.Join(b.TempDir(), "b.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bolt.Close() })
	out := []struct {
		name string
		s    bayes.Store
	}{{"mem", bayes.NewMemStore()}, {"bolt", bolt}}
	if _, err := exec.LookPath("redis-server"); err != nil && !testenv.Integration() {
		return out // the Redis benchmarks need a server; the others do not
	}
	srv := testenv.Redis(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	b.Cleanup(func() { rdb.Close() })
	out = append(out, struct {
		name string
		s    bayes.Store
	}{"redis", &redisstore.Store{Client: rdb}})
	return out
}

// BenchmarkClassify classifies messages on a store trained on 400
// others; ns/op is per message (msgs/s = 1e9 / ns/op).
func BenchmarkClassify(b *testing.B) {
	train := corpus(400, 2)
	test := corpus(100, 3)
	ctx := context.Background()
	for _, st := range stores(b) {
		b.Run(st.name, func(b *testing.B) {
			c := &bayes.Classifier{Store: st.s}
			var ex []bayes.Example
			for i, m := range train {
				class := bayes.Ham
				if i%3 == 0 {
					class = bayes.Spam
				}
				ex = append(ex, bayes.Example{Class: class, Msg: m})
			}
			if _, err := c.TrainBatch(ctx, ex); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			start := cpuTime()
			for b.Loop() {
				if _, err := c.Classify(ctx, test[i%len(test)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkTrain trains one message per op (one commit each: bolt
// fsyncs every message), and a batch of 100 per op.
func BenchmarkTrain(b *testing.B) {
	msgs := corpus(200, 4)
	ctx := context.Background()
	for _, st := range stores(b) {
		b.Run(st.name, func(b *testing.B) {
			c := &bayes.Classifier{Store: st.s}
			b.ReportAllocs()
			i := 0
			start := cpuTime()
			for b.Loop() {
				if _, err := c.Train(ctx, bayes.Spam, msgs[i%len(msgs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportCPU(b, start)
		})
		b.Run(st.name+"/batch100", func(b *testing.B) {
			c := &bayes.Classifier{Store: st.s}
			ex := make([]bayes.Example, 100)
			for i := range ex {
				ex[i] = bayes.Example{Class: bayes.Ham, Msg: msgs[i]}
			}
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, err := c.TrainBatch(ctx, ex); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkClassifyUntrained classifies with a store trained below the
// minimum (MinSpam, MinHam): the default skips the message (a lookup of
// the totals), "no-minimum" tokenizes and scores it as before.
func BenchmarkClassifyUntrained(b *testing.B) {
	msgs := corpus(200, 3)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		min  int
	}{{"default", 0}, {"no-minimum", -1}} {
		b.Run(tt.name, func(b *testing.B) {
			c := &bayes.Classifier{MinSpam: tt.min, MinHam: tt.min}
			for i, m := range msgs[:20] {
				class := bayes.Spam
				if i%2 == 0 {
					class = bayes.Ham
				}
				c.Train(ctx, class, m)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Classify(ctx, msgs[i%len(msgs)])
				i++
			}
		})
	}
}
