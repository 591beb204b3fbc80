package report

import (
	"errors"
	"math"
	"testing"
)

// TestInflateLimit: the decompressed size a compressed report may reach
// is MaxRatio times its compressed size, at least 256 KiB, at most
// MaxXMLBytes. The product is computed without overflow: a zip entry
// claiming a compressed size near the int64 limit (or a MaxRatio that
// large) saturates to MaxXMLBytes (ErrTooLarge) rather than wrapping to
// a negative number and falling back to the 256 KiB floor (ErrRatio).
func TestInflateLimit(t *testing.T) {
	def := &Parser{}
	for _, tc := range []struct {
		name string
		p    *Parser
		n    int64
		want int64
		err  error
	}{
		{"tiny: the floor", def, 1000, ratioFloor, ErrRatio},
		{"by ratio", def, 1 << 20, DefaultMaxRatio << 20, ErrRatio},
		{"over MaxXMLBytes", def, 2 << 20, DefaultMaxXMLBytes, ErrTooLarge},
		{"near int64 limit", def, math.MaxInt64 / 2, DefaultMaxXMLBytes, ErrTooLarge},
		{"int64 limit", def, math.MaxInt64, DefaultMaxXMLBytes, ErrTooLarge},
		// 200 times it is 2^64 + 184: wrapped, 184 octets.
		{"wraps to a small product", def, 1<<64/DefaultMaxRatio + 1, DefaultMaxXMLBytes, ErrTooLarge},
		{"huge MaxRatio", &Parser{MaxRatio: math.MaxInt64}, 3, DefaultMaxXMLBytes, ErrTooLarge},
		{"negative claim", def, -1, ratioFloor, ErrRatio},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.p.inflateLimit(tc.n)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("inflateLimit(%d) = %d, %v; want %d, %v", tc.n, got, err, tc.want, tc.err)
			}
		})
	}
}
