package harvest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxConfigBytes is the largest configuration text ParseConfig reads.
const MaxConfigBytes = 64 << 10

// ParseConfig reads a Config from text in the "name = value" form of
// Postfix's main.cf, one setting a line, '#' starting a comment line:
//
//	# harvest policy
//	ipv4_prefix = 24
//	dha_unknown = 20
//	dha_ratio = 50%
//	block = 3h
//	recipient_rate = 500/1h
//	fail_open = yes
//
// The names are those of Config's fields in snake case (ipv4_prefix,
// ipv6_prefix, window, dha_unknown, dha_ratio, block, max_block,
// max_errors, max_concurrent, connection_rate, message_rate,
// recipient_rate, max_recipients_per_message, max_clients, tarpit_after,
// tarpit_step, tarpit_max, fail_open). Durations are Go durations, with
// "d" for days ("1d", "36h"); rates are N/duration (see ParseRate);
// ratios are a number in (0, 1] or a percentage ("50%"); booleans are
// yes/no, true/false, on/off. A name not set keeps its zero value, the
// default. Errors wrap ErrConfig and name the line; a text over
// MaxConfigBytes is refused with ErrConfigTooLarge.
func ParseConfig(text string) (Config, error) {
	var c Config
	if len(text) > MaxConfigBytes {
		return c, fmt.Errorf("%w: %d octets, more than %d", ErrConfigTooLarge, len(text), MaxConfigBytes)
	}
	seen := make(map[string]int)
	for n, line := range strings.Split(text, "\n") {
		n++
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return Config{}, fmt.Errorf("%w: line %d: no '=' in %q", ErrConfig, n, clip(line))
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if prev, dup := seen[name]; dup {
			return Config{}, fmt.Errorf("%w: line %d: %s already set on line %d", ErrConfig, n, clip(name), prev)
		}
		seen[name] = n
		if err := c.set(name, value); err != nil {
			return Config{}, fmt.Errorf("%w: line %d: %s: %w", ErrConfig, n, clip(name), err)
		}
	}
	return c, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func (c *Config) set(name, v string) error {
	var err error
	switch name {
	case "ipv4_prefix":
		c.IPv4Prefix, err = parseInt(v, 0, 32)
	case "ipv6_prefix":
		c.IPv6Prefix, err = parseInt(v, 0, 128)
	case "window":
		c.Window, err = parseDuration(v)
	case "dha_unknown":
		c.DHAUnknown, err = parseInt(v, -1, math.MaxInt32)
	case "dha_ratio":
		c.DHARatio, err = parseRatio(v)
	case "block":
		c.Block, err = parseDuration(v)
	case "max_block":
		c.MaxBlock, err = parseDuration(v)
	case "max_errors":
		c.MaxErrors, err = parseInt(v, -1, math.MaxInt32)
	case "max_concurrent":
		c.MaxConcurrent, err = parseInt(v, -1, math.MaxInt32)
	case "connection_rate":
		c.ConnectionRate, err = ParseRate(v)
	case "message_rate":
		c.MessageRate, err = ParseRate(v)
	case "recipient_rate":
		c.RecipientRate, err = ParseRate(v)
	case "max_recipients_per_message":
		c.MaxRecipientsPerMessage, err = parseInt(v, -1, math.MaxInt32)
	case "max_clients":
		c.MaxClients, err = parseInt(v, 0, math.MaxInt32)
	case "tarpit_after":
		c.Tarpit.After, err = parseInt(v, -1, math.MaxInt32)
	case "tarpit_step":
		c.Tarpit.Step, err = parseSignedDuration(v)
	case "tarpit_max":
		c.Tarpit.Max, err = parseDuration(v)
	case "fail_open":
		c.FailOpen, err = parseBool(v)
	default:
		return fmt.Errorf("unknown name")
	}
	return err
}

func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("not a number: %q", clip(v))
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d out of range [%d, %d]", n, lo, hi)
	}
	return n, nil
}

