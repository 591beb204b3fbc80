package arc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// floodChain returns a message with an ARC chain of n sets, each sealed
// by example.com with the rsa2048 test key under selector sel.
func floodChain(t *testing.T, sel string, n int) []byte {
	t.Helper()
	msg := []byte("From: a@example.com\r\nTo: b@example.org\r\nSubject: flood\r\n\r\nbody\r\n")
	s := &Sealer{Domain: "example.com", Selector: sel, Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.com",
		Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }}
	cv := None
	for range n {
		f, err := s.Seal(bytes.NewReader(msg), []authres.Result{{Method: "dkim", Value: "pass"}}, cv)
		if err != nil {
			t.Fatal(err)
		}
		msg, cv = append([]byte(f), msg...), Pass
	}
	return msg
}

// floodZone publishes at flood._domainkey.example.com n RSA-1024 decoy
// records (the rsa1024 test key, told apart by n=) and the real rsa2048
// key, and at one._domainkey.example.com the real key alone.
func floodZone(t *testing.T, n int) resolvertest.Zone {
	t.Helper()
	decoy, _ := dkim.KeyRecord(dkimtest.Key(t, "rsa1024").Public())
	real, _ := dkim.KeyRecord(dkimtest.Key(t, "rsa2048").Public())
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "flood._domainkey IN TXT %q\n", strings.Replace(decoy, "k=rsa;", fmt.Sprintf("k=rsa; n=%d;", i), 1))
	}
	fmt.Fprintf(&b, "flood._domainkey IN TXT %q\n", real)
	fmt.Fprintf(&b, "one._domainkey IN TXT %q\n", real)
	return resolvertest.Zone{Origin: "example.com.", Text: b.String()}
}

func countingVerifier(srv *resolvertest.Server, n *atomic.Int64) *Verifier {
	return &Verifier{Resolver: srv.Resolver(), onVerify: func(*dkim.Key) { n.Add(1) }}
}

// TestKeyFlood: a 20-set chain whose selector publishes 40 decoy keys
// beside the real one made each of its 40 signatures be tried against
// up to 41 keys (1,640 verifications here; 4,300 RSA-8192 ones for 50
// sets and 44 decoys). The verifier tries the first MaxKeyRecords
// records of a selector, and the chain fails (dkim.ErrTooManyKeys) when
// the real key is not among them.
func TestKeyFlood(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 40))
	var n atomic.Int64
	v := countingVerifier(srv, &n)
	got, err := v.Verify(context.Background(), bytes.NewReader(floodChain(t, "flood", 20)))
	if err != nil {
		t.Fatal(err)
	}
	if max := int64(40 * dkim.DefaultMaxKeyRecords); n.Load() > max {
		t.Errorf("verifications = %d, want at most %d (40 signatures × %d keys)", n.Load(), max, dkim.DefaultMaxKeyRecords)
	}
	// The real key is the last of 41 records: unless the DNS answer
	// put it among the first 3, the chain fails on the key limit.
	if got.Result == Fail && !errors.Is(got.Err, dkim.ErrTooManyKeys) {
		t.Errorf("Verify = %v, want pass or fail with dkim.ErrTooManyKeys", got)
	}
	if got.Result == Fail && !strings.HasSuffix(got.Reason(), "too many key records") {
		t.Errorf("Verify.Reason = %q, want ...too many key records", got.Reason())
	}
}

// TestWorkLimit trips MaxVerifyWork: a 5-set chain over one RSA-2048
// key (4 units a verification) needs 10 verifications, 40 units; with
// 20 the chain fails after 5, with dkim.ErrWorkLimit. With the default
// it passes.
func TestWorkLimit(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 0))
	msg := floodChain(t, "one", 5)
	var n atomic.Int64
	v := countingVerifier(srv, &n)
	if got, err := v.Verify(context.Background(), bytes.NewReader(msg)); err != nil || got.Result != Pass || n.Load() != 10 {
		t.Fatalf("Verify = %v, %v after %d verifications, want pass after 10", got, err, n.Load())
	}
	n.Store(0)
	v.MaxVerifyWork = 20
	got, err := v.Verify(context.Background(), bytes.NewReader(msg))
	if err != nil || got.Result != Fail || !errors.Is(got.Err, dkim.ErrWorkLimit) {
		t.Errorf("Verify(MaxVerifyWork 20) = %v, %v, want fail with dkim.ErrWorkLimit", got, err)
	}
	if n.Load() != 5 {
		t.Errorf("verifications = %d, want 5 (20 units)", n.Load())
	}
	if !strings.HasSuffix(got.Reason(), "verification work limit") {
		t.Errorf("Reason = %q, want ...verification work limit", got.Reason())
	}
}

// TestVerifyContext: a context cancelled after the keys are fetched
// stops the verifications; the chain fails with dkim.ErrInterrupted.
func TestVerifyContext(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 0))
	msg := floodChain(t, "one", 5)
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v := &Verifier{Resolver: srv.Resolver(), onVerify: func(*dkim.Key) {
		n.Add(1)
		cancel()
	}}
	got, err := v.Verify(ctx, bytes.NewReader(msg))
	if err != nil || got.Result != Fail || !errors.Is(got.Err, dkim.ErrInterrupted) || !errors.Is(got.Err, context.Canceled) {
		t.Errorf("Verify = %v, %v, want fail with dkim.ErrInterrupted", got, err)
	}
	if n.Load() != 1 {
		t.Errorf("verifications = %d, want 1", n.Load())
	}
}

// TestSealDigests: a full chain (50 sets over RSA-2048, 400 work units,
// within the default MaxVerifyWork) passes, and the digests of its
// seals, computed with one running hash, are those of hashing each
// prefix anew (RFC 8617 §5.1.1).
func TestSealDigests(t *testing.T) {
	srv := resolvertest.NewServer(t, floodZone(t, 0))
	msg := floodChain(t, "one", MaxSets)
	var n atomic.Int64
	v := countingVerifier(srv, &n)
	if got, err := v.Verify(context.Background(), bytes.NewReader(msg)); err != nil || got.Result != Pass || n.Load() != 2*MaxSets {
		t.Fatalf("Verify(50 sets) = %v, %v after %d verifications, want pass after 100", got, err, n.Load())
	}
	h, _, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(msg)), 0)
	if err != nil {
		t.Fatal(err)
	}
	sets, err := collect(h, MaxSets)
	if err != nil {
		t.Fatal(err)
	}
	seals := make([]*seal, len(sets))
	for i, st := range sets {
		if seals[i], err = parseSeal(st.as[0]); err != nil {
			t.Fatal(err)
		}
	}
	got := sealDigests(sets, seals)
	for i := range sets {
		hh := sha256.New()
		for j := 0; j <= i; j++ {
			for _, f := range []dkim.Field{sets[j].aar[0], sets[j].ams[0]} {
				hh.Write(dkim.Relaxed.AppendHeader(nil, f.Raw))
			}
			if j < i {
				hh.Write(dkim.Relaxed.AppendHeader(nil, sets[j].as[0].Raw))
			} else {
				hh.Write(bytes.TrimRight(dkim.Relaxed.AppendHeader(nil, dkim.StripSignature(sets[j].as[0].Raw)), "\r\n"))
			}
		}
		if want := hh.Sum(nil); !bytes.Equal(got[i], want) {
			t.Errorf("sealDigests[%d] = %x, want %x", i, got[i], want)
		}
	}
}
