package spambot

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

var (
	bot   = netip.MustParseAddr("10.1.2.17")
	staff = netip.MustParseAddr("10.1.3.40")
)

func record(t *testing.T, d *Detector, e Event) Outcome {
	t.Helper()
	o, err := d.Record(e)
	if err != nil {
		t.Fatalf("Record(%+v): %v", e, err)
	}
	return o
}

func kinds(o Outcome) []Kind {
	var ks []Kind
	for _, e := range o.Signals {
		ks = append(ks, e.Kind)
	}
	return ks
}

// TestHarvestedListSpam: a bot sends to a harvested list, one message a
// second to 60 domains, a third of them unknown users: it reaches the
// message, domain and rejection thresholds and is a Spambot, with that
// evidence.
func TestHarvestedListSpam(t *testing.T) {
	var d Detector
	var o Outcome
	for i := range 60 {
		at := t0.Add(time.Duration(i) * time.Second)
		record(t, &d, Event{Time: at, Host: bot, Kind: Message})
		o = record(t, &d, Event{Time: at, Host: bot, Kind: Recipient, Domain: fmt.Sprintf("victim%d.example", i)})
		if i%3 == 0 {
			o = record(t, &d, Event{Time: at, Host: bot, Kind: Rejected})
		}
	}
	if o.Result != Spambot {
		t.Fatalf("after the run: %v, want spambot", o)
	}
	if got := fmt.Sprint(kinds(o)); got != "[messages distinct recipient domains rejected recipients]" {
		t.Fatalf("signals %s, want messages, domains and rejections", got)
	}
	if o.Counts[Recipient] != 50 || o.Counts[Rejected] != 20 {
		t.Fatalf("counts %v, want 50 domains (saturated) and 20 rejected", o.Counts)
	}
	// Ten minutes on, the per-minute and 5-minute windows have passed;
	// the hour's rejections alone make a Suspect.
	if o, _ = d.Check(bot, t0.Add(10*time.Minute)); o.Result != Suspect || fmt.Sprint(kinds(o)) != "[rejected recipients]" {
		t.Fatalf("ten minutes later: %v, want suspect on rejections", o)
	}
}

// TestLegitimateBurst: a staff member sends a newsletter by hand, 40
// messages to 40 domains over an hour, and gets three bounces: Clean.
func TestLegitimateBurst(t *testing.T) {
	var d Detector
	for i := range 40 {
		at := t0.Add(time.Duration(i) * 90 * time.Second)
		record(t, &d, Event{Time: at, Host: staff, Kind: Message})
		o := record(t, &d, Event{Time: at, Host: staff, Kind: Recipient, Domain: fmt.Sprintf("partner%d.example", i)})
		if i%13 == 0 {
			o = record(t, &d, Event{Time: at, Host: staff, Kind: Rejected})
		}
		if o.Result != Clean {
			t.Fatalf("message %d: %v, want clean", i, o)
		}
	}
}

// TestWhytePattern: an MX lookup alone is Suspect; followed by a direct
// connection to port 25 it is a Spambot.
func TestWhytePattern(t *testing.T) {
	var d Detector
	o := record(t, &d, Event{Time: t0, Host: bot, Kind: MXLookup})
	if o.Result != Suspect || len(o.Signals) != 1 || o.Signals[0].Kind != MXLookup {
		t.Fatalf("after an MX lookup: %v, want suspect (MX lookups)", o)
	}
	o = record(t, &d, Event{Time: t0.Add(time.Second), Host: bot, Kind: DirectSMTP})
	if o.Result != Spambot {
		t.Fatalf("after MX and port 25: %v, want spambot", o)
	}
	if o.Reason() != "spambot behaviour" {
		t.Fatalf("Reason = %q", o.Reason())
	}
	want := "spambot 10.1.2.17: MX lookups: 1 (≥ 1 in 1h0m0s); direct port-25 connections: 1 (≥ 1 in 1h0m0s)"
	if o.String() != want {
		t.Fatalf("String = %q, want %q", o, want)
	}
	// An hour later the window has passed.
	if o, _ := d.Check(bot, t0.Add(time.Hour+time.Second)); o.Result != Clean {
		t.Fatalf("an hour later: %v, want clean", o)
	}
}

// TestWindowSlides: 30 messages in a minute signal; the count decays as
// the 6-second buckets leave the window (t0 starts a bucket), between 0.9
// and 1 window after each event.
func TestWindowSlides(t *testing.T) {
	d := Detector{SpambotSignals: 1}
	var o Outcome
	for i := range 30 {
		o = record(t, &d, Event{Time: t0.Add(time.Duration(i) * time.Second), Host: bot, Kind: Message})
		if want := i == 29; (o.Result == Spambot) != want {
			t.Fatalf("message %d: %v", i+1, o)
		}
	}
	for _, tc := range []struct {
		after time.Duration
		count int
	}{
		{30 * time.Second, 30},
		{59 * time.Second, 30},
		{60 * time.Second, 24}, // seconds 0–5 left with the first bucket
		{66 * time.Second, 18},
		{90 * time.Second, 0},
	} {
		o, _ := d.Check(bot, t0.Add(tc.after))
		if o.Counts[Message] != tc.count {
			t.Errorf("at +%s: %d messages in the window, want %d", tc.after, o.Counts[Message], tc.count)
		}
	}
}

