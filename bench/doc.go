// Package bench holds side-by-side benchmarks of spamkit against peer
// libraries. It is a separate module so that spamkit's own go.mod never
// carries a peer library.
//
// Run with:
//
//	cd bench && go test -run '^$' -bench . -benchmem
package bench
