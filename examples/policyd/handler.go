package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spamkit/spamkit/examples/policyd/policy"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/spf"
)

// handler answers Postfix's policy requests: the client's DNSBL score,
// SPF, then greylisting, in that order (see the package documentation).
// It is safe for concurrent use.
type handler struct {
	greylist     *greylist.Checker // nil: no greylisting
	greylistText string            // "" for the greylist package's text
	xGreylist    bool              // prepend X-Greylist after a wait
	hostname     string            // for X-Greylist
	now          func() time.Time  // for the date of X-Greylist; nil: time.Now
	spf          *spf.Checker      // nil: no SPF
	spfReject    bool
	spfDomainKey bool
	dnsbl        *rbl.Checker // nil: no DNSBL
	dnsblReject  bool
	dnsTimeout   time.Duration
	instances    *instances
	verbose      bool
	logf         func(format string, args ...any)
}

// maxReserve bounds the time kept from a request's deadline for
// greylisting (a quarter of the request's time, at most this).
const maxReserve = time.Second

// earliest returns the earlier of two times.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Reply codes of policyd's rejections.
const (
	spfRejectCode       = 550
	spfRejectEnhanced   = "5.7.23" // RFC 7372 §3.2: SPF validation failed
	dnsblRejectCode     = 550
	dnsblRejectEnhanced = "5.7.1" // RFC 3463 §3.8: delivery not authorized (postscreen's)
)

// request is what a policy request says about one recipient.
type request struct {
	ip         netip.Addr
	clientName string // "" when Postfix has no verified name ("unknown")
	helo       string
	sender     string // "" for the null sender
	rcpt       string
	instance   string
}

// messageKey identifies the message for the SPF result remembered
// across its recipients: Postfix's instance with the facts SPF depends
// on, so that a client of the protocol reusing an instance for another
// sender never gets another message's result. "" without instance
// (nothing is remembered).
func (r request) messageKey() string {
	if r.instance == "" {
		return ""
	}
	return r.instance + "\x00" + r.ip.String() + "\x00" + r.helo + "\x00" + r.sender
}

// parse reads the attributes policyd needs. A request with no usable
// client address is an error (answered DUNNO).
func parse(req policy.Request) (request, error) {
	addr := req.Get("client_address")
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return request{}, fmt.Errorf("client_address %.64q: %w", addr, err)
	}
	r := request{
		ip:         ip.Unmap(),
		clientName: req.Get("client_name"),
		helo:       req.Get("helo_name"),
		sender:     req.Get("sender"),
		rcpt:       req.Get("recipient"),
		instance:   req.Get("instance"),
	}
	if r.clientName == "unknown" {
		r.clientName = ""
	}
	if r.rcpt == "" {
		return request{}, errors.New("no recipient")
	}
	return r, nil
}

