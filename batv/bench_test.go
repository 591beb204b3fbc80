package batv

import (
	"crypto/hmac"
	"crypto/sha1"
	"testing"
)

// BenchmarkSign: tagging a MAIL FROM.
func BenchmarkSign(b *testing.B) {
	c := newChecker(day0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Sign("alice@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck: the RCPT-time check of a bounce, per kind of recipient.
func BenchmarkCheck(b *testing.B) {
	c := newChecker(day0)
	good, _ := c.Sign("alice@example.com")
	for _, tc := range []struct{ name, rcpt string }{
		{"valid", good},
		{"forged", "prvs=1796000000=alice@example.com"},
		{"missing", "alice@example.com"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Check("", tc.rcpt)
			}
		})
	}
}

// BenchmarkHash compares the allocation-free HMAC with crypto/hmac on
// the same input.
func BenchmarkHash(b *testing.B) {
	secret := []byte("s3cret")
	kd := kddd(1, 796)
	addr := "alice@example.com"
	b.Run("prvsHash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			prvsHash(secret, &kd, addr)
		}
	})
	b.Run("crypto-hmac", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha1.New, secret)
			m.Write(kd[:])
			m.Write([]byte(addr))
			m.Sum(nil)
		}
	})
}

// BenchmarkStrip: normalizing a tagged and an untagged address.
func BenchmarkStrip(b *testing.B) {
	for _, a := range []string{"prvs=0796d71aae=postmaster@example.com", "postmaster@example.com"} {
		b.Run(a[:4], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Strip(a)
			}
		})
	}
}
