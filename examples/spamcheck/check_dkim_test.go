package main

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/testenv"
)

// TestDemoDKIM checks the dkim check's lines in the demo: legit.eml,
// signed by example.com, passes DKIM and DMARC; spam.eml carries an
// example.net signature replayed from another message, so DKIM fails
// and DMARC fails with example.net's p=reject; neither has an ARC chain,
// and the demo's MTA seals one that verifies.
func TestDemoDKIM(t *testing.T) {
	for _, tc := range []struct {
		sample string
		want   []string
	}{
		{"samples/legit.eml", []string{
			"dkim    dkim=pass d=example.com s=demo2026 a=rsa-sha256 (2048 bits)\n",
			"dkim    dmarc=pass from=example.com policy=reject disposition=none (dkim pass d=example.com aligned (adkim=r);",
			"dkim    arc=none; sealed i=1 cv=none d=example.org s=arc2026, then arc=pass\n",
			// One Authentication-Results field from every check.
			"\n  Authentication-Results: mx.example.org;\n",
			"\n      iprev=pass policy.iprev=192.0.2.10;\n",
			"\n      spf=pass smtp.mailfrom=alice@example.com;\n",
			"\n      dkim=pass header.d=example.com header.i=@example.com header.s=demo2026 header.a=rsa-sha256 header.b=",
			"\n      dmarc=pass header.from=example.com policy.dmarc=reject;\n",
			"\n      arc=none\n",
		}},
		{"samples/spam.eml", []string{
			"dkim    dkim=fail d=example.net s=demo2026 a=ed25519-sha256 (256 bits): dkim: body hash did not verify\n",
			"dkim    dmarc=fail from=example.net policy=reject disposition=reject (",
			"no aligned identifier passed)\n",
			"dkim    arc=none; sealed i=1 cv=none d=example.org s=arc2026, then arc=pass\n",
			// reason= is a short phrase, without the package's error prefix.
			"\n      dkim=fail reason=\"body hash did not verify\" header.d=example.net",
			"\n      dmarc=fail reason=\"no aligned identifier passed\" header.from=example.net policy.dmarc=reject;\n",
		}},
		{"samples/malware.eml", []string{
			"\n      dkim=none;\n",
			"\n      dmarc=none",
		}},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			got := sampleOutput(t, tc.sample)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("demo output for %s lacks %q; output:\n%s", tc.sample, want, got)
				}
			}
			if n := strings.Count(got, "\n  dkim "); n > 8 {
				t.Errorf("demo output for %s has %d dkim lines, want at most 8", tc.sample, n)
			}
		})
	}
}

// TestDemoSignaturesDKIMPy has dkimpy check the demo's signatures against
// testdata/zones/dkim.zone, so the demo's verdicts are not ours alone:
// legit.eml's signature verifies, spam.eml's does not. It skips without
// dkimpy, unless SPAMKIT_INTEGRATION=1.
func TestDemoSignaturesDKIMPy(t *testing.T) {
	testenv.Program(t, "dkimverify")
	py := testenv.Program(t, "python3")
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		py = "/usr/bin/python3" // the interpreter dkimpy is installed for
	}
	script := filepath.Join(testenv.RepoRoot(t), "dkim", "testdata", "dkimpy.py")
	for sample, want := range map[string]string{"legit.eml": "pass", "spam.eml": "body hash mismatch"} {
		cmd := exec.Command(py, script, "verify", filepath.Join("testdata", "samples", sample), filepath.Join("testdata", "zones", "dkim.zone"))
		out, err := cmd.CombinedOutput()
		if got := strings.TrimSpace(string(out)); want == "pass" && (err != nil || got != "pass") || !strings.Contains(got, want) {
			t.Errorf("dkimpy verify %s = %v, want %q; output:\n%s", sample, err, want, out)
		}
	}
}

// TestCheckDKIMWithSPF runs the demo's samples through the session as
// the demo does, and checks DMARC with the SPF result the session feeds
// it (an aligned SPF pass alone passes DMARC), and the dkim, dmarc and
// arc results in the one Authentication-Results (dkim=none for an
// unsigned message).
func TestCheckDKIMWithSPF(t *testing.T) {
	d := newDemo(t)
	legit, spam := *d.byName["samples/legit.eml"], *d.byName["samples/spam.eml"]
	unsigned := legit
	unsigned.Message = dropField(legit.Message, "DKIM-Signature")
	for _, tc := range []struct {
		name string
		in   *input
		want []string
	}{
		{"legit, spf pass", &legit, []string{
			"dmarc=pass from=example.com policy=reject disposition=none (dkim pass d=example.com aligned (adkim=r); spf pass example.com aligned (aspf=r))",
			"\n      dkim=pass header.d=example.com",
			"\n      dmarc=pass header.from=example.com",
			"verdict accept: 250 2.0.0 Ok",
		}},
		{"legit without signature, spf pass", &unsigned, []string{
			"dkim=none (no signature)",
			"dmarc=pass from=example.com policy=reject disposition=none (spf pass example.com aligned (aspf=r))",
			"\n      dkim=none;\n",
			"DKIM_NONE dkim=none",
		}},
		{"spam, spf fail", &spam, []string{
			"dmarc=fail from=example.net policy=reject disposition=reject (spf fail; no aligned identifier passed)",
			"\n      dmarc=fail reason=\"no aligned identifier passed\" header.from=example.net policy.dmarc=reject;\n",
			"DMARC_REJECT dmarc=fail",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := d.output(t, tc.in)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%s: output lacks %q; output:\n%s", tc.name, want, got)
				}
			}
		})
	}
}

// dropField returns msg without the header fields named name.
func dropField(msg []byte, name string) []byte {
	var out []byte
	skip := false
	for _, line := range strings.SplitAfter(string(msg), "\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if !skip {
				out = append(out, line...)
			}
			continue
		}
		skip = strings.HasPrefix(strings.ToLower(line), strings.ToLower(name)+":")
		if !skip {
			out = append(out, line...)
		}
	}
	return out
}

// TestCheckDKIMLargeMessage checks a signed message larger than the
// header reader's buffer: the body handed to the verifiers must start
// right after the header.
func TestCheckDKIMLargeMessage(t *testing.T) {
	pem, err := os.ReadFile(filepath.Join("testdata", "dkim", "example.com-demo2026.pem"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := dkim.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: big\r\n\r\n" + strings.Repeat("A line of a long message body.\r\n", 4000)
	s := &dkim.Signer{Domain: "example.com", Selector: "demo2026", Key: key, Now: func() time.Time { return demoNow.Add(-time.Minute) }}
	f, err := s.Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	d := newDemo(t)
	got := d.output(t, &input{Name: "big", IP: netip.MustParseAddr("192.0.2.10"), HELO: "mail.example.com", MailFrom: "alice@example.com", Message: []byte(f + msg)})
	if want := "\n  dkim    dkim=pass d=example.com s=demo2026"; !strings.Contains(got, want) {
		t.Errorf("the %d-byte message: output lacks %q:\n%s", len(f+msg), want, got)
	}
}
