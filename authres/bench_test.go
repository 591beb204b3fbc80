package authres

import "testing"

const benchValue = "mx.example.org;\r\n\tspf=pass smtp.mailfrom=alice@example.com;\r\n" +
	"\tdkim=pass (2048-bit key) header.d=example.com header.i=@example.com header.s=sel header.a=rsa-sha256 header.b=abcdEFGH;\r\n" +
	"\tdmarc=pass header.from=example.com policy.dmarc=reject;\r\n\tarc=pass header.oldest-pass=2"

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchValue)))
	for b.Loop() {
		if _, err := Parse(benchValue); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkField(b *testing.B) {
	h, err := Parse(benchValue)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Field()
	}
}
