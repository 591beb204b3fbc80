package bayes

import (
	"context"
	"time"
)

// Count is what a store keeps for one token: in how many trained spam and
// ham messages it occurred (once per message), and the day it was last
// trained, for expiry.
type Count struct {
	Spam uint32
	Ham  uint32
	// Day is the day the token was last trained, in days since
	// 1970-01-01 UTC (see Day); 0 if unknown (an imported dump without
	// dates).
	Day uint32
}

// Totals are the numbers of messages trained as spam and as ham.
type Totals struct {
	Spam uint64
	Ham  uint64
}

// Entry is one token of a store, as Walk gives it and Put takes it.
type Entry struct {
	Token string
	Count
}

// Update is the training of one message, applied to a store: each of
// Tokens (the message's distinct tokens) has Spam added to its spam count
// and Ham to its ham count, and the message totals change by the same
// amounts: {Spam: 1} trains a spam, {Spam: -1} untrains one. Counts and
// totals never go below zero. Day is recorded as the tokens' last
// training when the update adds (an untraining leaves the days as they
// were).
type Update struct {
	Tokens []string
	Spam   int32
	Ham    int32
	Day    uint32
}

// Store holds token counts. It is the small interface a Classifier
// needs: a batch read of the counts of one message's tokens, and an
// atomic update for training. Implementations are safe for concurrent use
// by multiple goroutines.
//
// Implementations in this module: the in-memory MemStore (the default),
// the durable bbolt store in package bayes/boltstore, and the Redis store
// in package bayes/redisstore. Package bayes/storetest holds the
// behavioural suite every implementation passes.
type Store interface {
	// Lookup sets counts[i] to the count of tokens[i] (the zero Count if
	// absent) and returns the message totals, read at one instant where
	// the store can (one transaction, one round trip). len(counts) ==
	// len(tokens); both may be empty, to read the totals alone.
	Lookup(ctx context.Context, tokens []string, counts []Count) (Totals, error)
	// Apply applies the updates in order, atomically: when it returns
	// nil, all of them are stored (for a durable store, they survive a
	// crash of the process) and Totals are the totals after them; on an
	// error none is. Batching many messages in one call is how bulk
	// training avoids a commit per message.
	Apply(ctx context.Context, updates []Update) (Totals, error)
}

// BulkStore is a Store that can also be listed and written whole: what
// dumps, imports and pruning need. Every store of this module is one.
type BulkStore interface {
	Store
	// Walk calls fn for each token in the store, in no particular order,
	// until fn returns false. The store may hold a read transaction or
	// lock for the walk: fn must not call the store.
	Walk(ctx context.Context, fn func(Entry) bool) error
	// Put sets the counts of the entries, replacing what the store had;
	// an entry whose Spam and Ham are both zero is deleted. It is atomic
	// as Apply is.
	Put(ctx context.Context, entries []Entry) error
	// SetTotals sets the message totals.
	SetTotals(ctx context.Context, t Totals) error
}

// Day returns the day of t, in days since 1970-01-01 UTC, as Count.Day
// keeps it.
func Day(t time.Time) uint32 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	return uint32(s / 86400)
}
