package dmarc_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// diffZone is what both OpenDMARC and the evaluator see. Real TLDs, so
// that OpenDMARC's public suffix list (Debian's) and golang.org/x/net's
// agree on every organizational domain.
const diffZone = `
$TTL 300
_dmarc.example.com.          IN TXT "v=DMARC1; p=reject; sp=quarantine"
mail.example.com.            IN A   192.0.2.1
_dmarc.strict.example.net.   IN TXT "v=DMARC1; p=quarantine; adkim=s; aspf=s"
_dmarc.none.example.org.     IN TXT "v=DMARC1; p=none"
_dmarc.two.example.org.      IN TXT "v=DMARC1; p=none"
_dmarc.two.example.org.      IN TXT "v=DMARC1; p=reject"
_dmarc.bad.example.org.      IN TXT "v=DMARC1; p=bogus"
_dmarc.norua.example.org.    IN TXT "v=DMARC1; rua=mailto:d@example.org"
_dmarc.nop.example.org.      IN TXT "v=DMARC1; adkim=s"
_dmarc.pct0.example.org.     IN TXT "v=DMARC1; p=reject; pct=0"
_dmarc.example.net.          IN TXT "v=DMARC1; p=none; sp=none; np=reject"
www.example.net.             IN A   192.0.2.3
_dmarc.late.example.org.     IN TXT "v=DMARC1; rua=mailto:d@example.org; p=reject"
_dmarc.testing.example.org.  IN TXT "v=DMARC1; p=reject; t=y; psd=n"
_dmarc.example.co.uk.        IN TXT "v=DMARC1; p=reject"
_dmarc.spf.example.org.      IN TXT "v=DMARC1; p=reject; aspf=s"
_dmarc.upper.example.org.    IN TXT "V=DMARC1; P=reject"
_dmarc.badsp.example.org.    IN TXT "v=DMARC1; p=reject; sp=bogus"
`

// diffCase is one message: its From domain(s), DKIM passes, SPF pass
// domain.
type diffCase struct {
	name string
	from []string // one From field per entry
	dkim []string // d= of DKIM passes
	spf  string   // domain of an SPF pass, "" for none
}

var diffCases = []diffCase{
	{name: "aligned dkim", from: []string{"example.com"}, dkim: []string{"example.com"}},
	{name: "relaxed dkim subdomain", from: []string{"example.com"}, dkim: []string{"mail.example.com"}},
	{name: "unaligned", from: []string{"example.com"}, dkim: []string{"example.net"}, spf: "example.net"},
	{name: "spf aligned", from: []string{"example.com"}, spf: "bounce.example.com"},
	{name: "subdomain sp", from: []string{"mail.example.com"}},
	{name: "deep subdomain sp", from: []string{"a.b.c.example.com"}, dkim: []string{"x.example.com"}},
	{name: "strict dkim subdomain", from: []string{"strict.example.net"}, dkim: []string{"a.strict.example.net"}},
	{name: "strict exact", from: []string{"strict.example.net"}, dkim: []string{"strict.example.net"}},
	{name: "strict spf", from: []string{"spf.example.org"}, spf: "b.spf.example.org"},
	{name: "p=none", from: []string{"none.example.org"}},
	{name: "no record", from: []string{"nothing.example.org"}},
	{name: "two records", from: []string{"two.example.org"}},
	{name: "invalid p", from: []string{"bad.example.org"}},
	{name: "invalid sp", from: []string{"badsp.example.org"}},
	{name: "no p, rua", from: []string{"norua.example.org"}},
	{name: "no p, no rua", from: []string{"nop.example.org"}},
	{name: "pct=0", from: []string{"pct0.example.org"}},
	{name: "np nonexistent", from: []string{"nosuch.example.net"}},
	{name: "np existing", from: []string{"www.example.net"}},
	{name: "p not second", from: []string{"late.example.org"}},
	{name: "t=y psd=n (RFC 9989 tags)", from: []string{"testing.example.org"}},
	{name: "public suffix co.uk", from: []string{"a.shop.example.co.uk"}, dkim: []string{"example.co.uk"}},
	{name: "upper-case tags", from: []string{"upper.example.org"}},
	{name: "two From fields", from: []string{"example.com", "none.example.org"}, dkim: []string{"none.example.org"}},
	{name: "second signature aligned", from: []string{"example.com"}, dkim: []string{"esp.example.net", "example.com"}},
	{name: "org domain signs subdomain", from: []string{"a.b.example.com"}, dkim: []string{"example.com"}},
	{name: "spf parent of From", from: []string{"mail.example.com"}, spf: "example.com"},
	{name: "co.uk sibling unaligned", from: []string{"shop.example.co.uk"}, dkim: []string{"other.co.uk"}},
	{name: "IDN From", from: []string{"xn--bcher-kva.example.com"}, dkim: []string{"xn--bcher-kva.example.com"}},
	{name: "upper-case From domain", from: []string{"EXAMPLE.COM"}, dkim: []string{"example.com"}},
	{name: "trailing dot d=", from: []string{"example.com"}, dkim: []string{"example.com."}},
	{name: "long subdomain", from: []string{"a.b.c.d.e.f.g.h.i.example.com"}},
}

