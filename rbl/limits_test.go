package rbl

import (
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
