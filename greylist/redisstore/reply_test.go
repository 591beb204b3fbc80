package redisstore

import (
	"errors"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
)

func TestParseReply(t *testing.T) {
	good, err := parseReply([]any{"greylisted", "1000", "301000", int64(0), int64(2), int64(1)})
	want := greylist.Response{Result: greylist.Greylisted, First: time.UnixMilli(1000), Until: time.UnixMilli(301000), Count: 2, New: true}
	if err != nil || good != want {
		t.Errorf("parseReply(greylisted) = %+v, %v; want %+v", good, err, want)
	}
	for _, bad := range [][]any{
		nil,
		{"pass", int64(0), int64(0), int64(0), int64(0)},
		{int64(1), int64(0), int64(0), int64(0), int64(0), int64(0)},
		{"pass", "x", int64(0), int64(0), int64(0), int64(0)},
		{"pass", 1.5, int64(0), int64(0), int64(0), int64(0)},
		{"maybe", int64(0), int64(0), int64(0), int64(0), int64(0)},
	} {
		if _, err := parseReply(bad); !errors.Is(err, ErrReply) {
			t.Errorf("parseReply(%v) error = %v, want ErrReply", bad, err)
		}
	}
}
