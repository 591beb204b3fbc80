// Package testenv holds the test helpers shared by spamkit's packages:
// finding outside programs and the shared test data.
//
// Tests that need an outside program (redis-server, postfix, dkimpy's
// dkimverify) call Program. It skips the test with a clear message when
// the program is missing, except when SPAMKIT_INTEGRATION=1 is set (as
// .ci/run does), where a missing program fails the test, so CI proves
// that such tests ran.
//
// Tests that have dkimpy check our signatures and seals call DKIMPy,
// which checks a whole batch of messages in one python process.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Integration reports whether SPAMKIT_INTEGRATION=1 is set: tests that
// need outside programs or data must run, not skip.
func Integration() bool { return os.Getenv("SPAMKIT_INTEGRATION") == "1" }

// Program returns the path of the named program, skipping tb when it is
// not installed (failing it under SPAMKIT_INTEGRATION=1).
func Program(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if Integration() {
		tb.Fatalf("%s is not installed, and SPAMKIT_INTEGRATION=1 requires it (.ci/run installs it): %v", name, err)
	}
	tb.Skipf("%s is not installed; skipping (set SPAMKIT_INTEGRATION=1 to make this a failure)", name)
	return ""
}

// RepoRoot returns the module's root directory: the nearest directory
// above the working directory (a package's directory under go test) whose
// go.mod declares module github.com/spamkit/spamkit. Tests of the
// separate bench module find the root above their own go.mod.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/spamkit/spamkit\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("testenv: no spamkit go.mod above the working directory")
		}
		dir = parent
	}
}

// Shared returns the path of rel under the shared test data directory,
// ../shared/testdata beside the repository root, skipping tb with a clear
// message when it is absent. The shared directory is handed to
// developers and CI beside the repository; packages keep their own copy
// of what their tests must not do without.
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(RepoRoot(tb), "..", "shared", "testdata", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared test data %s is absent (expected ../shared/testdata beside the repository): %v", rel, err)
	}
	return p
}
