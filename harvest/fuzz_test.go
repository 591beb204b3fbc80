package harvest

import (
	"errors"
	"testing"
)

// FuzzParseConfig: whatever parses renders back (String) to text that
// parses to the same Config, and String is stable; what does not parse
// is refused with ErrConfig or ErrConfigTooLarge, never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add("ipv4_prefix = 24\ndha_ratio = 50%\nrecipient_rate = 50/5m\n")
	f.Add("# c\nwindow = 1d\ntarpit_step = -1s\nfail_open = on")
	f.Add("block = 1h\nblock = 2h")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseConfig(text)
		if err != nil {
			if !errors.Is(err, ErrConfig) && !errors.Is(err, ErrConfigTooLarge) {
				t.Fatalf("ParseConfig(%q) error %v wraps neither ErrConfig nor ErrConfigTooLarge", text, err)
			}
			return
		}
		s := c.String()
		back, err := ParseConfig(s)
		if err != nil {
			t.Fatalf("ParseConfig(%q) = %+v, whose String %q does not parse: %v", text, c, s, err)
		}
		if back != c {
			t.Fatalf("round trip of %q: %+v, want %+v", s, back, c)
		}
		if back.String() != s {
			t.Fatalf("String not stable: %q then %q", s, back.String())
		}
		// The policy built from any accepted Config is usable.
		p := c.policy()
		if p.window <= 0 || p.maxClients < 1 || p.dhaRatio <= 0 || p.dhaRatio > 1 {
			t.Fatalf("policy of %+v: %+v", c, p)
		}
	})
}

// FuzzParseRate: an accepted rate renders back to itself and gives a
// finite positive token rate with a burst of N.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"50/5m", "20 / 1m", "10/s", "1/d", "off", "5/0s", "x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("ParseRate(%q) error %v does not wrap ErrConfig", s, err)
			}
			return
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %v; its String %q parses to %v, %v", s, r, r.String(), back, err)
		}
		if !r.IsZero() {
			lim, burst := r.Limit()
			if !(lim > 0) || burst != r.N {
				t.Fatalf("%v.Limit() = %v, %d", r, lim, burst)
			}
		}
	})
}

// FuzzGreetQuote: the log rendering of early input is one line of
// printable ASCII.
func FuzzGreetQuote(f *testing.F) {
	f.Add([]byte("EHLO x\r\n"))
	f.Add([]byte{0, 0xff, '"', '\\'})
	f.Fuzz(func(t *testing.T, b []byte) {
		q := quote(b)
		for i := 0; i < len(q); i++ {
			if q[i] < 0x20 || q[i] >= 0x7f {
				t.Fatalf("quote(%q) = %q holds octet %#x", b, q, q[i])
			}
		}
	})
}
