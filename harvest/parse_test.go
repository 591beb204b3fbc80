package harvest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	text := `# harvest policy
ipv4_prefix = 24
ipv6_prefix=48
window = 30m
dha_unknown = 10
dha_ratio = 60%
block = 1d
max_block = 72h
max_errors = -1
max_concurrent = 10
connection_rate = 5/1m
message_rate = 20 / 1m
recipient_rate = 50/5m
max_recipients_per_message = 100
max_clients = 5000
tarpit_after = 3
tarpit_step = 2s
tarpit_max = 1m
fail_open = yes
`
	got, err := ParseConfig(strings.ReplaceAll(text, "\n", "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		IPv4Prefix: 24, IPv6Prefix: 48, Window: 30 * time.Minute, DHAUnknown: 10, DHARatio: 0.6,
		Block: 24 * time.Hour, MaxBlock: 72 * time.Hour, MaxErrors: -1, MaxConcurrent: 10,
		ConnectionRate: Rate{5, time.Minute}, MessageRate: Rate{20, time.Minute}, RecipientRate: Rate{50, 5 * time.Minute},
		MaxRecipientsPerMessage: 100, MaxClients: 5000,
		Tarpit:   Tarpit{After: 3, Step: 2 * time.Second, Max: time.Minute},
		FailOpen: true,
	}
	if got != want {
		t.Errorf("ParseConfig =\n%+v\nwant\n%+v", got, want)
	}
	back, err := ParseConfig(got.String())
	if err != nil || back != got {
		t.Errorf("ParseConfig(String()) = %+v, %v; want %+v", back, err, got)
	}
	if c, err := ParseConfig(""); err != nil || c != (Config{}) {
		t.Errorf("ParseConfig(\"\") = %+v, %v; want the zero Config", c, err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // in the error
	}{
		{"ipv4_prefix = 33", "line 1: ipv4_prefix: 33 out of range"},
		{"\n\nipv6_prefix = x", "line 3: ipv6_prefix: not a number"},
		{"window = -1h", "negative duration"},
		{"window = 1x", "not a duration"},
		{"dha_ratio = 0", "not in (0, 1]"},
		{"dha_ratio = 150%", "not in (0, 1]"},
		{"dha_ratio = NaN", "not in (0, 1]"},
		{"dha_unknown = -2", "out of range"},
		{"recipient_rate = 5", "not N/duration"},
		{"recipient_rate = 0/1h", "count not a positive number"},
		{"recipient_rate = 5/0s", "period not a positive duration"},
		{"fail_open = maybe", "not yes or no"},
		{"colour = blue", "line 1: colour: unknown name"},
		{"window", "no '='"},
		{"block = 1h\nblock = 2h", "line 2: block already set on line 1"},
		{"block = 99999999999999d", "not a duration"},
	} {
		_, err := ParseConfig(tc.text)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) error %v, want ErrConfig with %q", tc.text, err, tc.want)
		}
	}
	big := strings.Repeat("# padding\n", MaxConfigBytes/10+1)
	if _, err := ParseConfig(big); !errors.Is(err, ErrConfigTooLarge) {
		t.Errorf("ParseConfig(%d octets) error %v, want ErrConfigTooLarge", len(big), err)
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
	}{
		{"50/5m", Rate{50, 5 * time.Minute}},
		{"20 / 1m", Rate{20, time.Minute}},
		{"10/s", Rate{10, time.Second}},
		{"1/d", Rate{1, 24 * time.Hour}},
		{"3/2d", Rate{3, 48 * time.Hour}},
		{"off", Rate{}},
		{"0", Rate{}},
		{"none", Rate{}},
	} {
		got, err := ParseRate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseRate(got.String()); err != nil || back != got {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", got.String(), back, err, got)
		}
	}
	lim, burst := Rate{50, 5 * time.Minute}.Limit()
	if float64(lim) != 50.0/300 || burst != 50 {
		t.Errorf("Rate{50, 5m}.Limit() = %v, %d", lim, burst)
	}
}
