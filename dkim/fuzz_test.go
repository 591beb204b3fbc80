package dkim_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
)

// FuzzParseSignature checks that a signature that parses renders back,
// through FormatField, to a field that parses to the same signature.
func FuzzParseSignature(f *testing.F) {
	f.Add("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; h=from:to; bh=AAAA; b=AAAA\r\n")
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := dkim.ParseSignature(dkim.Field{Name: "DKIM-Signature", Raw: raw})
		if err != nil {
			return
		}
		again := dkim.FormatField("DKIM-Signature", s.Tags)
		s2, err := dkim.ParseSignature(dkim.Field{Name: "DKIM-Signature", Raw: again})
		if err != nil {
			t.Fatalf("ParseSignature(FormatField(%q)) = %v", raw, err)
		}
		if s.Domain != s2.Domain || s.Selector != s2.Selector || s.Algorithm != s2.Algorithm ||
			!slices.Equal(s.Headers, s2.Headers) || !bytes.Equal(s.BodyHash, s2.BodyHash) || !bytes.Equal(s.Sig, s2.Sig) ||
			s.Length != s2.Length || !s.Time.Equal(s2.Time) || s.Identifier != s2.Identifier {
			t.Fatalf("round trip of %q changed the signature:\n%+v\n%+v", raw, s, s2)
		}
		// Hashing must not fail on anything that parses.
		dkim.HeaderHash(s.Algorithm, dkim.Header{{Name: "From", Raw: "From: a@b\r\n"}}, s.Headers, s.HeaderCanon, raw)
	})
}

// FuzzParseKey checks that a key record that parses gives a usable key,
// whose own record (KeyRecord) parses to the same key.
func FuzzParseKey(f *testing.F) {
	f.Add("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	f.Add("v=DKIM1; p=")
	f.Fuzz(func(t *testing.T, rec string) {
		k, err := dkim.ParseKey(rec)
		if err != nil {
			return
		}
		switch pub := k.Public.(type) {
		case *rsa.PublicKey:
			if pub.N.BitLen() != k.Bits {
				t.Fatalf("ParseKey(%q).Bits = %d, modulus has %d", rec, k.Bits, pub.N.BitLen())
			}
		case ed25519.PublicKey:
		default:
			t.Fatalf("ParseKey(%q).Public is a %T", rec, k.Public)
		}
		again, err := dkim.KeyRecord(k.Public)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := dkim.ParseKey(again)
		if err != nil || k2.Bits != k.Bits || k2.Type != k.Type {
			t.Fatalf("ParseKey(KeyRecord(ParseKey(%q))) = %+v, %v; want %+v", rec, k2, err, k)
		}
	})
}

// FuzzParseTags checks that a tag-list that parses renders back to one
// that parses to the same tags.
func FuzzParseTags(f *testing.F) {
	f.Add("v=1; a=rsa-sha256;\r\n\tb=abc ; ")
	f.Fuzz(func(t *testing.T, s string) {
		tags, err := dkim.ParseTags(s)
		if err != nil {
			return
		}
		field := dkim.FormatField("X", tags)
		tags2, err := dkim.ParseTags(field[2:])
		if err != nil {
			t.Fatalf("ParseTags(FormatField(%q)) = %v", s, err)
		}
		if len(tags) != len(tags2) {
			t.Fatalf("round trip of %q: %d tags, then %d", s, len(tags), len(tags2))
		}
		for i := range tags {
			if tags[i].Name != tags2[i].Name || stripWS(tags[i].Value) != stripWS(tags2[i].Value) {
				t.Fatalf("round trip of %q: tag %d %q, then %q", s, i, tags[i], tags2[i])
			}
		}
	})
}

func stripWS(s string) string {
	return string(bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, []byte(s)))
}

// FuzzHeaderBuilder checks that a field HeaderBuilder.Add accepts is
// well formed (name, colon, CRLF line ends only) and reads back through
// ReadHeader as the same one field: a value can never smuggle in another
// field or the end of the header.
func FuzzHeaderBuilder(f *testing.F) {
	f.Add("Subject", "hello", false)
	f.Add("To", "a@example.com,\n\tb@example.com", true)
	f.Add("X", "\r\n", false)
	f.Add("Subject", "a\nFrom: evil@example.com", false)
	f.Add("Subject", "a\n \n\tb", false)
	f.Fuzz(func(t *testing.T, name, value string, lead bool) {
		hb := dkim.HeaderBuilder{LeadingSpace: lead}
		if err := hb.Add(name, value); err != nil {
			if !errors.Is(err, dkim.ErrFieldName) && !errors.Is(err, dkim.ErrFieldValue) && !errors.Is(err, dkim.ErrHeaderTooLarge) {
				t.Fatalf("Add(%q, %q) = %v", name, value, err)
			}
			return
		}
		raw := hb.Header()[0].Raw
		if !strings.HasPrefix(raw, name+":") || !strings.HasSuffix(raw, "\r\n") ||
			strings.Count(raw, "\n") != strings.Count(raw, "\r\n") {
			t.Fatalf("Add(%q, %q) = %q", name, value, raw)
		}
		h, _, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(raw+"\r\n")), 0)
		if err != nil || len(h) != 1 || h[0] != hb.Header()[0] {
			t.Fatalf("ReadHeader(Add(%q, %q)) = %q, %v", name, value, h, err)
		}
	})
}
