package rbl

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spamkit/spamkit/internal/dnsreason"
)

// Result is the verdict of checking an item against the lists.
type Result string

const (
	// Listed: the score reached Checker.Threshold
	// (postscreen_dnsbl_threshold: an inclusive lower bound).
	Listed Result = "listed"
	// Allowlisted: the score is at or below a negative
	// Checker.AllowlistThreshold (postscreen_dnsbl_allowlist_threshold),
	// and no list that failed could have raised it above.
	Allowlisted Result = "allowlisted"
	// Clean: below the threshold, and every list that could have raised
	// the score to it answered.
	Clean Result = "clean"
	// Unknown: below the threshold, but lists that failed (timeout,
	// SERVFAIL, error codes) or were not asked (a limit) could have
	// raised the score to it. Outcome.Err says why.
	Unknown Result = "unknown"
)

// String returns the result's token ("listed", "clean", ...).
func (r Result) String() string { return string(r) }

// Hit is one list entry whose filter matched.
type Hit struct {
	List   string     // List.Name, or List.Zone
	Code   netip.Addr // the first answer that matched the filter
	Weight int        // the weight added to the score
	Reason string     // the TXT record, if List.Reason asked for it and there was one
}

// String renders the hit as `list=code*weight`, followed by the quoted
// TXT reason if there is one.
func (h Hit) String() string {
	s := fmt.Sprintf("%s=%s*%d", h.List, h.Code, h.Weight)
	if h.Reason != "" {
		s += fmt.Sprintf(" (%q)", h.Reason)
	}
	return s
}

// ListError is a list that could not say whether the item is listed: its
// lookup failed, its answer was an error code, or a limit kept it from
// being asked. It counts as unknown for that list only.
type ListError struct {
	List  string // List.Name, or List.Zone
	Query string // the name queried, or that would have been
	// Err wraps ErrDNS, ErrListRefused, ErrBadReply, ErrTooManyAnswers or
	// ErrTooManyZones.
	Err error
}

func (e *ListError) Error() string { return e.List + ": " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *ListError) Unwrap() error { return e.Err }

// Outcome is the result of checking one item.
type Outcome struct {
	// Result is the verdict.
	Result Result
	// Item is the item as looked up: the IP address, the registrable
	// domain (the host if it has none), or the digest label of the first
	// hash list.
	Item string
	// Score is the sum of the weights of Hits.
	Score int
	// Hits lists the matching entries, in the order of Checker.Lists.
	Hits []Hit
	// ListErrors lists the zones that could not say (failed lookups,
	// error codes, zones over Checker.MaxZones), in the order of
	// Checker.Lists.
	ListErrors []ListError
	// Err joins the ListErrors (errors.Is finds ErrDNS, ErrListRefused,
	// ErrTooManyZones...); nil when every list answered. With Unknown it
	// is the cause; with another Result the failed lists could not have
	// changed it, and Err is only for logs. It may name servers and
	// ports: keep it out of headers (see Reason).
	Err error
}

// String renders the outcome on one line, e.g.
// `listed 192.0.2.1 score 3 (zen.example=127.0.0.2*3)`, followed by the
// list errors.
func (o Outcome) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s score %d", o.Result, o.Item, o.Score)
	if len(o.Hits) > 0 {
		b.WriteString(" (")
		for i, h := range o.Hits {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(h.String())
		}
		b.WriteByte(')')
	}
	for _, e := range o.ListErrors {
		fmt.Fprintf(&b, "; %s", e.Error())
	}
	return b.String()
}

// Reason returns a short, stable phrase for the result, fit for a header
// or an SMTP reply: the lists that listed or allowlisted the item ("listed
// by zen.example"), "not listed", or why the result is Unknown ("DNS
// timeout", "list refused the query", "too many lists"...). It never
// holds an error chain, an address or a port; the TXT reasons of the hits
// (free text from the list) are left out too. Lists are named by
// List.Name, else Zone: give a zone that embeds an access key a Name.
func (o Outcome) Reason() string {
	switch o.Result {
	case Listed:
		return "listed by " + o.hitLists(1)
	case Allowlisted:
		return "allowlisted by " + o.hitLists(-1)
	case Clean:
		return "not listed"
	}
	if len(o.ListErrors) > 0 {
		return errReason(o.ListErrors[0].Err)
	}
	return errReason(o.Err)
}

// hitLists joins the names of the lists whose hits have the sign of
// sign, each once.
func (o Outcome) hitLists(sign int) string {
	var names []string
	for _, h := range o.Hits {
		if h.Weight*sign > 0 && !contains(names, h.List) {
			names = append(names, h.List)
		}
	}
	return strings.Join(names, ", ")
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// distinct collects distinct values in order of first appearance: a
// linear scan while they are few, a map beyond, so that adding n values
// costs O(n), not O(n²). The zero distinct is empty and ready.
type distinct[T comparable] struct {
	list []T
	m    map[T]struct{}
}

// distinctScan is the number of values distinct looks through before
// it makes a map.
const distinctScan = 16

// add adds v unless it is there already, and reports whether it added it.
func (d *distinct[T]) add(v T) bool {
	if d.m == nil {
		if contains(d.list, v) {
			return false
		}
		if len(d.list) < distinctScan {
			d.list = append(d.list, v)
			return true
		}
		d.m = make(map[T]struct{}, 2*distinctScan)
		for _, x := range d.list {
			d.m[x] = struct{}{}
		}
	}
	if _, ok := d.m[v]; ok {
		return false
	}
	d.m[v] = struct{}{}
	d.list = append(d.list, v)
	return true
}

// errReason returns the header phrase for a list error or limit.
func errReason(err error) string {
	switch {
	case err == nil:
		return "unknown"
	case errors.Is(err, ErrTooManyItems):
		return "too many domains"
	case errors.Is(err, ErrTooManyHosts):
		return "too many links"
	case errors.Is(err, ErrTooManyZones):
		return "too many lists"
	case errors.Is(err, ErrTooManyAnswers):
		return "too many answers"
	case errors.Is(err, ErrListRefused):
		return "list refused the query"
	case errors.Is(err, ErrBadReply):
		return "invalid list answer"
	}
	return dnsreason.Phrase(err)
}

// joinListErrors returns les joined, nil if there are none.
func joinListErrors(les []ListError) error {
	if len(les) == 0 {
		return nil
	}
	if len(les) == 1 {
		return &les[0]
	}
	errs := make([]error, len(les))
	for i := range les {
		errs[i] = &les[i]
	}
	return errors.Join(errs...)
}
