//go:build race

package rdns

// raceEnabled: the race detector makes sync.Pool (used by regexp) drop
// items at random, so allocation counts are not meaningful.
const raceEnabled = true