func TestOutOfOrder(t *testing.T) {
	var d Detector
	record(t, &d, Event{Time: t0, Host: bot, Kind: Rejected})
	record(t, &d, Event{Time: t0.Add(-30 * time.Minute), Host: bot, Kind: Rejected}) // within the hour: counted
	record(t, &d, Event{Time: t0.Add(-2 * time.Hour), Host: bot, Kind: Rejected})    // too old: dropped
	if o, _ := d.Check(bot, t0); o.Counts[Rejected] != 2 {
		t.Fatalf("counts %v, want 2 rejections", o.Counts)
	}
}

func TestDomainsFolded(t *testing.T) {
	var d Detector
	for _, dom := range []string{"example.net", "EXAMPLE.NET", "Example.Net.", "example.org"} {
		record(t, &d, Event{Time: t0, Host: bot, Kind: Recipient, Domain: dom})
	}
	if o, _ := d.Check(bot, t0); o.Counts[Recipient] != 2 {
		t.Fatalf("distinct domains %d, want 2", o.Counts[Recipient])
	}
}

func TestThresholdsOverride(t *testing.T) {
	d := Detector{MXLookups: Threshold{Count: -1}, DirectSMTP: Threshold{Count: 3, Window: time.Minute}}
	th := d.Thresholds()
	if th[MXLookup].Count != -1 || th[DirectSMTP] != (Threshold{3, time.Minute}) || th[Messages()] != DefaultMessages {
		t.Fatalf("Thresholds() = %v", th)
	}
	for range 5 {
		record(t, &d, Event{Time: t0, Host: bot, Kind: MXLookup})
	}
	o := record(t, &d, Event{Time: t0, Host: bot, Kind: DirectSMTP})
	o = record(t, &d, Event{Time: t0, Host: bot, Kind: DirectSMTP})
	if o.Result != Clean || o.Counts[MXLookup] != 0 {
		t.Fatalf("MX disabled, 2 of 3 connections: %v %v, want clean", o, o.Counts)
	}
	if o = record(t, &d, Event{Time: t0, Host: bot, Kind: DirectSMTP}); o.Result != Suspect {
		t.Fatalf("3 connections: %v, want suspect", o)
	}
}

// Messages returns the Message kind (a helper to read the table above).
func Messages() Kind { return Message }

func TestErrors(t *testing.T) {
	var d Detector
	for _, e := range []Event{
		{Time: t0, Kind: Message},
		{Time: t0, Host: bot, Kind: Recipient},
		{Time: t0, Host: bot, Kind: Recipient, Domain: "."},
		{Time: t0, Host: bot, Kind: Kind(9)},
	} {
		if _, err := d.Record(e); !errors.Is(err, ErrHost) && !errors.Is(err, ErrEvent) {
			t.Errorf("Record(%+v): %v, want ErrHost or ErrEvent", e, err)
		}
	}
	if _, err := d.Check(netip.Addr{}, t0); !errors.Is(err, ErrHost) {
		t.Errorf("Check(invalid): %v", err)
	}
	if st := d.Stats(); st.Hosts != 0 {
		t.Errorf("Stats after refused events: %+v, want no host", st)
	}
	if (Outcome{}).Reason() != "no result" || (Outcome{}).String() != "none invalid IP" {
		t.Errorf("zero Outcome: %q, %q", (Outcome{}).Reason(), Outcome{})
	}
}

func TestNowAndUnmap(t *testing.T) {
	now := t0
	d := Detector{Now: func() time.Time { return now }}
	mapped := netip.MustParseAddr("::ffff:10.1.2.17")
	record(t, &d, Event{Host: mapped, Kind: MXLookup})
	o, _ := d.Check(bot, time.Time{})
	if o.Counts[MXLookup] != 1 || o.Host != bot || !o.At.Equal(t0) {
		t.Fatalf("Check(unmapped) = %+v", o)
	}
	now = t0.Add(2 * time.Hour)
	if o, _ := d.Check(bot, time.Time{}); o.Result != Clean {
		t.Fatalf("two hours later by Now: %v", o)
	}
}

func TestSuspectsOrder(t *testing.T) {
	var d Detector
	a, b, c := netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	record(t, &d, Event{Time: t0, Host: a, Kind: MXLookup})
	record(t, &d, Event{Time: t0, Host: b, Kind: MXLookup})
	record(t, &d, Event{Time: t0, Host: c, Kind: MXLookup})
	record(t, &d, Event{Time: t0, Host: c, Kind: DirectSMTP})
	record(t, &d, Event{Time: t0, Host: staff, Kind: Message})
	got := d.Suspects(t0)
	if len(got) != 3 || got[0].Host != c || got[0].Result != Spambot || got[1].Host != b || got[2].Host != a {
		t.Fatalf("Suspects = %v", got)
	}
}

