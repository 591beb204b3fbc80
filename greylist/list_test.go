package greylist_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/internal/testenv"
)

func parseClients(t *testing.T, path string) (*greylist.ClientList, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return greylist.ParseClientList(f)
}

func lineErrors(err error) []int {
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *greylist.LineError
		if errors.As(e, &le) && errors.Is(e, greylist.ErrSyntax) {
			lines = append(lines, le.Line)
		}
	}
	return lines
}

func TestParseClientList(t *testing.T) {
	l, err := parseClients(t, filepath.Join("testdata", "whitelist_clients"))
	if got := fmt.Sprint(lineErrors(err)); got != "[15 16]" {
		t.Errorf("ParseClientList errors on lines %s, want [15 16] (%v)", got, err)
	}
	if l.Len() != 9 {
		t.Errorf("Len = %d, want 9 readable entries", l.Len())
	}
	tests := []struct {
		addr, name string
		want       string
	}{
		{"192.0.2.1", "example.org", "example.org"},
		{"192.0.2.1", "MX1.Example.Org.", "example.org"},
		{"192.0.2.1", "badexample.org", ""},
		{"192.0.2.1", "a.b.example.net", ".Example.NET."},
		{"192.0.2.1", "mx12.example.info", `/^mx[0-9]+\.example\.info$/`},
		{"192.0.2.1", "mx.example.info", ""},
		{"192.0.2.7", "", "192.0.2.7"},
		{"192.0.2.8", "", ""},
		{"198.51.100.200", "", "198.51.100.0/24"},
		{"203.0.113.9", "", "203.0.113"},
		{"10.20.30.40", "", "10.20"},
		{"10.21.0.1", "", ""},
		{"2001:db8:1::1", "", "2001:db8::/32"},
		{"::ffff:198.51.100.1", "", "198.51.100.0/24"},
		{"192.0.2.1", "unknown", ""},
		{"192.0.2.1", "", ""},
	}
	for _, tc := range tests {
		e, ok := l.MatchAddr(ip(tc.addr))
		if !ok {
			e, ok = l.MatchName(tc.name)
		}
		if e != tc.want || ok != (tc.want != "") {
			t.Errorf("Match(%s, %q) = %q, %v; want %q", tc.addr, tc.name, e, ok, tc.want)
		}
	}
	var nilList *greylist.ClientList
	if _, ok := nilList.MatchName("example.org"); ok || nilList.Len() != 0 {
		t.Error("nil ClientList matched")
	}
	if _, ok := nilList.MatchAddr(ip("192.0.2.1")); ok {
		t.Error("nil ClientList matched an address")
	}
}

func TestParseAddressList(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "whitelist_recipients"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := greylist.ParseAddressList(f)
	if got := fmt.Sprint(lineErrors(err)); got != "[6 7]" {
		t.Errorf("ParseAddressList errors on lines %s, want [6 7] (%v)", got, err)
	}
	tests := []struct{ addr, want string }{
		{"postmaster@anything.example", "postmaster@"},
		{"<Postmaster+x@anything.example>", "postmaster@"},
		{"abuse@example.net", "abuse@example.net"},
		{"abuse+spam@EXAMPLE.net", "abuse@example.net"},
		{"abuse@other.example", ""},
		{"bob@example.com", "Example.COM"},
		{"bob@mail.example.com", "Example.COM"},
		{"bob@notexample.com", ""},
		{"list-users-request@lists.example", "/^list-[a-z]+-request@/"},
		{"list-users@lists.example", ""},
		{"", ""},
		{"postmaster", ""},
	}
	for _, tc := range tests {
		e, ok := l.Match(tc.addr)
		if e != tc.want || ok != (tc.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", tc.addr, e, ok, tc.want)
		}
	}
}

func TestListAddErrors(t *testing.T) {
	var cl greylist.ClientList
	for _, e := range []string{"", "a b", "/(?=x)/", "1.2.3.4/40", "1.2.3/24", "300.1.2.3", "2001:db8::/200", "..."} {
		if err := cl.Add(e); !errors.Is(err, greylist.ErrSyntax) {
			t.Errorf("ClientList.Add(%q) = %v, want ErrSyntax", e, err)
		}
	}
	var al greylist.AddressList
	for _, e := range []string{"", "a b", "/(?=x)/", "@example.com", "@", "."} {
		if err := al.Add(e); !errors.Is(err, greylist.ErrSyntax) {
			t.Errorf("AddressList.Add(%q) = %v, want ErrSyntax", e, err)
		}
	}
}

