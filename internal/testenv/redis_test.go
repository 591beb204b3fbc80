package testenv

import (
	"testing"
)

func TestRedis(t *testing.T) {
	s := Redis(t)
	if err := ping(s.Addr); err != nil {
		t.Fatalf("ping(%s) = %v, want PONG", s.Addr, err)
	}
	s2 := Redis(t)
	if s2.Addr == s.Addr {
		t.Fatalf("two servers share %s", s.Addr)
	}
	s.Stop()
	if err := ping(s.Addr); err == nil {
		t.Fatalf("ping(%s) after Stop answered", s.Addr)
	}
	if err := ping(s2.Addr); err != nil {
		t.Fatalf("second server: %v", err)
	}
}
