package resolver

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Bounds of the resolv.conf options, as glibc applies them
// (resolv.conf(5): RES_MAXRETRANS, RES_MAXRETRY).
const (
	maxConfTimeout  = 30 * time.Second
	maxConfAttempts = 5
)

// maxConfBytes bounds the resolv.conf file read: a real one is a few
// hundred bytes, and ConfigFile may name any file.
const maxConfBytes = 64 << 10

// errConfTooLarge reports a resolv.conf file over maxConfBytes.
var errConfTooLarge = errors.New("resolver: resolv.conf larger than 64 KiB")

// config is what a Resolver uses, its fields merged with its resolv.conf
// and the defaults.
type config struct {
	servers   []string
	timeout   time.Duration
	attempts  int
	rotate    bool
	udpSize   int
	maxCNAMEs int
}

func (r *Resolver) config() (*config, error) {
	r.once.Do(func() { r.conf, r.confErr = r.loadConfig() })
	return r.conf, r.confErr
}

// loadConfig merges the Resolver's fields, its resolv.conf (read only
// if a field it could supply is zero) and the defaults, in that order.
// A value resolv.conf does not set is not taken from it: the file is
// read by readResolvConf, which reports an absent option as zero.
// (miekg/dns's ClientConfigFromFile fills in resolv.conf(5)'s defaults,
// 5 s and 2 attempts, so an absent option could not be told from a
// configured one, and every host with a resolv.conf got 5 s.)
func (r *Resolver) loadConfig() (*config, error) {
	c := &config{
		timeout:   r.Timeout,
		attempts:  r.Attempts,
		rotate:    r.Rotate,
		udpSize:   r.UDPSize,
		maxCNAMEs: r.MaxCNAMEs,
	}
	servers := r.Servers
	if len(servers) == 0 || c.timeout == 0 || c.attempts == 0 {
		rc, err := readResolvConf(cmp.Or(r.ConfigFile, "/etc/resolv.conf"))
		if err != nil && len(servers) == 0 {
			return nil, fmt.Errorf("%w: %w", ErrNoServers, err)
		}
		if err == nil {
			if len(servers) == 0 {
				servers = rc.servers
				c.rotate = c.rotate || rc.rotate
			}
			c.timeout = cmp.Or(c.timeout, rc.timeout)
			c.attempts = cmp.Or(c.attempts, rc.attempts)
		}
	}
	for _, s := range servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(s, "53")
		}
		c.servers = append(c.servers, s)
	}
	if len(c.servers) == 0 {
		return nil, ErrNoServers
	}
	c.timeout = cmp.Or(c.timeout, DefaultTimeout)
	c.attempts = cmp.Or(c.attempts, DefaultAttempts)
	c.udpSize = cmp.Or(c.udpSize, DefaultUDPSize)
	c.maxCNAMEs = cmp.Or(c.maxCNAMEs, DefaultMaxCNAMEs)
	return c, nil
}

// resolvConf is what a resolv.conf file says. A zero timeout or
// attempts means the file does not set it.
type resolvConf struct {
	servers  []string // addresses, without port
	timeout  time.Duration
	attempts int
	rotate   bool
}

// readResolvConf reads the resolv.conf file at path.
func readResolvConf(path string) (resolvConf, error) {
	f, err := os.Open(path)
	if err != nil {
		return resolvConf{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfBytes+1))
	if err != nil {
		return resolvConf{}, err
	}
	if len(b) > maxConfBytes {
		return resolvConf{}, fmt.Errorf("%w: %s", errConfTooLarge, path)
	}
	return parseResolvConf(b), nil
}

// parseResolvConf reads resolv.conf(5) text as glibc does, for the
// parts a stub resolver without search list uses:
//
//   - "nameserver ADDR": an IPv4 or IPv6 address (with a zone for a
//     link-local one); a line whose first argument is no address is
//     ignored, as glibc ignores it.
//   - "options": timeout:N (seconds, 1 to 30), attempts:N (1 to 5) and
//     rotate; a value outside the range is clamped to it, one that is
//     not a number is ignored. A later option overrides an earlier one.
//   - Lines starting with '#' or ';' are comments; other keywords
//     (search, domain, sortlist, other options) are ignored.
func parseResolvConf(text []byte) resolvConf {
	var rc resolvConf
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(nil, maxConfBytes+1) // a line may be as long as the file
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0][0] == '#' || f[0][0] == ';' {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) < 2 {
				continue
			}
			if addr, err := netip.ParseAddr(f[1]); err == nil {
				rc.servers = append(rc.servers, addr.Unmap().String())
			}
		case "options":
			for _, opt := range f[1:] {
				name, val, _ := strings.Cut(opt, ":")
				switch name {
				case "timeout":
					if n, ok := confNumber(val, int(maxConfTimeout/time.Second)); ok {
						rc.timeout = time.Duration(n) * time.Second
					}
				case "attempts":
					if n, ok := confNumber(val, maxConfAttempts); ok {
						rc.attempts = n
					}
				case "rotate":
					rc.rotate = true
				}
			}
		}
	}
	return rc
}

// confNumber parses the decimal value of an option, clamped to 1..hi.
func confNumber(s string, hi int) (int, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return hi, true // all digits, out of int range
	}
	return min(max(n, 1), hi), true
}
