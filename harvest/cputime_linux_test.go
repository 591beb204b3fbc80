//go:build linux

package harvest

import "syscall"

// threadCPU returns the CPU time the calling OS thread has used, in ns
// (user and system), or -1. Benchmarks lock their goroutine to its
// thread and report CPU time per event beside the wall time, which a
// loaded machine inflates.
func threadCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_THREAD, &ru) != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
