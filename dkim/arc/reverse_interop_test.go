package arc_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/testenv"
)

// TestReverseInteropDKIMPy has dkimpy verify our seals and signatures
// (its arc_verify and verify, the functions behind arcverify and
// dkimverify, with DNS answered from keys.zone). The messages are made
// first and dkimpy checks them all in one process (testenv.DKIMPy): a
// python process per message cost 0.15 s each. It skips when dkimpy is
// not installed, unless SPAMKIT_INTEGRATION=1.
func TestReverseInteropDKIMPy(t *testing.T) {
	testenv.Program(t, "arcverify")
	server := dkimtest.Server(t)
	var (
		names  []string
		checks []testenv.DKIMPyCheck
		wants  []string // the answer's prefix
	)
	add := func(name string, isARC bool, msg []byte, want string) {
		names = append(names, name)
		checks = append(checks, testenv.DKIMPyCheck{ARC: isARC, Msg: msg})
		wants = append(wants, want)
	}
	// Our DKIM signatures: three messages, both algorithms, the four
	// canonicalizations.
	for _, m := range []string{"plain", "ws", "multi"} {
		base := dkimtest.Read(t, "messages/"+m+".eml")
		for _, hc := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
			for _, bc := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
				for _, k := range []string{"rsa2048", "ed25519"} {
					sel := map[string]string{"rsa2048": "rsa2048", "ed25519": "ed"}[k]
					s := &dkim.Signer{Domain: "example.com", Selector: sel, Key: dkimtest.Key(t, k), HeaderCanonicalization: hc, BodyCanonicalization: bc}
					f, err := s.Sign(bytes.NewReader(base))
					if err != nil {
						t.Fatal(err)
					}
					add(fmt.Sprintf("verify(ours %s %s %s/%s)", m, k, hc, bc), false, append([]byte(f), base...), "pass")
				}
			}
		}
	}
	// Chains of 1 to 3 hops sealed by us, the second hop a list that
	// rewrites the subject and adds a footer. dkimpy's ARC code knows
	// only rsa-sha256 ("unknown signature algorithm: ed25519-sha256"),
	// so our ed25519 chains are checked by TestSealChain alone.
	for _, k := range []string{"rsa2048"} {
		msg := dkimtest.Read(t, "messages/plain.eml")
		for hop := range 3 {
			msg = hopSeal(t, server, k, hop, msg)
			add(fmt.Sprintf("arc_verify(our %s chain of %d)", k, hop+1), true, msg, "pass")
			tampered := append(bytes.Clone(msg), "tampered\r\n"...)
			add(fmt.Sprintf("arc_verify(our %s chain of %d, body changed)", k, hop+1), true, tampered,
				"fail Most recent ARC-Message-Signature did not validate")
		}
	}
	// Our seal on dkimpy's three hops.
	add("arc_verify(our seal on dkimpy's 3 hops)", true, seal(t, sealers(t)[0], dkimtest.Read(t, "interop/arc-3.eml"), arc.Pass), "pass")

	got := testenv.DKIMPy(t, []string{filepath.Join(dkimtest.Dir(t), "keys.zone")}, checks...)
	for i, name := range names {
		if !strings.HasPrefix(got[i], wants[i]) {
			t.Errorf("dkimpy %s = %q, want %q", name, got[i], wants[i])
		}
	}
}
