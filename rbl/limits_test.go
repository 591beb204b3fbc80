package rbl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// floodBody is 1,000 links to one harmless host that differ only in
// the query string, then one link to spam.example: the URL budget
// evasion of issue 11.
func floodBody() []byte {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "http://ok.example/?%d ", i)
	}
	b.WriteString(`<a href="http://spam.example/win">win</a>`)
	return []byte(b.String())
}

// TestExtractURLFlood: links to one host that differ only in the query
// string filled the URL budget (MaxURLs, 1,000 distinct URLs) before the
// spam link, which was then neither among the URLs nor among the Hosts
// given to CheckDomains. URLs are deduplicated by host before the
// budget: the first URL of every host is kept.
func TestExtractURLFlood(t *testing.T) {
	body := floodBody()
	links := (&Extractor{}).Links(body)
	if got, want := links.Hosts(), []string{"ok.example", "spam.example"}; !slices.Equal(got, want) {
		t.Errorf("Links(1,000 links to ok.example, then spam.example).Hosts() = %q, want %q (%d bytes of body)", got, want, len(body))
	}
	if n := len(links.URLs); n > 1001 || links.URLs[n-1].Text != "http://spam.example/win" {
		t.Errorf("Links(flood) = %d URLs ending %q, want at most 1001 ending with the spam link", n, links.URLs[n-1].Text)
	}
}

// TestCheckLinks: CheckLinks counts the limits Extractor reached. Hosts
// lost to MaxHosts make the result Unknown unless a checked domain is
// Listed (CheckDomains on links.Hosts() alone calls such a body clean);
// the URL limits lose no host and only go into Err.
func TestCheckLinks(t *testing.T) {
	srv := newServer(t)
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain}}}
	ctx := context.Background()
	flood := bytes.ReplaceAll(floodBody(), []byte("spam.example"), []byte("claim-prize.example.net"))
	for _, tc := range []struct {
		name   string
		x      Extractor
		body   string
		result Result
		reason string
		err    []error
	}{
		{"Flood", Extractor{}, string(flood), Listed, "listed by dbl.test", nil},
		{"HostLimit", Extractor{MaxHosts: 2}, "http://a.example.com/ http://b.example.org/ http://claim-prize.example.net/",
			Unknown, "too many links", []error{ErrTooManyHosts}},
		{"HostLimitListed", Extractor{MaxHosts: 2}, "http://claim-prize.example.net/ http://a.example.com/ http://b.example.org/",
			Listed, "listed by dbl.test", []error{ErrTooManyHosts}},
		{"URLLimit", Extractor{MaxURLs: 1}, "http://a.example.com/1 http://a.example.com/2 http://a.example.com/3 http://b.example.org/",
			Clean, "not listed", []error{ErrTooManyURLs}},
		{"URLTooLong", Extractor{MaxURLLen: 4}, "http://a.example.com/123456", Clean, "not listed", []error{ErrURLTooLong}},
		{"NoLimit", Extractor{}, "http://a.example.com/ http://b.example.org/", Clean, "not listed", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			links := tc.x.Links([]byte(tc.body))
			hosts := links.Hosts() // for the messages: the body may be long
			d, err := c.CheckLinks(ctx, links)
			if err != nil || d.Result != tc.result || d.Reason() != tc.reason {
				t.Errorf("CheckLinks(links to %q) = %s (%q), %v, want %s (%q)", hosts, d, d.Reason(), err, tc.result, tc.reason)
			}
			for _, e := range tc.err {
				if !errors.Is(d.Err, e) {
					t.Errorf("CheckLinks(links to %q).Err = %v, want it to wrap %v", hosts, d.Err, e)
				}
			}
			if tc.err == nil && d.Err != nil {
				t.Errorf("CheckLinks(links to %q).Err = %v, want nil", hosts, d.Err)
			}
			if errors.Is(d.Err, ErrTooManyHosts) != strings.Contains(d.String(), "link hosts past the limit not checked") {
				t.Errorf("CheckLinks(links to %q).String() = %q, want the host limit shown iff Err wraps ErrTooManyHosts (%v)", hosts, d, d.Err)
			}
		})
	}
	ipOnly := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test")}
	if _, err := ipOnly.CheckLinks(ctx, Links{}); !errors.Is(err, ErrNoLists) {
		t.Errorf("CheckLinks with only IP lists = %v, want ErrNoLists", err)
	}
}
