package bayes

// tokenSet is the set of a message's tokens: an open-addressing hash
// table looked up by prefix and word without joining them, emptied by a
// generation count instead of clearing, so that a pooled set costs
// nothing to reuse whatever size it once grew to.
type tokenSet struct {
	slots []slot // a power of two
	gen   uint32 // entries of other generations are empty
	n     int    // entries of this generation
}

type slot struct {
	hash uint32
	gen  uint32
	tok  string
}

// reset empties the set.
func (s *tokenSet) reset() {
	s.gen++
	s.n = 0
	if s.gen == 0 { // wrapped: old generations could look current
		clear(s.slots)
		s.gen = 1
	}
	if len(s.slots) == 0 {
		s.slots = make([]slot, 1024)
	}
}

// hashOf is FNV-1a of prefix followed by w.
func hashOf(prefix, w string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(prefix); i++ {
		h = (h ^ uint32(prefix[i])) * 16777619
	}
	for i := 0; i < len(w); i++ {
		h = (h ^ uint32(w[i])) * 16777619
	}
	return h
}

// find returns the slot of prefix+w: the entry holding it, or the empty
// slot where it goes (found false).
func (s *tokenSet) find(h uint32, prefix, w string) (i int, found bool) {
	mask := len(s.slots) - 1
	for i = int(h) & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.gen != s.gen {
			return i, false
		}
		if sl.hash == h && len(sl.tok) == len(prefix)+len(w) &&
			sl.tok[:len(prefix)] == prefix && sl.tok[len(prefix):] == w {
			return i, true
		}
	}
}

// put stores tok, of hash h, in the empty slot i found for it.
func (s *tokenSet) put(i int, h uint32, tok string) {
	s.slots[i] = slot{hash: h, gen: s.gen, tok: tok}
	s.n++
	if s.n*2 > len(s.slots) {
		s.grow()
	}
}

func (s *tokenSet) grow() {
	old := s.slots
	s.slots = make([]slot, 2*len(old))
	mask := len(s.slots) - 1
	for _, sl := range old {
		if sl.gen != s.gen {
			continue
		}
		i := int(sl.hash) & mask
		for s.slots[i].gen == s.gen {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}
