package session

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/spf"
)

// Version is the version= of X-Spam-Status.
const Version = "spamkit"

// required returns RequiredScore, its default if zero or not finite
// (a configuration error: Validate).
func (e *Engine) required() float64 {
	if e.RequiredScore == 0 || !finite(e.RequiredScore) {
		return DefaultRequiredScore
	}
	return e.RequiredScore
}

// EndOfData ends the message and returns the verdict: it waits for the
// DNS checks started earlier and runs those that needed the message
// (DKIM and ARC key lookups, DMARC, URIBL, hash lists; at most
// Engine.DataTimeout together: a check still running then is a temperror
// row), and the content checks (mime, bayes; at most
// Engine.ContentTimeout, apart). The error is non-nil only when there is
// no transaction (ErrStage); everything else is in the Verdict.
func (s *Session) EndOfData(ctx context.Context) (Verdict, error) {
	e := s.e
	if !s.inMail || s.closed || s.ended {
		return Verdict{}, fmt.Errorf("%w: end of data without MAIL", ErrStage)
	}
	s.ended = true
	began := e.now()
	if !s.hdrDone {
		// The message ended inside its header, or in a last line
		// without its line end: the one rule says where the body is.
		_, body, _ := header.Split(s.msg)
		s.endHeader(body)
	}
	if s.over != nil {
		s.over.close()
	}
	dctx, cancelD := within(ctx, e.DataTimeout, DefaultDataTimeout)
	defer cancelD()
	// The DNS waits before body greylisting (its key's facts: FCrDNS,
	// SPF) leave its store call a reserve of ctx's time (waitWithin);
	// the checks after it (DKIM, ARC, DMARC, URIBL, hash lists) need
	// none and keep dctx.
	wctx := dctx
	if s.greyBody != nil && s.ip.IsValid() {
		var cancelW context.CancelFunc
		wctx, cancelW = waitWithin(ctx, e.DataTimeout, DefaultDataTimeout)
		defer cancelW()
	}
	cctx, cancelC := within(ctx, e.ContentTimeout, DefaultContentTimeout)
	defer cancelC()

	var v Verdict
	var faults []fault
	faults = append(faults, s.connErrs...)
	faults = append(faults, s.txErrs...)
	faults = append(faults, s.streamErrs...)
	if err := e.scoresConfig(); err != nil {
		faults = append(faults, fault{"config", fmt.Errorf("%w: %w", ErrCheck, err)})
	}
	content := !s.tooBig

	// Content checks, on their own deadline, while the DNS answers come.
	var wg sync.WaitGroup
	var report *mime.Report
	var bay *bayes.Outcome
	var bayErr, mimeErr error
	if e.MIME != nil && content {
		wg.Go(func() {
			defer func() {
				if err := recovered(recover()); err != nil {
					if report == nil {
						report, mimeErr = nil, err
					} else {
						bay, bayErr = &bayes.Outcome{Result: bayes.Unsure, Err: err}, err
					}
				}
			}()
			r := e.MIME.Scan(cctx, s.msg)
			report = &r
			if e.Bayes != nil {
				// One MIME walk per message: bayes reads mime's.
				o, err := e.Bayes.ClassifyReport(cctx, s.msg, r)
				bay, bayErr = &o, err
			}
		})
	}
	if e.Bayes != nil && e.MIME == nil && content {
		wg.Go(func() {
			defer func() {
				if err := recovered(recover()); err != nil {
					bay, bayErr = &bayes.Outcome{Result: bayes.Unsure, Err: err}, err
				}
			}()
			o, err := e.Bayes.Classify(cctx, s.msg)
			bay, bayErr = &o, err
		})
	}

	// The body streams end; their key lookups may still be running.
	if s.body != nil {
		s.body.Close()
	}
	var dkimT *task[[]dkim.Outcome]
	var arcT *task[arc.Outcome]
	if ds := s.dkimS; ds != nil {
		dkimT = start(dctx, func(context.Context) ([]dkim.Outcome, error) { return ds.Close(), nil })
	}
	if as := s.arcS; as != nil {
		arcT = start(dctx, func(context.Context) (arc.Outcome, error) { return as.Close(), nil })
	}

	// Connection checks.
	var rows []Row
	if s.fcrdns != nil {
		o, err, ok := s.fcrdns.wait(wctx)
		if !ok || panicked(err) {
			o = rdns.FCrDNSOutcome{Result: rdns.FCrDNSTempError, IP: s.ip, Err: cut(ok, err, rdns.ErrDNS)}
		}
		if err != nil {
			faults = append(faults, fault{"rdns", fmt.Errorf("%w: rdns: %w", ErrCheck, err)})
		}
		v.Checks.FCrDNS = &o
		rows = append(rows, s.fcrdnsRows(o, &v)...)
	}
	if s.heloT != nil {
		o, err, ok := s.heloT.wait(wctx)
		if !ok || panicked(err) {
			o = rdns.HELOOutcome{Result: rdns.HELOTempError, HELO: s.helo, Err: cut(ok, err, rdns.ErrDNS)}
		}
		if err != nil {
			faults = append(faults, fault{"helo", fmt.Errorf("%w: helo: %w", ErrCheck, err)})
		}
		v.Checks.HELO = &o
		rows = append(rows, s.heloRow(o))
	}
	rows = append(rows, s.connRows...) // decided at Connect: a listed client, harvest
	if e.DNSBL != nil {
		if err := e.dnsblConfig(); err != nil {
			faults = append(faults, fault{"dnsbl", fmt.Errorf("%w: %w", ErrCheck, err)})
		}
	}
	if s.dnsblOut != nil {
		v.Checks.DNSBL = s.dnsblOut
	} else if s.dnsbl != nil {
		o, err, ok := s.dnsbl.wait(wctx)
		if !ok || panicked(err) {
			o = rbl.Outcome{Result: rbl.Unknown, Item: s.ip.String(), Err: cut(ok, err, rbl.ErrDNS)}
		}
		switch {
		case ok && errors.Is(err, rbl.ErrNoLists):
			// Lists there are, none for this address family (NoIPv6,
			// NoIPv4: an IPv6 client and IPv4-only lists): nothing to
			// ask, no fault, and no clean row either.
			v.Checks.DNSBL = &o
			rows = append(rows, s.row("dnsbl", Skipped, "skipped", "no list for the address family", err))
		default:
			if err != nil {
				faults = append(faults, fault{"dnsbl", fmt.Errorf("%w: dnsbl: %w", ErrCheck, err)})
			}
			v.Checks.DNSBL = &o
			rows = append(rows, s.dnsblRow(o, err, false))
		}
	}

	// SPF.
	spfIn := dmarc.SPF{Result: "none"}
	if s.spfT != nil {
		o, err, ok := s.spfT.wait(wctx)
		if panicked(err) {
			faults = append(faults, fault{"spf", err})
		}
		if !ok || panicked(err) {
			o = spf.Outcome{Result: spf.TempError, Identity: spf.IdentityMailFrom, IP: s.ip, HELO: s.helo, Err: cut(ok, err, spf.ErrDNS)}
			o.Sender = strings.Trim(s.mailFrom, "<>")
			if o.Sender == "" {
				o.Sender = "postmaster@" + s.helo
			}
			if i := strings.LastIndexByte(o.Sender, '@'); i >= 0 {
				o.Domain = o.Sender[i+1:]
			}
		}
		v.Checks.SPF = &o
		rows = append(rows, s.spfRow(o))
		// An SPF that could not run (a MAIL FROM that is no path) is
		// none, not a fault; one that panicked is (above).
		spfIn = dmarc.SPF{Result: string(o.Result), Domain: o.Domain, Scope: "mfrom"}
		if o.Identity == spf.IdentityHELO {
			spfIn.Scope = "helo"
		}
	}
	if !s.ip.IsValid() {
		for _, c := range []struct {
			check string
			on    bool
		}{{"iprev", e.RDNS != nil}, {"helo", e.RDNS != nil && !e.NoHELO}, {"dnsbl", e.DNSBL != nil}, {"spf", e.SPF != nil}, {"greylist", e.Greylist != nil}} {
			if c.on {
				rows = append(rows, s.row(c.check, Skipped, "skipped", "no client address", nil))
			}
		}
	}
	if s.spfHELO != nil {
		o, err, ok := s.spfHELO.wait(wctx)
		if panicked(err) {
			faults = append(faults, fault{"spf-helo", err})
		}
		if !ok || panicked(err) {
			o = spf.Outcome{Result: spf.TempError, Identity: spf.IdentityHELO, IP: s.ip, HELO: s.helo, Err: cut(ok, err, spf.ErrDNS)}
		}
		v.Checks.SPFHELO = &o
		rows = append(rows, s.spfHELORow(o))
	}
	rows = append(rows, s.txRows...)
	var greylisted *Reply
	if s.greyBody != nil && s.ip.IsValid() {
		var spfDomain string
		if o := v.Checks.SPF; o != nil && o.Result == spf.Pass && o.Identity == spf.IdentityMailFrom {
			spfDomain = o.Domain
		}
		host := s.hostname
		if o := v.Checks.FCrDNS; host == "" && o != nil && o.Result == rdns.FCrDNSConfirmed {
			host = o.Confirmed
		}
		// A store call, not a DNS check: its own time (RcptTimeout),
		// not what the DNS waits above left of DataTimeout.
		gctx, cancelG := within(ctx, e.RcptTimeout, DefaultRcptTimeout)
		o, err := e.Greylist.CheckBody(gctx, s.ip, host, s.mailFrom, s.rcpts, s.greyBody.Sum(), spfDomain)
		cancelG()
		switch {
		case err != nil:
			faults = append(faults, fault{"greylist", fmt.Errorf("%w: greylist: %w", ErrCheck, err)})
		case o.Result == greylist.Greylisted || o.Result == greylist.Trapped:
			gr := o.Reply()
			greylisted = &Reply{Action: Tempfail, Code: gr.Code, Enhanced: gr.Enhanced, Text: gr.Text}
			rows = append(rows, s.row("greylist", GreylistBody, string(o.Result), o.Reason(), nil))
		default:
			rows = append(rows, s.row("greylist", GreylistPass, string(o.Result), o.Reason(), nil))
		}
	}

	// DKIM and ARC.
	if dkimT != nil {
		outs, err, ok := dkimT.wait(dctx)
		if panicked(err) {
			faults = append(faults, fault{"dkim", err})
		}
		if !ok || panicked(err) {
			outs = []dkim.Outcome{{Result: dkim.TempError, Err: cut(ok, err, dkim.ErrKeyUnavailable)}}
		}
		v.Checks.DKIM = outs
		rows = append(rows, s.dkimRow(outs))
	} else if s.hdrTooBig && e.DKIM != nil {
		outs := []dkim.Outcome{dkim.HeaderTooLarge(fmt.Errorf("%w: %w", dkim.ErrHeaderTooLarge, ErrHeaderTooLarge))}
		v.Checks.DKIM = outs
		rows = append(rows, s.dkimRow(outs))
	}
	if arcT != nil {
		o, err, ok := arcT.wait(dctx)
		if panicked(err) {
			faults = append(faults, fault{"arc", err})
		}
		if !ok || panicked(err) {
			o = arc.Outcome{Result: arc.Fail, Err: cut(ok, err, dkim.ErrKeyUnavailable)}
		}
		v.Checks.ARC = &o
		rows = append(rows, s.arcRow(o))
	} else if s.hdrTooBig && e.ARC != nil {
		o := arc.Outcome{Result: arc.Fail, Err: fmt.Errorf("%w: %w", dkim.ErrHeaderTooLarge, ErrHeaderTooLarge)}
		v.Checks.ARC = &o
		rows = append(rows, s.arcRow(o))
	}
	if e.DMARC != nil {
		// DMARC judges the From field the recipient will see: past
		// MaxHeaderBytes too (a padded header must not hide it).
		h, whole := s.wholeHeader()
		in := dmarc.Input{Header: h, FromDomains: dmarc.FromDomains(h), SPF: spfIn, DKIM: v.Checks.DKIM, ARC: v.Checks.ARC}
		o, err := e.DMARC.Evaluate(dctx, in)
		switch {
		case !whole:
			// Fields past the cap were dropped unread: DMARC cannot
			// know every From field, and fails closed.
			o = dmarc.Outcome{Result: dmarc.PermError, Err: fmt.Errorf("%w: fields past the cut not kept", ErrHeaderTooLarge)}
		case err != nil:
			// No From domain to evaluate: a message DMARC cannot judge.
			o = dmarc.Outcome{Result: dmarc.PermError, Err: err}
		}
		v.Checks.DMARC = &o
		rows = append(rows, s.dmarcRow(o))
	}

	// Content: wait for mime and bayes, then the lists over what mime found.
	wg.Wait()
	if s.hdrTooBig {
		rows = append(rows, s.row("size", HeaderTooBig, "toobig", "header too large", s.headerTooLarge()))
	}
	if e.MIME != nil || e.Bayes != nil || e.URIBL != nil || e.HashBL != nil {
		if !content {
			rows = append(rows, Row{Check: "size", Rule: TooBig, Result: "skipped", Score: e.score(TooBig), Reason: "message too large",
				Err: fmt.Errorf("%w: %d bytes", ErrMessageTooLarge, s.size)})
		}
	}
	if mimeErr != nil {
		faults = append(faults, fault{"mime", mimeErr})
	}
	if report != nil {
		d := e.MIMEPolicy.Decide(*report)
		if errors.Is(d.Err, mime.ErrTime) {
			// Cut short by ContentTimeout: a check that did not
			// finish, as OnError says (decide).
			faults = append(faults, fault{"mime", fmt.Errorf("%w: mime: %w", ErrCheck, d.Err)})
		}
		v.Checks.MIME, v.Checks.Decision = report, &d
		rows = append(rows, s.mimeRow(d))
		if d.Result == mime.ActionStrip {
			v.Strip = d.Paths
			s.resealStripped(*report, d)
		}
	}
	uriblErr, hashblErr := e.uriblConfig(), e.hashblConfig()
	if e.URIBL != nil && uriblErr != nil {
		faults = append(faults, fault{"uribl", fmt.Errorf("%w: %w", ErrCheck, uriblErr)})
	}
	if e.HashBL != nil && hashblErr != nil {
		faults = append(faults, fault{"hashbl", fmt.Errorf("%w: %w", ErrCheck, hashblErr)})
	}
	if e.URIBL != nil && uriblErr == nil && content && report != nil {
		var b strings.Builder
		for _, t := range report.Texts {
			b.WriteString(t.Body)
			b.WriteByte('\n')
		}
		links := (&rbl.Extractor{}).Links([]byte(b.String()))
		o, err := e.URIBL.CheckLinks(dctx, links)
		if err != nil {
			faults = append(faults, fault{"uribl", fmt.Errorf("%w: uribl: %w", ErrCheck, err)})
		}
		v.Checks.URIBL = &o
		rows = append(rows, s.listRow("uribl", o.Result, o.Reason(), URIBLListed, URIBLClean, URIBLUnknown, o.Err))
	}
	if e.HashBL != nil && hashblErr == nil && content {
		var outs []HashOutcome
		if addr := strings.Trim(s.mailFrom, "<>"); addr != "" {
			if o, err := e.HashBL.CheckAddress(dctx, addr); err == nil {
				outs = append(outs, HashOutcome{What: "sender", Name: addr, Outcome: o})
			}
		}
		if report != nil {
			for _, p := range report.Parts {
				if p.Filename == "" || p.SHA256 == [32]byte{} {
					continue
				}
				if o, err := e.HashBL.CheckSHA256(dctx, p.SHA256); err == nil {
					outs = append(outs, HashOutcome{What: "attachment", Name: p.Filename, Path: p.Path, Outcome: o})
				}
			}
		}
		v.Checks.HashBL = outs
		res, reason := rbl.Clean, ""
		var cause error
		for _, h := range outs {
			switch o := h.Outcome; {
			case o.Result == rbl.Listed:
				res, reason = rbl.Listed, h.What+" listed"
			case o.Result == rbl.Unknown && res != rbl.Listed:
				res, reason, cause = rbl.Unknown, o.Reason(), o.Err
			}
		}
		rows = append(rows, s.listRow("hashbl", res, reason, HashBLListed, HashBLClean, HashBLUnknown, cause))
	}
	if bay != nil {
		if bayErr == nil && errors.Is(bay.Err, bayes.ErrStore) {
			bayErr = bay.Err
		}
		if bayErr != nil {
			faults = append(faults, fault{"bayes", fmt.Errorf("%w: bayes: %w", ErrCheck, bayErr)})
		}
		v.Checks.Bayes = bay
		rows = append(rows, s.bayesRows(*bay, bayErr)...)
	}

	var errs []error
	for _, f := range faults {
		reason := "check did not finish"
		if errors.Is(f.err, ErrConfig) {
			reason = "configuration error"
		}
		rows = append(rows, s.row(f.check, InternalError, "error", reason, f.err))
		errs = append(errs, f.err)
	}
	v.Rows = rows
	v.Required = e.required()
	for _, r := range rows {
		v.Score += r.Score
	}
	// SpamAssassin rounds the total to 3 decimals before comparing it
	// with the thresholds (PerMsgStatus::check), so that points adding
	// up to the required score in decimal are not a hair below it.
	v.Score = math.Round(v.Score*1000) / 1000
	v.Err = errors.Join(errs...)
	s.decide(&v, greylisted)
	s.headers(&v)
	v.Remove = s.forged()
	s.trace("session: %s: %s (end of data in %s)", s.ip, v, e.now().Sub(began))
	s.last = &v
	return v, nil
}

