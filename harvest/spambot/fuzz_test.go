package spambot

import (
	"encoding/binary"
	"testing"
)

type sighting struct {
	h  uint64
	at int64
}

// FuzzWindow drives a counter and a distinct set with events in any
// order and checks them against plain models: the counter's count at or
// after its newest bucket equals the number of accepted events in the
// last 10 buckets (an event is dropped only when 10 or more buckets
// behind the newest); the distinct set never holds more than its
// capacity nor counts more than the values really seen in the window,
// and counts them exactly while no more values than its capacity were
// ever seen.
func FuzzWindow(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 30, 4, 5, 200, 6})
	f.Add([]byte{10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var c counter
		var accepted []int64
		last := int64(-1 << 62)
		var d distinct
		const w, capacity = 10, 4
		var seen []sighting
		values := map[uint64]bool{}
		for i := 0; i+1 < len(data); i += 2 {
			b := int64(binary.BigEndian.Uint16(data[i:])) % 512
			c.add(b)
			if b > last {
				last = b
			}
			if last-b < buckets {
				accepted = append(accepted, b)
			}
			h := uint64(data[i] % 8)
			d.add(h, b, w, capacity)
			seen = append(seen, sighting{h, b})
			values[h] = true
			if len(d.entries) > capacity {
				t.Fatalf("distinct holds %d entries, capacity %d", len(d.entries), capacity)
			}
		}
		if len(accepted) == 0 {
			return
		}
		for q := last; q < last+2*buckets; q++ {
			want := 0
			for _, b := range accepted {
				if b <= q && b > q-buckets {
					want++
				}
			}
			if got := c.count(q); got != want {
				t.Fatalf("count(%d) = %d, model %d (events %v)", q, got, want, accepted)
			}
			// Distinct values seen in (q-w, q].
			in := map[uint64]bool{}
			for _, s := range seen {
				if s.at <= q && s.at > q-w {
					in[s.h] = true
				}
			}
			got := d.count(q, w)
			if got > len(in) || len(values) <= capacity && got != len(in) {
				t.Fatalf("distinct count(%d) = %d, %d values really seen in the window, %d ever", q, got, len(in), len(values))
			}
		}
	})
}
