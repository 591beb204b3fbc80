package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver"
)

const dkimHeader = "From: Alice <alice@example.com>\r\n" +
	"To: Bob <bob@example.org>\r\n" +
	"Subject: Quarterly report\r\n" +
	"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
	"Message-ID: <bench.1@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n"

// dkimBody returns about size bytes of mail text: 70-character lines,
// some with double spaces and trailing blanks, CRLF line ends.
func dkimBody(size int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		switch i % 10 {
		case 3:
			b.WriteString("Figures  for the quarter are  below, with\tthe usual caveats.   \r\n")
		case 9:
			b.WriteString("\r\n")
		default:
			fmt.Fprintf(&b, "Line %05d of the report: revenue, costs and the outlook for next year.\r\n", i)
		}
	}
	return b.Bytes()
}

var dkimNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// signed returns the message with a body of size bytes, signed by ours
// with rsa2048 relaxed/relaxed.
func signed(tb testing.TB, size int) []byte {
	tb.Helper()
	msg := append([]byte(dkimHeader), dkimBody(size)...)
	s := &dkim.Signer{Domain: "example.com", Selector: "rsa2048", Key: dkimtest.Key(tb, "rsa2048"), Now: func() time.Time { return dkimNow }}
	f, err := s.Sign(bytes.NewReader(msg))
	if err != nil {
		tb.Fatal(err)
	}
	return append([]byte(f), msg...)
}

// cachedResolver serves the test keys with a cache, so that verification
// benchmarks measure DKIM, not DNS round trips.
func cachedResolver(tb testing.TB) *resolver.Resolver {
	r := dkimtest.Server(tb).Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	return r
}

func msgauthOptions(r *resolver.Resolver) *msgauth.VerifyOptions {
	return &msgauth.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		return r.LookupTXT(context.Background(), name)
	}}
}

// TestMsgauthAgrees is a differential test: go-msgauth verifies what
// spamkit signs, and spamkit verifies what go-msgauth signs, in every
// canonicalization.
func TestMsgauthAgrees(t *testing.T) {
	r := cachedResolver(t)
	msg := append([]byte(dkimHeader), dkimBody(5000)...)
	for _, c := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
		for _, sel := range []string{"rsa2048", "ed"} {
			key := dkimtest.Key(t, map[string]string{"rsa2048": "rsa2048", "ed": "ed25519"}[sel])
			s := &dkim.Signer{Domain: "example.com", Selector: sel, Key: key, HeaderCanonicalization: c, BodyCanonicalization: c, Now: time.Now}
			f, err := s.Sign(bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			vs, err := msgauth.VerifyWithOptions(strings.NewReader(f+string(msg)), msgauthOptions(r))
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Errorf("go-msgauth Verify(ours %s %s) = %v, %v", sel, c, vs, err)
			}

			var out bytes.Buffer
			err = msgauth.Sign(&out, bytes.NewReader(msg), &msgauth.SignOptions{Domain: "example.com", Selector: sel, Signer: key,
				HeaderCanonicalization: msgauth.Canonicalization(c), BodyCanonicalization: msgauth.Canonicalization(c)})
			if err != nil {
				t.Fatal(err)
			}
			v := &dkim.Verifier{Resolver: r}
			ours, err := v.Verify(context.Background(), &out)
			if err != nil || len(ours) != 1 || ours[0].Result != dkim.Pass {
				t.Errorf("Verify(go-msgauth %s %s) = %v, %v", sel, c, ours, err)
			}
		}
	}
}

var sizes = []struct {
	name string
	n    int
}{{"10KB", 10 << 10}, {"1MB", 1 << 20}}

// BenchmarkVerify verifies one rsa-sha256 relaxed/relaxed signature.
func BenchmarkVerify(b *testing.B) {
	r := cachedResolver(b)
	for _, sz := range sizes {
		msg := signed(b, sz.n)
		b.Run(sz.name, func(b *testing.B) {
			v := &dkim.Verifier{Resolver: r, Now: func() time.Time { return dkimNow }}
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				vs, err := v.Verify(context.Background(), bytes.NewReader(msg))
				if err != nil || vs[0].Result != dkim.Pass {
					b.Fatal(vs, err)
				}
			}
		})
	}
}

// BenchmarkVerifyMsgauth is go-msgauth's dkim.Verify on the same
// messages with the same resolver.
func BenchmarkVerifyMsgauth(b *testing.B) {
	r := cachedResolver(b)
	opts := msgauthOptions(r)
	for _, sz := range sizes {
		msg := signed(b, sz.n)
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				vs, err := msgauth.VerifyWithOptions(bytes.NewReader(msg), opts)
				if err != nil || vs[0].Err != nil {
					b.Fatal(vs, err)
				}
			}
		})
	}
}

// BenchmarkVerifyParallel verifies from all CPUs with one Verifier.
func BenchmarkVerifyParallel(b *testing.B) {
	r := cachedResolver(b)
	msg := signed(b, 10<<10)
	v := &dkim.Verifier{Resolver: r, Now: func() time.Time { return dkimNow }}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if vs, err := v.Verify(context.Background(), bytes.NewReader(msg)); err != nil || vs[0].Result != dkim.Pass {
				b.Error(vs, err)
				return
			}
		}
	})
}

// BenchmarkBodyHash hashes a 1 MB body canonicalized, against plain
// SHA-256 over the same bytes.
func BenchmarkBodyHash(b *testing.B) {
	body := dkimBody(1 << 20)
	for _, c := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
		b.Run(string(c), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				h := dkim.NewBodyHasher(dkim.RSASHA256, c, -1)
				h.Write(body)
				h.Sum()
			}
		})
	}
	b.Run("sha256", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			h := sha256.New()
			h.Write(body)
			h.Sum(nil)
		}
	})
}

// BenchmarkSign signs a 10 KB message, ours beside go-msgauth's.
func BenchmarkSign(b *testing.B) {
	msg := append([]byte(dkimHeader), dkimBody(10<<10)...)
	for _, k := range []string{"rsa2048", "ed25519"} {
		key := dkimtest.Key(b, k)
		b.Run(k, func(b *testing.B) {
			s := &dkim.Signer{Domain: "example.com", Selector: "s", Key: key}
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := s.Sign(bytes.NewReader(msg)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(k+"/msgauth", func(b *testing.B) {
			opts := &msgauth.SignOptions{Domain: "example.com", Selector: "s", Signer: key,
				HeaderCanonicalization: msgauth.CanonicalizationRelaxed, BodyCanonicalization: msgauth.CanonicalizationRelaxed}
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if err := msgauth.Sign(io.Discard, bytes.NewReader(msg), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
