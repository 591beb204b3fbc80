package dkim_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/testenv"
)

// TestReverseInteropOpenDKIM has the OpenDKIM filter, in test mode (-t)
// with the key records given as TestDNSData, verify what we sign:
// rsa-sha256 and ed25519-sha256, every canonicalization, two messages
// (but see ws.eml below); and fail a tampered one. (dkimpy checks our signatures in
// dkim/arc's TestReverseInteropDKIMPy.) It skips when opendkim (Debian
// package opendkim) is not installed, unless SPAMKIT_INTEGRATION=1.
func TestReverseInteropOpenDKIM(t *testing.T) {
	opendkim := testenv.Program(t, "opendkim")
	tmp := t.TempDir()
	var dns strings.Builder
	for sel, key := range map[string]string{"rsa2048": "rsa2048", "ed": "ed25519"} {
		rec, err := dkim.KeyRecord(dkimtest.Key(t, key).Public())
		if err != nil {
			t.Fatal(err)
		}
		dns.WriteString(sel + "._domainkey.example.com " + rec + "\n")
	}
	write := func(t *testing.T, dir, name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conf := write(t, tmp, "opendkim.conf", "Mode v\nSyslog no\nTestDNSData "+write(t, tmp, "dns.txt", dns.String())+"\n")
	// verify runs one opendkim process: the subtests run in parallel,
	// each with its own message files.
	verify := func(t *testing.T, name, msg string) string {
		t.Helper()
		out, err := exec.Command(opendkim, "-x", conf, "-t", write(t, t.TempDir(), name, msg)).CombinedOutput()
		if err != nil {
			return "error: " + err.Error() + ": " + string(out)
		}
		return strings.TrimSpace(string(out))
	}
	now := func() time.Time { return time.Now() } // OpenDKIM checks t= against its clock
	for _, m := range []string{"plain", "ws"} {
		msg := string(dkimtest.Read(t, "messages/"+m+".eml"))
		for _, k := range []struct{ key, sel string }{{"rsa2048", "rsa2048"}, {"ed25519", "ed"}} {
			for _, hc := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
				if m == "ws" && hc == dkim.Simple {
					// Not compared: ws.eml has several spaces after
					// "From:" and "Subject:", which the milter interface
					// OpenDKIM's test mode emulates does not pass on, so
					// it hashes other header bytes (dkimpy likewise
					// rejects OpenDKIM's simple-header signatures of
					// ws.eml, and verifies ours: TestReverseInteropDKIMPy).
					continue
				}
				for _, bc := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
					name := m + "/" + k.key + "/" + string(hc) + "-" + string(bc)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						s := &dkim.Signer{Domain: "example.com", Selector: k.sel, Key: dkimtest.Key(t, k.key),
							HeaderCanonicalization: hc, BodyCanonicalization: bc, Now: now}
						f, err := s.Sign(strings.NewReader(msg))
						if err != nil {
							t.Fatal(err)
						}
						want := "verification (s=" + k.sel + ", d=example.com,"
						if got := verify(t, "signed.eml", f+msg); !strings.Contains(got, want) || !strings.HasSuffix(got, "succeeded") {
							t.Errorf("opendkim -t (ours, %s) = %q, want %q ... succeeded", name, got, want)
						}
						tampered := f + strings.Replace(msg, "Subject: ", "Subject: Re: ", 1)
						if got := verify(t, "tampered.eml", tampered); !strings.Contains(got, "failed") {
							t.Errorf("opendkim -t (ours, %s, subject changed) = %q, want failed", name, got)
						}
					})
				}
			}
		}
	}
}
