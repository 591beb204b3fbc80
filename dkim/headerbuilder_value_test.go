package dkim_test

import (
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim"
)

// TestHeaderBuilderValue checks that Add refuses a value that is not one
// field's body (RFC 5322 §2.2, §2.2.3): a line break not followed by
// white space would start another field inside this one, and a NUL or a
// lone CR has no place in a header.
func TestHeaderBuilderValue(t *testing.T) {
	for _, tc := range []struct {
		value string
		err   error
	}{
		{"a\nFrom: x", dkim.ErrFieldValue},
		{"a\r\nFrom: x", dkim.ErrFieldValue},
		{"a\n\nbody", dkim.ErrFieldValue},
		{"a\x00b", dkim.ErrFieldValue},
		{"a\rb", dkim.ErrFieldValue},
		{"a\r b", dkim.ErrFieldValue},
		{"a\n b", nil},
		{"a\r\n\tb", nil},
		{"plain", nil},
		{"trailing\r\n", nil},
	} {
		var hb dkim.HeaderBuilder
		err := hb.Add("Subject", tc.value)
		if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("Add(Subject, %q) = %v, want %v", tc.value, err, tc.err)
		}
		if err != nil && len(hb.Header()) != 0 {
			t.Errorf("Add(Subject, %q) failed but added a field", tc.value)
		}
	}
}
