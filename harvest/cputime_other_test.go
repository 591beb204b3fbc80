//go:build !linux

package harvest

func threadCPU() int64 { return -1 }