// stageTimeout is the cause of a check cut short by its stage's time:
// the check's DNS sentinel, ErrTimeout and context.DeadlineExceeded, so
// that its Reason is "DNS timeout" as for a lookup that timed out.
func stageTimeout(sentinel error) error {
	return fmt.Errorf("%w: %w: %w", sentinel, ErrTimeout, context.DeadlineExceeded)
}

// resealStripped restarts the ARC seal over the body as it will be
// delivered, without the parts the mime policy strips: the
// ARC-Message-Signature signs the message this host passes on (RFC 8617
// §4.1.2, §5.1), and a seal over the body as received would fail its
// body hash at the next hop. The header is unchanged (mime.Strip keeps
// it byte for byte, and a milter replaces only the body); the results
// sealed stay those of the message as received. If the stripped
// message cannot be made, nothing is sealed (a row says so).
func (s *Session) resealStripped(report mime.Report, d mime.Outcome) {
	if s.sealS == nil {
		return
	}
	s.sealS = nil
	out, err := mime.Strip(s.msg, report, d.Match)
	if err != nil {
		s.sealSkip = "message not strippable"
		s.sealErr = err
		return
	}
	_, b, _ := header.Split(out)
	body := new(dkim.Body)
	ss, err := s.e.ARCSealer.Begin(s.hdr, body)
	if err != nil {
		s.sealSkip, s.sealErr = "seal failed", err
		return
	}
	body.Write(out[b:])
	s.sealS = ss
}

