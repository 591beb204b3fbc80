//go:build race

package harvest

// raceEnabled: the race detector slows the simulations and changes
// allocation counts.
const raceEnabled = true
