package arc_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
)

// mapResolver answers TXT lookups from a map and counts them.
type mapResolver struct {
	txt     map[string]string
	lookups atomic.Int64
}

func (m *mapResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	m.lookups.Add(1)
	if t, ok := m.txt[strings.TrimSuffix(name, ".")]; ok {
		return []string{t}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// FuzzVerify feeds arbitrary header blocks and bodies (seeded with
// dkimpy's chains) to the ARC parser and validator. Properties: the
// result is one of the three tokens and consistent with its detail
// (a fail has a cause, a pass none and an oldest-pass within the
// chain), the chain never exceeds 50 sets, and the work is bounded:
// at most two key lookups per set.
func FuzzVerify(f *testing.F) {
	for _, file := range []string{"interop/arc-1.eml", "interop/arc-3.eml"} {
		f.Add(dkimtest.Read(f, file))
	}
	f.Add([]byte("ARC-Seal: i=1; cv=none; a=rsa-sha256; d=example.org; s=rsa2048; b=AAAA\r\nFrom: a@b\r\n\r\n"))
	rec, err := dkim.KeyRecord(dkimtest.Key(f, "rsa2048").Public())
	if err != nil {
		f.Fatal(err)
	}
	txt := map[string]string{}
	for _, d := range []string{"example.org", "example.net", "relay.example.com", "example.com"} {
		txt["rsa2048._domainkey."+d] = rec
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		r := &mapResolver{txt: txt}
		v := &arc.Verifier{Resolver: r, MaxHeaderBytes: 1 << 16}
		got, err := v.Verify(context.Background(), bytes.NewReader(msg))
		if err != nil {
			return // only an oversized header
		}
		if got.Instances > arc.MaxSets || len(got.Sets) != got.Instances && got.Result != arc.Fail {
			t.Fatalf("Verify = %d instances, %d sets", got.Instances, len(got.Sets))
		}
		if n := r.lookups.Load(); n > int64(2*got.Instances) {
			t.Fatalf("Verify made %d key lookups for %d sets", n, got.Instances)
		}
		switch got.Result {
		case arc.None:
			if got.Err != nil || got.Instances != 0 {
				t.Fatalf("Verify = none with %d sets, %v", got.Instances, got.Err)
			}
		case arc.Pass:
			if got.Err != nil || got.OldestPass < 1 || got.OldestPass > got.Instances || got.FailedInstance != 0 {
				t.Fatalf("Verify = pass, err %v, oldest-pass %d of %d, failed %d", got.Err, got.OldestPass, got.Instances, got.FailedInstance)
			}
		case arc.Fail:
			if got.Err == nil || got.FailedInstance > got.Instances || got.OldestPass != 0 {
				t.Fatalf("Verify = fail, err %v, failed %d of %d", got.Err, got.FailedInstance, got.Instances)
			}
		default:
			t.Fatalf("Verify.Result = %q", got.Result)
		}
		// Whatever parsed renders as an Authentication-Results arc result.
		if ar := got.AuthResult(); ar.Method != "arc" || ar.Value != string(got.Result) {
			t.Fatalf("AuthResult = %+v", ar)
		}
	})
}
