package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/session"
)

// Config is the milter's configuration, read from one file by
// ParseConfig (milter.conf.sample documents every setting). The zero
// value of every field means the documented default, so an empty file
// is a working configuration: every check that needs no data of its own
// on, the system's resolver, listening on inet:127.0.0.1:8891.
type Config struct {
	// Listen is where the milter listens, in Postfix's smtpd_milters
	// syntax: "inet:HOST:PORT" or "unix:PATH". If empty,
	// DefaultListen.
	Listen string
	// Resolver lists the nameservers ("IP" or "IP:PORT") the DNS checks
	// ask. If empty, those of /etc/resolv.conf.
	Resolver []string
	// ResolverCache keeps DNS answers for their TTL (default on).
	ResolverCache Switch
	// AuthservID is the authserv-id of Authentication-Results (RFC 8601
	// §2.5). If empty, the host name.
	AuthservID string
	// Hostnames are this MX's own names, for the HELO checks (a client
	// greeting with our name). If empty, AuthservID.
	Hostnames []string
	// OnInternalError is what a message gets when the milter cannot
	// decide (a failure of its own, not of DNS): "tempfail" (451 4.3.0,
	// the default: the client retries, nothing is lost) or "accept"
	// (delivered with a header saying it was not checked).
	OnInternalError string
	// MaxMessageSize is the size above which the content checks (mime,
	// bayes, URIBL, hash lists) are skipped; the header and the
	// streamed checks (DKIM, ARC) still run. If zero, the session's
	// default (session.DefaultMaxMessageBytes, 10 MiB).
	MaxMessageSize int64
	// MaxConnections bounds the milter connections served at once (one
	// per SMTP session); more wait in the listen queue. If zero,
	// DefaultMaxConnections.
	MaxConnections int
	// ShutdownGrace is how long SIGTERM lets the sessions in progress
	// finish. If zero, DefaultShutdownGrace.
	ShutdownGrace time.Duration
	// WriteTimeout bounds one write to the MTA. If zero,
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// LogVerdicts logs one line per message (default on).
	LogVerdicts Switch

	// Per-stage time limits (session.Engine's); zero means the
	// session's default. They must stay below Postfix's
	// milter_command_timeout (30 s) and milter_content_timeout (300 s).
	ConnectTimeout, RcptTimeout, DataTimeout, ContentTimeout time.Duration

	// Scoring. nil means the session's default.
	AddHeaderScore, QuarantineScore, RejectScore *float64
	// Scores overrides the points of single rules ("score.RULE =", a
	// rule of package session).
	Scores map[string]float64

	// Check switches; the default of each is documented in
	// milter.conf.sample.
	RDNS, HELO, DNSBL, SPF, BATV, Greylist, Harvest, DKIM, DMARC, ARC, MIME, URIBL, HashBL, Bayes Switch

	DNSBLSites              []rbl.List
	DNSBLThreshold          int
	DNSBLAllowlistThreshold int
	DNSBLReject             Switch
	RDNSGenericAllow        []string

	BATVKeyFile string

	GreylistStore           string
	GreylistDelay           time.Duration
	GreylistRetryWindow     time.Duration
	GreylistMaxAge          time.Duration
	GreylistAllowClients    []string
	GreylistAllowRecipients []string
	GreylistAllowSenders    []string
	GreylistPassNullSender  Switch
	GreylistFailOpen        Switch

	HarvestDHAUnknown    int
	HarvestMaxConcurrent int

	DMARCEnforce Switch

	ARCSealDomain   string
	ARCSealSelector string
	ARCSealKeyFile  string

	MIMEReject, MIMEStrip       []mime.Kind
	MIMERejectSet, MIMEStripSet bool // the kinds were given (an empty list means none)
	MIMEUnchecked               mime.Result

	URIBLSites, HashBLSites []rbl.List

	BayesDB string
}

// Defaults of the zero Config.
const (
	DefaultListen         = "inet:127.0.0.1:8891"
	DefaultMaxConnections = 1000
	DefaultShutdownGrace  = 30 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	// MaxConfigBytes bounds a configuration file.
	MaxConfigBytes = 1 << 20
)

// Switch is an on/off setting whose zero value is the setting's default.
type Switch int8

