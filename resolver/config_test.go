package resolver

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("# test\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions timeout:3 attempts:4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		r    *Resolver
		want config
	}{
		{
			name: "from resolv.conf",
			r:    &Resolver{ConfigFile: conf},
			want: config{servers: []string{"192.0.2.53:53", "[2001:db8::53]:53"}, timeout: 3 * time.Second, attempts: 4, udpSize: 1232, maxCNAMEs: 8},
		},
		{
			name: "fields win over resolv.conf",
			r:    &Resolver{ConfigFile: conf, Servers: []string{"127.0.0.1:5353", "::1"}, Timeout: time.Second, Attempts: 1, UDPSize: 4096, MaxCNAMEs: 2},
			want: config{servers: []string{"127.0.0.1:5353", "[::1]:53"}, timeout: time.Second, attempts: 1, udpSize: 4096, maxCNAMEs: 2},
		},
		{
			name: "defaults when neither says",
			r:    &Resolver{ConfigFile: filepath.Join(dir, "missing"), Servers: []string{"127.0.0.1"}},
			want: config{servers: []string{"127.0.0.1:53"}, timeout: DefaultTimeout, attempts: DefaultAttempts, udpSize: DefaultUDPSize, maxCNAMEs: DefaultMaxCNAMEs},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r.config()
			if err != nil {
				t.Fatal(err)
			}
			if got.timeout != tt.want.timeout || got.attempts != tt.want.attempts || got.udpSize != tt.want.udpSize ||
				got.maxCNAMEs != tt.want.maxCNAMEs || len(got.servers) != len(tt.want.servers) {
				t.Fatalf("config() = %+v, want %+v", *got, tt.want)
			}
			for i := range got.servers {
				if got.servers[i] != tt.want.servers[i] {
					t.Errorf("config().servers = %q, want %q", got.servers, tt.want.servers)
				}
			}
		})
	}
	empty := filepath.Join(dir, "empty.conf")
	os.WriteFile(empty, []byte("# no servers\n"), 0o644)
	if _, err := (&Resolver{ConfigFile: empty}).config(); !errors.Is(err, ErrNoServers) {
		t.Errorf("config() of a resolv.conf without nameservers: error = %v, want ErrNoServers", err)
	}
}
