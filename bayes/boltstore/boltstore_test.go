package boltstore

import (
	"path/filepath"
	"testing"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/storetest"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "bayes.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bayes.BulkStore { return open(t) })
}
