package report_test

import (
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc/report"
	"github.com/spamkit/spamkit/dkim/dmarc/report/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Test(t, func(*testing.T) report.Store { return new(report.MemoryStore) })
}
