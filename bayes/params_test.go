package bayes

import (
	"context"
	"errors"
	"math"
	"testing"
)

// TestParamsNotFinite checks that a parameter that is NaN or infinite is
// refused with ErrConfig, as one out of its range is: NaN compares false
// to every bound, and an unchecked one gave a NaN Score.
func TestParamsNotFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := map[string]*Classifier{
		"RobX NaN": &Classifier{RobX: nan}, "RobS NaN": {RobS: nan}, "RobS +Inf": {RobS: inf},
		"MinDev NaN": {MinDev: nan}, "SpamCutoff NaN": {SpamCutoff: nan},
		"HamCutoff NaN": {HamCutoff: nan}, "HamESF NaN": {HamESF: nan},
		"SpamESF NaN": {SpamESF: nan}, "AutoSpam NaN": {AutoSpam: nan}, "AutoHam NaN": {AutoHam: nan},
	}
	msg := []byte("Subject: cheap pills\r\n\r\nbuy cheap pills now\r\n")
	for name, c := range cases {
		ctx := context.Background()
		o, err := c.Classify(ctx, msg)
		if name[:4] == "Auto" {
			_, err = c.AutoLearn(ctx, msg)
		}
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v (score %v), want ErrConfig", name, err, o.Score)
		}
	}
}
