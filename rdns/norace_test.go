//go:build !race

package rdns

const raceEnabled = false