// Switch values.
const (
	SwitchDefault Switch = iota // the setting's documented default
	SwitchOn                    // "yes"
	SwitchOff                   // "no"
)

// On reports whether s is on, def being its default.
func (s Switch) On(def bool) bool {
	switch s {
	case SwitchOn:
		return true
	case SwitchOff:
		return false
	}
	return def
}

// String renders s as the file writes it ("" for the default).
func (s Switch) String() string {
	switch s {
	case SwitchOn:
		return "yes"
	case SwitchOff:
		return "no"
	}
	return ""
}

// Errors of ParseConfig, wrapped in a *ConfigError naming the line.
var (
	ErrConfigSyntax     = errors.New("milter config: syntax error")
	ErrUnknownSetting   = errors.New("milter config: unknown setting")
	ErrDuplicate        = errors.New("milter config: setting given twice")
	ErrBadValue         = errors.New("milter config: bad value")
	ErrConfigTooLarge   = errors.New("milter config: file too large")
	ErrConfigIncoherent = errors.New("milter config: incoherent settings")
)

// ConfigError is an error at one line of a configuration file.
type ConfigError struct {
	Line int    // 1-based; 0 for the file as a whole
	Name string // the setting, if known
	Err  error  // wraps one of the Err* sentinels
}

func (e *ConfigError) Error() string {
	switch {
	case e.Line == 0:
		return e.Err.Error()
	case e.Name == "":
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %s: %v", e.Line, e.Name, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ParseConfig reads a configuration: "name = value" lines, Postfix
// main.cf style. Blank lines and lines whose first non-blank character
// is "#" are ignored; a line starting with a space or a tab continues
// the value of the setting above it (the pieces joined by one space).
// Every setting may be given once; an empty value means its default.
// Unknown names, values that do not parse and settings that contradict
// each other are errors naming the line.
func ParseConfig(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxConfigBytes {
		return nil, &ConfigError{Err: fmt.Errorf("%w: over %d octets", ErrConfigTooLarge, MaxConfigBytes)}
	}
	type logical struct {
		line        int
		name, value string
	}
	var lines []logical
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxConfigBytes+1)
	for n := 1; sc.Scan(); n++ {
		raw := strings.TrimSuffix(sc.Text(), "\r")
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			if len(lines) == 0 {
				return nil, &ConfigError{Line: n, Err: fmt.Errorf("%w: continuation line with no setting above it", ErrConfigSyntax)}
			}
			l := &lines[len(lines)-1]
			if l.value == "" {
				l.value = trimmed
			} else {
				l.value += " " + trimmed
			}
			continue
		}
		name, value, ok := strings.Cut(trimmed, "=")
		if !ok {
			return nil, &ConfigError{Line: n, Err: fmt.Errorf("%w: no \"=\" in %q", ErrConfigSyntax, clip(trimmed))}
		}
		name = strings.TrimSpace(name)
		if !validName(name) {
			return nil, &ConfigError{Line: n, Err: fmt.Errorf("%w: bad setting name %q", ErrConfigSyntax, clip(name))}
		}
		lines = append(lines, logical{n, name, strings.TrimSpace(value)})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	c := &Config{}
	seen := map[string]int{}
	for _, l := range lines {
		if prev, ok := seen[l.name]; ok {
			return nil, &ConfigError{Line: l.line, Name: l.name, Err: fmt.Errorf("%w (first at line %d)", ErrDuplicate, prev)}
		}
		seen[l.name] = l.line
		if err := c.set(l.name, l.value); err != nil {
			return nil, &ConfigError{Line: l.line, Name: l.name, Err: err}
		}
	}
	if err := c.validate(); err != nil {
		return nil, &ConfigError{Err: err}
	}
	return c, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	rule := strings.HasPrefix(s, scorePrefix)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || rule && c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// setting is one name of the file: how it is set and rendered.
type setting struct {
	name string
	set  func(c *Config, v string) error
	get  func(c *Config) string // "" for the default
}

// settings lists every name ParseConfig takes but "score.NAME".
var settings = []setting{
	{"listen", func(c *Config, v string) (err error) { c.Listen, err = parseListen(v); return },
		func(c *Config) string { return c.Listen }},
	{"resolver", func(c *Config, v string) (err error) { c.Resolver, err = parseServers(v); return },
		func(c *Config) string { return strings.Join(c.Resolver, " ") }},
	switchSetting("resolver_cache", func(c *Config) *Switch { return &c.ResolverCache }),
	{"authserv_id", func(c *Config, v string) (err error) { c.AuthservID, err = parseHostname(v); return },
		func(c *Config) string { return c.AuthservID }},
	{"hostnames", func(c *Config, v string) error {
		names := words(v)
		for _, n := range names {
			if _, err := parseHostname(n); err != nil {
				return err
			}
		}
		c.Hostnames = names
		return nil
	}, func(c *Config) string { return strings.Join(c.Hostnames, " ") }},
	{"on_internal_error", func(c *Config, v string) error {
		switch v {
		case "", "tempfail", "accept":
			c.OnInternalError = v
			return nil
		}
		return fmt.Errorf("%w: %q, want tempfail or accept", ErrBadValue, clip(v))
	}, func(c *Config) string { return c.OnInternalError }},
	{"max_message_size", func(c *Config, v string) (err error) { c.MaxMessageSize, err = parseSize(v); return },
		func(c *Config) string { return formatInt(c.MaxMessageSize) }},
	intSetting("max_connections", 0, 1<<20, func(c *Config) *int { return &c.MaxConnections }),
	durationSetting("shutdown_grace", func(c *Config) *time.Duration { return &c.ShutdownGrace }),
	durationSetting("write_timeout", func(c *Config) *time.Duration { return &c.WriteTimeout }),
	switchSetting("log_verdicts", func(c *Config) *Switch { return &c.LogVerdicts }),

	durationSetting("connect_timeout", func(c *Config) *time.Duration { return &c.ConnectTimeout }),
	durationSetting("rcpt_timeout", func(c *Config) *time.Duration { return &c.RcptTimeout }),
	durationSetting("data_timeout", func(c *Config) *time.Duration { return &c.DataTimeout }),
	durationSetting("content_timeout", func(c *Config) *time.Duration { return &c.ContentTimeout }),

	floatSetting("add_header_score", func(c *Config) **float64 { return &c.AddHeaderScore }),
	floatSetting("quarantine_score", func(c *Config) **float64 { return &c.QuarantineScore }),
	floatSetting("reject_score", func(c *Config) **float64 { return &c.RejectScore }),

	switchSetting("rdns", func(c *Config) *Switch { return &c.RDNS }),
	{"rdns_generic_allow", func(c *Config, v string) error {
		names := words(v)
		for _, n := range names {
			if _, err := parseHostname(n); err != nil {
				return err
			}
		}
		c.RDNSGenericAllow = names
		return nil
	}, func(c *Config) string { return strings.Join(c.RDNSGenericAllow, " ") }},
	switchSetting("helo", func(c *Config) *Switch { return &c.HELO }),
	switchSetting("dnsbl", func(c *Config) *Switch { return &c.DNSBL }),
	listsSetting("dnsbl_sites", rbl.KindIP, func(c *Config) *[]rbl.List { return &c.DNSBLSites }),
	intSetting("dnsbl_threshold", 0, 1000, func(c *Config) *int { return &c.DNSBLThreshold }),
	intSetting("dnsbl_allowlist_threshold", -1000, 0, func(c *Config) *int { return &c.DNSBLAllowlistThreshold }),
	switchSetting("dnsbl_reject", func(c *Config) *Switch { return &c.DNSBLReject }),
	switchSetting("spf", func(c *Config) *Switch { return &c.SPF }),
	switchSetting("batv", func(c *Config) *Switch { return &c.BATV }),
	pathSetting("batv_key_file", func(c *Config) *string { return &c.BATVKeyFile }),
	switchSetting("greylist", func(c *Config) *Switch { return &c.Greylist }),
	{"greylist_store", func(c *Config, v string) error {
		if v != "" && v != "memory" && !strings.HasPrefix(v, "bolt:") && !strings.HasPrefix(v, "redis://") && !strings.HasPrefix(v, "rediss://") {
			return fmt.Errorf("%w: %q, want memory, bolt:PATH or redis://HOST:PORT[/DB]", ErrBadValue, clip(v))
		}
		if v == "bolt:" {
			return fmt.Errorf("%w: bolt: without a path", ErrBadValue)
		}
		c.GreylistStore = v
		return nil
	}, func(c *Config) string { return c.GreylistStore }},
	durationSetting("greylist_delay", func(c *Config) *time.Duration { return &c.GreylistDelay }),
	durationSetting("greylist_retry_window", func(c *Config) *time.Duration { return &c.GreylistRetryWindow }),
	durationSetting("greylist_max_age", func(c *Config) *time.Duration { return &c.GreylistMaxAge }),
	pathsSetting("greylist_allow_clients", func(c *Config) *[]string { return &c.GreylistAllowClients }),
	pathsSetting("greylist_allow_recipients", func(c *Config) *[]string { return &c.GreylistAllowRecipients }),
	pathsSetting("greylist_allow_senders", func(c *Config) *[]string { return &c.GreylistAllowSenders }),
	switchSetting("greylist_pass_null_sender", func(c *Config) *Switch { return &c.GreylistPassNullSender }),
	switchSetting("greylist_fail_open", func(c *Config) *Switch { return &c.GreylistFailOpen }),
	switchSetting("harvest", func(c *Config) *Switch { return &c.Harvest }),
	intSetting("harvest_dha_unknown", -1, 1<<20, func(c *Config) *int { return &c.HarvestDHAUnknown }),
	intSetting("harvest_max_concurrent", -1, 1<<20, func(c *Config) *int { return &c.HarvestMaxConcurrent }),
	switchSetting("dkim", func(c *Config) *Switch { return &c.DKIM }),
	switchSetting("dmarc", func(c *Config) *Switch { return &c.DMARC }),
	switchSetting("dmarc_enforce", func(c *Config) *Switch { return &c.DMARCEnforce }),
	switchSetting("arc", func(c *Config) *Switch { return &c.ARC }),
	{"arc_seal_domain", func(c *Config, v string) (err error) { c.ARCSealDomain, err = parseHostname(v); return },
		func(c *Config) string { return c.ARCSealDomain }},
	{"arc_seal_selector", func(c *Config, v string) (err error) { c.ARCSealSelector, err = parseHostname(v); return },
		func(c *Config) string { return c.ARCSealSelector }},
	pathSetting("arc_seal_key_file", func(c *Config) *string { return &c.ARCSealKeyFile }),
	switchSetting("mime", func(c *Config) *Switch { return &c.MIME }),
	kindsSetting("mime_reject", func(c *Config) (*[]mime.Kind, *bool) { return &c.MIMEReject, &c.MIMERejectSet }),
	kindsSetting("mime_strip", func(c *Config) (*[]mime.Kind, *bool) { return &c.MIMEStrip, &c.MIMEStripSet }),
	{"mime_unchecked", func(c *Config, v string) error {
		switch r := mime.Result(v); r {
		case "", mime.ActionAccept, mime.ActionReject, mime.ActionStrip:
			c.MIMEUnchecked = r
			return nil
		}
		return fmt.Errorf("%w: %q, want accept, reject or strip", ErrBadValue, clip(v))
	}, func(c *Config) string { return string(c.MIMEUnchecked) }},
	switchSetting("uribl", func(c *Config) *Switch { return &c.URIBL }),
	listsSetting("uribl_sites", rbl.KindDomain, func(c *Config) *[]rbl.List { return &c.URIBLSites }),
	switchSetting("hashbl", func(c *Config) *Switch { return &c.HashBL }),
	listsSetting("hashbl_sites", rbl.KindHash, func(c *Config) *[]rbl.List { return &c.HashBLSites }),
	switchSetting("bayes", func(c *Config) *Switch { return &c.Bayes }),
	pathSetting("bayes_db", func(c *Config) *string { return &c.BayesDB }),
}

// scorePrefix names a rule's score: "score.SPF_FAIL = 2".
const scorePrefix = "score."

func (c *Config) set(name, v string) error {
	if check, ok := strings.CutPrefix(name, scorePrefix); ok {
		if _, ok := session.DefaultScores()[session.Rule(check)]; !ok {
			return fmt.Errorf("%w: %q is no rule of package session", ErrUnknownSetting, clip(check))
		}
		f, err := parseFloat(v)
		if err != nil {
			return err
		}
		if c.Scores == nil {
			c.Scores = map[string]float64{}
		}
		if v == "" {
			return fmt.Errorf("%w: empty score", ErrBadValue)
		}
		c.Scores[check] = f
		return nil
	}
	for _, s := range settings {
		if s.name == name {
			return s.set(c, v)
		}
	}
	return ErrUnknownSetting
}

// validate checks the settings that depend on each other.
func (c *Config) validate() error {
	if c.GreylistRetryWindow != 0 && c.GreylistDelay != 0 && c.GreylistRetryWindow <= c.GreylistDelay {
		return fmt.Errorf("%w: greylist_retry_window must be longer than greylist_delay", ErrConfigIncoherent)
	}
	if c.HELO == SwitchOn && c.RDNS == SwitchOff {
		return fmt.Errorf("%w: helo = yes runs with the rdns checker: it needs rdns", ErrConfigIncoherent)
	}
	if c.DNSBL == SwitchOn && len(c.DNSBLSites) == 0 {
		return fmt.Errorf("%w: dnsbl = yes needs dnsbl_sites", ErrConfigIncoherent)
	}
	if c.URIBL == SwitchOn && len(c.URIBLSites) == 0 {
		return fmt.Errorf("%w: uribl = yes needs uribl_sites", ErrConfigIncoherent)
	}
	if c.HashBL == SwitchOn && len(c.HashBLSites) == 0 {
		return fmt.Errorf("%w: hashbl = yes needs hashbl_sites", ErrConfigIncoherent)
	}
	if c.BATV == SwitchOn && c.BATVKeyFile == "" {
		return fmt.Errorf("%w: batv = yes needs batv_key_file", ErrConfigIncoherent)
	}
	if c.Bayes == SwitchOn && c.BayesDB == "" {
		return fmt.Errorf("%w: bayes = yes needs bayes_db", ErrConfigIncoherent)
	}
	seal := [3]bool{c.ARCSealDomain != "", c.ARCSealSelector != "", c.ARCSealKeyFile != ""}
	if seal != [3]bool{} && seal != [3]bool{true, true, true} {
		return fmt.Errorf("%w: ARC sealing needs arc_seal_domain, arc_seal_selector and arc_seal_key_file together", ErrConfigIncoherent)
	}
	if seal[0] && c.ARC == SwitchOff {
		// The seal's cv= is the verification's result: package
		// session seals nothing without it.
		return fmt.Errorf("%w: ARC sealing needs arc (the chain is verified before it is sealed)", ErrConfigIncoherent)
	}
	for _, s := range []struct {
		name string
		v    *float64
	}{{"add_header_score", c.AddHeaderScore}, {"quarantine_score", c.QuarantineScore}} {
		if s.v != nil && *s.v <= 0 {
			return fmt.Errorf("%w: %s must be positive", ErrConfigIncoherent, s.name)
		}
	}
	if r := c.RejectScore; r != nil && *r == 0 {
		return fmt.Errorf("%w: reject_score 0 (a negative score means never reject on the score)", ErrConfigIncoherent)
	}
	if a, r := c.AddHeaderScore, c.RejectScore; a != nil && r != nil && *r > 0 && *a > *r {
		return fmt.Errorf("%w: add_header_score above reject_score", ErrConfigIncoherent)
	}
	if q, r := c.QuarantineScore, c.RejectScore; q != nil && r != nil && *r > 0 && *q > *r {
		return fmt.Errorf("%w: quarantine_score above reject_score", ErrConfigIncoherent)
	}
	return nil
}

// String renders the settings that are not at their default, one
// "name = value" line each, in the order of milter.conf.sample, the
// per-check scores last: ParseConfig reads it back to the same Config
// (what "milter -n" prints, as "postconf -n" does).
func (c *Config) String() string {
	var b strings.Builder
	for _, s := range settings {
		if v := s.get(c); v != "" {
			fmt.Fprintf(&b, "%s = %s\n", s.name, v)
		}
	}
	names := make([]string, 0, len(c.Scores))
	for n := range c.Scores {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s%s = %s\n", scorePrefix, n, strconv.FormatFloat(c.Scores[n], 'g', -1, 64))
	}
	return b.String()
}

func switchSetting(name string, f func(*Config) *Switch) setting {
	return setting{name, func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "":
			*f(c) = SwitchDefault
		case "yes", "true", "on":
			*f(c) = SwitchOn
		case "no", "false", "off":
			*f(c) = SwitchOff
		default:
			return fmt.Errorf("%w: %q, want yes or no", ErrBadValue, clip(v))
		}
		return nil
	}, func(c *Config) string { return f(c).String() }}
}

