package greylist_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/testenv"
)

// TestNoStoreDependencies: importing greylist brings neither bbolt nor a
// Redis client into a build; their stores are sub-packages.
func TestNoStoreDependencies(t *testing.T) {
	goBin := testenv.Program(t, "go")
	out, err := exec.Command(goBin, "list", "-deps", "github.com/spamkit/spamkit/greylist").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "bbolt") || strings.Contains(dep, "redis") {
			t.Errorf("greylist depends on %s", dep)
		}
	}
}
