package dkim_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// dumpDKIM renders outcomes field by field (errors as their text), to
// compare two verifications.
func dumpDKIM(outs []dkim.Outcome) string {
	var b strings.Builder
	for _, o := range outs {
		err := fmt.Sprint(o.Err)
		o.Err = nil
		fmt.Fprintf(&b, "%#v err=%q\n", o, err)
	}
	return b.String()
}

// dumpARC renders an ARC outcome field by field.
func dumpARC(o arc.Outcome) string {
	err := fmt.Sprint(o.Err)
	o.Err = nil
	sets := make([]string, len(o.Sets))
	for i, s := range o.Sets {
		ams, seal := fmt.Sprint(s.AMSErr), fmt.Sprint(s.SealErr)
		s.AMSErr, s.SealErr = nil, nil
		sets[i] = fmt.Sprintf("%#v ams=%q seal=%q", s, ams, seal)
	}
	o.Sets = nil
	return fmt.Sprintf("%#v err=%q sets=%q", o, err, sets)
}

// milterPairs returns the (name, value) pairs a milter's header callback
// gets for h: with leadSpace (SMFIP_HDR_LEADSPC) the value is all that
// follows the colon, else Postfix's default removes one space after it;
// folded lines are separated by sep (LF from Postfix and Sendmail).
func milterPairs(h dkim.Header, leadSpace bool, sep string) [][2]string {
	pairs := make([][2]string, len(h))
	for i, f := range h {
		_, value, _ := strings.Cut(strings.TrimSuffix(f.Raw, "\r\n"), ":")
		if !leadSpace {
			value = strings.TrimPrefix(value, " ")
		}
		pairs[i] = [2]string{f.Name, strings.ReplaceAll(value, "\r\n", sep)}
	}
	return pairs
}

// writeChunks writes body to w in chunks of size bytes, or of random
// sizes from r when size is 0.
func writeChunks(t *testing.T, w io.Writer, body []byte, size int, r *rand.Rand) {
	t.Helper()
	for len(body) > 0 {
		n := size
		if n == 0 {
			n = 1 + r.IntN(300)
		}
		n = min(n, len(body))
		if k, err := w.Write(body[:n]); k != n || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
		}
		body = body[n:]
	}
}

// fixtureVerifiers returns verifiers for the fixture file, with its
// clock, over r.
func fixtureVerifiers(r *resolver.Resolver, file string) (*dkim.Verifier, *arc.Verifier) {
	now := dkimtest.FixtureTime
	if strings.HasPrefix(file, "rfc/") {
		now = time.Date(2018, 6, 11, 0, 0, 0, 0, time.UTC)
	}
	return &dkim.Verifier{Resolver: r, Now: fixedNow(now), AllowSHA1: true, AllowBodyLength: true},
		&arc.Verifier{Resolver: r}
}

