package spf

import "context"

// prefetcher (stub until parallel prefetch lands).
type prefetcher struct{}

func newPrefetcher(ctx context.Context, s *state) *prefetcher { return nil }
func (p *prefetcher) stop()                                   {}
func (p *prefetcher) record(rec *Record, domain string)       {}
func (p *prefetcher) wait(ctx context.Context, q qtype, name string) (answer, bool) {
	return answer{}, false
}
