package session

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/spamkit/spamkit/batv"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/harvest"
	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/spf"
)

// Session is one SMTP connection going through an Engine's checks. Call
// its stage methods in SMTP order, from one goroutine at a time: Connect,
// Helo, then for each transaction Mail, Rcpt (or RcptRejected) for each
// recipient, Write for the message as it arrives, EndOfData, and Reset
// for RSET; Close at the end of the connection. It is not safe for
// concurrent use; the checks it starts run concurrently with it and with
// each other.
//
// A stage method returns the Reply the MTA should give at that stage: the
// zero Reply (Continue) to go on, a Tempfail or a Reject with its code.
type Session struct {
	e      *Engine
	ctx    context.Context // background lookups; canceled by Close
	cancel context.CancelFunc
	closed bool

	// connection
	ip       netip.Addr
	hostname string
	helo     string
	hv       *harvest.Session
	fcrdns   *task[rdns.FCrDNSOutcome]
	dnsbl    *task[rbl.Outcome]
	heloT    *task[rdns.HELOOutcome]
	heloStop context.CancelFunc // the last HELO's checks
	connRows []Row              // decided at Connect
	refused  *Reply             // the connection's refusal (DNSBL, harvest), sticky
	dnsblOut *rbl.Outcome
	spfHELO  *task[spf.Outcome]
	connErrs []fault // internal errors of the connection's stages

	// transaction
	txCtx    context.Context // the transaction's lookups; canceled by Reset
	txCancel context.CancelFunc
	inMail   bool
	ended    bool // EndOfData has run: the message is complete
	mailFrom string
	rcpts    []string
	nrcpt    int  // Rcpt calls in this transaction, for MaxRcpts
	capped   bool // a Rcpt past MaxRcpts was refused (its row is in txRows)
	spfT     *task[spf.Outcome]
	txRows   []Row
	txErrs   []fault
	greyPass bool
	greyBody *greylist.BodyHash // the body key, with Engine.GreylistBody

	// message, as written
	msg        []byte // the one copy: header, and body up to MaxMessageBytes
	size       int64  // bytes written
	hdrDone    bool
	scanned    int // the header lines before it are known not to end it
	nlFrom     int // msg[scanned:nlFrom] has no line end yet
	scanWork   int // bytes searched for line ends (tests: linear, not quadratic)
	hdrStart   int
	hdrEnd     int // where the body starts in msg
	tooBig     bool
	hdrTooBig  bool
	over       *overflow // the header read on past MaxHeaderBytes
	hdr        dkim.Header
	body       *dkim.Body
	dkimS      *dkim.VerifyStream
	arcS       *arc.VerifyStream
	sealS      *arc.SealStream
	sealSkip   string // why no ARC set is added (an ARC_NOT_SEALED row), if so
	sealErr    error
	streamErrs []fault

	// the last verdict, for Stripped
	last *Verdict
}

// fault is an internal error of one check.
type fault struct {
	check string
	err   error
}

func newSession(ctx context.Context, e *Engine) *Session {
	s := &Session{e: e}
	s.ctx, s.cancel = context.WithCancel(ctx)
	return s
}

func (s *Session) trace(format string, args ...any) {
	if s.e.Trace != nil {
		s.e.Trace(format, args...)
	}
}

// within returns ctx bounded by d (the zero d meaning def, a negative d
// meaning ctx alone).
func within(ctx context.Context, d, def time.Duration) (context.Context, context.CancelFunc) {
	if d == 0 {
		d = def
	}
	if d < 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// maxStoreReserve bounds the time a wait for DNS checks leaves, before
// the caller's deadline, to the store call that follows it.
const maxStoreReserve = time.Second

// waitWithin is within for a wait for DNS checks that a store call
// (greylist) follows under the same ctx: the wait also ends a reserve
// before ctx's deadline, a quarter of the time left and at most
// maxStoreReserve, so that a stalled lookup does not leave the store an
// ended ctx (a store failure: 451 4.3.0 for every retry while the
// sender's DNS stalls), as examples/policyd keeps one.
func waitWithin(ctx context.Context, d, def time.Duration) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return within(ctx, d, def)
	}
	dl = dl.Add(-min(time.Until(dl)/4, maxStoreReserve))
	if d == 0 {
		d = def
	}
	if t := time.Now().Add(d); d >= 0 && t.Before(dl) {
		dl = t
	}
	return context.WithDeadline(ctx, dl)
}

