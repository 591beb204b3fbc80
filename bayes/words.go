package bayes

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// asciiWord marks the ASCII bytes that are word characters: letters and
// digits.
var asciiWord = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	return t
}()

// joiner reports whether c may join two runs of word characters into
// one word ("mx.example.net", "e-mail", "don't", "192.0.2.1").
func joiner(c byte) bool {
	return c == '.' || c == '-' || c == '_' || c == '\''
}

// cjk reports whether r is written without spaces between words (Han,
// Hiragana, Katakana and their marks, Hangul): its runs become character
// bigrams.
func cjk(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) ||
		r == 0x30FC || r == 0x3005 // prolonged sound mark ー, iteration mark 々
}

// wordRune reports whether r, not ASCII, is part of a word: a letter, a
// digit or a combining mark not of a CJK script.
func wordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) && !cjk(r)
}

// fold maps fullwidth ASCII variants (U+FF01-U+FF5E, common in Japanese
// mail) to ASCII, as NFKC does, and returns other runes unchanged.
func fold(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}

// words splits s into tokens, each with prefix: words of letters and
// digits (joined by '.', '-', '_' or an apostrophe between them), case-folded,
// of at least minRunes runes; runs of CJK characters as overlapping
// bigrams. m says which words to keep and whether they enter OSB pairs.
func (st *state) words(prefix, s string, m mode) {
	for i := 0; i < len(s) && !st.full; {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				i = st.word(prefix, s, i, m)
			} else {
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r = fold(r); {
		case r < utf8.RuneSelf && asciiWord[r], r >= utf8.RuneSelf && wordRune(r):
			i = st.word(prefix, s, i, m)
		case r >= utf8.RuneSelf && cjk(r):
			if m == modeHosts {
				i += size
			} else {
				i = st.bigrams(prefix, s, i)
			}
		default:
			i += size
		}
	}
}

// word scans the word starting at s[i] and adds it; it returns where the
// word ends.
func (st *state) word(prefix string, s string, i int, m mode) int {
	start := i
	runes := 0
	lower, ascii := true, true
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				if 'A' <= c && c <= 'Z' {
					lower = false
				}
				i++
				runes++
				continue
			}
			if joiner(c) && i+1 < len(s) && i > start && st.wordAt(s, i+1) {
				i++
				runes++
				continue
			}
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		fr := fold(r)
		if fr < utf8.RuneSelf {
			if !asciiWord[fr] {
				break
			}
		} else if !wordRune(fr) {
			break
		}
		ascii = false
		i += size
		runes++
	}
	w := s[start:i]
	if runes < st.minRunes || m == modeHosts && !strings.ContainsRune(w, '.') {
		return i
	}
	if len(w) > st.maxTokenBytes {
		st.long = true
		st.add(prefix, "skip:"+strconv.Itoa(len(w)/10*10), false)
		return i
	}
	if ascii && lower {
		st.add(prefix, w, m == modeBody)
		return i
	}
	// The folded word generalizes; the word as written ("FREE", "Viagra")
	// is a token too when it differs, as bogofilter keeps case.
	st.add(prefix, st.lower(w, ascii), m == modeBody)
	st.add(prefix, w, false)
	return i
}

// wordAt reports whether a word character starts at s[i].
func (st *state) wordAt(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return asciiWord[c]
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	r = fold(r)
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return wordRune(r)
}

// lower returns w case-folded (and fullwidth ASCII folded), in the
// state's arena.
func (st *state) lower(w string, ascii bool) string {
	start := len(st.arena)
	if ascii {
		for i := 0; i < len(w); i++ {
			c := w[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			st.arena = append(st.arena, c)
		}
	} else {
		for _, r := range w {
			st.arena = utf8.AppendRune(st.arena, unicode.ToLower(fold(r)))
		}
	}
	return st.arenaString(start)
}

// bigrams adds the overlapping character bigrams of the CJK run starting
// at s[i] (a run of one character is added alone) and returns where the
// run ends.
func (st *state) bigrams(prefix, s string, i int) int {
	if st.wholeRuns {
		start := i
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !cjk(r) {
				break
			}
			i += size
		}
		if i-start <= st.maxTokenBytes {
			st.add(prefix, s[start:i], false)
		}
		return i
	}
	prev := -1 // start of the previous character in s
	n := 0
	for i < len(s) && !st.full {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !cjk(r) {
			break
		}
		if prev >= 0 {
			st.add(prefix, s[prev:i+size], false)
		}
		prev = i
		i += size
		n++
	}
	if n == 1 {
		st.add(prefix, s[prev:i], false)
	}
	return i
}

// arenaString returns the bytes of the arena from start as a string. The
// arena is only ever appended to, so the bytes behind a string returned
// never change (a reallocation leaves them in the old array, which the
// string keeps alive).
func (st *state) arenaString(start int) string {
	if start == len(st.arena) {
		return ""
	}
	return unsafe.String(&st.arena[start], len(st.arena)-start)
}

// unsafeString returns b as a string without copying; b must not change
// while the string is used.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// asciiLower returns s with ASCII letters lowered and every other byte
// as is: the same length, so that offsets found in it are offsets in s
// (strings.ToLower changes the length of invalid UTF-8 and of some
// letters, such as the Kelvin sign).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return unsafeString(b) // b is not written again
		}
	}
	return s
}