func durationSetting(name string, f func(*Config) *time.Duration) setting {
	return setting{name, func(c *Config, v string) (err error) { *f(c), err = parseDuration(v); return },
		func(c *Config) string {
			if d := *f(c); d != 0 {
				return d.String()
			}
			return ""
		}}
}

func intSetting(name string, min, max int, f func(*Config) *int) setting {
	return setting{name, func(c *Config, v string) error {
		if v == "" {
			*f(c) = 0
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return fmt.Errorf("%w: %q, want an integer from %d to %d", ErrBadValue, clip(v), min, max)
		}
		*f(c) = n
		return nil
	}, func(c *Config) string {
		if n := *f(c); n != 0 {
			return strconv.Itoa(n)
		}
		return ""
	}}
}

func floatSetting(name string, f func(*Config) **float64) setting {
	return setting{name, func(c *Config, v string) error {
		if v == "" {
			*f(c) = nil
			return nil
		}
		x, err := parseFloat(v)
		if err != nil {
			return err
		}
		*f(c) = &x
		return nil
	}, func(c *Config) string {
		if p := *f(c); p != nil {
			return strconv.FormatFloat(*p, 'g', -1, 64)
		}
		return ""
	}}
}

func pathSetting(name string, f func(*Config) *string) setting {
	return setting{name, func(c *Config, v string) error {
		if strings.ContainsAny(v, "\x00") {
			return fmt.Errorf("%w: NUL in a path", ErrBadValue)
		}
		*f(c) = v
		return nil
	}, func(c *Config) string { return *f(c) }}
}