// Connect starts the connection's checks for a client at ip, whose host
// name the MTA may know ("" if not): FCrDNS and the DNSBL lookups start
// at once and run concurrently. Connect waits for the DNSBL (at most
// Engine.ConnectTimeout) and returns 554 5.7.1 for a listed client
// (unless Engine.DNSBLScoreOnly), and the harvest checker's refusal (421)
// for a blocked or too frequent one. FCrDNS is collected later.
func (s *Session) Connect(ctx context.Context, ip netip.Addr, hostname string) Reply {
	e := s.e
	s.ip, s.hostname = ip.Unmap(), hostname
	ip = s.ip
	if !ip.IsValid() {
		// No client address (a message read from a file): the checks
		// of the client are skipped, and say so in the table.
		return Reply{}
	}
	var tarpit time.Duration
	if e.RDNS != nil {
		s.fcrdns = start(s.ctx, func(ctx context.Context) (rdns.FCrDNSOutcome, error) { return e.RDNS.FCrDNS(ctx, ip) })
	}
	if e.DNSBL != nil && e.dnsblConfig() == nil {
		s.dnsbl = start(s.ctx, func(ctx context.Context) (rbl.Outcome, error) { return e.DNSBL.CheckIP(ctx, ip) })
	}
	if e.Harvest != nil {
		s.hv = e.Harvest.NewSession(ip)
		o, err := s.hv.Connect(ctx)
		r, ok := s.harvestReply("connect", o, err, &s.connErrs)
		if ok {
			if r.Action == Reject || o.Result != harvest.Allow {
				s.refused = &r
			}
			return r
		}
		tarpit = r.Tarpit
	}
	if s.dnsbl != nil && !e.DNSBLScoreOnly {
		cctx, cancel := within(ctx, e.ConnectTimeout, DefaultConnectTimeout)
		o, err, ok := s.dnsbl.wait(cctx)
		cancel()
		if ok && err == nil && o.Result == rbl.Listed {
			row := s.dnsblRow(o, nil, true)
			s.connRows = append(s.connRows, row)
			s.dnsblOut = &o
			list := "DNSBL"
			if len(o.Hits) > 0 {
				list = o.Hits[0].List
			}
			s.trace("session: connect %s: %s", ip, o)
			r := Reply{Action: Reject, Code: 554, Enhanced: "5.7.1", Text: "Service unavailable; client blocked using " + list, Tarpit: tarpit}
			s.refused = &r
			return r
		}
	}
	return Reply{Tarpit: tarpit}
}

// harvestReply turns a harvest outcome into a stage reply: ok is true
// when the stage must answer it; otherwise the reply is Continue with
// harvest's tarpit, if any. An error is an internal error (recorded
// in errs): a tempfail under TempfailOnError.
func (s *Session) harvestReply(stage string, o harvest.Outcome, err error, errs *[]fault) (Reply, bool) {
	if err != nil {
		*errs = append(*errs, fault{"harvest", fmt.Errorf("%w: harvest %s: %w", ErrCheck, stage, err)})
		if s.e.OnError == TempfailOnError {
			return tempfailReply(), true
		}
		return Reply{}, false
	}
	if o.Result == harvest.Allow {
		return Reply{Tarpit: o.Tarpit}, false
	}
	row := s.row("harvest", HarvestRefused, string(o.Result), o.Reason(), o.Err)
	if stage == "connect" {
		s.connRows = append(s.connRows, row)
	} else {
		s.txRows = append(s.txRows, row)
	}
	hr := o.Reply()
	r := Reply{Action: Tempfail, Code: hr.Code, Enhanced: hr.Enhanced, Text: hr.Text}
	if hr.Code >= 500 {
		r.Action = Reject
	}
	if r.Code == 0 {
		r = Reply{Action: Tempfail, Code: 421, Enhanced: "4.7.0", Text: "Service temporarily unavailable"}
	}
	r.Tarpit = o.Tarpit
	s.trace("session: harvest %s %s: %s", stage, s.ip, o)
	return r, true
}

