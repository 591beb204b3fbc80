package dkim_test

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

const testMessage = "From: Alice <alice@example.com>\r\n" +
	"To: Bob <bob@example.org>\r\n" +
	"Subject: Test\r\n" +
	"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
	"Message-ID: <t.1@example.com>\r\n" +
	"\r\n" +
	"Hello,\r\n\r\nthis is a test.\r\n"

var signTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// sign signs msg with s (Now defaulting to signTime) and returns the
// signed message.
func sign(t testing.TB, s *dkim.Signer, msg string) string {
	t.Helper()
	if s.Now == nil {
		s.Now = fixedNow(signTime)
	}
	field, err := s.Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return field + msg
}

func signer(t testing.TB, sel string, key crypto.Signer) *dkim.Signer {
	return &dkim.Signer{Domain: "example.com", Selector: sel, Key: key}
}

func TestVerifyResults(t *testing.T) {
	rsa := dkimtest.Key(t, "rsa2048")
	ed := dkimtest.Key(t, "ed25519")
	rec, _ := dkim.KeyRecord(rsa.Public())
	edRec, _ := dkim.KeyRecord(ed.Public())
	srv := dkimtest.Server(t, resolvertest.Zone{Origin: "example.net.", Text: `
revoked._domainkey    IN TXT "v=DKIM1; k=rsa; p="
garbage._domainkey    IN TXT "v=DKIM1; k=rsa; p=!!!"
notdkim._domainkey    IN TXT "hello world"
testing._domainkey    IN TXT "v=DKIM1; t=y; ` + rec[len("v=DKIM1; "):] + `"
strict._domainkey     IN TXT "v=DKIM1; t=s; ` + rec[len("v=DKIM1; "):] + `"
sha1only._domainkey   IN TXT "v=DKIM1; h=sha1; ` + rec[len("v=DKIM1; "):] + `"
web._domainkey        IN TXT "v=DKIM1; s=web; ` + rec[len("v=DKIM1; "):] + `"
edasrsa._domainkey    IN TXT "v=DKIM1; k=rsa; p=` + edRec[strings.Index(edRec, "p=")+2:] + `"
two._domainkey        IN TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
two._domainkey        IN TXT "` + rec + `"
servfail._domainkey   IN TXT "` + rec + `"
drop._domainkey       IN TXT "` + rec + `"
dnssec._domainkey     IN TXT "` + rec + `"
`})
	srv.Fail("servfail._domainkey.example.net.", dns.TypeTXT, resolvertest.ServFail)
	srv.Fail("drop._domainkey.example.net.", dns.TypeTXT, resolvertest.Drop)
	srv.Authenticate("dnssec._domainkey.example.net.")
	net := func(sel string, key crypto.Signer) *dkim.Signer {
		return &dkim.Signer{Domain: "example.net", Selector: sel, Key: key}
	}

	for _, tc := range []struct {
		name   string
		msg    func() string
		v      dkim.Verifier
		want   dkim.Result
		err    error
		bits   int
		detail func(dkim.Outcome) string // "" if fine
	}{
		{name: "rsa pass", msg: func() string { return sign(t, signer(t, "rsa2048", rsa), testMessage) }, want: dkim.Pass, bits: 2048},
		{name: "ed25519 pass", msg: func() string { return sign(t, signer(t, "ed", ed), testMessage) }, want: dkim.Pass, bits: 256},
		{name: "body changed", msg: func() string { return sign(t, signer(t, "rsa2048", rsa), testMessage) + "P.S.\r\n" }, want: dkim.Fail, err: dkim.ErrBodyHash},
		{name: "subject changed", msg: func() string {
			return strings.Replace(sign(t, signer(t, "rsa2048", rsa), testMessage), "Subject: Test", "Subject: Tost", 1)
		}, want: dkim.Fail, err: dkim.ErrBadSignature},
		{name: "from added above (oversigned)", msg: func() string {
			return "From: mallory@example.org\r\n" + sign(t, signer(t, "ed", ed), testMessage)
		}, want: dkim.Fail, err: dkim.ErrBadSignature},
		{name: "whitespace changed relaxed", msg: func() string {
			return strings.Replace(sign(t, signer(t, "ed", ed), testMessage), "Subject: Test", "subject:    Test  ", 1)
		}, want: dkim.Pass},
		{name: "whitespace changed simple", msg: func() string {
			s := signer(t, "ed", ed)
			s.HeaderCanonicalization = dkim.Simple
			return strings.Replace(sign(t, s, testMessage), "Subject: Test", "Subject:  Test", 1)
		}, want: dkim.Fail, err: dkim.ErrBadSignature},
		{name: "no key record", msg: func() string { return sign(t, signer(t, "nosuch", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrNoKey},
		{name: "revoked", msg: func() string { return sign(t, net("revoked", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrKeyRevoked},
		{name: "garbage key", msg: func() string { return sign(t, net("garbage", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrKeySyntax},
		{name: "not a key record", msg: func() string { return sign(t, net("notdkim", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrKeySyntax},
		{name: "servfail", msg: func() string { return sign(t, net("servfail", rsa), testMessage) }, want: dkim.TempError, err: dkim.ErrKeyUnavailable},
		{name: "timeout", msg: func() string { return sign(t, net("drop", rsa), testMessage) }, want: dkim.TempError, err: dkim.ErrKeyUnavailable},
		{name: "dnssec", msg: func() string { return sign(t, net("dnssec", rsa), testMessage) }, want: dkim.Pass, detail: func(v dkim.Outcome) string {
			if !v.Authentic {
				return "Authentic = false, want true"
			}
			return ""
		}},
		{name: "not dnssec", msg: func() string { return sign(t, signer(t, "rsa2048", rsa), testMessage) }, want: dkim.Pass, detail: func(v dkim.Outcome) string {
			if v.Authentic {
				return "Authentic = true, want false"
			}
			return ""
		}},
		{name: "testing key pass is pass", msg: func() string { return sign(t, net("testing", rsa), testMessage) }, want: dkim.Pass, detail: func(v dkim.Outcome) string {
			if !v.Testing {
				return "Testing = false, want true (t=y)"
			}
			return ""
		}},
		{name: "testing key fail is neutral", msg: func() string { return sign(t, net("testing", rsa), testMessage) + "x\r\n" }, want: dkim.Neutral, err: dkim.ErrBodyHash},
		{name: "strict key with subdomain i=", msg: func() string {
			s := net("strict", rsa)
			s.Identifier = "a@sub.example.net"
			return sign(t, s, testMessage)
		}, want: dkim.PermError, err: dkim.ErrKeyMismatch},
		{name: "key h=sha1 only", msg: func() string { return sign(t, net("sha1only", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrKeyMismatch},
		{name: "key s=web", msg: func() string { return sign(t, net("web", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrKeyMismatch},
		{name: "key type mismatch", msg: func() string { return sign(t, net("edasrsa", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrKeySyntax},
		{name: "second of two keys", msg: func() string { return sign(t, net("two", rsa), testMessage) }, want: dkim.Pass},
		{name: "expired", msg: func() string {
			s := signer(t, "ed", ed)
			s.Expiration = time.Hour
			return sign(t, s, testMessage)
		}, v: dkim.Verifier{Now: fixedNow(signTime.Add(2 * time.Hour))}, want: dkim.PermError, err: dkim.ErrExpired},
		{name: "expiry within skew", msg: func() string {
			s := signer(t, "ed", ed)
			s.Expiration = time.Hour
			return sign(t, s, testMessage)
		}, v: dkim.Verifier{Now: fixedNow(signTime.Add(time.Hour + time.Minute))}, want: dkim.Pass},
		{name: "future", msg: func() string { return sign(t, signer(t, "ed", ed), testMessage) },
			v: dkim.Verifier{Now: fixedNow(signTime.Add(-time.Hour))}, want: dkim.Policy, err: dkim.ErrFuture},
		// Go refuses to sign with a 512-bit key: sign with another, the
		// key size check comes before the signature's.
		{name: "weak key 512", msg: func() string { return sign(t, signer(t, "rsa512", rsa), testMessage) }, want: dkim.PermError, err: dkim.ErrWeakKey},
		{name: "1024 under MinRSABits", msg: func() string { return sign(t, signer(t, "rsa1024", dkimtest.Key(t, "rsa1024")), testMessage) },
			v: dkim.Verifier{MinRSABits: 2048}, want: dkim.Policy, err: dkim.ErrWeakKey},
		{name: "1024 default", msg: func() string { return sign(t, signer(t, "rsa1024", dkimtest.Key(t, "rsa1024")), testMessage) }, want: dkim.Pass, bits: 1024},
		{name: "over MaxRSABits", msg: func() string { return sign(t, signer(t, "rsa2048", rsa), testMessage) },
			v: dkim.Verifier{MaxRSABits: 1024}, want: dkim.PermError, err: dkim.ErrKeyTooLarge},
		{name: "key record over MaxKeyRecordBytes", msg: func() string { return sign(t, signer(t, "rsa2048", rsa), testMessage) },
			v: dkim.Verifier{MaxKeyRecordBytes: 100}, want: dkim.PermError, err: dkim.ErrKeyTooLarge},
		{name: "required header not signed", msg: func() string {
			s := signer(t, "ed", ed)
			s.Headers = []string{"From", "Subject"}
			s.Oversign = []string{}
			return sign(t, s, testMessage)
		}, v: dkim.Verifier{RequiredHeaders: []string{"Date"}}, want: dkim.Policy, err: dkim.ErrHeaderNotSigned},
		{name: "l= refused", msg: func() string {
			s := signer(t, "ed", ed)
			s.BodyLength = true
			return sign(t, s, testMessage)
		}, want: dkim.Policy, err: dkim.ErrBodyLength},
		{name: "l= allowed, content appended", msg: func() string {
			s := signer(t, "ed", ed)
			s.BodyLength = true
			return sign(t, s, testMessage) + "Buy now!\r\n"
		}, v: dkim.Verifier{AllowBodyLength: true}, want: dkim.Pass, detail: func(v dkim.Outcome) string {
			if v.UnsignedBodyBytes != 10 {
				return fmt.Sprintf("UnsignedBodyBytes = %d, want 10", v.UnsignedBodyBytes)
			}
			return ""
		}},
		{name: "l= longer than body", msg: func() string {
			s := signer(t, "ed", ed)
			s.BodyLength = true
			m := sign(t, s, testMessage)
			return m[:len(m)-len("this is a test.\r\n")]
		}, v: dkim.Verifier{AllowBodyLength: true}, want: dkim.PermError, err: dkim.ErrBodyTooShort},
		{name: "From not signed", msg: func() string {
			return regexp.MustCompile(`h=[^;]*;`).ReplaceAllString(sign(t, signer(t, "ed", ed), testMessage), "h=subject;")
		}, want: dkim.PermError, err: dkim.ErrFromNotSigned},
		{name: "bad version", msg: func() string {
			return strings.Replace(sign(t, signer(t, "ed", ed), testMessage), "v=1;", "v=2;", 1)
		}, want: dkim.PermError, err: dkim.ErrVersion},
		{name: "unknown algorithm", msg: func() string {
			return strings.Replace(sign(t, signer(t, "ed", ed), testMessage), "a=ed25519-sha256", "a=ed448-sha512", 1)
		}, want: dkim.PermError, err: dkim.ErrAlgorithm},
		{name: "i= outside d=", msg: func() string {
			return strings.Replace(sign(t, signer(t, "ed", ed), testMessage), "d=example.com;", "d=example.com; i=a@example.org;", 1)
		}, want: dkim.PermError, err: dkim.ErrIdentifier},
		{name: "duplicate tag", msg: func() string {
			return strings.Replace(sign(t, signer(t, "ed", ed), testMessage), "v=1;", "v=1; v=1;", 1)
		}, want: dkim.PermError, err: dkim.ErrDuplicateTag},
		{name: "missing bh", msg: func() string {
			return strings.Replace(sign(t, signer(t, "ed", ed), testMessage), "bh=", "xh=", 1)
		}, want: dkim.PermError, err: dkim.ErrMissingTag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			v.Resolver = srv.Resolver()
			if v.Now == nil {
				v.Now = fixedNow(signTime.Add(time.Minute))
			}
			msg := tc.msg()
			vs, err := v.Verify(context.Background(), strings.NewReader(msg))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(vs) != 1 {
				t.Fatalf("Verify = %d results, want 1", len(vs))
			}
			got := vs[0]
			if got.Result != tc.want || tc.err != nil && !errors.Is(got.Err, tc.err) || tc.err == nil && got.Err != nil {
				t.Errorf("Verify() = %v, want %s (%v)", &got, tc.want, tc.err)
			}
			// Every cause has its own header phrase, not the fallback.
			if r := got.Reason(); got.Err != nil && (r == "" || r == "signature not verified" || strings.Contains(r, "dkim:")) {
				t.Errorf("Verify().Reason() = %q for %v", r, got.Err)
			}
			if tc.bits != 0 && got.KeyBits != tc.bits {
				t.Errorf("Verify().KeyBits = %d, want %d", got.KeyBits, tc.bits)
			}
			if tc.detail != nil {
				if msg := tc.detail(got); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func TestVerifyUnsigned(t *testing.T) {
	v := &dkim.Verifier{Resolver: dkimtest.Server(t).Resolver()}
	vs, err := v.Verify(context.Background(), strings.NewReader(testMessage))
	if err != nil || vs == nil || len(vs) != 0 {
		t.Errorf("Verify(unsigned) = %v, %v, want empty list, nil", vs, err)
	}
}

func TestVerifyTooManySignatures(t *testing.T) {
	srv := dkimtest.Server(t)
	ed := dkimtest.Key(t, "ed25519")
	msg := testMessage
	for range 4 {
		msg = sign(t, signer(t, "ed", ed), msg)
	}
	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(signTime), MaxSignatures: 3}
	vs, err := v.Verify(context.Background(), strings.NewReader(msg))
	if err != nil || len(vs) != 4 {
		t.Fatalf("Verify = %d results, %v; want 4, nil", len(vs), err)
	}
	for i, want := range []dkim.Result{dkim.Pass, dkim.Pass, dkim.Pass, dkim.Policy} {
		if vs[i].Result != want {
			t.Errorf("Verify()[%d] = %v, want %s", i, &vs[i], want)
		}
	}
	if !errors.Is(vs[3].Err, dkim.ErrTooManySignatures) {
		t.Errorf("Verify()[3].Err = %v, want ErrTooManySignatures", vs[3].Err)
	}
	// Identical concurrent lookups may be collapsed into one by the
	// resolver; the fourth signature must not add one.
	if n := srv.Count("ed._domainkey.example.com.", dns.TypeTXT); n < 1 || n > 3 {
		t.Errorf("key lookups = %d, want 1 to 3", n)
	}
}

func TestVerifyHeaderTooLarge(t *testing.T) {
	msg := "X-Big: " + strings.Repeat("a", 2000) + "\r\n" + testMessage
	v := &dkim.Verifier{MaxHeaderBytes: 1000}
	vs, err := v.Verify(context.Background(), strings.NewReader(msg))
	// A limit is an outcome, never the error return nor an empty list
	// (which AuthResults renders dkim=none, as for an unsigned message).
	if err != nil || len(vs) != 1 || vs[0].Result != dkim.PermError || !errors.Is(vs[0].Err, dkim.ErrHeaderTooLarge) {
		t.Fatalf("Verify(2 KB header, limit 1000) = %v, %v, want [permerror ErrHeaderTooLarge], nil", vs, err)
	}
	if got := vs[0].Reason(); got != "header too large" {
		t.Errorf("Reason() = %q, want %q", got, "header too large")
	}
	if got := dkim.AuthResults(vs)[0].Value; got != "permerror" {
		t.Errorf("AuthResults()[0].Value = %q, want permerror", got)
	}
}

// TestVerifyMixed checks several signatures with different
// canonicalizations in one message, and that each gets its own result.
func TestVerifyMixed(t *testing.T) {
	srv := dkimtest.Server(t)
	rsa, ed := dkimtest.Key(t, "rsa2048"), dkimtest.Key(t, "ed25519")
	msg := testMessage
	for _, c := range []struct {
		sel string
		key crypto.Signer
		hc  dkim.Canonicalization
		bc  dkim.Canonicalization
	}{{"rsa2048", rsa, dkim.Simple, dkim.Simple}, {"ed", ed, dkim.Relaxed, dkim.Simple}, {"nosuch", ed, dkim.Relaxed, dkim.Relaxed}} {
		s := signer(t, c.sel, c.key)
		s.HeaderCanonicalization, s.BodyCanonicalization = c.hc, c.bc
		msg = sign(t, s, msg)
	}
	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(signTime)}
	vs, err := v.Verify(context.Background(), bytes.NewReader([]byte(msg)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range vs {
		got = append(got, string(r.Result)+" "+r.Selector)
	}
	if want := "permerror nosuch,pass ed,pass rsa2048"; strings.Join(got, ",") != want {
		t.Errorf("Verify() = %s, want %s", strings.Join(got, ","), want)
	}
}

// TestVerifyLFLineEndings checks that a message stored with bare LF
// verifies as its CRLF form.
func TestVerifyLFLineEndings(t *testing.T) {
	srv := dkimtest.Server(t)
	for _, file := range []string{"interop/dkimpy-ws-rsa-sha256-simple-simple.eml", "interop/dkimpy-ws-ed25519-sha256-relaxed-relaxed.eml"} {
		msg := bytes.ReplaceAll(dkimtest.Read(t, file), []byte("\r\n"), []byte("\n"))
		v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(dkimtest.FixtureTime)}
		vs, err := v.Verify(context.Background(), bytes.NewReader(msg))
		if err != nil || len(vs) != 1 || vs[0].Result != dkim.Pass {
			t.Errorf("Verify(%s with LF) = %v, %v, want pass", file, vs, err)
		}
	}
}