func pathsSetting(name string, f func(*Config) *[]string) setting {
	return setting{name, func(c *Config, v string) error {
		if strings.ContainsAny(v, "\x00") {
			return fmt.Errorf("%w: NUL in a path", ErrBadValue)
		}
		*f(c) = words(v)
		return nil
	}, func(c *Config) string { return strings.Join(*f(c), " ") }}
}

func listsSetting(name string, kind rbl.Kind, f func(*Config) *[]rbl.List) setting {
	return setting{name, func(c *Config, v string) error {
		if v == "" {
			*f(c) = nil
			return nil
		}
		lists, err := rbl.ParseLists(strings.ReplaceAll(v, ",", " "))
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadValue, err)
		}
		for i := range lists {
			lists[i].Kind = kind
		}
		*f(c) = lists
		return nil
	}, func(c *Config) string {
		var parts []string
		for _, l := range *f(c) {
			l.Kind = "" // the setting's kind; not written in postscreen syntax
			parts = append(parts, l.String())
		}
		return strings.Join(parts, " ")
	}}
}

func kindsSetting(name string, f func(*Config) (*[]mime.Kind, *bool)) setting {
	return setting{name, func(c *Config, v string) error {
		kinds, set := f(c)
		*kinds, *set = nil, false
		if v == "" {
			return nil
		}
		*set = true
		if v == "none" {
			*kinds = []mime.Kind{}
			return nil
		}
		out := []mime.Kind{}
		for _, w := range words(v) {
			k := mime.Kind(w)
			if !knownKind(k) {
				return fmt.Errorf("%w: unknown mime finding %q", ErrBadValue, clip(w))
			}
			out = append(out, k)
		}
		*kinds = out
		return nil
	}, func(c *Config) string {
		kinds, set := f(c)
		switch {
		case !*set:
			return ""
		case len(*kinds) == 0:
			return "none"
		}
		var parts []string
		for _, k := range *kinds {
			parts = append(parts, string(k))
		}
		return strings.Join(parts, " ")
	}}
}

