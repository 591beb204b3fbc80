package bayes_test

import (
	"testing"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bayes.BulkStore { return bayes.NewMemStore() })
}
