// Package redisstore is a greylist.Store in Redis, shared by the MX hosts
// of a site so that a retry reaching another MX than the first attempt
// passes. Importing it brings github.com/redis/go-redis/v9 into a build;
// package greylist does not.
//
// # Atomicity
//
// Each Record is applied by a Lua script run by EVALSHA (EVAL when the
// server does not hold it yet): Redis runs a script alone, so the reads
// of the client's and the triplet's records, the decision (the Lua twin
// of greylist.Request.Apply) and the writes are one atomic step. Two MX
// hosts racing on one triplet see one history: one of them creates it,
// the other sees it created; one retry is counted towards the automatic
// allowlist, not two.
//
// # Batching
//
// Concurrent checks are sent together: each Record queues its check,
// and a few pipeline goroutines (Options.Pipelines, 4) each take what is
// queued (up to Options.MaxPipeline, 256) and send it at once. On one
// server (a *redis.Client, which a failover client also is) the batch is
// one EVALSHA of the script with the keys and arguments of all its
// checks: one command and one round trip for N checks, which the script
// applies one after the other, each as Apply does (the whole batch is
// atomic, which is more than each check needs). On a Redis Cluster or a
// Ring, whose keys are spread over nodes by client, the batch is a
// pipeline of one script run per check (a script's keys must stay on one
// slot); so too behind a *redis.Client on a server in cluster mode (one
// node holding every slot), after its first CROSSSLOT refusal, which
// runs nothing and is sent again that way. A lone check goes at once, alone; nothing waits for a timer. A
// check keyed by an SPF-validated domain is two or three Records, one
// after the other (see package greylist). Options.Pipelines < 0 sends
// each check on its own through the client's pool. Close stops the
// pipelines.
//
// The script's arguments, records and reply are little-endian doubles
// packed and unpacked with Redis's struct library: turning numbers into
// decimal text and back (tonumber, string.format), and hashes of
// several fields, cost more server time than the rest of a check.
//
// # Keys and expiry
//
// A client's record is the string Prefix+"{"+client+"}c" (count,
// counted, seen, trapped until, expires: 40 bytes) and a triplet's
// Prefix+"{"+client+"}t:"+triplet (first, last, expires, passed: 32
// bytes), little-endian doubles, times in Unix milliseconds. A key
// holding anything else (a record of an older format of this package,
// which kept hashes, another program's value, or a record of the right
// length holding a NaN, an infinity, a fraction or a negative) is read
// as absent and replaced. The client
// key in braces is a Redis Cluster hash tag: a client's records are on
// one slot, so the script's keys never cross slots, and clients spread
// over the cluster. Each record is written with a TTL (SET PX) up to its
// expiry, so Redis deletes it by itself; the expiry is also in the
// record and checked by the script, which keeps the decision exact in
// the checks' time (greylist.Checker.Now) whatever the server's clock.
// The TTL is relative to the server's clock at the time of the write.
//
// # Failures
//
// A Redis that cannot be reached, or answers with an error, makes Record
// fail with an error that names the cause ("redisstore: dial tcp ...:
// connection refused"); the Checker wraps it in greylist.ErrStore and
// returns it, or, with greylist.Checker.FailOpen, passes the mail with
// the error in Outcome.Err ("greylist store unavailable"). The wait is
// bounded by the Checker's Timeout and by the client's own dial and
// read timeouts. A server that refuses writes (out of memory under
// maxmemory-policy noeviction, a read-only replica, MISCONF) fails the
// checks that must write (ErrWrite, with its reason) and answers the
// others of their script run, as one script run per check would.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines, as the
// go-redis client it wraps.
package redisstore
