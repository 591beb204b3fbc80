package resolvertest

import (
	"net"
	"time"

	"github.com/miekg/dns"
)

// serve answers one query.
func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	network := "udp"
	if _, ok := w.LocalAddr().(*net.TCPAddr); ok {
		network = "tcp"
	}
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcodeFormatError(req)
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := presentationKey(q.Name)

	s.mu.Lock()
	s.queries = append(s.queries, loggedQuery{Query{Name: rawName(name), Type: q.Qtype, Net: network}, name})
	failure := s.failure(name, q.Qtype)
	delay := s.latency + s.delays[ruleKey{name, q.Qtype}] + s.delays[ruleKey{name, AnyType}]
	var resp *dns.Msg
	if failure != Drop && failure != ServFail && failure != Refused {
		resp = s.answer(req)
	}
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.closed:
			t.Stop()
			return
		}
	}

	switch failure {
	case Drop:
		return
	case ServFail, Refused:
		resp = new(dns.Msg)
		resp.SetReply(req)
		resp.Rcode = dns.RcodeServerFailure
		if failure == Refused {
			resp.Rcode = dns.RcodeRefused
		}
	case NoEDNS:
		if req.IsEdns0() != nil {
			resp = new(dns.Msg)
			resp.SetRcode(req, dns.RcodeFormatError)
			w.WriteMsg(resp)
			return
		}
	case Truncate:
		if network == "udp" {
			resp.Answer, resp.Ns, resp.Extra = nil, nil, nil
			resp.Truncated = true
		}
	case Spoof:
		if network == "udp" {
			for _, forged := range spoofs(req) {
				w.WriteMsg(forged)
			}
		}
	}
	// Over UDP the reply fits the client's payload size (EDNS0 or 512
	// octets, RFC 6891 §6.2.5); over TCP the 65,535 octets of the length
	// prefix (RFC 1035 §4.2.2). Truncate compresses names (RFC 1035
	// §4.1.4) when that makes the reply fit, as real servers do, and
	// otherwise drops records and sets TC.
	size := dns.MaxMsgSize
	if network == "udp" {
		size = dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = max(int(opt.UDPSize()), dns.MinMsgSize)
		}
	}
	resp.Truncate(size)
	w.WriteMsg(resp)
}

// spoofs returns forged replies to req: a wrong ID, then a right ID with
// another question.
func spoofs(req *dns.Msg) []*dns.Msg {
	q := req.Question[0]
	bogus := func(name string) []dns.RR {
		h := dns.RR_Header{Name: name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: 3600}
		switch q.Qtype {
		case dns.TypeA:
			return []dns.RR{&dns.A{Hdr: h, A: net.IPv4(192, 0, 2, 66)}}
		case dns.TypeAAAA:
			return []dns.RR{&dns.AAAA{Hdr: h, AAAA: net.ParseIP("2001:db8::66")}}
		case dns.TypeTXT:
			return []dns.RR{&dns.TXT{Hdr: h, Txt: []string{"spoofed"}}}
		}
		return nil
	}
	wrongID := new(dns.Msg)
	wrongID.SetReply(req)
	wrongID.Id = req.Id + 1
	wrongID.Answer = bogus(q.Name)

	wrongQ := new(dns.Msg)
	wrongQ.SetReply(req)
	wrongQ.Question = []dns.Question{{Name: "spoofed." + q.Name, Qtype: q.Qtype, Qclass: q.Qclass}}
	wrongQ.Answer = bogus(q.Name)
	return []*dns.Msg{wrongID, wrongQ}
}

// maxChase bounds the CNAME chain the server follows inside its zones.
const maxChase = 8

// answer builds the authoritative reply to req. s.mu must be held.
func (s *Server) answer(req *dns.Msg) *dns.Msg {
	resp := new(dns.Msg)
	resp.SetReply(req)
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(max(opt.UDPSize(), dns.MinMsgSize), false)
	}
	q := req.Question[0]
	name := presentationKey(q.Name)
	resp.AuthenticatedData = s.authentic[name]
	z := s.zoneFor(name)
	if z == nil || q.Qclass != dns.ClassINET {
		resp.Rcode = dns.RcodeRefused
		return resp
	}
	resp.Authoritative = true
	for hop := 0; ; hop++ {
		rrs, exists := z.lookup(name)
		if !exists {
			resp.Rcode = dns.RcodeNameError
			resp.Ns = []dns.RR{dns.Copy(z.soa)}
			return resp
		}
		var cname *dns.CNAME
		var matched []dns.RR
		for _, rr := range rrs {
			switch {
			case rr.Header().Rrtype == q.Qtype || q.Qtype == dns.TypeANY:
				matched = append(matched, withOwner(rr, name))
			case rr.Header().Rrtype == dns.TypeCNAME:
				cname = withOwner(rr, name).(*dns.CNAME)
			}
		}
		if len(matched) > 0 {
			resp.Answer = append(resp.Answer, matched...)
			return resp
		}
		if cname == nil {
			resp.Ns = []dns.RR{dns.Copy(z.soa)}
			return resp
		}
		// RFC 1034 §4.3.2 step 3a: add the CNAME and restart at its
		// target if it is in the same zone; a target elsewhere is left to
		// the client to chase, as authoritative servers do.
		resp.Answer = append(resp.Answer, cname)
		target := presentationKey(cname.Target)
		if !dns.IsSubDomain(z.origin, target) || hop >= maxChase {
			return resp
		}
		name = target
	}
}

// withOwner returns a copy of rr with owner name (wildcard synthesis,
// RFC 4592 §3.3.1, keeps the query name).
func withOwner(rr dns.RR, name string) dns.RR {
	c := dns.Copy(rr)
	if c.Header().Name != name {
		c.Header().Name = name
	}
	return c
}