// TestMilterFlow runs every message of testdata the way a milter sees
// it: the header as (name, value) pairs into a HeaderBuilder (with and
// without SMFIP_HDR_LEADSPC, folded lines with LF and CRLF), the body in
// chunks of 1, 7, 4096 and random sizes written once into a Body shared
// by the DKIM and the ARC streams. Both outcomes must equal those of the
// pull form (Verify) on the message, signatures or not, ARC or not.
func TestMilterFlow(t *testing.T) {
	srv := dkimtest.Server(t, resolvertest.ZoneFile(t, ".", filepath.Join(dkimtest.Dir(t), "rfc", "rfc.zone")))
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	var files []string
	for _, p := range []string{"interop/*.eml", "rfc/*.eml", "messages/*.eml"} {
		files = append(files, dkimtest.Glob(t, p)...)
	}
	ctx := context.Background()
	unsigned, noARC, chains, passes := 0, 0, 0, 0
	for fi, file := range files {
		msg := dkimtest.Read(t, file)
		dv, av := fixtureVerifiers(r, file)
		wantD, err := dv.Verify(ctx, bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		wantA, err := av.Verify(ctx, bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		unsigned += btoi(len(wantD) == 0)
		for _, o := range wantD {
			passes += btoi(o.Result == dkim.Pass)
		}
		noARC += btoi(wantA.Result == arc.None)
		chains += btoi(wantA.Result == arc.Pass)
		h, n, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(msg)), 0)
		if err != nil {
			t.Fatal(err)
		}
		body := msg[n:]
		for _, tc := range []struct {
			size      int
			leadSpace bool
			sep       string
		}{{1, true, "\r\n"}, {7, false, "\n"}, {4096, false, "\r\n"}, {0, true, "\n"}} {
			t.Run(fmt.Sprintf("%s/%d/leadspc=%v", filepath.Base(file), tc.size, tc.leadSpace), func(t *testing.T) {
				hb := dkim.HeaderBuilder{LeadingSpace: tc.leadSpace}
				for _, p := range milterPairs(h, tc.leadSpace, tc.sep) {
					if err := hb.Add(p[0], p[1]); err != nil {
						t.Fatal(err)
					}
				}
				for i, f := range hb.Header() {
					if f.Raw != h[i].Raw || f.Name != h[i].Name {
						t.Fatalf("HeaderBuilder rebuilt %q as %q", h[i].Raw, f.Raw)
					}
				}
				var shared dkim.Body
				ds, err := dv.Begin(ctx, hb.Header(), &shared)
				if err != nil {
					t.Fatal(err)
				}
				as, err := av.Begin(ctx, hb.Header(), &shared)
				if err != nil {
					t.Fatal(err)
				}
				writeChunks(t, &shared, body, tc.size, rand.New(rand.NewPCG(uint64(fi), 1)))
				if got, want := dumpDKIM(ds.Close()), dumpDKIM(wantD); got != want {
					t.Errorf("dkim push = %s\nwant (pull) %s", got, want)
				}
				if got, want := dumpARC(as.Close()), dumpARC(wantA); got != want {
					t.Errorf("arc push = %s\nwant (pull) %s", got, want)
				}
			})
		}
	}
	// The flow must have met each case: no signature, no ARC set, a
	// chain that passes, and signatures that pass (the fixtures verify).
	if unsigned == 0 || noARC == 0 || chains == 0 || passes < 40 {
		t.Errorf("fixtures: %d unsigned, %d without ARC, %d passing chains, %d DKIM passes; want some of each, 40 passes", unsigned, noARC, chains, passes)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestVerifyHeaderReadsBody fans one body out to the DKIM and ARC
// VerifyHeader through io.Pipe, as a program that feeds several checks
// does: each must read the body to its end whatever the header holds
// (it returned without reading when there was no signature or no ARC
// set, and the writer blocked for ever).
func TestVerifyHeaderReadsBody(t *testing.T) {
	srv := dkimtest.Server(t)
	signed := sign(t, signer(t, "ed", dkimtest.Key(t, "ed25519")), testMessage)
	for name, msg := range map[string]string{
		"unsigned":            testMessage,
		"signed, no ARC":      signed,
		"malformed signature": "DKIM-Signature: v=1; a=nope\r\n" + testMessage,
		"l= refused":          sign(t, &dkim.Signer{Domain: "example.com", Selector: "ed", Key: dkimtest.Key(t, "ed25519"), BodyLength: true}, testMessage),
		"broken ARC chain":    "ARC-Seal: i=1; cv=pass; a=rsa-sha256; d=x; s=y; b=AAAA\r\n" + signed,
	} {
		t.Run(name, func(t *testing.T) {
			h, n, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(msg)), 0)
			if err != nil {
				t.Fatal(err)
			}
			body := bytes.Repeat([]byte(msg[n:]), 2000) // more than a pipe holds
			dr, dw := io.Pipe()
			ar, aw := io.Pipe()
			errs := make(chan error, 2)
			go func() {
				_, err := (&dkim.Verifier{Resolver: srv.Resolver()}).VerifyHeader(context.Background(), h, dr)
				errs <- err
			}()
			go func() {
				_, err := (&arc.Verifier{Resolver: srv.Resolver()}).VerifyHeader(context.Background(), h, ar)
				errs <- err
			}()
			wrote := make(chan error, 1)
			go func() {
				_, err := io.MultiWriter(dw, aw).Write(body)
				dw.Close()
				aw.Close()
				wrote <- err
			}()
			select {
			case err := <-wrote:
				if err != nil {
					t.Fatalf("writing the body: %v", err)
				}
			case <-time.After(10 * time.Second):
				dr.CloseWithError(errors.New("test timeout"))
				ar.CloseWithError(errors.New("test timeout"))
				t.Fatal("the body's writer blocked: a VerifyHeader stopped reading")
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Errorf("VerifyHeader: %v", err)
				}
			}
		})
	}
}

