package resolver

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
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
	// A resolv.conf without options: the documented defaults, not the
	// 5 s and 2 attempts of resolv.conf(5).
	plain := writeFile(t, "plain.conf", "nameserver 192.0.2.53\n")
	onlyAttempts := writeFile(t, "attempts.conf", "nameserver 192.0.2.53\noptions attempts:1\n")
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
			name: "resolv.conf without options: defaults",
			r:    &Resolver{ConfigFile: plain},
			want: config{servers: []string{"192.0.2.53:53"}, timeout: DefaultTimeout, attempts: DefaultAttempts, udpSize: DefaultUDPSize, maxCNAMEs: DefaultMaxCNAMEs},
		},
		{
			name: "resolv.conf with attempts only: default timeout",
			r:    &Resolver{ConfigFile: onlyAttempts},
			want: config{servers: []string{"192.0.2.53:53"}, timeout: DefaultTimeout, attempts: 1, udpSize: DefaultUDPSize, maxCNAMEs: DefaultMaxCNAMEs},
		},
		{
			name: "Servers given, timeout from resolv.conf",
			r:    &Resolver{ConfigFile: conf, Servers: []string{"127.0.0.1:5353"}},
			want: config{servers: []string{"127.0.0.1:5353"}, timeout: 3 * time.Second, attempts: 4, udpSize: DefaultUDPSize, maxCNAMEs: DefaultMaxCNAMEs},
		},
		{
			name: "Servers given, resolv.conf without options: defaults",
			r:    &Resolver{ConfigFile: plain, Servers: []string{"127.0.0.1:5353"}},
			want: config{servers: []string{"127.0.0.1:5353"}, timeout: DefaultTimeout, attempts: DefaultAttempts, udpSize: DefaultUDPSize, maxCNAMEs: DefaultMaxCNAMEs},
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

// writeFile writes content to name in a new temporary directory and
// returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseResolvConf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want resolvConf
	}{
		{name: "empty", in: "", want: resolvConf{}},
		{name: "no options: nothing set", in: "nameserver 192.0.2.1\nsearch example.com\n",
			want: resolvConf{servers: []string{"192.0.2.1"}}},
		{name: "servers in order, IPv6 with zone, IPv4-mapped unmapped",
			in:   "nameserver 192.0.2.1\nnameserver 2001:db8::1\nnameserver fe80::1%eth0\nnameserver ::ffff:192.0.2.9\n",
			want: resolvConf{servers: []string{"192.0.2.1", "2001:db8::1", "fe80::1%eth0", "192.0.2.9"}}},
		{name: "a nameserver that is no address is ignored",
			in:   "nameserver ns.example.com\nnameserver\nnameserver 192.0.2.1 # trailing comment\n",
			want: resolvConf{servers: []string{"192.0.2.1"}}},
		{name: "comments and indentation",
			in:   "# nameserver 192.0.2.7\n; nameserver 192.0.2.8\n  nameserver 192.0.2.1\n\toptions timeout:4\n",
			want: resolvConf{servers: []string{"192.0.2.1"}, timeout: 4 * time.Second}},
		{name: "options on several lines, the later wins",
			in:   "options timeout:3 attempts:4 ndots:2\noptions rotate attempts:1 edns0\n",
			want: resolvConf{timeout: 3 * time.Second, attempts: 1, rotate: true}},
		{name: "clamped to glibc's bounds",
			in:   "options timeout:0 attempts:0\noptions timeout:99 attempts:99999999999999999999999\n",
			want: resolvConf{timeout: 30 * time.Second, attempts: 5}},
		{name: "zero clamped up",
			in:   "options timeout:0 attempts:0\n",
			want: resolvConf{timeout: time.Second, attempts: 1}},
		{name: "values that are no number are ignored",
			in:   "options timeout: timeout:-1 timeout:2s attempts:x attempts:+3 timeout\n",
			want: resolvConf{}},
		{name: "keywords are case-sensitive, as in glibc",
			in:   "Nameserver 192.0.2.1\nOPTIONS timeout:3\n",
			want: resolvConf{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseResolvConf([]byte(tt.in))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseResolvConf(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// TestResolvConfRotate checks that "options rotate" rotates the
// nameservers of the file, and only those.
func TestResolvConfRotate(t *testing.T) {
	t.Parallel()
	conf := writeFile(t, "resolv.conf", "nameserver 192.0.2.1\nnameserver 192.0.2.2\noptions rotate\n")
	for _, tt := range []struct {
		r    *Resolver
		want bool
	}{
		{&Resolver{ConfigFile: conf}, true},
		{&Resolver{ConfigFile: conf, Servers: []string{"192.0.2.3", "192.0.2.4"}}, false},
		{&Resolver{ConfigFile: conf, Servers: []string{"192.0.2.3", "192.0.2.4"}, Rotate: true}, true},
	} {
		c, err := tt.r.config()
		if err != nil {
			t.Fatal(err)
		}
		if c.rotate != tt.want {
			t.Errorf("Resolver{Servers: %q, Rotate: %t} with options rotate: rotate = %t, want %t", tt.r.Servers, tt.r.Rotate, c.rotate, tt.want)
		}
	}
}

// TestResolvConfTooLarge trips maxConfBytes.
func TestResolvConfTooLarge(t *testing.T) {
	t.Parallel()
	big := "nameserver 192.0.2.1\n" + strings.Repeat("#", maxConfBytes)
	_, err := (&Resolver{ConfigFile: writeFile(t, "big.conf", big)}).config()
	if !errors.Is(err, errConfTooLarge) || !errors.Is(err, ErrNoServers) {
		t.Errorf("config() of a %d-byte resolv.conf: error = %v, want ErrNoServers and errConfTooLarge", len(big), err)
	}
	ok := "nameserver 192.0.2.1\n" + strings.Repeat("#", maxConfBytes-22)
	if c, err := (&Resolver{ConfigFile: writeFile(t, "ok.conf", ok)}).config(); err != nil || len(c.servers) != 1 {
		t.Errorf("config() of a %d-byte resolv.conf = %v, %v, want one server", len(ok), c, err)
	}
}

// FuzzParseResolvConf checks that any text parses within bounds: every
// server an address, timeout and attempts unset or in glibc's range, and
// that the servers and options read, written back, read the same.
func FuzzParseResolvConf(f *testing.F) {
	for _, s := range []string{
		"nameserver 192.0.2.1\nnameserver 2001:db8::1\noptions timeout:3 attempts:4 rotate\n",
		"# c\n; c\nsearch a b\noptions ndots:5 timeout:0\n",
		"nameserver fe80::1%eth0\noptions attempts:999\n",
		"options timeout:\x00 attempts:9999999999999999999999\n",
		"nameserver\t::ffff:192.0.2.1\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rc := parseResolvConf([]byte(text))
		var b strings.Builder
		for _, s := range rc.servers {
			if _, err := netip.ParseAddr(s); err != nil {
				t.Fatalf("server %q is no address: %v", s, err)
			}
			b.WriteString("nameserver " + s + "\n")
		}
		if rc.timeout != 0 && (rc.timeout < time.Second || rc.timeout > maxConfTimeout || rc.timeout%time.Second != 0) {
			t.Fatalf("timeout %v out of range", rc.timeout)
		}
		if rc.attempts < 0 || rc.attempts > maxConfAttempts {
			t.Fatalf("attempts %d out of range", rc.attempts)
		}
		b.WriteString("options")
		if rc.timeout != 0 {
			b.WriteString(" timeout:" + strconv.Itoa(int(rc.timeout/time.Second)))
		}
		if rc.attempts != 0 {
			b.WriteString(" attempts:" + strconv.Itoa(rc.attempts))
		}
		if rc.rotate {
			b.WriteString(" rotate")
		}
		if again := parseResolvConf([]byte(b.String())); !reflect.DeepEqual(again, rc) {
			t.Fatalf("parse(%q) = %+v, written back as %q reads %+v", text, rc, b.String(), again)
		}
	})
}
