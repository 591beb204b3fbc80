package dkim

import (
	"bufio"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// testKey reads the TEST-ONLY key testdata/keys/name.pem (an internal
// test cannot import internal/dkimtest, which imports this package).
func testKey(t *testing.T, name string) crypto.Signer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// floodMessage is a message signed sigs times by example.com with the
// rsa2048 test key under selector sel.
func floodMessage(t *testing.T, sel string, sigs int) string {
	t.Helper()
	msg := "From: a@example.com\r\nTo: b@example.org\r\nSubject: flood\r\n\r\nbody\r\n"
	s := &Signer{Domain: "example.com", Selector: sel, Key: testKey(t, "rsa2048"),
		Now: func() time.Time { return floodTime }}
	for range sigs {
		f, err := s.Sign(strings.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		msg = f + msg
	}
	return msg
}

var floodTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// floodZone returns records at decoy._domainkey.example.com: n RSA-1024
// keys that verify nothing (the rsa1024 test key, told apart by n=),
// and at two._domainkey.example.com a decoy and the real rsa2048 key.
func floodZone(t *testing.T, n int) resolvertest.Zone {
	t.Helper()
	decoy, _ := KeyRecord(testKey(t, "rsa1024").Public())
	real, _ := KeyRecord(testKey(t, "rsa2048").Public())
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "decoy._domainkey IN TXT %q\n", strings.Replace(decoy, "k=rsa;", fmt.Sprintf("k=rsa; n=%d;", i), 1))
	}
	fmt.Fprintf(&b, "two._domainkey IN TXT %q\n", strings.Replace(decoy, "k=rsa;", "k=rsa; n=x;", 1))
	fmt.Fprintf(&b, "two._domainkey IN TXT %q\n", real)
	return resolvertest.Zone{Origin: "example.com.", Text: b.String()}
}

// countingVerifier returns a Verifier over srv that counts the
// signature verifications it does (each is one RSA-1024 operation here:
// a work unit).
func countingVerifier(srv *resolvertest.Server, n *atomic.Int64) *Verifier {
	return &Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return floodTime },
		onVerify: func(*Key) { n.Add(1) }}
}

// TestKeyFlood: a selector with 40 decoy key records made each of 10
// signatures be tried against every key (400 verifications). Only the
// first MaxKeyRecords records are tried (RFC 6376 §6.1.2 step 3 lets the
// verifier choose), and a signature that none of them verifies while
// more were published is a policy result (ErrTooManyKeys), not a fail.
func TestKeyFlood(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 40))
	var n atomic.Int64
	v := countingVerifier(srv, &n)
	outs, err := v.Verify(context.Background(), strings.NewReader(floodMessage(t, "decoy", 10)))
	if err != nil || len(outs) != 10 {
		t.Fatalf("Verify = %d outcomes, %v", len(outs), err)
	}
	if got, want := n.Load(), int64(10*DefaultMaxKeyRecords); got > want {
		t.Errorf("verifications = %d, want at most %d (10 signatures × %d keys)", got, want, DefaultMaxKeyRecords)
	}
	for i, o := range outs {
		if o.Result != Policy || !errors.Is(o.Err, ErrTooManyKeys) || o.Reason() != "too many key records" {
			t.Errorf("outcome %d = %v (%q), want policy, ErrTooManyKeys", i, o, o.Reason())
		}
	}

	// Two records, one real: within the limit, whatever their order.
	n.Store(0)
	outs, err = v.Verify(context.Background(), strings.NewReader(floodMessage(t, "two", 3)))
	if err != nil || len(outs) != 3 {
		t.Fatalf("Verify(two) = %d outcomes, %v", len(outs), err)
	}
	for i, o := range outs {
		if o.Result != Pass {
			t.Errorf("two: outcome %d = %v, want pass", i, o)
		}
	}
	if got := n.Load(); got < 3 || got > 6 {
		t.Errorf("two: verifications = %d, want 3 to 6", got)
	}

	// A lower limit.
	n.Store(0)
	v.MaxKeyRecords = 1
	if _, err := v.Verify(context.Background(), strings.NewReader(floodMessage(t, "decoy", 10))); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 10 {
		t.Errorf("MaxKeyRecords 1: verifications = %d, want 10", got)
	}
}

