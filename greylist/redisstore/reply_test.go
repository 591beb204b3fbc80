package redisstore

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
)

func packReply(v ...float64) string {
	var b []byte
	for _, f := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return string(b)
}

func TestParseReply(t *testing.T) {
	good, err := parseReply(packReply(2, 1000, 301000, 0, 2, 1), "")
	want := greylist.Response{Result: greylist.Greylisted, First: time.UnixMilli(1000), Until: time.UnixMilli(301000), Count: 2, New: true}
	if err != nil || good != want {
		t.Errorf("parseReply(greylisted) = %+v, %v; want %+v", good, err, want)
	}
	for _, bad := range []string{
		"",
		packReply(1, 0, 0, 0, 0),
		packReply(1, 0, 0, 0, 0, 0, 0),
		packReply(6, 0, 0, 0, 0, 0),
		packReply(1, 1.5, 0, 0, 0, 0),
		packReply(1, -1, 0, 0, 0, 0),
		packReply(1, math.NaN(), 0, 0, 0, 0),
	} {
		if _, err := parseReply(bad, ""); !errors.Is(err, ErrReply) {
			t.Errorf("parseReply(%x) error = %v, want ErrReply", bad, err)
		}
	}
	if _, err := parseReply(packReply(5, 0, 0, 0, 0, 0), "OOM command not allowed"); !errors.Is(err, ErrWrite) || !strings.Contains(err.Error(), "OOM") {
		t.Errorf("parseReply(write refused) error = %v, want ErrWrite with the reason", err)
	}
}