// knownKind reports whether k is one of mime's finding kinds.
func knownKind(k mime.Kind) bool {
	for _, known := range mimeKinds {
		if k == known {
			return true
		}
	}
	return false
}

func words(v string) []string {
	f := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	if len(f) == 0 {
		return nil
	}
	return f
}

func parseListen(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if path, ok := strings.CutPrefix(v, "unix:"); ok {
		if path == "" || strings.ContainsAny(path, "\x00 \t") {
			return "", fmt.Errorf("%w: unix: needs a path", ErrBadValue)
		}
		return v, nil
	}
	hp := strings.TrimPrefix(v, "inet:")
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return "", fmt.Errorf("%w: %q, want inet:HOST:PORT or unix:PATH", ErrBadValue, clip(v))
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || strconv.FormatUint(p, 10) != port {
		return "", fmt.Errorf("%w: bad port %q", ErrBadValue, clip(port))
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			if _, err := parseHostname(host); err != nil {
				return "", fmt.Errorf("%w: bad host %q", ErrBadValue, clip(host))
			}
		}
	}
	return "inet:" + net.JoinHostPort(host, port), nil
}

// network splits a Listen value into net.Listen's arguments.
func network(listen string) (string, string) {
	if listen == "" {
		listen = DefaultListen
	}
	if path, ok := strings.CutPrefix(listen, "unix:"); ok {
		return "unix", path
	}
	return "tcp", strings.TrimPrefix(listen, "inet:")
}

