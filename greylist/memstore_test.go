package greylist_test

import (
	"testing"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/greylist/greylisttest"
)

func TestMemoryStore(t *testing.T) {
	greylisttest.Run(t, func(t *testing.T) greylist.Store { return new(greylist.MemoryStore) })
}
