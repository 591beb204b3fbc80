package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/testenv"
)

// TestSharedSamples parses the real reports published by providers and
// by other projects, kept beside the repository in
// ../shared/testdata/dmarc-report (not committed here: see
// testdata/providers/SOURCES.md for where they come from). Files under
// a directory named invalid must fail; every other must give a report.
func TestSharedSamples(t *testing.T) {
	dir := testenv.Shared(t, "dmarc-report")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no samples in %s", dir)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		t.Run(rel, func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			reps, err := new(Parser).Parse(fh)
			invalid := strings.Contains(filepath.ToSlash(rel), "invalid/")
			switch {
			case invalid && err == nil:
				t.Errorf("Parse accepted an invalid sample: %d reports", len(reps))
			case !invalid && (err != nil || len(reps) == 0):
				t.Errorf("Parse = %d reports, %v", len(reps), err)
			case !invalid:
				for _, r := range reps {
					if r.Policy.Domain == "" || len(r.Rows) == 0 {
						t.Errorf("report without policy domain or rows: %+v", r.Metadata)
					}
				}
			}
		})
	}
}