func parseServers(v string) ([]string, error) {
	var out []string
	for _, w := range words(v) {
		if ap, err := netip.ParseAddrPort(w); err == nil {
			out = append(out, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String())
			continue
		}
		a, err := netip.ParseAddr(w)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%w: nameserver %q, want IP or IP:PORT", ErrBadValue, clip(w))
		}
		out = append(out, netip.AddrPortFrom(a.Unmap(), 53).String())
	}
	return out, nil
}

func parseHostname(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) > 253 {
		return "", fmt.Errorf("%w: name longer than 253 octets", ErrBadValue)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", fmt.Errorf("%w: %q is not a host name", ErrBadValue, clip(v))
		}
	}
	return v, nil
}

func parseDuration(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	// Postfix's day and week units, which time.ParseDuration lacks.
	mult := time.Duration(0)
	switch {
	case strings.HasSuffix(v, "d") && !strings.HasSuffix(v, "nd"):
		mult = 24 * time.Hour
	case strings.HasSuffix(v, "w"):
		mult = 7 * 24 * time.Hour
	}
	if mult != 0 {
		n, err := strconv.ParseInt(v[:len(v)-1], 10, 64)
		if err != nil || n < 0 || n > int64(math.MaxInt64/mult) {
			return 0, fmt.Errorf("%w: duration %q", ErrBadValue, clip(v))
		}
		return time.Duration(n) * mult, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: duration %q, want e.g. 30s, 5m, 2d", ErrBadValue, clip(v))
	}
	return d, nil
}