// TestWorkLimit trips MaxVerifyWork: with 12 units (RSA-1024 keys, 1
// unit each; RSA-2048 would be 4), 10 signatures over 3 keys each stop
// after 12 verifications, and the signatures left unverified are a
// policy result with ErrWorkLimit, never a pass or a plain fail.
func TestWorkLimit(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 40))
	var n atomic.Int64
	v := countingVerifier(srv, &n)
	v.MaxVerifyWork = 12
	outs, err := v.Verify(context.Background(), strings.NewReader(floodMessage(t, "decoy", 10)))
	if err != nil || len(outs) != 10 {
		t.Fatalf("Verify = %d outcomes, %v", len(outs), err)
	}
	if got := n.Load(); got != 12 {
		t.Errorf("verifications = %d, want 12 (the work limit)", got)
	}
	limited := 0
	for _, o := range outs {
		if errors.Is(o.Err, ErrWorkLimit) {
			limited++
			if o.Result != Policy || o.Reason() != "verification work limit" {
				t.Errorf("outcome = %v (%q), want policy (verification work limit)", o, o.Reason())
			}
		}
	}
	if limited != 6 { // 4 signatures × 3 keys = 12 units, the 6 others refused
		t.Errorf("signatures over the work limit = %d, want 6", limited)
	}
	if got := (&Key{Type: "rsa", Bits: 8192}).Work(); got != 64 {
		t.Errorf("Work(RSA-8192) = %d, want 64", got)
	}
	if DefaultMaxVerifyWork/(&Key{Type: "rsa", Bits: 8192}).Work() < DefaultMaxSignatures {
		t.Errorf("DefaultMaxVerifyWork %d does not cover %d RSA-8192 signatures", DefaultMaxVerifyWork, DefaultMaxSignatures)
	}
}

// TestVerifyContext: a context cancelled once the keys are fetched stops
// the verifications: the signatures left are a temperror
// (ErrInterrupted), not verified.
func TestVerifyContext(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 40))
	var n atomic.Int64
	v := countingVerifier(srv, &n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v.onVerify = func(*Key) {
		if n.Add(1) == 2 {
			cancel()
		}
	}
	outs, err := v.Verify(ctx, strings.NewReader(floodMessage(t, "decoy", 10)))
	if err != nil || len(outs) != 10 {
		t.Fatalf("Verify = %d outcomes, %v", len(outs), err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("verifications = %d, want 2 (cancelled at the second)", got)
	}
	for _, o := range outs[1:] {
		if o.Result != TempError || !errors.Is(o.Err, ErrInterrupted) || !errors.Is(o.Err, context.Canceled) {
			t.Errorf("outcome = %v, want temperror (ErrInterrupted)", o)
		}
	}
}

// cancelReader cancels a context at its first Read, and records whether
// it was read to its end.
type cancelReader struct {
	r      io.Reader
	cancel context.CancelFunc
	eof    bool
}

func (c *cancelReader) Read(p []byte) (int, error) {
	c.cancel()
	n, err := c.r.Read(p)
	c.eof = c.eof || err == io.EOF
	return n, err
}

// TestVerifyHeaderContext: a context done while the body is read stops
// the hashing (the 4 MiB rest of the body is drained unhashed, so that a
// fanned-out body never blocks) and the signature is a temperror
// (ErrInterrupted), not a body hash failure.
func TestVerifyHeaderContext(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 0))
	msg := floodMessage(t, "two", 1)
	h, n, err := ReadHeader(bufio.NewReader(strings.NewReader(msg)), 0)
	if err != nil {
		t.Fatal(err)
	}
	body := msg[n:] + strings.Repeat("more\r\n", 700000)
	v := &Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return floodTime }}

	ctx, cancel := context.WithCancel(context.Background())
	s, err := v.Begin(ctx, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.wg.Wait() // the key lookups end before the context does
	r := &cancelReader{r: strings.NewReader(body), cancel: cancel}
	if err := copyBody(ctx, s, r); err != nil || !r.eof {
		t.Fatalf("copyBody = %v, read to the end %v", err, r.eof)
	}
	outs := s.Close()
	if _, hashed := s.sigs[0].body.Sum(); hashed > 64<<10 {
		t.Errorf("hashed %d body bytes after the context was done, want at most one chunk", hashed)
	}
	if len(outs) != 1 || outs[0].Result != TempError || !errors.Is(outs[0].Err, ErrInterrupted) {
		t.Errorf("outcome = %v, want temperror (ErrInterrupted)", outs)
	}

	ctx, cancel = context.WithCancel(context.Background())
	r = &cancelReader{r: strings.NewReader(body), cancel: cancel}
	outs, err = v.VerifyHeader(ctx, h, r)
	// The key lookup may be cut short too (ErrKeyUnavailable).
	if err != nil || !r.eof || len(outs) != 1 || outs[0].Result != TempError ||
		!errors.Is(outs[0].Err, ErrInterrupted) && !errors.Is(outs[0].Err, ErrKeyUnavailable) {
		t.Errorf("VerifyHeader = %v, %v (read to the end %v), want temperror", outs, err, r.eof)
	}
}