// parseDuration reads a Go duration or a number of days ("2d"); negative
// durations are refused.
func parseDuration(v string) (time.Duration, error) {
	d, err := parseSignedDuration(v)
	if err == nil && d < 0 {
		return 0, fmt.Errorf("negative duration %q", clip(v))
	}
	return d, err
}

func parseSignedDuration(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > math.MaxInt64/int(24*time.Hour) || n < math.MinInt64/int(24*time.Hour) {
			return 0, fmt.Errorf("not a duration: %q", clip(v))
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("not a duration: %q", clip(v))
	}
	return d, nil
}

func parseRatio(v string) (float64, error) {
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("not a number: %q", clip(v))
	}
	if pct {
		f /= 100
	}
	if !(f > 0 && f <= 1) {
		return 0, fmt.Errorf("ratio %q not in (0, 1]", clip(v))
	}
	return f, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true", "on":
		return true, nil
	case "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("not yes or no: %q", clip(v))
}

// ParseRate reads a rate written "N/duration" (spaces allowed around the
// slash, as rspamd writes "20 / 1m"): "50/5m", "10/1s", "500/1h", "1/d".
// A unit alone means one of it ("10/s" is "10/1s"). "0", "off" and
// "none" are the zero Rate: no limit. Errors wrap ErrConfig.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "0", "off", "none", "":
		return Rate{}, nil
	}
	num, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("%w: rate %q is not N/duration", ErrConfig, clip(s))
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n <= 0 || n > math.MaxInt32 {
		return Rate{}, fmt.Errorf("%w: rate %q: count not a positive number", ErrConfig, clip(s))
	}
	per = strings.TrimSpace(per)
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	d, err := parseDuration(per)
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("%w: rate %q: period not a positive duration", ErrConfig, clip(s))
	}
	return Rate{N: n, Per: d}, nil
}

// String renders r as ParseRate reads it ("50/5m0s"), or "off".
func (r Rate) String() string {
	if r.IsZero() {
		return "off"
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

// String renders the non-zero settings of c in ParseConfig's form, one
// a line, in a fixed order; ParseConfig reads it back to c.
func (c Config) String() string {
	var b strings.Builder
	put := func(name string, v any) { fmt.Fprintf(&b, "%s = %v\n", name, v) }
	ints := []struct {
		name string
		v    int
	}{{"ipv4_prefix", c.IPv4Prefix}, {"ipv6_prefix", c.IPv6Prefix}}
	for _, x := range ints {
		if x.v != 0 {
			put(x.name, x.v)
		}
	}
	if c.Window != 0 {
		put("window", c.Window)
	}
	if c.DHAUnknown != 0 {
		put("dha_unknown", c.DHAUnknown)
	}
	if c.DHARatio != 0 {
		put("dha_ratio", strconv.FormatFloat(c.DHARatio, 'g', -1, 64))
	}
	if c.Block != 0 {
		put("block", c.Block)
	}
	if c.MaxBlock != 0 {
		put("max_block", c.MaxBlock)
	}
	if c.MaxErrors != 0 {
		put("max_errors", c.MaxErrors)
	}
	if c.MaxConcurrent != 0 {
		put("max_concurrent", c.MaxConcurrent)
	}
	for _, r := range []struct {
		name string
		r    Rate
	}{{"connection_rate", c.ConnectionRate}, {"message_rate", c.MessageRate}, {"recipient_rate", c.RecipientRate}} {
		if !r.r.IsZero() {
			put(r.name, r.r)
		}
	}
	if c.MaxRecipientsPerMessage != 0 {
		put("max_recipients_per_message", c.MaxRecipientsPerMessage)
	}
	if c.MaxClients != 0 {
		put("max_clients", c.MaxClients)
	}
	if c.Tarpit.After != 0 {
		put("tarpit_after", c.Tarpit.After)
	}
	if c.Tarpit.Step != 0 {
		put("tarpit_step", c.Tarpit.Step)
	}
	if c.Tarpit.Max != 0 {
		put("tarpit_max", c.Tarpit.Max)
	}
	if c.FailOpen {
		put("fail_open", "yes")
	}
	return b.String()
}
