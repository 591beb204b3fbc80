package dkim_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestInteropDKIMPy verifies every message signed by dkimpy
// (testdata/gen-fixtures.sh): rsa-sha256 and ed25519-sha256, each
// combination of simple and relaxed, over three messages.
func TestInteropDKIMPy(t *testing.T) {
	srv := dkimtest.Server(t)
	files := dkimtest.Glob(t, "interop/dkimpy-*.eml")
	n := 0
	for _, file := range files {
		if strings.Contains(file, "length") {
			continue // TestInteropBodyLength
		}
		n++
		t.Run(filepath.Base(file), func(t *testing.T) {
			v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(dkimtest.FixtureTime)}
			vs, err := v.Verify(context.Background(), bytes.NewReader(dkimtest.Read(t, file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 || vs[0].Result != dkim.Pass {
				t.Fatalf("Verify(%s) = %v, want one pass", file, vs)
			}
			if vs[0].Domain != "example.com" {
				t.Errorf("Verify(%s).Domain = %q, want example.com", file, vs[0].Domain)
			}
		})
	}
	if n < 25 {
		t.Errorf("only %d dkimpy fixtures, want the 25 gen-fixtures.sh makes", n)
	}
}

// TestInteropOpenDKIM verifies the messages opendkim-testmsg signed. It
// signs with rsa-sha1 only, which RFC 8301 forbids: refused by default,
// verified with AllowSHA1.
func TestInteropOpenDKIM(t *testing.T) {
	srv := dkimtest.Server(t)
	files := dkimtest.Glob(t, "interop/opendkim-*.eml")
	if len(files) != 6 {
		t.Errorf("%d OpenDKIM fixtures, want 6", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			msg := dkimtest.Read(t, file)
			v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(dkimtest.FixtureTime)}
			vs, err := v.Verify(context.Background(), bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 || vs[0].Result != dkim.PermError || !errors.Is(vs[0].Err, dkim.ErrSHA1) {
				t.Fatalf("Verify(%s) = %v, want permerror ErrSHA1", file, vs)
			}
			v.AllowSHA1 = true
			vs, err = v.Verify(context.Background(), bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 || vs[0].Result != dkim.Pass || vs[0].Algorithm != dkim.RSASHA1 {
				t.Fatalf("Verify(%s) with AllowSHA1 = %v, want pass rsa-sha1", file, vs)
			}
			if want := map[bool]int{true: 1024, false: 2048}[strings.Contains(file, "1024")]; vs[0].KeyBits != want {
				t.Errorf("Verify(%s).KeyBits = %d, want %d", file, vs[0].KeyBits, want)
			}
		})
	}
}

// TestInteropOpenDKIMFilter verifies the messages the OpenDKIM filter
// signed in test mode: rsa-sha256 and ed25519-sha256, relaxed headers,
// simple and relaxed bodies.
func TestInteropOpenDKIMFilter(t *testing.T) {
	srv := dkimtest.Server(t)
	files := dkimtest.Glob(t, "interop/opendkimd-*.eml")
	if len(files) != 8 {
		t.Errorf("%d OpenDKIM filter fixtures, want the 8 gen-fixtures.sh makes", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(dkimtest.FixtureTime)}
			vs, err := v.Verify(context.Background(), bytes.NewReader(dkimtest.Read(t, file)))
			if err != nil {
				t.Fatal(err)
			}
			wantAlg := dkim.RSASHA256
			if strings.Contains(file, "ed25519") {
				wantAlg = dkim.Ed25519SHA256
			}
			if len(vs) != 1 || vs[0].Result != dkim.Pass || vs[0].Algorithm != wantAlg || vs[0].Domain != "example.com" {
				t.Fatalf("Verify(%s) = %v, want one pass %s d=example.com", file, vs, wantAlg)
			}
		})
	}
}

// TestInteropBodyLength verifies dkimpy's l= signature of a message to
// which a footer was appended: refused by default, and with
// AllowBodyLength a pass that reports the 24 unsigned bytes.
func TestInteropBodyLength(t *testing.T) {
	srv := dkimtest.Server(t)
	msg := dkimtest.Read(t, "interop/dkimpy-length.eml")
	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(dkimtest.FixtureTime)}
	vs, err := v.Verify(context.Background(), bytes.NewReader(msg))
	if err != nil || len(vs) != 1 || vs[0].Result != dkim.Policy || !errors.Is(vs[0].Err, dkim.ErrBodyLength) {
		t.Fatalf("Verify = %v, %v, want policy ErrBodyLength", vs, err)
	}
	v.AllowBodyLength = true
	vs, err = v.Verify(context.Background(), bytes.NewReader(msg))
	if err != nil || len(vs) != 1 || vs[0].Result != dkim.Pass {
		t.Fatalf("Verify with AllowBodyLength = %v, %v, want pass", vs, err)
	}
	if got, want := vs[0].UnsignedBodyBytes, int64(len("Appended by a list: 21\r\n")); got != want {
		t.Errorf("UnsignedBodyBytes = %d, want %d", got, want)
	}
}

// TestRFCExamples verifies RFC 6376 Appendix A and both signatures of
// RFC 8463 Appendix A, with the RFCs' key records.
func TestRFCExamples(t *testing.T) {
	srv := dkimtest.Server(t, resolvertest.ZoneFile(t, ".", filepath.Join(dkimtest.Dir(t), "rfc", "rfc.zone")))
	for _, tc := range []struct {
		file string
		want []string // "algorithm domain"
	}{
		{"rfc/rfc6376-appendix-a.eml", []string{"rsa-sha256 example.com"}},
		{"rfc/rfc8463-appendix-a.eml", []string{"ed25519-sha256 football.example.com", "rsa-sha256 football.example.com"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(time.Date(2018, 6, 11, 0, 0, 0, 0, time.UTC))}
			vs, err := v.Verify(context.Background(), bytes.NewReader(dkimtest.Read(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != len(tc.want) {
				t.Fatalf("Verify(%s) = %d results, want %d", tc.file, len(vs), len(tc.want))
			}
			for i, want := range tc.want {
				if got := string(vs[i].Algorithm) + " " + vs[i].Domain; vs[i].Result != dkim.Pass || got != want {
					t.Errorf("Verify(%s)[%d] = %v, want pass %s", tc.file, i, &vs[i], want)
				}
			}
		})
	}
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }
