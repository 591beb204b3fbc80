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

// config is smtpd's configuration: its flags, which a file given with
// -config may also set.
type config struct {
	Listen        string
	ConfigFile    string
	Hostname      string
	Nameserver    string
	Verbose       bool
	ShutdownGrace time.Duration

	// Where mail goes.
	Domains   string
	Mailboxes string
	Maildir   string
	Relay     string
	SpoolDir  string

	// Limits and timeouts.
	MaxMessageBytes int64
	ScanMaxBytes    int64
	MaxConns        int
	MaxRcpts        int
	JunkLimit       int
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	DataTimeout     time.Duration
	ConnectTimeout  time.Duration
	CheckTimeout    time.Duration
	DeliverTimeout  time.Duration

	// TLS.
	TLSCert string
	TLSKey  string

	// Greeting pause and harvest defence.
	GreetWait   time.Duration
	GreetBanner string
	GreetDrop   bool
	Harvest     string
	HarvestDB   string
	Stutter     time.Duration
	Tarpit      bool

	// Composition (package session).
	SPF             bool
	DKIM            bool
	DMARC           bool
	ARC             bool
	RDNS            bool
	HELOCheck       bool
	MIME            bool
	DNSBL           string
	DNSBLThreshold  int
	URIBL           string
	HashBL          string
	Bayes           string
	Greylist        bool
	GreylistBody    bool
	Scores          string
	RequiredScore   float64
	QuarantineScore float64
	RejectScore     float64
	OnError         string
}

// flagSet returns the flags bound to c, with their defaults.
func (c *config) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("smtpd", flag.ContinueOnError)
	fs.StringVar(&c.Listen, "listen", ":25", "address to serve SMTP on")
	fs.StringVar(&c.ConfigFile, "config", "", "`FILE` of settings, one \"name = value\" a line with the names of these flags; flags on the command line win")
	fs.StringVar(&c.Hostname, "hostname", "", "this server's name, in the banner, Received and Authentication-Results (default: the host's name)")
	fs.StringVar(&c.Nameserver, "dns", "", "nameserver host:port instead of those of /etc/resolv.conf")
	fs.BoolVar(&c.Verbose, "v", false, "log every transaction, not only refusals and failures")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 30*time.Second, "on SIGTERM or SIGINT, time given to the transactions under way before connections are cut")

	fs.StringVar(&c.Domains, "domains", "", "comma-separated domains this server receives mail for (required); any other recipient is refused, 554 5.7.1 (no open relay)")
	fs.StringVar(&c.Mailboxes, "mailboxes", "", "file of the existing mailboxes, one address a line (\"@domain\" accepts every local part of domain); others are unknown, 550 5.1.1. Without it every recipient of -domains is accepted")
	fs.StringVar(&c.Maildir, "maildir", "", "deliver to Maildirs under this directory, one per recipient address (DIR/alice@example.org/{tmp,new,cur})")
	fs.StringVar(&c.Relay, "relay", "", "relay to a next hop instead: lmtp:HOST:PORT, lmtp:/path/to/socket or smtp:HOST:PORT")

	fs.StringVar(&c.SpoolDir, "spool-dir", "", "directory of the temporary files holding messages over 64 KiB while they are checked (unlinked at once; default: $TMPDIR or /tmp)")
	fs.Int64Var(&c.MaxMessageBytes, "max-message-bytes", 10240000, "largest message accepted, 552 5.3.4 past it (Postfix message_size_limit)")
	fs.Int64Var(&c.ScanMaxBytes, "scan-max-bytes", 0, "largest message the content checks (MIME, URIBL) read whole; a larger one gets the header and DKIM/ARC checks only (session's SPAMKIT_TOOBIG). 0: -max-message-bytes. The session holds up to this much per connection in memory")
	fs.IntVar(&c.MaxRcpts, "max-rcpts", 1000, "most recipients of one message; past it 452 4.5.3 (Postfix smtpd_recipient_limit; RFC 5321 §4.5.3.1.8 asks for at least 100)")
	fs.IntVar(&c.JunkLimit, "junk-limit", 100, "most junk commands of a connection (NOOP, RSET, VRFY, HELP, a repeated EHLO: commands that take no mail transaction forward; message content never counts) before it is ended with 421 4.7.0; the count restarts after each delivered message (Postfix smtpd_junk_command_limit, 100)")
	fs.IntVar(&c.MaxConns, "max-conns", 1000, "most open connections; past it new ones get 421 4.3.2")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 5*time.Minute, "time to wait for a command (RFC 5321 §4.5.3.2.7)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", time.Minute, "time to wait for a reply to be written")
	fs.DurationVar(&c.DataTimeout, "data-timeout", 10*time.Minute, "time for the whole message after DATA (RFC 5321 §4.5.3.2.6)")
	fs.DurationVar(&c.ConnectTimeout, "connect-timeout", 10*time.Second, "time for the connect-stage checks (harvest store, DNS lists, reverse DNS)")
	fs.DurationVar(&c.CheckTimeout, "check-timeout", 30*time.Second, "time for the checks of one command (MAIL, RCPT) or of the end of a message")
	fs.DurationVar(&c.DeliverTimeout, "deliver-timeout", 2*time.Minute, "time to deliver a message to the Maildirs or the next hop")

	fs.StringVar(&c.TLSCert, "tls-cert", "", "PEM certificate chain; with -tls-key, STARTTLS is offered (RFC 3207)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "PEM private key of -tls-cert")

	fs.DurationVar(&c.GreetWait, "greet-wait", 6*time.Second, "greeting pause (postscreen_greet_wait): clients that talk before the banner are early talkers; 0 turns the test off")
	fs.StringVar(&c.GreetBanner, "greet-banner", "", "first line of a multi-line greeting, sent before the pause (postscreen_greet_banner)")
	fs.BoolVar(&c.GreetDrop, "greet-drop", true, "drop early talkers with 521 5.5.1 (postscreen_greet_action = drop); if false they are only logged and counted as protocol errors")
	fs.StringVar(&c.Harvest, "harvest", "", "file of harvest-defence settings in package harvest's main.cf-like syntax (dha_unknown = 20, recipient_rate = 500/1h, ...); the defaults without it")
	fs.StringVar(&c.HarvestDB, "harvest-store", "", "share harvest's counts and blocks between MX hosts: redis://HOST:PORT[/DB][?options] (go-redis URL); default: this process's memory")
	fs.BoolVar(&c.Tarpit, "tarpit", true, "pause before a reply as long as harvest's tarpit schedule says (clients with many unknown recipients or errors; tarpit_after, tarpit_step, tarpit_max in -harvest)")
	fs.DurationVar(&c.Stutter, "stutter", time.Second, "tarpit: a client refused before the greeting (a blocked harvester, a listed or too frequent client) gets its refusal one octet per this (OpenBSD spamd -s), at most 100 at once; 0 turns it off")

	fs.BoolVar(&c.SPF, "spf", true, "check SPF (RFC 7208) at MAIL FROM; Received-SPF is added")
	fs.BoolVar(&c.DKIM, "dkim", true, "verify DKIM signatures (RFC 6376) as the message arrives")
	fs.BoolVar(&c.DMARC, "dmarc", true, "evaluate DMARC (RFC 9989); a fail under p=reject is refused with 550 5.7.1, under p=quarantine quarantined")
	fs.BoolVar(&c.ARC, "arc", true, "verify ARC chains (RFC 8617)")
	fs.BoolVar(&c.RDNS, "rdns", true, "check the client's reverse DNS (FCrDNS, iprev) and HELO name")
	fs.BoolVar(&c.HELOCheck, "helo-check", true, "check the HELO name (RFC 5321 §4.1.4; with -rdns)")
	fs.BoolVar(&c.MIME, "mime", true, "scan the MIME structure and attachments; dangerous content is refused with 554 5.7.1")
	fs.StringVar(&c.DNSBL, "dnsbl", "", "client DNS lists in postscreen_dnsbl_sites syntax, e.g. 'zen.spamhaus.org*3 list.dnswl.org=127.0.[0..255].[1..3]*-2'; a listed client gets 554 5.7.1 instead of the banner")
	fs.IntVar(&c.DNSBLThreshold, "dnsbl-threshold", 1, "DNSBL score at which a client is listed (postscreen_dnsbl_threshold)")
	fs.StringVar(&c.URIBL, "uribl", "", "domain lists (URIBL, SURBL, DBL) for the links of the message, in the same syntax")
	fs.StringVar(&c.HashBL, "hashbl", "", "hash lists (Spamhaus HBL style, addresses and file digests in one zone) for the MAIL FROM address and the attachments' SHA-256, in the same syntax")
	fs.StringVar(&c.Bayes, "bayes", "", "bayes database (a bbolt file trained by examples/bayes), opened read-only; the message is classified and scored BAYES_*")
	fs.BoolVar(&c.Greylist, "greylist", false, "greylist (RFC 6647) each recipient, in memory")
	fs.BoolVar(&c.GreylistBody, "greylist-body", false, "with -greylist: greylist once per message at the end of DATA by the body key, instead of per recipient at RCPT")
	fs.StringVar(&c.Scores, "scores", "", "`FILE` of score overrides, one \"RULE points\" a line as SpamAssassin's \"score RULE points\" (package session's rules; the others keep their defaults)")
	fs.Float64Var(&c.RequiredScore, "required-score", 0, "score from which a message is spam, X-Spam-Flag: YES (0: package session's default, SpamAssassin's 5.0)")
	fs.Float64Var(&c.QuarantineScore, "quarantine-score", 0, "score from which a message goes to the mailboxes' .Quarantine folder (0: never on its score)")
	fs.Float64Var(&c.RejectScore, "reject-score", 0, "score from which a message is refused with 550 5.7.1 (0: package session's default, rspamd's 15; negative: never)")
	fs.StringVar(&c.OnError, "on-error", "tempfail", "when a check fails on this side: tempfail (451 4.3.0, the client retries) or accept (deliver with X-Spamkit-Error)")
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
	return c, c.check()
}

// check reports settings that cannot work together.
func (c *config) check() error {
	switch {
	case strings.TrimSpace(c.Domains) == "":
		return errors.New("-domains: no domain to receive mail for")
	case c.Maildir == "" && c.Relay == "":
		return errors.New("neither -maildir nor -relay: nowhere to deliver")
	case c.Maildir != "" && c.Relay != "":
		return errors.New("-maildir and -relay: choose one")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("-tls-cert and -tls-key go together")
	case c.MaxMessageBytes <= 0:
		return errors.New("-max-message-bytes must be positive")
	case c.ScanMaxBytes < 0:
		return errors.New("-scan-max-bytes must not be negative")
	case c.MaxRcpts <= 0:
		return errors.New("-max-rcpts must be positive")
	case c.JunkLimit <= 0:
		return errors.New("-junk-limit must be positive")
	case c.MaxConns <= 0:
		return errors.New("-max-conns must be positive")
	case c.Stutter < 0:
		return errors.New("-stutter must not be negative")
	case c.GreetWait < 0:
		return errors.New("-greet-wait must not be negative")
	case c.OnError != "tempfail" && c.OnError != "accept":
		return fmt.Errorf("-on-error %q: want tempfail or accept", c.OnError)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read-timeout", c.ReadTimeout}, {"write-timeout", c.WriteTimeout}, {"data-timeout", c.DataTimeout},
		{"connect-timeout", c.ConnectTimeout}, {"check-timeout", c.CheckTimeout}, {"deliver-timeout", c.DeliverTimeout},
	} {
		if d.v <= 0 {
			return fmt.Errorf("-%s must be positive", d.name)
		}
	}
	return nil
}

// Limits of a config file.
const (
	maxConfigBytes = 1 << 20
	maxConfigLine  = 64 << 10
)

// errConfigTooLarge reports a config file over maxConfigBytes.
var errConfigTooLarge = fmt.Errorf("config file over %d octets", maxConfigBytes)

// applyFile sets the flags of fs named in r: "name = value" lines
// (blank lines and lines starting with "#" are skipped; the value is
// trimmed, and may be quoted with double quotes to keep spaces at its
// ends), except those in skip.
func applyFile(fs *flag.FlagSet, r io.Reader, skip map[string]bool) error {
	lr := &io.LimitedReader{R: r, N: maxConfigBytes + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 4096), maxConfigLine)
	for n := 1; sc.Scan(); n++ {
		if lr.N <= 0 {
			return errConfigTooLarge
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return fmt.Errorf("line %d: a control character", n)
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
	if lr.N <= 0 {
		return errConfigTooLarge
	}
	return nil
}
