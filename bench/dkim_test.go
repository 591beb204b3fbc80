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
	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
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

// BenchmarkBodyHash hashes 1 MB bodies canonicalized, beside plain
// SHA-256 over the same bytes: "report" has a line in ten with double
// spaces, a tab and trailing blanks and one in ten empty (dkimBody);
// "clean" has only lines already canonical.
func BenchmarkBodyHash(b *testing.B) {
	var clean bytes.Buffer
	for i := 0; clean.Len() < 1<<20; i++ {
		fmt.Fprintf(&clean, "Line %05d of the report: revenue, costs and the outlook for next year.\r\n", i)
	}
	for _, body := range []struct {
		name string
		b    []byte
	}{{"report", dkimBody(1 << 20)}, {"clean", clean.Bytes()}} {
		for _, c := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
			b.Run(body.name+"/"+string(c), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body.b)))
				for b.Loop() {
					h := dkim.NewBodyHasher(dkim.RSASHA256, c, -1)
					h.Write(body.b)
					h.Sum()
				}
			})
		}
		b.Run(body.name+"/sha256", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body.b)))
			for b.Loop() {
				h := sha256.New()
				h.Write(body.b)
				h.Sum(nil)
			}
		})
	}
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

// arcChain returns a message with a body of size bytes that passed
// three ARC hops sealed by ours (rsa2048), the second hop a list that
// rewrites the subject.
func arcChain(tb testing.TB, size int) []byte {
	tb.Helper()
	msg := signed(tb, size)
	cv := arc.None
	for i, d := range []string{"example.org", "example.net", "relay.example.com"} {
		if i == 1 {
			msg = bytes.Replace(msg, []byte("Subject: "), []byte("Subject: [list] "), 1)
		}
		s := &arc.Sealer{Domain: d, Selector: "rsa2048", Key: dkimtest.Key(tb, "rsa2048"), AuthServID: "mx." + d,
			Now: func() time.Time { return dkimNow }}
		f, err := s.Seal(bytes.NewReader(msg), []authres.Result{{Method: "dkim", Value: "pass"}}, cv)
		if err != nil {
			tb.Fatal(err)
		}
		msg, cv = append([]byte(f), msg...), arc.Pass
	}
	return msg
}

// BenchmarkARCVerify validates a three-hop chain (three seals and the
// message signatures down to oldest-pass), and dkimpy's three-hop
// fixture. There is no ARC in go-msgauth to put beside it; the DKIM
// verification of the same message is the yardstick (one signature).
func BenchmarkARCVerify(b *testing.B) {
	r := cachedResolver(b)
	msgs := []struct {
		name string
		msg  []byte
	}{
		{"3hops-10KB", arcChain(b, 10<<10)},
		{"3hops-1MB", arcChain(b, 1<<20)},
		{"dkimpy-3hops", dkimtest.Read(b, "interop/arc-3.eml")},
	}
	for _, m := range msgs {
		b.Run(m.name, func(b *testing.B) {
			v := &arc.Verifier{Resolver: r}
			b.ReportAllocs()
			b.SetBytes(int64(len(m.msg)))
			for b.Loop() {
				res, err := v.Verify(context.Background(), bytes.NewReader(m.msg))
				if err != nil || res.Result != arc.Pass {
					b.Fatal(res.Err, err)
				}
			}
		})
	}
}

// BenchmarkARCVerifyParallel validates the 10 KB chain from all CPUs
// with one Verifier.
func BenchmarkARCVerifyParallel(b *testing.B) {
	r := cachedResolver(b)
	msg := arcChain(b, 10<<10)
	v := &arc.Verifier{Resolver: r}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res, err := v.Verify(context.Background(), bytes.NewReader(msg)); err != nil || res.Result != arc.Pass {
				b.Error(res.Err, err)
				return
			}
		}
	})
}

// BenchmarkARCSeal adds a fourth set to the 10 KB three-hop chain (two
// signatures: the message signature and the seal).
func BenchmarkARCSeal(b *testing.B) {
	msg := arcChain(b, 10<<10)
	results := []authres.Result{{Method: "arc", Value: "pass"}, {Method: "dkim", Value: "fail"}}
	for _, k := range []string{"rsa2048", "ed25519"} {
		b.Run(k, func(b *testing.B) {
			s := &arc.Sealer{Domain: "example.org", Selector: "s", Key: dkimtest.Key(b, k), AuthServID: "mx.example.org",
				Now: func() time.Time { return dkimNow }}
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := s.Seal(bytes.NewReader(msg), results, arc.Pass); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
