// Package redisstore is a harvest.Store in Redis, shared by the MX hosts
// of a site, so that a harvester spreading its probes over them is judged
// on the sum of its unknown recipients, and a block set by one host holds
// on all. Importing it brings github.com/redis/go-redis/v9 into a build;
// package harvest does not.
//
// # Atomicity
//
// Each Add is one Lua script run by EVALSHA (EVAL when the server does
// not hold it yet): the HINCRBY of the counts and the reads of both
// windows and of the block are one atomic step, one round trip. SetBlock
// is one MULTI/EXEC (HSET, PEXPIREAT). Nodes racing on one client each
// add their counts; none is lost.
//
// # Keys and expiry
//
// A client's counts in the fixed window starting at T (Unix
// milliseconds) are the hash Prefix+"{"+client+"}w:"+T with fields c, m,
// r, u, e (connections, messages, recipients, unknown recipients,
// errors); its block is Prefix+"{"+client+"}b" with fields until (Unix
// milliseconds) and off (offences). The client is the address or
// network the Checker counts by ("192.0.2.0/24"); in braces it is a
// Redis Cluster hash tag, so that a client's keys share one slot. A
// window's hash expires two windows after its last write; a block's
// hash expires the harvest.Config.MaxBlock after its end, so that a
// repeat offence within it escalates. Window boundaries are multiples of
// the window since the Unix epoch in the Checkers' time (Checker.Now),
// so every node agrees on them whatever the server's clock.
//
// # Failures
//
// A Redis that cannot be reached, or answers with an error, makes Add
// and SetBlock fail with an error naming the cause ("redisstore: dial
// tcp ...: connection refused"). The Checker wraps it in
// harvest.ErrStore: by default it delays the event with a 451 4.3.0 (fail
// closed), and with harvest.Config.FailOpen it judges the client on the
// node's own counts instead (fail open), noting the failure in
// Outcome.Err. The wait is bounded by ctx and by the go-redis client's
// dial and read timeouts.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines, as the
// go-redis client it wraps.
package redisstore
