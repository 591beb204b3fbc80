package dmarc

import "sync"

// maxParsed bounds the parsed records an Evaluator keeps: a warm
// evaluation finds its records here instead of parsing the resolver's
// cached text again. Past it the set is emptied and refilled.
const maxParsed = 256

// parsedRecords keeps parsed records by their text and mode. Records in
// it are shared by every Outcome that applies them (Outcome.Record must
// not be modified).
type parsedRecords struct {
	mu sync.RWMutex
	m  map[parsedKey]parsedRecord
}

type parsedKey struct {
	mode Mode
	txt  string
}

type parsedRecord struct {
	r   *Record
	err error
}

// parse is parse(txt, m) through the set.
func (c *parsedRecords) parse(txt string, m Mode) (*Record, error) {
	k := parsedKey{m, txt}
	c.mu.RLock()
	p, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return p.r, p.err
	}
	r, err := parse(txt, m)
	if len(txt) > 1024 {
		return r, err // not worth keeping: bounds the set's bytes too
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxParsed {
		c.m = make(map[parsedKey]parsedRecord, 16)
	}
	c.m[k] = parsedRecord{r, err}
	c.mu.Unlock()
	return r, err
}