// TestBodyShared checks that one Body computes one hash per distinct
// (hash, canonicalization, l=) over DKIM signatures, ARC message
// signatures and a signer, and its misuse errors.
func TestBodyShared(t *testing.T) {
	srv := dkimtest.Server(t)
	rsa, ed := dkimtest.Key(t, "rsa2048"), dkimtest.Key(t, "ed25519")
	msg := testMessage
	for _, s := range []*dkim.Signer{
		signer(t, "rsa2048", rsa),
		signer(t, "ed", ed),
		{Domain: "example.com", Selector: "ed", Key: ed, BodyCanonicalization: dkim.Simple},
	} {
		msg = sign(t, s, msg)
	}
	sealer := &arc.Sealer{Domain: "example.org", Selector: "ed", Key: ed, AuthServID: "mx.example.org", Now: fixedNow(signTime)}
	set, err := sealer.Seal(strings.NewReader(msg), nil, arc.None)
	if err != nil {
		t.Fatal(err)
	}
	msg = set + msg
	h, n, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(msg)), 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var body dkim.Body
	ds, err := (&dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(signTime)}).Begin(ctx, h, &body)
	if err != nil {
		t.Fatal(err)
	}
	if body.Len() != 2 {
		t.Errorf("Body.Len() after 3 DKIM signatures = %d, want 2 (relaxed and simple SHA-256)", body.Len())
	}
	as, err := (&arc.Verifier{Resolver: srv.Resolver()}).Begin(ctx, h, &body)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := signer(t, "ed", ed).Begin(h, &body)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := sealer.Begin(h, &body)
	if err != nil {
		t.Fatal(err)
	}
	if body.Len() != 2 {
		t.Errorf("Body.Len() with the ARC verifier, a signer and a sealer = %d, want still 2", body.Len())
	}
	body.Write([]byte(msg[n:]))
	// A stream that needs a hash the started body lacks cannot join.
	simple := signer(t, "ed", ed)
	simple.BodyCanonicalization = dkim.Simple
	if _, err := (&dkim.Verifier{}).Begin(ctx, h, &body); err != nil {
		t.Errorf("Begin on a started Body with every hash it needs = %v, want nil", err)
	}
	if _, err := (&arc.Sealer{Domain: "example.org", Selector: "rsa2048", Key: rsa, AuthServID: "mx"}).Begin(h, &body); err != nil {
		t.Errorf("Sealer.Begin on a started Body with its hash = %v, want nil", err)
	}
	var fresh dkim.Body
	fresh.Write([]byte("x"))
	if _, err := simple.Begin(h, &fresh); !errors.Is(err, dkim.ErrBodyStarted) {
		t.Errorf("Signer.Begin on a started Body = %v, want ErrBodyStarted", err)
	}
	douts := ds.Close()
	for i, o := range douts {
		if o.Result != dkim.Pass {
			t.Errorf("DKIM %d over the shared Body = %v, want pass", i, o)
		}
	}
	aout := as.Close()
	if aout.Result != arc.Pass {
		t.Errorf("ARC over the shared Body = %v, want pass", aout)
	}
	// The seal takes this hop's findings, known only now.
	results := append(dkim.AuthResults(douts), aout.AuthResult())
	fields, err := seal.Close(results, aout.Result)
	if err != nil {
		t.Fatal(err)
	}
	if want, err := sealer.Seal(strings.NewReader(msg), results, aout.Result); fields != want || err != nil {
		t.Errorf("Sealer.Begin over the shared Body = %q, want Seal's %q (%v)", fields, want, err)
	}
	field, err := ss.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, err := signer(t, "ed", ed).Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if field != want {
		t.Errorf("Signer.Begin over the shared Body = %q, want Sign's %q", field, want)
	}
	if _, err := body.Write([]byte("late")); !errors.Is(err, dkim.ErrBodyClosed) {
		t.Errorf("Body.Write after Close = %v, want ErrBodyClosed", err)
	}
	if _, err := ds.Write([]byte("late")); !errors.Is(err, dkim.ErrBodyClosed) {
		t.Errorf("VerifyStream.Write after Close = %v, want ErrBodyClosed", err)
	}
}

