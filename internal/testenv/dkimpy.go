package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// DKIMPyCheck is one message for DKIMPy to check.
type DKIMPyCheck struct {
	// ARC selects dkimpy's arc_verify (the function behind its arcverify
	// command) instead of its DKIM verify (behind dkimverify).
	ARC bool
	// Msg is the whole message.
	Msg []byte
}

// DKIMPy has dkimpy (Debian package python3-dkim) check every message in
// one python process, answering its key queries from the zone files
// (master-file TXT records with absolute names, as dkim/testdata/keys.zone),
// and returns one line per check, in order:
//
//   - DKIM: "pass" when the message has DKIM-Signature fields and every
//     one verifies, else "fail" and dkimpy's reason;
//   - ARC: the chain validation status (pass, fail, none), a space and
//     dkimpy's reason.
//
// A process per message costs python's start-up and dkimpy's import each
// time (0.15 s); one batch costs them once. The driver is
// testdata/dkimpy-batch.py. DKIMPy skips tb when dkimpy is not installed
// (fails it under SPAMKIT_INTEGRATION=1), and fails tb when the driver
// does not answer every check.
func DKIMPy(tb testing.TB, zones []string, checks ...DKIMPyCheck) []string {
	tb.Helper()
	Program(tb, "dkimverify") // dkimpy is installed (Debian ships its commands with the module)
	py := dkimpyPython(tb)
	script := filepath.Join(RepoRoot(tb), "internal", "testenv", "testdata", "dkimpy-batch.py")
	dir := tb.TempDir()
	var req strings.Builder
	for i, c := range checks {
		p := filepath.Join(dir, fmt.Sprintf("%d.eml", i))
		if err := os.WriteFile(p, c.Msg, 0o600); err != nil {
			tb.Fatal(err)
		}
		cmd := "verify"
		if c.ARC {
			cmd = "arcverify"
		}
		fmt.Fprintf(&req, "%s %s\n", cmd, p)
	}
	cmd := exec.Command(py, append([]string{script}, zones...)...)
	cmd.Stdin = strings.NewReader(req.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(checks) == 0 && len(out) == 0 {
		lines = nil
	}
	if err != nil || len(lines) != len(checks) {
		tb.Fatalf("%s %s: %v, %d answers for %d checks\nstdout:\n%s\nstderr:\n%s", py, script, err, len(lines), len(checks), out, stderr.Bytes())
	}
	return lines
}

// dkimpyPython returns the interpreter dkimpy is installed for: Debian's
// /usr/bin/python3 when present (a python3 earlier in PATH, as pyenv's,
// does not see Debian's python3-dkim), else python3 from PATH.
func dkimpyPython(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return Program(tb, "python3")
}