func tempfailReply() Reply {
	return Reply{Action: Tempfail, Code: 451, Enhanced: "4.3.0", Text: "Temporary local problem, please try again later"}
}

// Helo records the HELO/EHLO name and starts its checks, collected at
// the end of the message: rdns.CheckHELO (unless Engine.NoHELO), and SPF of the HELO identity
// (RFC 7208 §2.3; scored SPF_HELO_*, not in Authentication-Results). A
// repeated HELO replaces the checks of the one before (canceled). It
// returns Continue.
func (s *Session) Helo(ctx context.Context, name string) Reply {
	e := s.e
	s.helo = name
	ip := s.ip
	if !ip.IsValid() {
		return Reply{}
	}
	// A repeated HELO (after STARTTLS, or a client looping) replaces
	// the checks of the one before: their lookups end now.
	if s.heloStop != nil {
		s.heloStop()
	}
	s.heloT, s.spfHELO = nil, nil
	hctx, stop := context.WithCancel(s.ctx)
	s.heloStop = stop
	if e.RDNS != nil && !e.NoHELO {
		s.heloT = start(hctx, func(ctx context.Context) (rdns.HELOOutcome, error) { return e.RDNS.CheckHELO(ctx, ip, name) })
	}
	if e.SPF != nil && name != "" {
		s.spfHELO = start(hctx, func(ctx context.Context) (spf.Outcome, error) { return e.SPF.CheckHELO(ctx, ip, name) })
	}
	return Reply{}
}

// Mail starts a transaction with the MAIL FROM argument from (angle
// brackets or not, "" or "<>" for the null sender): the SPF check starts
// in the background. It returns the harvest checker's refusal, if any.
func (s *Session) Mail(ctx context.Context, from string) Reply {
	e := s.e
	s.Reset()
	s.inMail = true
	s.mailFrom = from
	s.txCtx, s.txCancel = context.WithCancel(s.ctx)
	if e.SPF != nil && s.ip.IsValid() {
		ip, helo := s.ip, s.helo
		s.spfT = start(s.txCtx, func(ctx context.Context) (spf.Outcome, error) { return e.SPF.Check(ctx, ip, helo, from) })
	}
	if s.hv != nil {
		o, err := s.hv.Mail(ctx)
		r, _ := s.harvestReply("mail", o, err, &s.txErrs)
		return r
	}
	return Reply{}
}

// Rcpt checks one recipient the MTA accepts: the harvest counts, BATV for
// a bounce (550 5.7.1 to an address without a valid tag), greylisting
// (451 4.7.1 the first time; keyed on the MAIL FROM domain when SPF
// passed, else on the client network). With greylisting on, Rcpt waits
// for the SPF check started at Mail (at most Engine.RcptTimeout), so that
// the key does not depend on how fast the DNS answered; a retry passes
// if the triplet of either key has waited its delay. Store calls are
// bounded by Engine.RcptTimeout. Past Engine.MaxRcpts calls in the
// transaction it answers 452 4.5.3 at once, nothing checked or kept.
func (s *Session) Rcpt(ctx context.Context, to string) Reply {
	if !s.inMail {
		return Reply{}
	}
	if max := s.e.maxRcpts(); max > 0 && s.nrcpt >= max {
		// RFC 5321 §4.5.3.1.10: a server refusing recipients past its
		// limit answers 452 (the client sends the message again for
		// them), RFC 3463 §3.5: 4.5.3, too many recipients. Postfix
		// checks smtpd_recipient_limit before any restriction: no store
		// call, no lookup, no memory for a recipient past the limit.
		if !s.capped {
			s.capped = true
			s.txRows = append(s.txRows, s.row("rcpt", TooManyRcpts, "limit", "too many recipients",
				fmt.Errorf("%w: over %d", ErrTooManyRcpts, max)))
			s.trace("session: rcpt %s: over %d recipients", s.ip, max)
		}
		return Reply{Action: Tempfail, Code: 452, Enhanced: "4.5.3", Text: "Too many recipients"}
	}
	s.nrcpt++
	var tarpit time.Duration
	if s.hv != nil {
		rctx, cancel := within(ctx, s.e.RcptTimeout, DefaultRcptTimeout)
		o, err := s.hv.Rcpt(rctx, harvest.Known)
		cancel()
		r, ok := s.harvestReply("rcpt", o, err, &s.txErrs)
		if ok {
			return r
		}
		tarpit = r.Tarpit
	}
	r := s.rcpt(ctx, to)
	r.Tarpit = tarpit
	return r
}

