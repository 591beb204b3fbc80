package redisstore

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/internal/testenv"
)

// StartCluster starts redis-server in cluster mode on a free loopback
// port with every slot assigned to it, and returns its address (for
// the tests of both packages: this file is compiled with the tests only).
func StartCluster(t *testing.T) string {
	t.Helper()
	bin := testenv.Program(t, "redis-server")
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no",
		"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
		"--logfile", filepath.Join(dir, "redis.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(ctx).Err() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("cluster redis-server did not answer PING\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
	}
	for {
		info, err := rdb.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster state not ok: %q %v", info, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClientOnClusterNode: a plain Client on a Redis with cluster mode
// on (one node holding every slot, as a managed "cluster mode" service
// of one shard is often used) answers every command, but refuses with
// CROSSSLOT a script whose keys are on several slots: a batch of checks
// of several clients in one script run failed every check of the batch
// (greylisting off under FailOpen, all mail deferred without). The
// store falls back to one script run per check, and stays so.
func TestClientOnClusterNode(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: StartCluster(t), DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s, err := New(rdb, &Options{Prefix: "node:", Pipelines: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for round := range 2 {
		var ops []*op
		for i := range 4 {
			ops = append(ops, s.newOp(ctx, greylist.Request{
				Client: fmt.Appendf(nil, "192.0.%d.0/24", i), Triplet: []byte("a@x b@y"), Now: now,
				Delay: 5 * time.Minute, RetryWindow: 48 * time.Hour, MaxAge: 35 * 24 * time.Hour, AutoAllowAfter: 5,
			}))
		}
		s.send(ops)
		for i, o := range ops {
			<-o.done
			if o.err != nil || o.resp.Result != greylist.Greylisted || o.resp.New != (round == 0) {
				t.Errorf("round %d, client %d: %+v, %v; want greylisted (new: %v)", round, i, o.resp, o.err, round == 0)
			}
		}
	}
}
