package spambot

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// BenchmarkRecord: counting one event for a clean host and getting its
// verdict, per kind.
func BenchmarkRecord(b *testing.B) {
	for _, k := range []Kind{Message, Recipient} {
		b.Run(k.String(), func(b *testing.B) {
			var d Detector
			at := t0
			b.ReportAllocs()
			for b.Loop() {
				at = at.Add(3 * time.Second)
				d.Record(Event{Time: at, Host: staff, Kind: k, Domain: "example.net"})
			}
		})
	}
}

// BenchmarkRecordParallel: Record from every core, over 4096 hosts.
func BenchmarkRecordParallel(b *testing.B) {
	var d Detector
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			h := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8 & 15), byte(i)})
			d.Record(Event{Time: t0.Add(time.Duration(i) * time.Second), Host: h, Kind: Message})
		}
	})
}

// BenchmarkHostMemory reports the heap per tracked host.
func BenchmarkHostMemory(b *testing.B) {
	const n = 10000
	for b.Loop() {
		d := Detector{MaxHosts: n}
		d.init()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range n {
			h := netip.AddrFrom4([4]byte{10, 8, byte(i >> 8), byte(i)})
			d.Record(Event{Time: t0, Host: h, Kind: Message})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/host")
		runtime.KeepAlive(&d)
	}
}