// TestEviction trips MaxHosts: the table never holds more, each Record
// that forgets a host says so, and the most recently active host of a
// shard is kept.
func TestEviction(t *testing.T) {
	d := Detector{MaxHosts: 64 * nShards}
	evicted := 0
	for i := range 10000 {
		h := netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)})
		o := record(t, &d, Event{Time: t0, Host: h, Kind: Message})
		if o.Err != nil {
			if !errors.Is(o.Err, ErrTooManyHosts) {
				t.Fatalf("Err = %v", o.Err)
			}
			evicted++
		}
	}
	st := d.Stats()
	if st.Hosts > 64*nShards || st.Hosts+evicted != 10000 || st.Evictions != uint64(evicted) {
		t.Fatalf("Stats = %+v, %d evictions reported, want at most %d hosts and the rest evicted", st, evicted, 64*nShards)
	}

	var s shard
	s.hosts = map[netip.Addr]*host{}
	x, y, z := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	s.get(x, 2)
	s.get(y, 2)
	s.get(x, 2) // x is now the most recent
	if _, gone := s.get(z, 2); gone != y {
		t.Fatalf("evicted %v, want the coldest %v", gone, y)
	}
	if s.hosts[x] == nil || s.hosts[z] == nil || len(s.hosts) != 2 {
		t.Fatalf("hosts left: %v", s.hosts)
	}
}

// TestDistinctBounded: a host sending to 10000 domains keeps at most the
// threshold's count of them.
func TestDistinctBounded(t *testing.T) {
	var d Detector
	for i := range 10000 {
		record(t, &d, Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Host: bot, Kind: Recipient, Domain: fmt.Sprint(i, ".example")})
	}
	s := d.shardOf(bot)
	if n := len(s.hosts[bot].domains.entries); n > DefaultDomains.Count {
		t.Fatalf("%d domains remembered, want at most %d", n, DefaultDomains.Count)
	}
}

func TestConcurrent(t *testing.T) {
	var d Detector
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				h := netip.AddrFrom4([4]byte{10, 0, byte(g), byte(i % 4)})
				if _, err := d.Record(Event{Time: t0, Host: h, Kind: Rejected}); err != nil {
					t.Error(err)
				}
				d.Check(h, t0)
			}
		})
	}
	wg.Add(1)
	go func() { defer wg.Done(); d.Suspects(t0); d.Stats() }()
	wg.Wait()
	for g := range 8 {
		for i := range 4 {
			o, _ := d.Check(netip.AddrFrom4([4]byte{10, 0, byte(g), byte(i)}), t0)
			if o.Counts[Rejected] != 125 {
				t.Fatalf("host %d/%d: %d rejections, want 125", g, i, o.Counts[Rejected])
			}
		}
	}
}

// TestMemoryPerHost measures the heap a tracked host costs (a host with
// messages and a few domains) and holds it under 600 octets.
func TestMemoryPerHost(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 20000 hosts")
	}
	const n = 20000
	d := Detector{MaxHosts: n}
	d.init()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		h := netip.AddrFrom4([4]byte{10, 8, byte(i >> 8), byte(i)})
		d.Record(Event{Time: t0, Host: h, Kind: Message})
		d.Record(Event{Time: t0, Host: h, Kind: Recipient, Domain: "example.net"})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(d.Stats().Hosts)
	t.Logf("%.0f octets per tracked host (%d hosts)", per, d.Stats().Hosts)
	if per > 600 {
		t.Fatalf("%.0f octets per host, want at most 600", per)
	}
	runtime.KeepAlive(&d)
}

func TestRecordAllocs(t *testing.T) {
	var d Detector
	record(t, &d, Event{Time: t0, Host: staff, Kind: Message})
	at := t0
	n := testing.AllocsPerRun(200, func() {
		at = at.Add(3 * time.Second) // 20 messages a minute: clean
		if o, _ := d.Record(Event{Time: at, Host: staff, Kind: Message}); o.Result != Clean {
			t.Fatal(o)
		}
		d.Record(Event{Time: at, Host: staff, Kind: Recipient, Domain: "example.net"})
	})
	if n != 0 {
		t.Fatalf("Record of a clean host: %v allocations, want 0", n)
	}
}

// TestEarlyTimes: events dated before 1970 (negative bucket numbers)
// are counted like any others (the counter indexed its ring with a
// negative remainder and panicked; found by FuzzWindow).
func TestEarlyTimes(t *testing.T) {
	var d Detector
	early := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	record(t, &d, Event{Time: early, Host: bot, Kind: MXLookup})
	record(t, &d, Event{Time: early.Add(time.Second), Host: bot, Kind: MXLookup})
	if o, _ := d.Check(bot, early.Add(time.Minute)); o.Counts[MXLookup] != 2 {
		t.Fatalf("counts %v, want 2 MX lookups", o.Counts)
	}
}