func parseSize(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	num, mult := v, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}} {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = s, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%w: size %q, want octets or a K, M, G multiple", ErrBadValue, clip(v))
	}
	return n * mult, nil
}

func parseFloat(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e6 {
		return 0, fmt.Errorf("%w: number %q", ErrBadValue, clip(v))
	}
	return f, nil
}

func formatInt(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// mimeKinds are the finding kinds of package mime that mime_reject and
// mime_strip may name.
var mimeKinds = []mime.Kind{
	mime.KindDangerousExtension, mime.KindDoubleExtension, mime.KindRTLO, mime.KindLookalike,
	mime.KindTypeMismatch, mime.KindMacro, mime.KindExecutable, mime.KindEncrypted,
	mime.KindUnsupported, mime.KindHTMLActive, mime.KindActiveContent, mime.KindMalformed,
	mime.KindOverlap, mime.KindZipMismatch, mime.KindLimitDictionary, mime.KindLimitDepth,
	mime.KindLimitParts, mime.KindLimitPartBytes, mime.KindLimitTotalBytes, mime.KindLimitHeldBytes,
	mime.KindLimitRatio, mime.KindLimitArchiveEntries, mime.KindLimitTime, mime.KindLimitParamBytes,
	mime.KindLimitReportBytes, mime.KindLimitNameBytes, mime.KindLimitTextBytes,
}