// rcpt is Rcpt past the harvest count: BATV and greylisting.
func (s *Session) rcpt(ctx context.Context, to string) Reply {
	e := s.e
	if e.BATV != nil {
		o, err := e.BATV.Check(s.mailFrom, to)
		switch {
		case err != nil && !errors.Is(err, batv.ErrAddress):
			s.txErrs = append(s.txErrs, fault{"batv", fmt.Errorf("%w: batv: %w", ErrCheck, err)})
			if e.OnError == TempfailOnError {
				return tempfailReply()
			}
		case err == nil && o.Refuse():
			br := o.Reply()
			r := Reply{Action: Reject, Code: br.Code, Enhanced: br.Enhanced, Text: br.Text}
			if br.Code < 500 {
				r.Action = Tempfail
			}
			return r
		case err == nil && o.Result == batv.Valid:
			s.txRows = append(s.txRows, Row{Check: "batv", Rule: BATVValid, Result: string(o.Result), Score: e.score(BATVValid)})
		}
	}
	if e.Greylist != nil && !e.GreylistBody && s.ip.IsValid() {
		host, spfDomain := s.greylistFacts(ctx)
		gctx, cancel := within(ctx, e.RcptTimeout, DefaultRcptTimeout)
		defer cancel()
		o, err := e.Greylist.Check(gctx, s.ip, host, s.mailFrom, to, spfDomain)
		if err == nil && spfDomain != "" && o.Result == greylist.Greylisted {
			// The SPF domain's triplet is new, but an earlier attempt
			// whose SPF did not pass in time (a timeout, a DNS failure
			// since mended) was keyed on the client network: that
			// triplet counts too, so a retry is never greylisted again
			// for how fast SPF answered. Its check also records it, for
			// a retry whose SPF will not pass in time.
			if on, nerr := e.Greylist.Check(gctx, s.ip, host, s.mailFrom, to, ""); nerr == nil &&
				(on.Result == greylist.Pass || on.Result == greylist.Allowlisted) {
				o = on
			}
		}
		if err != nil {
			s.txErrs = append(s.txErrs, fault{"greylist", fmt.Errorf("%w: greylist: %w", ErrCheck, err)})
			if e.OnError == TempfailOnError {
				gr := o.Reply()
				if gr.Code == 0 {
					return tempfailReply()
				}
				return Reply{Action: Tempfail, Code: gr.Code, Enhanced: gr.Enhanced, Text: gr.Text}
			}
		} else {
			switch o.Result {
			case greylist.Greylisted, greylist.Trapped:
				gr := o.Reply()
				s.trace("session: greylist %s: %s", s.ip, o)
				return Reply{Action: Tempfail, Code: gr.Code, Enhanced: gr.Enhanced, Text: gr.Text}
			default:
				if !s.greyPass {
					s.greyPass = true
					s.txRows = append(s.txRows, Row{Check: "greylist", Rule: GreylistPass, Result: string(o.Result), Score: e.score(GreylistPass), Reason: o.Reason()})
				}
			}
		}
	}
	s.rcpts = append(s.rcpts, to)
	return Reply{}
}

