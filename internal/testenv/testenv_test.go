package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "module github.com/spamkit/spamkit\n"; string(b[:len(want)]) != want {
		t.Errorf("RepoRoot() = %s, whose go.mod starts %q, want the spamkit module", root, b[:len(want)])
	}
}

func TestProgram(t *testing.T) {
	if p := Program(t, "go"); filepath.Base(p) != "go" {
		t.Errorf("Program(go) = %q, want a path ending in go", p)
	}
}