// TestSignStream checks that the push form signs as Sign does, in
// chunks of any size.
func TestSignStream(t *testing.T) {
	for _, c := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
		s := signer(t, "ed", dkimtest.Key(t, "ed25519"))
		s.Now, s.BodyCanonicalization, s.BodyLength = fixedNow(signTime), c, true
		msg := dkimtest.Read(t, "messages/ws.eml")
		want, err := s.Sign(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		h, n, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(msg)), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{1, 7, 4096} {
			ss, err := s.Begin(h, nil)
			if err != nil {
				t.Fatal(err)
			}
			writeChunks(t, ss, msg[n:], size, nil)
			if got, err := ss.Close(); got != want || err != nil {
				t.Errorf("Signer.Begin (%s, %d-byte writes) = %q, %v, want %q", c, size, got, err, want)
			}
		}
	}
	if _, err := (&dkim.Signer{}).Begin(nil, nil); !errors.Is(err, dkim.ErrSignerConfig) {
		t.Errorf("(&Signer{}).Begin = %v, want ErrSignerConfig", err)
	}
}

// TestHeaderBuilder checks the rebuilding of fields from milter pairs
// and its refusals.
func TestHeaderBuilder(t *testing.T) {
	for _, tc := range []struct {
		lead        bool
		name, value string
		raw         string
		err         error
	}{
		{false, "Subject", "hi", "Subject: hi\r\n", nil},
		{false, "Subject", "", "Subject: \r\n", nil},
		{true, "Subject", " hi", "Subject: hi\r\n", nil},
		{true, "Subject", "hi", "Subject:hi\r\n", nil},
		{true, "Subject", "\t hi", "Subject:\t hi\r\n", nil},
		{false, "To", "a@example.com,\n\tb@example.com", "To: a@example.com,\r\n\tb@example.com\r\n", nil},
		{false, "To", "a@example.com,\r\n b@example.com", "To: a@example.com,\r\n b@example.com\r\n", nil},
		{false, "To", "a@example.com\r\n", "To: a@example.com\r\n", nil},
		{false, "", "x", "", dkim.ErrFieldName},
		{false, "Sub ject", "x", "", dkim.ErrFieldName},
		{false, "Subject:", "x", "", dkim.ErrFieldName},
		{false, "Süd", "x", "", dkim.ErrFieldName},
		{false, "A\x01", "x", "", dkim.ErrFieldName},
	} {
		hb := dkim.HeaderBuilder{LeadingSpace: tc.lead}
		err := hb.Add(tc.name, tc.value)
		if !errors.Is(err, tc.err) || tc.err == nil && err != nil {
			t.Errorf("Add(%q, %q) = %v, want %v", tc.name, tc.value, err, tc.err)
			continue
		}
		if tc.err != nil {
			if len(hb.Header()) != 0 {
				t.Errorf("Add(%q, %q) failed but added a field", tc.name, tc.value)
			}
			continue
		}
		if h := hb.Header(); len(h) != 1 || h[0].Raw != tc.raw || h[0].Name != tc.name {
			t.Errorf("Add(%q, %q) (LeadingSpace %v) = %q, want %q", tc.name, tc.value, tc.lead, h, tc.raw)
		}
	}
	hb := dkim.HeaderBuilder{MaxHeaderBytes: 100}
	var err error
	added := 0
	for err == nil {
		if err = hb.Add("X-Filler", "0123456789"); err == nil {
			added++
		}
	}
	if !errors.Is(err, dkim.ErrHeaderTooLarge) || added != 4 || len(hb.Header()) != 4 {
		t.Errorf("Add past MaxHeaderBytes 100 = %v after %d fields (%d kept), want ErrHeaderTooLarge after 4", err, added, len(hb.Header()))
	}
}

