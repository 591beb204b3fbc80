package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// config is policyd's configuration: its flags, which a file given with
// -config may also set.
type config struct {
	Listen        string
	ConfigFile    string
	RequestTO     time.Duration
	DNSTimeout    time.Duration
	ShutdownGrace time.Duration
	MaxConns      int
	Nameserver    string
	Verbose       bool

	// Greylisting.
	Greylist        bool
	Store           string
	StorePrefix     string
	FailOpen        bool
	Delay           time.Duration
	RetryWindow     time.Duration
	MaxAge          time.Duration
	AutoAllowAfter  int
	IPv4Prefix      int
	IPv6Prefix      int
	AllowClients    string
	AllowRecipients string
	AllowSenders    string
	Traps           string
	PassNullSender  bool
	GreylistText    string
	XGreylist       bool

	// SPF.
	SPF          bool
	SPFReject    bool
	SPFDomainKey bool
	ReceiverHost string

	// DNSBL.
	DNSBL                   string
	DNSBLThreshold          int
	DNSBLAllowlistThreshold int
	DNSBLReject             bool
}

// flagSet returns the flags bound to c, with their defaults.
func (c *config) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("policyd", flag.ContinueOnError)
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:10023", "address to serve the policy protocol on (check_policy_service inet:ADDRESS)")
	fs.StringVar(&c.ConfigFile, "config", "", "file of settings, one `name = value` a line with the names of these flags; flags on the command line win")
	fs.DurationVar(&c.RequestTO, "timeout", 10*time.Second, "time limit for one request; a request out of time is answered DUNNO")
	fs.DurationVar(&c.DNSTimeout, "dns-timeout", 5*time.Second, "time limit for the DNS checks (SPF, DNSBL) of one request")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 10*time.Second, "on SIGTERM or SIGINT, time given to the requests being served")
	fs.IntVar(&c.MaxConns, "max-conns", 1024, "most open connections")
	fs.StringVar(&c.Nameserver, "dns", "", "nameserver host:port instead of those of /etc/resolv.conf")
	fs.BoolVar(&c.Verbose, "v", false, "log every request's decision, not only deferrals and rejections")

	fs.BoolVar(&c.Greylist, "greylist", true, "greylist (RFC 6647)")
	fs.StringVar(&c.Store, "store", "memory", "greylist store: memory, bolt:PATH (a durable file), or redis://HOST:PORT[/DB][?dial_timeout=1s&max_retries=1...] (shared by MX hosts; go-redis URL options)")
	fs.StringVar(&c.StorePrefix, "store-prefix", "greylist:", "key prefix in Redis")
	fs.BoolVar(&c.FailOpen, "fail-open", false, "let mail pass when the store fails (default: defer it with 451 4.3.0)")
	fs.DurationVar(&c.Delay, "delay", 300*time.Second, "least time before a retry passes (postgrey --delay)")
	fs.DurationVar(&c.RetryWindow, "retry-window", 48*time.Hour, "time a first attempt waits for its retry (postgrey --retry-window)")
	fs.DurationVar(&c.MaxAge, "max-age", 35*24*time.Hour, "time a passed triplet is remembered after its last use (postgrey --max-age)")
	fs.IntVar(&c.AutoAllowAfter, "auto-allow", 5, "passed triplets after which a client is allowlisted; 0 disables (postgrey --auto-whitelist-clients)")
	fs.IntVar(&c.IPv4Prefix, "ipv4-prefix", 24, "IPv4 client network of the key; 32 for the address (postgrey --ipv4cidr)")
	fs.IntVar(&c.IPv6Prefix, "ipv6-prefix", 64, "IPv6 client network of the key; 128 for the address (postgrey --ipv6cidr)")
	fs.StringVar(&c.AllowClients, "allow-clients", "", "comma-separated files of clients let through (postgrey's whitelist_clients format)")
	fs.StringVar(&c.AllowRecipients, "allow-recipients", "", "comma-separated files of recipients let through (postgrey's whitelist_recipients format)")
	fs.StringVar(&c.AllowSenders, "allow-senders", "", "comma-separated files of envelope senders let through (same format)")
	fs.StringVar(&c.Traps, "traps", "", "comma-separated files of greytrap addresses (same format)")
	fs.BoolVar(&c.PassNullSender, "pass-null-sender", false, "do not greylist the null sender <>")
	fs.BoolVar(&c.XGreylist, "x-greylist-header", true, "prepend X-Greylist to a message that waited, as postgrey does (after Received-SPF, at the message's next request: list policyd in smtpd_data_restrictions too)")
	fs.StringVar(&c.GreylistText, "greylist-text", "", "text of the deferral (default: the greylist package's, with the seconds to wait)")

	fs.BoolVar(&c.SPF, "spf", true, "check SPF (RFC 7208) and prepend Received-SPF, as policyd-spf does")
	fs.BoolVar(&c.SPFReject, "spf-reject", false, "reject an SPF fail with 550 5.7.23")
	fs.BoolVar(&c.SPFDomainKey, "spf-domain-key", true, "key the greylist by the SPF-validated MAIL FROM domain instead of the client network")
	fs.StringVar(&c.ReceiverHost, "receiver", "", "host name in Received-SPF and X-Greylist (default: this host's name)")

	fs.StringVar(&c.DNSBL, "dnsbl", "", "client DNS lists in postscreen_dnsbl_sites syntax, e.g. 'zen.spamhaus.org*3 list.dnswl.org=127.0.[0..255].[1..3]*-2'")
	fs.IntVar(&c.DNSBLThreshold, "dnsbl-threshold", 1, "score at which a client is listed (postscreen_dnsbl_threshold)")
	fs.IntVar(&c.DNSBLAllowlistThreshold, "dnsbl-allowlist-threshold", 0, "score at or below which a client skips greylisting, if negative (postscreen_dnsbl_allowlist_threshold)")
	fs.BoolVar(&c.DNSBLReject, "dnsbl-reject", true, "reject a listed client with 550 5.7.1 (else it is only greylisted, as any other)")
	return fs
}

// parseConfig parses the command line, then the -config file if one is
// named, whose settings apply to the flags the command line did not set.
func parseConfig(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := c.flagSet()
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.ConfigFile != "" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		f, err := os.Open(c.ConfigFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := applyFile(fs, f, set); err != nil {
			return nil, fmt.Errorf("%s: %w", c.ConfigFile, err)
		}
	}
	return c, nil
}

// maxConfigLine bounds one line of a config file.
const maxConfigLine = 64 << 10

// applyFile sets the flags of fs named in r: "name = value" lines
// (blank lines and lines starting with "#" are skipped; the value is
// trimmed, and may be quoted with double quotes to keep spaces at its
// ends), except those in skip.
func applyFile(fs *flag.FlagSet, r io.Reader, skip map[string]bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxConfigLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("line %d: no '=' in %q", n, line)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if name == "config" {
			return fmt.Errorf("line %d: a config file cannot name another", n)
		}
		if fs.Lookup(name) == nil {
			return fmt.Errorf("line %d: unknown setting %q", n, name)
		}
		if skip[name] {
			continue
		}
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("line %d: %s: %w", n, name, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("a line is longer than %d octets", maxConfigLine)
		}
		return err
	}
	return nil
}