// greylistFacts returns the client's host name and SPF-validated domain
// for the greylist key. They are facts of the session, not of timing: it
// waits for FCrDNS (when the MTA gave no name) and for SPF, at most
// Engine.RcptTimeout, and a reserve before ctx's deadline for the
// greylist store (waitWithin); a check not done by then counts as no
// name, no SPF pass (and Rcpt also consults the network key, so that the
// retry of an attempt that timed out is not greylisted anew).
func (s *Session) greylistFacts(ctx context.Context) (host, spfDomain string) {
	host = s.hostname
	if s.spfT == nil && (host != "" || s.fcrdns == nil) {
		return host, ""
	}
	wctx, cancel := waitWithin(ctx, s.e.RcptTimeout, DefaultRcptTimeout)
	defer cancel()
	if host == "" && s.fcrdns != nil {
		if o, err, ok := s.fcrdns.wait(wctx); ok && err == nil && o.Result == rdns.FCrDNSConfirmed {
			host = o.Confirmed
		}
	}
	if s.spfT != nil {
		if o, err, ok := s.spfT.wait(wctx); ok && err == nil && o.Result == spf.Pass && o.Identity == spf.IdentityMailFrom {
			spfDomain = o.Domain
		}
	}
	return host, spfDomain
}

// RcptRejected reports a recipient the MTA itself refused (no such
// mailbox): the harvest checker counts it, and its refusal of the client
// (a harvester, 421) is returned. Call it instead of Rcpt.
func (s *Session) RcptRejected(ctx context.Context, to string) Reply {
	if s.hv == nil {
		return Reply{}
	}
	rctx, cancel := within(ctx, s.e.RcptTimeout, DefaultRcptTimeout)
	defer cancel()
	o, err := s.hv.Rcpt(rctx, harvest.Unknown)
	r, _ := s.harvestReply("rcpt", o, err, &s.txErrs)
	return r
}

// ProtocolError reports an SMTP protocol error of the client (a bad
// command, a command out of sequence): the harvest checker counts them
// and returns its refusal (421) past its MaxErrors. For SMTP servers; a
// milter does not see them.
func (s *Session) ProtocolError(ctx context.Context) Reply {
	if s.hv == nil {
		return Reply{}
	}
	o, err := s.hv.Error(ctx)
	r, _ := s.harvestReply("error", o, err, &s.connErrs)
	return r
}

// Write takes the next bytes of the message (header, empty line, body, as
// received: a milter's header callbacks and body chunks, or the DATA
// stream, dot-unstuffed, line ends CRLF or LF). The body is hashed for
// DKIM and ARC as it arrives; the message is kept once, up to
// Engine.MaxMessageBytes, for the content checks at EndOfData. Write
// fails only out of order (ErrStage: no Mail, or after EndOfData); a
// limit becomes a row of the verdict.
func (s *Session) Write(p []byte) (int, error) {
	if !s.inMail || s.ended {
		return 0, fmt.Errorf("%w: message data outside a transaction", ErrStage)
	}
	n := len(p)
	s.size += int64(n)
	if s.hdrDone {
		s.writeBody(p)
		return n, nil
	}
	s.msg = append(s.msg, p...)
	max := s.e.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	if end, ok := s.headerEnded(); ok {
		s.hdrTooBig = end > max
		s.endHeader(end)
	} else if len(s.msg) > max {
		s.hdrTooBig = true
		s.endHeader(max)
	}
	return n, nil
}

// headerEnded looks at the header lines completed since the last write:
// the full rule (headerEnd) runs only when one of them might end the
// header, so that a header written a byte at a time costs linear time.
func (s *Session) headerEnded() (int, bool) {
	for {
		from := max(s.nlFrom, s.scanned)
		i := bytes.IndexByte(s.msg[from:], '\n')
		if i < 0 {
			s.scanWork += len(s.msg) - from
			s.nlFrom = len(s.msg) // a line written a byte at a time is searched once
			return 0, false
		}
		s.scanWork += i + 1
		line := s.msg[s.scanned : from+i+1]
		s.scanned = from + i + 1
		if mayEndHeader(line) {
			if end, ok := headerEnd(s.msg[:s.scanned]); ok {
				return end, true
			}
		}
	}
}

