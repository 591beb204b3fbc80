package authres_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const goMsgauth = "github.com/emersion/go-msgauth/authres"

// TestNoMsgauthDependency checks that package authres, which every check
// imports, does not bring go-msgauth into a build: the conversion lives
// in authres/msgauth, which depends on it (checked too, so that the test
// fails if go list stops reporting dependencies).
func TestNoMsgauthDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool in PATH to run go list -deps: %v", err)
	}
	deps := func(pkg string) []string {
		t.Helper()
		out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", pkg).Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, msg)
		}
		return strings.Fields(string(out))
	}
	for _, tt := range []struct {
		pkg  string
		want bool
	}{
		{"github.com/spamkit/spamkit/authres", false},
		{"github.com/spamkit/spamkit/authres/msgauth", true},
	} {
		if got := slices.Contains(deps(tt.pkg), goMsgauth); got != tt.want {
			t.Errorf("go list -deps %s lists %s: %v, want %v", tt.pkg, goMsgauth, got, tt.want)
		}
	}
}
