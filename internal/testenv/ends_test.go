package testenv

import (
	"context"
	"errors"
	"testing"
)

func TestEndsAt(t *testing.T) {
	c := EndsAt(3)
	for i := 1; i <= 4; i++ {
		err := c.Err()
		ended := i >= 3
		if (err != nil) != ended || (ended && !errors.Is(err, context.Canceled)) {
			t.Errorf("look %d: Err = %v, want ended %v", i, err, ended)
		}
		select {
		case <-c.Done():
			if !ended {
				t.Errorf("look %d: Done closed before the 3rd look", i)
			}
		default:
			if ended {
				t.Errorf("look %d: Done not closed", i)
			}
		}
	}
	if c.Looks() != 4 {
		t.Errorf("Looks = %d, want 4", c.Looks())
	}
	never := EndsAt(0)
	for range 5 {
		if err := never.Err(); err != nil {
			t.Fatalf("EndsAt(0) ended: %v", err)
		}
	}
	if never.Looks() != 5 {
		t.Errorf("Looks = %d, want 5", never.Looks())
	}
}