// mayEndHeader reports whether line (with its LF) may end a header: all
// but folded lines and well-formed "name:" lines may.
func mayEndHeader(line []byte) bool {
	if line[0] == ' ' || line[0] == '\t' {
		return false
	}
	colon := bytes.IndexByte(line[:min(len(line), header.MaxNameBytes)], ':')
	if colon <= 0 {
		return true
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return true
	}
	for _, c := range name {
		if c < 0x21 || c > 0x7e {
			return true
		}
	}
	return false
}

// headerEnd reports where the header of msg ends, if it ended within the
// complete lines of msg (a line is classified only once it is whole).
func headerEnd(msg []byte) (int, bool) {
	complete := bytes.LastIndexByte(msg, '\n') + 1
	if complete == 0 {
		return 0, false
	}
	start, body, _ := header.Split(msg[:complete])
	if body < complete {
		return body, true // a line that is no header line starts the body
	}
	if body <= start {
		return 0, false // nothing but an mbox From_ line yet
	}
	// body == complete: the header ended with its empty line, or goes on.
	line := msg[start:body]
	if i := bytes.LastIndexByte(line[:len(line)-1], '\n'); i >= 0 {
		line = line[i+1:]
	}
	return body, string(line) == "\n" || string(line) == "\r\n"
}

// endHeader parses the header msg[:end], starts the body streams, and
// feeds them the body bytes already received.
func (s *Session) endHeader(end int) {
	e := s.e
	s.hdrDone = true
	s.hdrEnd = end
	max := e.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	hdrBytes := s.msg[:end]
	if s.hdrTooBig {
		// The fields wholly before the cut are the header the checks
		// read; from the field the cut falls in to the header's end,
		// the overflow reader keeps the fields that matter, bounded.
		n := fieldStart(s.msg, min(end, max))
		hdrBytes = s.msg[:n]
		s.over = &overflow{first: n == 0}
		s.over.write(s.msg[n:end])
	}
	h, _, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(hdrBytes)), max+1)
	if err != nil && !errors.Is(err, dkim.ErrHeaderTooLarge) {
		s.streamErrs = append(s.streamErrs, fault{"header", fmt.Errorf("%w: header: %w", ErrCheck, err)})
	}
	s.hdr = h
	s.body = new(dkim.Body)
	if e.DKIM != nil && !s.hdrTooBig {
		ds, err := e.DKIM.Begin(s.txCtx, h, s.body)
		if err != nil {
			s.streamErrs = append(s.streamErrs, fault{"dkim", fmt.Errorf("%w: dkim: %w", ErrCheck, err)})
		}
		s.dkimS = ds
	}
	if e.ARC != nil && !s.hdrTooBig {
		as, err := e.ARC.Begin(s.txCtx, h, s.body)
		if err != nil {
			s.streamErrs = append(s.streamErrs, fault{"arc", fmt.Errorf("%w: arc: %w", ErrCheck, err)})
		}
		s.arcS = as
	}
	if e.ARCSealer != nil && !s.hdrTooBig {
		ss, err := e.ARCSealer.Begin(h, s.body)
		if err != nil {
			s.streamErrs = append(s.streamErrs, fault{"arc-seal", fmt.Errorf("%w: arc seal: %w", ErrCheck, err)})
		}
		s.sealS = ss
	}
	if e.Greylist != nil && e.GreylistBody {
		s.greyBody = new(greylist.BodyHash)
	}
	rest := s.msg[end:]
	s.msg = s.msg[:end]
	s.writeBody(rest)
}

// writeBody feeds body bytes to the hashers and keeps them under the cap.
func (s *Session) writeBody(p []byte) {
	if len(p) == 0 {
		return
	}
	if s.body != nil {
		s.body.Write(p)
	}
	if s.greyBody != nil {
		s.greyBody.Write(p)
	}
	if s.over != nil {
		s.over.write(p) // the header past the cut, until it ends
	}
	if s.tooBig {
		return
	}
	max := s.e.MaxMessageBytes
	if max == 0 {
		max = DefaultMaxMessageBytes
	}
	if max > 0 && int64(len(s.msg))+int64(len(p)) > max {
		// Over the cap: the content checks will not run; keep the
		// header alone.
		s.tooBig = true
		s.msg = bytes.Clone(s.msg[:s.hdrEnd])
		return
	}
	s.msg = append(s.msg, p...)
}