// ServePolicy decides one request. Requests of other protocol states
// than RCPT are answered DUNNO: greylisting and SPF are RCPT-time checks
// (policyd-spf and postgrey work there too); but the DATA state gets the
// X-Greylist that a Received-SPF held back (serveData).
func (h *handler) ServePolicy(ctx context.Context, preq policy.Request) string {
	if st := preq.Get("protocol_state"); st == "DATA" {
		return h.serveData(preq)
	} else if st != "RCPT" {
		if h.verbose {
			h.logf("action=dunno reason=%q", "protocol state "+st)
		}
		return policy.Dunno
	}
	if user := preq.Get("sasl_username"); user != "" {
		// An authenticated client (SMTP AUTH, RFC 4954) is a user of
		// this site submitting mail: no greylisting, and SPF is for
		// mail from elsewhere.
		if h.verbose {
			h.logf("action=dunno reason=%q sasl_username=%q", "authenticated", user)
		}
		return policy.Dunno
	}
	r, err := parse(preq)
	if err != nil {
		h.logf("action=dunno reason=%q error=%q", "malformed request", err.Error())
		return policy.Dunno
	}
	// The DNS checks end a reserve before the request's deadline, and
	// the greylist store half of it before, so that greylisting always
	// gets to decide (or its store failure to be answered as -fail-open
	// says): a request out of time is answered DUNNO by the server, and
	// a client that drops the queries for its own domain's SPF record,
	// or a hung store, would otherwise pass ungreylisted.
	glCtx, dnsDeadline := ctx, time.Now().Add(h.dnsTimeout)
	if dl, ok := ctx.Deadline(); ok {
		reserve := min(time.Until(dl)/4, maxReserve)
		dnsDeadline = earliest(dnsDeadline, dl.Add(-reserve))
		var cancel context.CancelFunc
		glCtx, cancel = context.WithDeadline(ctx, dl.Add(-reserve/2))
		defer cancel()
	}
	dnsCtx := ctx
	if h.spf != nil || h.dnsbl != nil {
		var cancel context.CancelFunc
		dnsCtx, cancel = context.WithDeadline(ctx, dnsDeadline)
		defer cancel()
	}

	// 1. The client's DNSBL score (postscreen's lists and weights).
	skipGreylist := false
	if h.dnsbl != nil {
		o, err := h.dnsbl.CheckIP(dnsCtx, r.ip)
		switch {
		case err != nil:
			h.logf("client=%s dnsbl error=%q", r.ip, err.Error())
		case o.Result == rbl.Listed && h.dnsblReject:
			h.decided(r, "reject", "dnsbl "+o.String())
			return policy.Reply(dnsblRejectCode, dnsblRejectEnhanced, dnsblText(r.ip, o))
		case o.Result == rbl.Unknown:
			// A list that could not answer changes nothing: the
			// client is greylisted as any other.
			h.logf("client=%s dnsbl %s", r.ip, o)
		case o.Result == rbl.Allowlisted:
			skipGreylist = true
			if h.verbose {
				h.logf("client=%s dnsbl %s: not greylisted", r.ip, o)
			}
		}
	}

	// 2. SPF, once per message (Postfix's instance attribute).
	var st instanceState
	if h.spf != nil {
		st = h.instances.get(r.messageKey())
		if !st.checked {
			o, err := h.spf.Check(dnsCtx, r.ip, r.helo, r.sender)
			if err != nil {
				// A MAIL FROM that is no RFC 5321 path: no SPF
				// result, no header.
				h.logf("client=%s sender=%q spf error=%q", r.ip, r.sender, err.Error())
			}
			st.outcome, st.err, st.checked = o, err, true
			h.instances.put(r.messageKey(), st)
		}
		if st.err == nil && st.outcome.Result == spf.Fail && h.spfReject {
			h.decided(r, "reject", "spf "+st.outcome.String())
			return policy.Reply(spfRejectCode, spfRejectEnhanced, spfText(st.outcome))
		}
	}

	// 3. Greylisting, keyed by the SPF-validated domain when there is one.
	var waited time.Duration
	if h.greylist != nil && !skipGreylist {
		spfDomain := ""
		if h.spfDomainKey && st.checked && st.err == nil && st.outcome.Result == spf.Pass && st.outcome.Identity == spf.IdentityMailFrom {
			spfDomain = st.outcome.Domain
		}
		o, err := h.greylist.Check(glCtx, r.ip, r.clientName, r.sender, r.rcpt, spfDomain)
		if errors.Is(err, greylist.ErrInvalidIP) || errors.Is(err, greylist.ErrNoRecipient) {
			h.logf("action=dunno reason=%q error=%q", "malformed request", err.Error())
			return policy.Dunno
		}
		if err != nil {
			// The store failed (without -fail-open), or the
			// configuration is out of range: defer, never lose the
			// mail.
			h.decided(r, "defer", "greylist "+o.String())
			reply := o.Reply()
			return policy.Reply(reply.Code, reply.Enhanced, reply.Text)
		}
		switch o.Result {
		case greylist.Greylisted, greylist.Trapped:
			h.decided(r, "greylist", o.String())
			text := h.greylistText
			if text == "" {
				reply := o.Reply()
				text = reply.Text
			}
			return policy.DeferIfPermit(text)
		}
		if h.verbose || o.Waited > 0 {
			h.decided(r, "pass", "greylist "+o.String())
		}
		waited = o.Waited
	}

	// 4. Received-SPF, once per message. A reply holds one action: an
	// X-Greylist due at the same request waits for the message's next
	// request (another recipient, or the DATA state).
	own := ""
	if waited > 0 && h.xGreylist {
		own = h.xGreylistField(waited)
	}
	if st.checked && st.err == nil && !st.prepended {
		st.prepended, st.xGreylist = true, own
		h.instances.put(r.messageKey(), st)
		if h.verbose {
			h.decided(r, "prepend", "spf "+st.outcome.String())
		}
		return policy.Prepend(st.outcome.ReceivedSPF())
	}
	// 5. Or X-Greylist, for a triplet that just ended its wait (one per
	// such recipient, as postgrey), else the one that waited for this
	// request.
	if own != "" {
		return policy.Prepend(own)
	}
	if st.xGreylist != "" {
		xgl := st.xGreylist
		st.xGreylist = ""
		h.instances.put(r.messageKey(), st)
		return policy.Prepend(xgl)
	}
	return policy.Dunno
}