// knownDifferences are the cases where OpenDMARC 1.4.2 and ModeRFC7489
// disagree, each with the section that decides for us. The test fails
// if one of them agrees (the list is kept honest) or if any other case
// differs.
var knownDifferences = map[string]string{
	// OpenDMARC passes a: d=a.strict.example.net for From
	// strict.example.net with adkim=s, b.spf.example.org for
	// spf.example.org with aspf=s.
	"strict dkim subdomain": "RFC 7489 §3.1.1: in strict mode only an exact match of the domains is aligned",
	"strict spf":            "RFC 7489 §3.1.2: in strict mode only an exact match of the domains is aligned",
	// OpenDMARC applies one of the two records.
	"two records": "RFC 7489 §6.6.3 step 2: several records, DMARC does not apply (we report permerror, §11.2)",
	// OpenDMARC: permerror.
	"no p, rua": "RFC 7489 §6.6.3 step 6: a record without p= but with a valid rua= is read as p=none",
	// OpenDMARC: disposition none.
	"pct=0": "RFC 7489 §6.6.4: a message sampled out gets the next policy down (reject to quarantine)",
	// OpenDMARC 1.4.2 predates np= and applies sp=none.
	"np nonexistent": "RFC 9091 §4: np= is the policy of a nonexistent subdomain",
	// OpenDMARC finds no record in "V=DMARC1; P=reject".
	"upper-case tags": "RFC 7489 §6.4: tag names are ABNF literals, case-insensitive (RFC 5234 §2.3)",
}

// knownDifferences9989 are the cases where OpenDMARC (RFC 7489) and
// the default ModeRFC9989 disagree, each with the section of RFC 9989
// that decides: what RFC 9989 changed, seen on the same messages.
var knownDifferences9989 = map[string]string{
	"strict dkim subdomain":     "RFC 9989 §4.4.1, §3.2.10.2: strict alignment is an exact match",
	"strict spf":                "RFC 9989 §4.4.2, §3.2.10.2: strict alignment is an exact match",
	"two records":               "RFC 9989 §4.10 step 2: several records are discarded, and no other is found: none",
	"no p, rua":                 "RFC 9989 §4.7 p=: absent, the record reads as p=none",
	"no p, no rua":              "RFC 9989 §4.7 p=: absent, the record reads as p=none",
	"pct=0":                     "RFC 9989 §A.6, §4.7: pct=0 is t=y, the policy one level below (quarantine)",
	"np nonexistent":            "RFC 9989 §4.10.1: np= is the policy of a nonexistent subdomain",
	"t=y psd=n (RFC 9989 tags)": "RFC 9989 §4.7 t=y: the policy one level below (quarantine)",
	"upper-case tags":           "RFC 9989 §4.8: tag names are ABNF literals, case-insensitive",
}

