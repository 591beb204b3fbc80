package rbl

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		weight   int
	}{
		{"zen.spamhaus.org", "zen.spamhaus.org", 1},
		{"zen.spamhaus.org*3", "zen.spamhaus.org*3", 3},
		{"zen.spamhaus.org=127.0.0.[2..11]*3", "zen.spamhaus.org=127.0.0.[2..11]*3", 3},
		{"Zen.Spamhaus.Org.=127.0.0.2", "zen.spamhaus.org=127.0.0.2", 1},
		{"list.dnswl.org=127.0.[0..255].0*-2", "list.dnswl.org=127.0.[0..255].0*-2", -2},
		{"zen.spamhaus.org=127.0.0.[10;11]*8", "zen.spamhaus.org=127.0.0.[10..11]*8", 8},
		{"x.example=127.0.0.[1..3;5;7..9]", "x.example=127.0.0.[1..3;5;7..9]", 1},
		{"x.example=127.0.0.[5;1..3]*1", "x.example=127.0.0.[1..3;5]", 1},
		{"multi.surbl.org=&8*2", "multi.surbl.org=&8*2", 2},
		{"multi.surbl.org=&0x48", "multi.surbl.org=&72", 1},
		{"multi.example=&0.0.1.0", "multi.example=&0.0.1.0", 1},
	} {
		t.Run(tc.in, func(t *testing.T) {
			l, err := ParseList(tc.in)
			if err != nil {
				t.Fatalf("ParseList(%q) error %v", tc.in, err)
			}
			if got := l.String(); got != tc.want {
				t.Errorf("ParseList(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
			if got := l.weight(); got != tc.weight {
				t.Errorf("ParseList(%q) weight = %d, want %d", tc.in, got, tc.weight)
			}
			again, err := ParseList(l.String())
			if err != nil || again.String() != l.String() || again.Filter != l.Filter {
				t.Errorf("ParseList(%q) does not round-trip: %v %v", l.String(), again, err)
			}
		})
	}
}

func TestParseListErrors(t *testing.T) {
	for _, in := range []string{
		"", "=127.0.0.2", "nodot", "zen.example=", "zen.example=127.0.0", "zen.example=127.0.0.256",
		"zen.example=127.0.0.[2..]", "zen.example=127.0.0.[3..2]", "zen.example=127.0.0.[2", "zen.example=127.0.0.2.1",
		"zen.example=127.0.0.2..3", "zen.example*", "zen.example*x", "zen.example*0", "zen.example=&0", "zen.example=&x",
		"zen.example=127.0.0.[]", "bad_label!.example", "zen.example=127.0.0.[1;;2]", "zen.example=&1.2.3",
	} {
		t.Run(in, func(t *testing.T) {
			if l, err := ParseList(in); !errors.Is(err, ErrSyntax) {
				t.Errorf("ParseList(%q) = %v, %v, want ErrSyntax", in, l, err)
			}
		})
	}
}

func TestParseLists(t *testing.T) {
	in := "zen.spamhaus.org=127.0.0.[2..11]*3, b.barracudacentral.org*2\n\tlist.dnswl.org=127.0.[0..255].0*-2"
	l, err := ParseLists(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"zen.spamhaus.org=127.0.0.[2..11]*3", "b.barracudacentral.org*2", "list.dnswl.org=127.0.[0..255].0*-2"}
	if len(l) != len(want) {
		t.Fatalf("ParseLists(%q) = %d lists, want %d", in, len(l), len(want))
	}
	for i := range want {
		if got := l[i].String(); got != want[i] {
			t.Errorf("ParseLists(%q)[%d] = %q, want %q", in, i, got, want[i])
		}
	}
	if _, err := ParseLists("a.example, =bad"); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseLists with a bad entry = %v, want ErrSyntax", err)
	}
}

func TestFilterMatch(t *testing.T) {
	for _, tc := range []struct {
		filter, code string
		want         bool
	}{
		{"", "127.0.0.2", true},
		{"127.0.0.2", "127.0.0.2", true},
		{"127.0.0.2", "127.0.0.3", false},
		{"127.0.0.[2..11]", "127.0.0.11", true},
		{"127.0.0.[2..11]", "127.0.0.12", false},
		{"127.0.0.[2..11]", "127.0.1.2", false},
		{"127.0.[0..255].0", "127.0.15.0", true},
		{"127.0.[0..255].0", "127.0.15.1", false},
		{"127.0.0.[1;3;5]", "127.0.0.3", true},
		{"127.0.0.[1;3;5]", "127.0.0.4", false},
		{"&8", "127.0.0.24", true},
		{"&8", "127.0.0.64", false},
		{"&0x48", "127.0.0.64", true},
		{"&0.0.1.0", "127.0.1.2", true},
		{"127.0.0.2", "::1", false},
	} {
		t.Run(tc.filter+"/"+tc.code, func(t *testing.T) {
			f, err := ParseFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(netip.MustParseAddr(tc.code)); got != tc.want {
				t.Errorf("ParseFilter(%q).Match(%s) = %v, want %v", tc.filter, tc.code, got, tc.want)
			}
		})
	}
}

// TestGoConfigForm checks that the Go constructors give the same
// filters as the postscreen syntax.
func TestGoConfigForm(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  Filter
		want string
	}{
		{"CodeRange(2,11)", CodeRange(2, 11), "127.0.0.[2..11]"},
		{"CodeRange(2,2)", CodeRange(2, 2), "127.0.0.2"},
		{"BitsFilter(8)", BitsFilter(8), "&8"},
		{"BitsFilter(0x100)", BitsFilter(0x100), "&0.0.1.0"},
		{"MustParseFilter", MustParseFilter("127.0.[0..255].[1..3]"), "127.0.[0..255].[1..3]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := ParseFilter(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if tc.got != want || tc.got.String() != tc.want {
				t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
			}
		})
	}
	if f := CodeRange(11, 2); f != CodeRange(2, 11) {
		t.Errorf("CodeRange(11, 2) = %q, want CodeRange(2, 11) = %q", f, CodeRange(2, 11))
	}
	defer func() {
		if recover() == nil {
			t.Errorf("MustParseFilter(\"127.0.0\") did not panic")
		}
	}()
	MustParseFilter("127.0.0")
}
