package spf

import (
	"context"
	"sync"

	"github.com/spamkit/spamkit/internal/guard"
)

// maxPrefetch bounds the lookups one check may start ahead of the
// evaluation, so that a hostile record cannot turn one check into a
// flood of queries: the sequential walk itself needs at most
// MaxDNSLookups terms and MaxMXNames hosts per mx.
const maxPrefetch = 64

// prefetcher starts, concurrently, the lookups the sequential evaluation
// of a record will need, and hands their answers to it (state.query).
// Evaluation stays sequential: which lookups count and in what order
// does not change, only when their answers arrive.
type prefetcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	s      *state // only its immutable fields (ip, sender, helo, c) are read

	mu sync.Mutex
	m  map[pfKey]*future
	n  int
	wg sync.WaitGroup
	g  guard.Catcher // a panic in a lookup goroutine, raised by stop
}

type pfKey struct {
	q    qtype
	name string
}

type future struct {
	done chan struct{}
	a    answer
}

func newPrefetcher(ctx context.Context, s *state) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	return &prefetcher{ctx: ctx, cancel: cancel, s: s}
}

// stop cancels the lookups still running and waits for their
// goroutines, so that none outlives the check; then it raises again, on
// the check's goroutine, a panic of one of them (package guard).
func (p *prefetcher) stop() {
	if p == nil {
		return
	}
	p.halt()
	p.g.Repanic()
}

// halt cancels the lookups still running and waits for their
// goroutines, keeping a panic of theirs: for a check that ends with a
// panic of its own, which goes on unchanged.
func (p *prefetcher) halt() {
	if p == nil {
		return
	}
	p.cancel()
	p.wg.Wait()
}

// wait returns the prefetched answer for q and name, waiting for it, or
// false if it was not prefetched.
func (p *prefetcher) wait(ctx context.Context, q qtype, name string) (answer, bool) {
	p.mu.Lock()
	f := p.m[pfKey{q, name}]
	p.mu.Unlock()
	if f == nil {
		return answer{}, false
	}
	<-f.done // the lookup ends when ctx does: it runs under a child of it
	if p.g.Panicked() {
		p.stop() // the answer may be missing: the check ends here
	}
	return f.a, true
}

// start starts the lookup of q and name unless it was started already;
// then, if not nil, runs then with the answer in the same goroutine.
func (p *prefetcher) start(q qtype, name string, then func(answer)) {
	k := pfKey{q, name}
	p.mu.Lock()
	if _, ok := p.m[k]; ok || p.n >= maxPrefetch || p.ctx.Err() != nil {
		p.mu.Unlock()
		return
	}
	if p.m == nil {
		p.m = make(map[pfKey]*future)
	}
	f := &future{done: make(chan struct{})}
	p.m[k] = f
	p.n++
	p.wg.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		p.g.Run(func() { // a panic in then
			if p.fetch(f, q, name) && then != nil && f.a.err == nil && p.ctx.Err() == nil {
				then(f.a)
			}
		})
	}()
}

// fetch does the lookup of f and reports whether it returned. A panic
// in it (or Goexit) is kept before f is done, so that wait sees it.
func (p *prefetcher) fetch(f *future, q qtype, name string) (ok bool) {
	defer close(f.done)
	p.g.Run(func() {
		f.a = p.s.c.do(p.ctx, q, name)
		ok = true
	})
	return ok
}

// record prefetches what evaluating rec, the record of domain, will look
// up: the records of include and redirect targets (and, once they
// arrive, what those need), the addresses of a, the MX records of mx
// and then their hosts' addresses, the A records of exists. Terms after
// an "all" are never reached and are skipped, and so are domain-specs
// with %{p}, whose expansion needs lookups of its own.
func (p *prefetcher) record(rec *Record, domain string) {
	addrQ := p.s.addrQuery()
	for i := range rec.Directives {
		d := &rec.Directives[i]
		if d.Mechanism == MechanismAll {
			return
		}
		if d.Mechanism == MechanismIP4 || d.Mechanism == MechanismIP6 || d.Mechanism == MechanismPTR {
			continue
		}
		target, ok := p.target(&d.spec, d.Domain != "", domain)
		if !ok {
			continue
		}
		switch d.Mechanism {
		case MechanismInclude:
			p.start(qTXT, target, p.included(target))
		case MechanismA:
			p.start(addrQ, target, nil)
		case MechanismMX:
			p.start(qMX, target, func(a answer) {
				if len(a.mx) > orDefault(p.s.c.MaxMXNames, DefaultMaxMXNames) {
					return // the walk stops with a permerror
				}
				for _, mx := range a.mx {
					if mx.Host != "." && mx.Host != "" {
						p.start(addrQ, mx.Host, nil)
					}
				}
			})
		case MechanismExists:
			p.start(qA, target, nil)
		}
	}
	if rec.Redirect != "" {
		if target, ok := p.target(&rec.redirect, true, domain); ok {
			p.start(qTXT, target, p.included(target))
		}
	}
}

// included returns the continuation of the TXT lookup of an include or
// redirect target: select and parse its record as the walk will, and
// prefetch for it in turn.
func (p *prefetcher) included(domain string) func(answer) {
	return func(a answer) {
		var txt string
		n := 0
		for _, t := range a.txt {
			if isSPF1(t) {
				txt = t
				n++
			}
		}
		if n != 1 {
			return
		}
		if rec, err := p.s.c.parse(txt); err == nil {
			p.record(rec, domain)
		}
	}
}

// target expands a domain-spec as the walk will (state.target), when
// that needs no lookup: %{p} is left out, so the expansion never uses
// the context it is given.
func (p *prefetcher) target(ms *macroString, has bool, domain string) (string, bool) {
	if !has {
		return domain, true
	}
	for _, t := range ms.toks {
		if t.letter == 'p' {
			return "", false
		}
	}
	t, err := p.s.target(p.ctx, ms, domain)
	return t, err == nil
}
