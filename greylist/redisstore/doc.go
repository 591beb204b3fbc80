// Package redisstore is a greylist.Store in Redis, shared by the MX hosts
// of a site so that a retry reaching another MX than the first attempt
// passes. Importing it brings github.com/redis/go-redis/v9 into a build;
// package greylist does not.
//
// # Atomicity
//
// Each Record is one Lua script run by EVALSHA (EVAL when the server does
// not hold it yet): Redis runs a script alone, so the read of the
// client's and the triplet's records, the decision (the Lua twin of
// greylist.Request.Apply) and the writes are one atomic step. Two MX
// hosts racing on one triplet see one history: one of them creates it,
// the other sees it created; one retry is counted towards the automatic
// allowlist, not two.
//
// # Pipelining
//
// Concurrent checks are sent together: each Record queues its script
// run, and a few pipeline goroutines (Options.Pipelines, 4) each take
// what is queued (up to Options.MaxPipeline, 256) and send it as one
// pipeline: one write and one read for all, instead of a round trip and
// two system calls per check. A lone check goes at once, alone; nothing
// waits for a timer. Each script still runs atomically on its own. A
// check keyed by an SPF-validated domain is two script runs, one after
// the other (see package greylist). Options.Pipelines < 0 sends each
// check on its own through the client's pool. Close stops the pipelines.
//
// # Keys and expiry
//
// A client's record is the hash Prefix+"{"+client+"}c" and a triplet's
// Prefix+"{"+client+"}t:"+triplet, with fields of Unix milliseconds. The
// client key in braces is a Redis Cluster hash tag: a client's records
// are on one slot, so the script's keys never cross slots, and clients
// spread over the cluster. Each record is given a TTL (PEXPIRE) up to its
// expiry, so Redis deletes it by itself; the expiry is also in the record
// and checked by the script, which keeps the decision exact in the
// checks' time (greylist.Checker.Now) whatever the server's clock. The
// TTL is relative to the server's clock at the time of the write.
//
// # Failures
//
// A Redis that cannot be reached, or answers with an error, makes Record
// fail with an error that names the cause ("redisstore: dial tcp ...:
// connection refused"); the Checker wraps it in greylist.ErrStore and
// returns it, or, with greylist.Checker.FailOpen, passes the mail with
// the error in Outcome.Err ("greylist store unavailable"). The wait is
// bounded by the Checker's Timeout and by the client's own dial and
// read timeouts.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines, as the
// go-redis client it wraps.
package redisstore
