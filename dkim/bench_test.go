package dkim_test

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
)

// BenchmarkParseSignature parses the DKIM-Signature of each fixture
// kind (the verify and sign benchmarks, beside go-msgauth's, are in the
// bench module).
func BenchmarkParseSignature(b *testing.B) {
	for _, file := range []string{"interop/dkimpy-ws-rsa-sha256-relaxed-relaxed.eml", "interop/dkimpy-ws-ed25519-sha256-relaxed-relaxed.eml"} {
		f := firstField(b, file, "DKIM-Signature")
		b.Run(file[len("interop/dkimpy-ws-"):len(file)-len("-relaxed-relaxed.eml")], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dkim.ParseSignature(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseKey parses an RSA 2048 and an ed25519 key record.
func BenchmarkParseKey(b *testing.B) {
	for _, k := range []string{"rsa2048", "ed25519"} {
		rec, err := dkim.KeyRecord(dkimtest.Key(b, k).Public())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dkim.ParseKey(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func firstField(b *testing.B, file, name string) dkim.Field {
	b.Helper()
	h, _, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(dkimtest.Read(b, file))), 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range h {
		if f.Name == name {
			return f
		}
	}
	b.Fatalf("%s has no %s", file, name)
	return dkim.Field{}
}