// corpusMessage is shaped as the messages of the public SpamAssassin
// corpus: an mbox From_ line, then the header, LF line ends.
const corpusMessage = "From 12a1mailbot1@web.de  Thu Aug 22 13:03:00 2002\n" +
	"Return-Path: <12a1mailbot1@web.de>\n" +
	"Received: from web.de (localhost [127.0.0.1])\n" +
	"\tby phobos.labs.example.com (Postfix) with ESMTP id 6AC6C43F99\n" +
	"\tfor <zzzz@localhost>; Thu, 22 Aug 2002 08:03:00 -0400 (EDT)\n" +
	"From: \"Mailbot\" <12a1mailbot1@web.de>\n" +
	"To: dcm@example.com\n" +
	"Subject: Life Insurance - Why Pay More?\n" +
	"Date: Wed, 21 Aug 2002 20:31:57 -1600\n" +
	"MIME-Version: 1.0\n" +
	"Content-Type: text/html; charset=\"iso-8859-1\"\n" +
	"\n" +
	"<html><body>Save up to 70% on life insurance.</body></html>\n"

// TestMboxFromLine: a message file starting with an mbox From_ line (as
// 5453 of the 6046 messages of the SpamAssassin corpus do) is read
// without it: no field is made of it, the signature of the message
// without it verifies, and signing gives the same field with or without
// it.
func TestMboxFromLine(t *testing.T) {
	srv := dkimtest.Server(t)
	bare := corpusMessage[strings.IndexByte(corpusMessage, '\n')+1:]
	s := signer(t, "rsa2048", dkimtest.Key(t, "rsa2048"))
	s.Now = fixedNow(signTime)
	want, err := s.Sign(strings.NewReader(bare))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sign(strings.NewReader(corpusMessage))
	if err != nil || got != want {
		t.Errorf("Sign(with From_ line) = %q, %v, want %q as without", got, err, want)
	}
	h, _, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(corpusMessage)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 8 || h[0].Name != "Return-Path" {
		t.Errorf("ReadHeader(corpus message) = %d fields, first %q; want 8 from Return-Path", len(h), h[0].Name)
	}
	// The From_ line stays first, as in the corpus file, before the
	// signature field.
	signed := corpusMessage[:strings.IndexByte(corpusMessage, '\n')+1] + strings.ReplaceAll(want, "\r\n", "\n") + bare
	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(signTime)}
	outs, err := v.Verify(context.Background(), strings.NewReader(signed))
	if err != nil || len(outs) != 1 || outs[0].Result != dkim.Pass {
		t.Errorf("Verify(corpus-shaped signed message) = %v, %v, want one pass", outs, err)
	}
}

// TestHeaderEndedByBodyLine: a line that is neither a field nor a
// continuation ends the header and is the first line of the body, so it
// is hashed as body: a signature of the message with the empty line
// verifies on the message without it.
func TestHeaderEndedByBodyLine(t *testing.T) {
	srv := dkimtest.Server(t)
	msg := "From: a@example.com\r\nSubject: x\r\n\r\nno colon in this line\r\nrest\r\n"
	field, err := signer(t, "ed", dkimtest.Key(t, "ed25519")).Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	malformed := field + strings.Replace(msg, "\r\n\r\n", "\r\n", 1)
	v := &dkim.Verifier{Resolver: srv.Resolver()}
	outs, err := v.Verify(context.Background(), strings.NewReader(malformed))
	if err != nil || len(outs) != 1 || outs[0].Result != dkim.Pass {
		t.Errorf("Verify(header ended by a body line) = %v, %v, want one pass", outs, err)
	}
	// Changing that line breaks the body hash: it was hashed.
	outs, err = v.Verify(context.Background(), strings.NewReader(strings.Replace(malformed, "no colon", "No colon", 1)))
	if err != nil || len(outs) != 1 || !errors.Is(outs[0].Err, dkim.ErrBodyHash) {
		t.Errorf("Verify(first body line changed) = %v, %v, want ErrBodyHash", outs, err)
	}
}