func TestListLineTooLong(t *testing.T) {
	in := "example.org\n" + strings.Repeat("a", greylist.MaxListLine+1) + "\nexample.net\n"
	l, err := greylist.ParseClientList(strings.NewReader(in))
	if !errors.Is(err, greylist.ErrLineTooLong) {
		t.Errorf("ParseClientList(long line) error = %v, want ErrLineTooLong", err)
	}
	if _, ok := l.MatchName("example.org"); !ok {
		t.Error("the entry before the long line was lost")
	}
}

// TestPostgreyClientList reads Debian's /etc/postgrey/whitelist_clients
// (300 entries: names, Perl regexps, addresses) and checks that every
// line is read and that postgrey's own code (its
// read_clients_whitelists, read from /usr/sbin/postgrey at test time)
// agrees on which clients it lets through.
func TestPostgreyClientList(t *testing.T) {
	bin := testenv.Program(t, "postgrey")
	perl := testenv.Program(t, "perl")
	const file = "/etc/postgrey/whitelist_clients"
	if _, err := os.Stat(file); err != nil {
		t.Skipf("postgrey without its %s: %v", file, err)
	}
	l, err := parseClients(t, file)
	if err != nil {
		t.Fatalf("ParseClientList(%s): %v", file, err)
	}
	// Clients: each name entry, a name below it, a name that only ends
	// like it; each address; and names for a few of the regexps.
	raw, _ := os.ReadFile(file)
	var probes []string
	for line := range strings.SplitSeq(string(raw), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "/"):
		case strings.Trim(line, "0123456789./") == "" && strings.Count(line, ".") == 3:
			a, _, _ := strings.Cut(line, "/")
			probes = append(probes, a+" unknown")
		case strings.Trim(line, "0123456789.") == "":
			probes = append(probes, line+".77 unknown")
		default:
			probes = append(probes, "192.0.2.1 "+line, "192.0.2.1 mx1."+line, "192.0.2.1 x"+line)
		}
	}
	probes = append(probes, "192.0.2.1 ms-smtp-03.southeast.rr.com", "192.0.2.1 mail12.telekom.de",
		"192.0.2.1 smtp3.orange.fr", "192.0.2.1 m12-34.126.com", "192.0.2.1 smtp12-g3.free.fr",
		"192.0.2.1 mx.example.com", "192.0.2.1 unknown", "203.0.113.5 unknown")
	const driver = `
use NetAddr::IP;
open(my $f, '<', $ARGV[0]) or die; local $/; my $s = <$f>; close $f;
my ($sub) = $s =~ /^(sub read_clients_whitelists\(\$\)\n\{.*?^\})/ms or die "sub not found";
eval $sub; die $@ if $@;
$/ = "\n";
my $self = { postgrey => { whitelist_clients_files => [$ARGV[1]] } };
read_clients_whitelists($self);
while (my $l = <STDIN>) {
	chomp $l; my ($ip, $name) = split / /, $l, 2; my $m = 0;
	for my $w (@{$self->{postgrey}{whitelist_clients}}) { $m = 1 if $name =~ $w; }
	my $a = NetAddr::IP->new($ip);
	for my $w (@{$self->{postgrey}{whitelist_ips}}) { $m = 1 if $a->within($w); }
	print "$m\n";
}
`
	cmd := exec.Command(perl, "-e", driver, bin, file)
	cmd.Stdin = strings.NewReader(strings.Join(probes, "\n") + "\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("perl: %v\n%s", err, stderr.String())
	}
	answers := strings.Fields(string(out))
	if len(answers) != len(probes) {
		t.Fatalf("postgrey answered %d of %d probes:\n%s", len(answers), len(probes), out)
	}
	matched := 0
	for i, p := range probes {
		addr, name, _ := strings.Cut(p, " ")
		_, ok := l.MatchAddr(ip(addr))
		if !ok {
			_, ok = l.MatchName(name)
		}
		if ok {
			matched++
		}
		if want := answers[i] == "1"; ok != want {
			t.Errorf("client %s: ClientList %v, postgrey %v", p, ok, want)
		}
	}
	if matched < len(probes)/2 {
		t.Errorf("only %d of %d probes matched: the probes prove little", matched, len(probes))
	}
}