// openDMARC runs Debian's opendmarc milter (RFC 7489, with Debian's
// public suffix list) in a mount namespace whose /etc/resolv.conf names
// a relay to srv on port 53 of a loopback address, and returns its
// milter address.
func openDMARC(t *testing.T, srv *resolvertest.Server) string {
	t.Helper()
	bin := testenv.Program(t, "opendmarc")
	unshare := testenv.Program(t, "unshare")
	psl := "/usr/share/publicsuffix/public_suffix_list.dat"
	if _, err := os.Stat(psl); err != nil {
		if testenv.Integration() {
			t.Fatalf("public suffix list: %v", err)
		}
		t.Skipf("no %s (Debian publicsuffix)", psl)
	}
	// A mount namespace of its own (root, CAP_SYS_ADMIN).
	if out, err := exec.Command(unshare, "-m", "true").CombinedOutput(); err != nil {
		if testenv.Integration() {
			t.Fatalf("unshare -m: %v %s", err, out)
		}
		t.Skipf("unshare -m (needs root): %v %s", err, out)
	}
	// A loopback address of this process's own, so that two runs at
	// once do not meet on port 53.
	relayIP := fmt.Sprintf("127.53.%d.%d", os.Getpid()/250%250+1, os.Getpid()%250+1)
	relay := net.JoinHostPort(relayIP, "53")
	if err := dnsRelay(t, relay, srv.Addr); err != nil {
		if testenv.Integration() {
			t.Fatalf("DNS relay on %s (needs root): %v", relay, err)
		}
		t.Skipf("DNS relay on %s (needs root): %v", relay, err)
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf(`Socket inet:%d@127.0.0.1
AuthservID mx.test
TrustedAuthservIDs mx.test
PublicSuffixList %s
RejectFailures true
Syslog false
SPFSelfValidate false
SPFIgnoreResults false
FailureReports false
IgnoreHosts %s
HoldQuarantinedMessages true
`, port, psl, filepath.Join(dir, "ignore"))
	must(t, os.WriteFile(filepath.Join(dir, "ignore"), []byte("192.0.2.255\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "opendmarc.conf"), []byte(conf), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte("nameserver "+relayIP+"\noptions timeout:2 attempts:1\n"), 0o644))
	cmd := exec.Command(unshare, "-m", "sh", "-c", `mount --bind "$1" /etc/resolv.conf && exec "$2" -f -c "$3"`, "sh",
		filepath.Join(dir, "resolv.conf"), bin, filepath.Join(dir, "opendmarc.conf"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("opendmarc output:\n%s", out.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("opendmarc did not listen on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// dnsRelay forwards DNS over UDP and TCP from addr to the test server
// at to (libresolv has no port in resolv.conf).
func dnsRelay(t *testing.T, addr, to string) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return err
	}
	t.Cleanup(func() { pc.Close(); ln.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := append([]byte(nil), buf[:n]...)
			go func() {
				c, err := net.Dial("udp", to)
				if err != nil {
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Write(q); err != nil {
					return
				}
				resp := make([]byte, 65535)
				n, err := c.Read(resp)
				if err == nil {
					pc.WriteTo(resp[:n], from)
				}
			}()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", to)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return nil
}

var arDMARC = regexp.MustCompile(`dmarc=(\w+)(?: \(p=(\w+) dis=(\w+)\))?`)

// TestOpenDMARCDifferential gives OpenDMARC (Debian's opendmarc 1.4.2
// milter, RFC 7489) and the evaluator in ModeRFC7489 the same messages,
// DKIM and SPF results (as a trusted Authentication-Results field) and
// DNS, and compares the result and disposition. Every difference is in
// knownDifferences with the section that decides it; those of the
// default ModeRFC9989 are in knownDifferences9989.
func TestOpenDMARCDifferential(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: diffZone})
	addr := openDMARC(t, srv)
	e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: dmarc.ModeRFC7489, Percent: func() int { return 0 }}
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // OpenDMARC serves each connection in a thread of its own
			var ar []string
			var outs []dkim.Outcome
			for _, d := range tc.dkim {
				ar = append(ar, "dkim=pass header.d="+d)
				outs = append(outs, dkim.Outcome{Result: dkim.Pass, Domain: d})
			}
			spf := dmarc.SPF{Result: "none"}
			mailFrom := "bounce@client.test"
			if tc.spf != "" {
				// The domain alone: OpenDMARC 1.4.2 takes the whole value
				// of smtp.mailfrom=local@domain as the domain (RFC 8601
				// §2.7.2 allows both) and then finds nothing aligned.
				ar = append(ar, "spf=pass smtp.mailfrom="+tc.spf)
				spf = dmarc.SPF{Result: "pass", Domain: tc.spf}
				mailFrom = "bounce@" + tc.spf
			}
			if len(ar) == 0 {
				ar = append(ar, "none")
			}
			header := [][2]string{{"Authentication-Results", "mx.test; " + strings.Join(ar, "; ")}}
			var h dkim.Header
			for _, f := range tc.from {
				header = append(header, [2]string{"From", "Someone <someone@" + f + ">"})
				h = append(h, dkim.Field{Name: "From", Raw: "From: Someone <someone@" + f + ">\r\n"})
			}
			header = append(header, [2]string{"To", "rcpt@mx.test"}, [2]string{"Subject", tc.name},
				[2]string{"Date", "Tue, 24 Nov 2026 10:00:00 +0000"}, [2]string{"Message-ID", "<" + strings.ReplaceAll(tc.name, " ", ".") + "@client.test>"})
			m, err := dialMilter(addr)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := m.check("192.0.2.10", mailFrom, "rcpt@mx.test", header, "Hello.\r\n")
			if err != nil {
				t.Fatal(err)
			}
			theirs := "none/none"
			for _, f := range rep.headers {
				if sm := arDMARC.FindStringSubmatch(f); sm != nil && strings.HasPrefix(f, "Authentication-Results") {
					theirs = sm[1] + "/" + cmp.Or(sm[3], "none")
				}
			}
			if rep.action == 'y' && strings.Contains(rep.text, "rejected by DMARC policy") {
				// A rejected message gets no header: the reply says it.
				theirs = "fail/reject"
			}
			o, err := e.Evaluate(context.Background(), dmarc.Input{Header: h, DKIM: outs, SPF: spf})
			if err != nil {
				t.Fatal(err)
			}
			ours := string(o.Result) + "/" + string(o.Disposition)
			t.Logf("%s: opendmarc %s (action %c %q, %q), ModeRFC7489 %s (%v)", tc.name, theirs, rep.action, rep.text, rep.headers, ours, o)
			o9989, err := (&dmarc.Evaluator{Resolver: srv.Resolver()}).Evaluate(context.Background(), dmarc.Input{Header: h, DKIM: outs, SPF: spf})
			if err != nil {
				t.Fatal(err)
			}
			rfc9989 := string(o9989.Result) + "/" + string(o9989.Disposition)
			why9989, known9989 := knownDifferences9989[tc.name]
			switch {
			case theirs != rfc9989 && !known9989:
				t.Errorf("%s: opendmarc %s, ModeRFC9989 %s: an unlisted difference", tc.name, theirs, rfc9989)
			case theirs == rfc9989 && known9989:
				t.Errorf("%s: both %s, but listed as a ModeRFC9989 difference (%s)", tc.name, rfc9989, why9989)
			}
			why, known := knownDifferences[tc.name]
			switch {
			case theirs != ours && !known:
				t.Errorf("%s: opendmarc %s, ours %s: an unlisted difference", tc.name, theirs, ours)
			case theirs == ours && known:
				t.Errorf("%s: both %s, but listed as a difference (%s)", tc.name, ours, why)
			}
		})
	}
}
