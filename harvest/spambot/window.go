package spambot

import "time"

// buckets is the number of buckets a sliding window is cut into: counts
// are exact to a tenth of the window.
const buckets = 10

// counter counts events in a sliding window of buckets buckets. The
// zero value is empty. It is not safe for concurrent use.
type counter struct {
	last   int64 // absolute number of the newest bucket touched
	used   bool  // last is set
	counts [buckets]uint32
}

// slot returns the ring index of absolute bucket b (b may be negative:
// times before 1970).
func slot(b int64) int {
	i := b % buckets
	if i < 0 {
		i += buckets
	}
	return int(i)
}

// add counts one event in bucket b (the absolute bucket number of its
// time). Events older than the window are dropped.
func (c *counter) add(b int64) {
	switch {
	case !c.used:
		c.last, c.used = b, true
	case b > c.last:
		n := b - c.last
		if n > buckets {
			n = buckets
		}
		for i := int64(1); i <= n; i++ {
			c.counts[slot(c.last+i)] = 0
		}
		c.last = b
	case c.last-b >= buckets:
		return
	}
	if c.counts[slot(b)] < ^uint32(0) {
		c.counts[slot(b)]++
	}
}

// count returns the events in the buckets (b-buckets, b].
func (c *counter) count(b int64) int {
	n := 0
	for i := int64(0); i < buckets; i++ {
		j := c.last - i // the absolute bucket of slot(j)
		if j <= b && j > b-buckets {
			n += int(c.counts[slot(j)])
		}
	}
	return n
}

// bucketOf returns the absolute bucket number of t in a window w.
func bucketOf(t time.Time, w time.Duration) int64 {
	width := int64(w) / buckets
	if width <= 0 {
		width = 1
	}
	n := t.UnixNano()
	b := n / width
	if n%width < 0 {
		b--
	}
	return b
}

// distinct counts distinct values (domain hashes) seen within a window,
// up to capacity: it keeps at most cap entries, so its count saturates
// at the threshold, which is all a verdict needs.
type distinct struct {
	entries []seen
}

type seen struct {
	hash uint64
	last int64 // UnixNano of the latest sighting
}

// add records h at time now (UnixNano) with window w (nanoseconds).
func (d *distinct) add(h uint64, now, w int64, capacity int) {
	for i := range d.entries {
		if d.entries[i].hash == h {
			if now > d.entries[i].last {
				d.entries[i].last = now
			}
			return
		}
	}
	if len(d.entries) >= capacity {
		// Drop the expired, then, if still full, the oldest.
		kept := d.entries[:0]
		for _, e := range d.entries {
			if e.last > now-w {
				kept = append(kept, e)
			}
		}
		d.entries = kept
		if len(d.entries) >= capacity {
			oldest := 0
			for i, e := range d.entries {
				if e.last < d.entries[oldest].last {
					oldest = i
				}
			}
			d.entries[oldest] = seen{h, now}
			return
		}
	}
	if d.entries == nil {
		d.entries = make([]seen, 0, min(capacity, 8))
	}
	d.entries = append(d.entries, seen{h, now})
}

// count returns the values seen in (now-w, now].
func (d *distinct) count(now, w int64) int {
	n := 0
	for _, e := range d.entries {
		if e.last > now-w && e.last <= now {
			n++
		}
	}
	return n
}
