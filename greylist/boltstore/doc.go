// Package boltstore is a durable greylist.Store in one go.etcd.io/bbolt
// file, for a single host that must not forget its triplets when it
// restarts or crashes. Importing it brings bbolt into a build; package
// greylist does not.
//
// # Durability
//
// Every Record runs greylist's algorithm (greylist.Request.Apply) first
// on a read snapshot: a check that changes nothing (a known triplet, an
// early retry, an allowlisted client) is answered from it, with no write
// and no fsync. A check that must write runs Apply again in a bbolt
// write transaction, on the current state. Checks that arrive while a transaction
// commits wait and go together into the next one (group commit), so that
// one fsync serves many checks without delaying a lone check by a timer.
// The modes (Options.Durability):
//
//   - Sync (the default): Record returns after the transaction that
//     holds its change is committed and fsynced (fdatasync). An entry
//     whose Check returned survives kill -9 of the process and a crash
//     or power loss of the host, as far as the disk honours fsync.
//   - NoSync: Record returns after the transaction is written to the
//     file (bbolt writes pages with pwrite, into the kernel's page
//     cache) without fsync. An entry whose Check returned survives kill
//     -9 of the process, since the kernel still holds and later writes
//     its pages; a crash or power loss of the host may lose the last
//     seconds of checks and, as bbolt warns for NoSync, may corrupt the
//     file. For hosts where a lost triplet costs one more delay and a
//     rebuilt file is acceptable.
//
// # Throughput
//
// A commit costs two fdatasyncs (the pages, then the meta page), however
// many checks it holds: durable throughput is about the checks in flight
// divided by a commit's latency. A check that changes nothing costs a
// read transaction only. See BenchmarkStores and BenchmarkBoltConcurrency
// in package greylist's tests.
//
// # Expiry
//
// Records carry their expiry time (greylist.TripletRecord.Expires,
// ClientRecord.Expires) and an expired record reads as absent; Sweep
// deletes them, in transactions of at most MaxSweepBatch keys so that
// checks are not held up. Call it periodically (hourly) from the program
// that owns the store.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines. bbolt locks
// the file: a second process opening it waits Options.LockTimeout and
// then fails.
package boltstore
