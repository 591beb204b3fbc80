package greylist_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/internal/testenv"
)

var senderTests = []struct {
	in, want string
	postgrey bool // postgrey's do_sender_substitutions, lower-cased, agrees
}{
	{"alice@example.com", "alice@example.com", true},
	{"Alice@Example.COM", "alice@example.com", true},
	{"<alice@example.com>", "alice@example.com", false}, // postgrey gets it without brackets
	{"", "<>", false},
	{"<>", "<>", false},
	{"postmaster", "postmaster", true},
	// VERP numbers and extensions.
	{"bounce-4711-12@example.com", "bounce-#-#@example.com", true},
	{"user123@example.com", "user123@example.com", true},
	{"123@example.com", "#@example.com", true},
	{"a.1.b_2@example.com", "a.#.b_2@example.com", true},
	{"list-bounces+alice=example.org@lists.example", "list-bounces@lists.example", true},
	{"owner-list+M1234@lists.example", "owner-list@lists.example", true},
	{"+x@example.com", "@example.com", true},
	{"a@b@example.com", "a@b@example.com", true},
	{"\"a+1@b\"@example.com", "\"a@example.com", false}, // postgrey splits at the first '@': "a@b"@example.com
	// BATV, both orders.
	{"prvs=1234abcdef=alice@example.com", "alice@example.com", true},
	{"PRVS=1234ABCDEF=Alice@example.com", "alice@example.com", false}, // postgrey's pattern is lower-case before its lc
	{"prvs=alice=1234abcdef@example.com", "alice@example.com", true},
	{"prvs=0123456789=9876543210@example.com", "#@example.com", true},
	{"prvs=onlytwo@example.com", "prvs=onlytwo@example.com", true},
	{"prvs=a=b=c@example.com", "prvs=a=b=c@example.com", true},
	{"prvs=4020b7c111=bounce-42@example.com", "bounce-#@example.com", true},
	// SRS: postgrey leaves it; here the original sender.
	{"SRS0=HHH=TT=example.org=alice@forwarder.example", "alice@example.org", false},
	{"srs0+abcd=zz=example.org=Bob=Smith@fwd.example", "bob=smith@example.org", false},
	{"SRS1=HHH=first.example==HHH=TT=example.org=alice@second.example", "alice@example.org", false},
	{"SRS0=broken@fwd.example", "srs0=broken@fwd.example", true},
	{"SRS1=HHH=first.example=no-double@fwd.example", "srs1=hhh=first.example=no-double@fwd.example", true},
	{"SRS0=h=t=example.org=bounce-99@fwd.example", "bounce-#@example.org", false},
	// Spaces and controls never reach a key.
	{"\"a b\"@example.com", "\"a_b\"@example.com", false},
}

func TestNormalizeSender(t *testing.T) {
	for _, tc := range senderTests {
		if got := greylist.NormalizeSender(tc.in); got != tc.want {
			t.Errorf("NormalizeSender(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNormalizeSenderPostgrey runs postgrey's own do_sender_substitutions
// (read from the installed /usr/sbin/postgrey at test time) over the
// inputs marked as agreeing, and compares.
func TestNormalizeSenderPostgrey(t *testing.T) {
	bin := testenv.Program(t, "postgrey")
	perl := testenv.Program(t, "perl")
	src, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte("sub do_sender_substitutions($$)")) {
		t.Fatalf("%s has no do_sender_substitutions", bin)
	}
	const driver = `
open(my $f, '<', $ARGV[0]) or die; local $/; my $s = <$f>; close $f;
my ($sub) = $s =~ /^(sub do_sender_substitutions\(\$\$\)\n\{.*?^\})/ms or die "sub not found";
eval $sub; die $@ if $@;
$/ = "\n";
while (my $l = <STDIN>) { chomp $l; print lc(do_sender_substitutions(undef, $l)), "\n"; }
`
	var in strings.Builder
	var want []string
	for _, tc := range senderTests {
		if tc.postgrey {
			in.WriteString(tc.in + "\n")
			want = append(want, tc.want)
		}
	}
	cmd := exec.Command(perl, "-e", driver, bin)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("perl: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("postgrey gave %d answers for %d inputs:\n%s", len(got), len(want), out)
	}
	i := 0
	for _, tc := range senderTests {
		if !tc.postgrey {
			continue
		}
		if got[i] != tc.want {
			t.Errorf("postgrey(%q) = %q, NormalizeSender = %q", tc.in, got[i], tc.want)
		}
		i++
	}
}

func TestNormalizeRecipient(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Bob@Example.NET", "bob@example.net"},
		{"<bob+news@example.net>", "bob+news@example.net"},
		{"postmaster", "postmaster"},
		{"a\tb@example.net", "a_b@example.net"},
	} {
		if got := greylist.NormalizeRecipient(tc.in); got != tc.want {
			t.Errorf("NormalizeRecipient(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
