package testenv

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDKIMPy checks the batch driver against fixtures whose verdicts are
// known (dkim/testdata, signed by dkimpy itself): passes and failures
// interleaved, so that an answer out of order or lost is seen, and a
// message that makes dkimpy raise does not end the batch.
func TestDKIMPy(t *testing.T) {
	dir := filepath.Join(RepoRoot(t), "dkim", "testdata")
	read := func(rel string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	signed := read("interop/dkimpy-plain-rsa-sha256-relaxed-relaxed.eml")
	ed := read("interop/dkimpy-ws-ed25519-sha256-simple-simple.eml")
	chain := read("interop/arc-3.eml")
	tests := []struct {
		name  string
		check DKIMPyCheck
		want  string // prefix of the answer
	}{
		{"rsa signature", DKIMPyCheck{Msg: signed}, "pass"},
		{"body changed", DKIMPyCheck{Msg: append(bytes.Clone(signed), "tampered\r\n"...)}, "fail ValidationError: body hash mismatch"},
		{"ed25519 signature", DKIMPyCheck{Msg: ed}, "pass"},
		{"no signature", DKIMPyCheck{Msg: read("messages/plain.eml")}, "fail no DKIM-Signature"},
		{"header changed", DKIMPyCheck{Msg: bytes.Replace(signed, []byte("Subject: "), []byte("Subject: Re: "), 1)}, "fail signature 1:"},
		{"malformed signature", DKIMPyCheck{Msg: append([]byte("DKIM-Signature: v=1; a=rsa-sha256; b=\r\n"), signed...)}, "fail"},
		{"arc chain", DKIMPyCheck{ARC: true, Msg: chain}, "pass "},
		{"arc chain tampered", DKIMPyCheck{ARC: true, Msg: read("interop/arc-3-tampered.eml")}, "fail "},
		{"no arc chain", DKIMPyCheck{ARC: true, Msg: signed}, "none "},
		{"rsa signature again", DKIMPyCheck{Msg: signed}, "pass"},
	}
	zone := []string{filepath.Join(dir, "keys.zone")}
	var checks []DKIMPyCheck
	for _, tc := range tests {
		checks = append(checks, tc.check)
	}
	got := DKIMPy(t, zone, checks...)
	for i, tc := range tests {
		if !strings.HasPrefix(got[i], tc.want) {
			t.Errorf("DKIMPy(%s) = %q, want %q...", tc.name, got[i], tc.want)
		}
	}
	// The same checks in the reverse order get the same answers: no
	// message's verdict depends on the ones before it in the batch.
	slices.Reverse(checks)
	reversed := DKIMPy(t, zone, checks...)
	slices.Reverse(reversed)
	if !slices.Equal(reversed, got) {
		t.Errorf("DKIMPy(reversed checks) = %q reversed, want %q", reversed, got)
	}
	if got := DKIMPy(t, zone); len(got) != 0 {
		t.Errorf("DKIMPy(no checks) = %q, want none", got)
	}
}