// Reset ends the transaction (RSET, or a new MAIL): the envelope, the
// message and the transaction's checks are dropped, and their lookups
// still running canceled; the connection's stay.
func (s *Session) Reset() {
	if s.txCancel != nil {
		s.txCancel()
		s.txCtx, s.txCancel = nil, nil
	}
	if s.hv != nil && s.inMail {
		s.hv.Reset()
	}
	s.inMail, s.ended = false, false
	s.mailFrom = ""
	s.rcpts = nil
	s.nrcpt, s.capped = 0, false
	s.spfT = nil
	s.txRows, s.txErrs = nil, nil
	s.greyPass = false
	s.greyBody = nil
	s.msg = nil
	s.size = 0
	s.hdrDone, s.hdrStart, s.hdrEnd, s.scanned, s.nlFrom, s.scanWork = false, 0, 0, 0, 0, 0
	s.tooBig, s.hdrTooBig = false, false
	s.over = nil
	s.hdr = nil
	s.body, s.dkimS, s.arcS, s.sealS = nil, nil, nil, nil
	s.sealSkip, s.sealErr = "", nil
	s.streamErrs = nil
	s.last = nil
}

// Close ends the session: background lookups are canceled and the
// harvest checker is told of the disconnection. The Session is not to be
// used after.
func (s *Session) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.cancel()
	if s.hv != nil {
		s.hv.Close()
	}
}

// Message returns the message of the transaction as written so far
// (header, empty line, body: the bytes Write received, line ends and a
// leading mbox From_ line as they were), and whether it is held whole:
// false over Engine.MaxMessageBytes (the session then keeps the header
// alone), and outside a transaction (before Mail, after Reset). An SMTP
// server can deliver from it instead of keeping a second copy. The slice
// is the session's own: valid until the next Mail, Reset or Close, and
// not to be modified.
func (s *Session) Message() ([]byte, bool) {
	if !s.inMail || s.tooBig || s.closed {
		return nil, false
	}
	return s.msg, true
}

// StrippedBody returns the body of the last message with the parts the
// mime policy strips removed (Verdict.Strip), for a milter's body
// replacement. It fails when there is nothing to strip or the message is
// no longer held.
func (s *Session) StrippedBody() ([]byte, error) {
	out, err := s.StrippedMessage()
	if err != nil {
		return nil, err
	}
	_, body, _ := header.Split(out)
	return out[body:], nil
}

// StrippedMessage returns the last message whole, header included, with
// the parts the mime policy strips removed (Verdict.Strip), as
// mime.Strip makes it: for an SMTP server that delivers the message
// itself. It fails as StrippedBody does.
func (s *Session) StrippedMessage() ([]byte, error) {
	if s.last == nil || len(s.last.Strip) == 0 || s.last.Checks.MIME == nil || s.last.Checks.Decision == nil {
		return nil, fmt.Errorf("%w: nothing to strip", ErrStage)
	}
	return mime.Strip(s.msg, *s.last.Checks.MIME, s.last.Checks.Decision.Match)
}

// run drives a whole session over one message (Engine.Check).
func (s *Session) run(ctx context.Context, env Envelope, msg []byte) (Verdict, error) {
	refused := func(r Reply) Verdict {
		return Verdict{Action: r.Action, Reply: r, Rows: append(append([]Row(nil), s.connRows...), s.txRows...), Required: s.e.required()}
	}
	if r := s.Connect(ctx, env.IP, env.Hostname); r.Action != Continue {
		return refused(r), nil
	}
	if r := s.Helo(ctx, env.HELO); r.Action != Continue {
		return refused(r), nil
	}
	if r := s.Mail(ctx, env.MailFrom); r.Action != Continue {
		return refused(r), nil
	}
	for _, to := range env.Rcpts {
		if r := s.Rcpt(ctx, to); r.Action != Continue {
			return refused(r), nil
		}
	}
	s.Write(msg)
	return s.EndOfData(ctx)
}