// headerTooLarge is the error of the size row of a header over
// MaxHeaderBytes.
func (s *Session) headerTooLarge() error {
	max := s.e.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	if s.over != nil && s.over.dropped > 0 {
		return fmt.Errorf("%w: over %d bytes (%d fields past the cut not kept)", ErrHeaderTooLarge, max, s.over.dropped)
	}
	return fmt.Errorf("%w: over %d bytes", ErrHeaderTooLarge, max)
}

// cut is the cause of a check that did not finish: cut short by its
// stage's time (ok false: stageTimeout of the check's sentinel, so that
// its Reason is "DNS timeout"), or the panic err it ended with.
func cut(ok bool, err, sentinel error) error {
	if !ok {
		return stageTimeout(sentinel)
	}
	return err
}

// decide sets the verdict's action and reply: refusals by policy first
// (mime reject, DMARC reject), then internal errors, then the score.
func (s *Session) decide(v *Verdict, greylisted *Reply) {
	e := s.e
	set := func(a Action, code int, enh, text string) {
		v.Action, v.Reply = a, Reply{Action: a, Code: code, Enhanced: enh, Text: text}
	}
	rejectScore := e.RejectScore
	if rejectScore == 0 || !finite(rejectScore) {
		rejectScore = DefaultRejectScore // non-finite: a configuration error (Validate), counted as unset
	}
	quarantineScore := e.QuarantineScore
	if !finite(quarantineScore) {
		quarantineScore = 0
	}
	mimeTimedOut := v.Checks.Decision != nil && errors.Is(v.Checks.Decision.Err, mime.ErrTime)
	d := v.Checks.DMARC
	dmarcReject := d != nil && !e.DMARCScoreOnly && d.Result == dmarc.Fail && d.Disposition == dmarc.DispositionReject
	dmarcQuar := d != nil && !e.DMARCScoreOnly && d.Result == dmarc.Fail && d.Disposition == dmarc.DispositionQuarantine
	switch {
	case s.refused != nil:
		// The connection was refused (DNSBL, harvest): a caller that
		// went on anyway (a checker showing everything) gets that reply.
		set(s.refused.Action, s.refused.Code, s.refused.Enhanced, s.refused.Text)
	case mimeTimedOut && e.OnError == TempfailOnError:
		// The scan ran out of ContentTimeout: this side's limit, not the
		// message's fault; the sender retries (RFC 3463 §3.4, 4.3.0).
		// Under AcceptOnError it is delivered with X-Spamkit-Error.
		r := tempfailReply()
		set(r.Action, r.Code, r.Enhanced, r.Text)
	case v.Checks.Decision != nil && v.Checks.Decision.Result == mime.ActionReject && !mimeTimedOut:
		// RFC 3463 §3.8: 5.7.1, delivery not authorized, message refused.
		set(Reject, 554, "5.7.1", "Message content rejected ("+v.Checks.Decision.Reason()+")")
	case dmarcReject:
		set(Reject, 550, "5.7.1", "Message rejected by the DMARC policy of "+d.Domain)
	case s.hdrTooBig:
		// A header past MaxHeaderBytes was not read whole by the checks
		// (DKIM, ARC, and any field a reader is shown below the cut):
		// no verdict on it is a judgment of the message, so it is
		// refused as Postfix refuses a message over its size limit
		// (RFC 5321 §4.2.2 552; RFC 3463 §3.4 5.3.4, too big for the
		// system). A retry would not change it, so not a tempfail.
		// A refusal with a more specific cause (mime, DMARC, read from
		// the fields past the cut too) comes first.
		set(Reject, 552, "5.3.4", "Message header too large")
	case rejectScore > 0 && v.Score >= rejectScore:
		set(Reject, 550, "5.7.1", "Message rejected as spam")
	case greylisted != nil:
		set(greylisted.Action, greylisted.Code, greylisted.Enhanced, greylisted.Text)
	case v.Err != nil && e.OnError == TempfailOnError:
		// RFC 3463 §3.4: 4.3.0, other or undefined mail system status.
		r := tempfailReply()
		set(r.Action, r.Code, r.Enhanced, r.Text)
	case dmarcQuar || (quarantineScore > 0 && v.Score >= quarantineScore):
		set(Quarantine, 250, "2.0.0", "Ok")
		if dmarcQuar {
			v.Reply.Text = "Ok (quarantined by the DMARC policy of " + d.Domain + ")"
		} else {
			v.Reply.Text = "Ok (quarantined as spam)"
		}
	case v.Score >= v.Required:
		set(AddHeader, 250, "2.0.0", "Ok")
	default:
		set(Accept, 250, "2.0.0", "Ok")
	}
}