// serveData answers a request of the DATA state (policyd in
// smtpd_data_restrictions too): the message's X-Greylist when its
// request had to carry Received-SPF, else DUNNO. PREPEND is valid
// there, not at END-OF-MESSAGE (access(5)).
func (h *handler) serveData(preq policy.Request) string {
	if h.spf == nil || preq.Get("sasl_username") != "" {
		return policy.Dunno
	}
	ip, err := netip.ParseAddr(preq.Get("client_address"))
	if err != nil {
		return policy.Dunno
	}
	r := request{ip: ip.Unmap(), helo: preq.Get("helo_name"), sender: preq.Get("sender"), instance: preq.Get("instance")}
	st := h.instances.get(r.messageKey())
	if st.xGreylist == "" {
		return policy.Dunno
	}
	xgl := st.xGreylist
	st.xGreylist = ""
	h.instances.put(r.messageKey(), st)
	return policy.Prepend(xgl)
}

// xGreylistField renders postgrey's header field, e.g. "X-Greylist:
// delayed 305 seconds by policyd at mx.example.org; Sun, 01 Nov 2026
// 12:05:05 +0000".
func (h *handler) xGreylistField(waited time.Duration) string {
	now := time.Now
	if h.now != nil {
		now = h.now
	}
	return fmt.Sprintf("X-Greylist: delayed %d seconds by policyd at %s; %s", int64(waited/time.Second), h.hostname, now().Format(time.RFC1123Z))
}

// decided logs a decision with the request's facts, postgrey's way.
func (h *handler) decided(r request, action, reason string) {
	h.logf("action=%s reason=%q client_name=%q client_address=%s sender=%q recipient=%q", action, reason, r.clientName, r.ip, r.sender, r.rcpt)
}

// dnsblText is the reply text of a DNSBL rejection, postscreen's:
// "Service unavailable; client [192.0.2.1] blocked using zen.example".
func dnsblText(ip netip.Addr, o rbl.Outcome) string {
	var lists []string
	for _, h := range o.Hits {
		if h.Weight > 0 {
			lists = append(lists, h.List)
		}
	}
	return fmt.Sprintf("Service unavailable; client [%s] blocked using %s", ip, strings.Join(lists, ", "))
}

// spfText is the reply text of an SPF rejection: the domain's
// explanation (RFC 7208 §6.2) when it has one.
func spfText(o spf.Outcome) string {
	text := "SPF fail: " + o.Domain + " does not authorize this client"
	if o.Explanation != "" {
		text += ": " + o.Explanation
	}
	return text
}
