// Package postfixtest runs a real Postfix (Debian package postfix) for a
// test: its own configuration, queue and data directories in a temp
// directory, an SMTP listener on a free loopback port, delivery of every
// accepted message into maildirs the test reads, and the mail log in a
// file the test can wait on.
//
//	pf := postfixtest.Start(t, postfixtest.Options{
//		MainCF: []string{"smtpd_recipient_restrictions = check_policy_service inet:" + addr},
//	})
//	res := pf.Send(t, postfixtest.Mail{From: "alice@sender.test", To: pf.Address("bob")})
//	if res.Code != 250 { ... }
//	msg := pf.WaitMessage(t, "bob", 10*time.Second)
//
// Start skips the test when postfix (or swaks, for Send) is missing or
// the test is not running as root (Postfix's master must start as root
// to drop to its mail_owner), and fails it instead under
// SPAMKIT_INTEGRATION=1 (see testenv.Program). The instance is stopped
// with "postfix -c DIR stop" and its directory removed when the test
// ends.
//
// The instance is configured from scratch (nothing of /etc/postfix's
// main.cf or master.cf is read): no chroot, IPv4 loopback only, no DNS
// for clients (smtpd_peername_lookup = no), mynetworks 127.0.0.0/8, and
// the virtual(8) delivery agent delivering mail for any address of
// Domain to one maildir, DIR/mail/maildir/ (Messages tells the
// recipients apart by the Delivered-To field virtual(8) adds). Mail for
// other domains is refused ("Relay access denied", even from loopback),
// and nothing is sent out: bounces and relayed mail go to the error(8)
// transport. smtpd_recipient_restrictions is empty, for the test to set.
// Options.MainCF lines come last in main.cf, so they override these
// defaults.
//
// Each instance is independent (own port, queue and sockets), so tests
// may start several, in parallel.
package postfixtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/testenv"
)

// Domain is the mail domain the instance delivers to maildirs.
const Domain = "example.test"

// Hostname is the instance's myhostname.
const Hostname = "postfixtest.invalid"

// StartTimeout bounds the wait for the SMTP listener after
// "postfix start-fg".
const StartTimeout = 30 * time.Second

// Options configure an instance.
type Options struct {
	// MainCF are extra main.cf lines ("name = value"), written after the
	// defaults so that they override them.
	MainCF []string
	// MasterCF are extra master.cf lines (services), written after the
	// default services.
	MasterCF []string
}

// Postfix is a running instance.
type Postfix struct {
	// Addr is the SMTP listener, "127.0.0.1:port".
	Addr string
	// Dir is the instance's directory: etc/ (config_directory), queue/,
	// data/, mail/ (maildirs) and maillog.
	Dir string

	cmd      *exec.Cmd
	waitExit chan struct{} // closed when start-fg has exited
	stopped  bool
}

// ConfigDir returns the instance's config_directory.
func (p *Postfix) ConfigDir() string { return filepath.Join(p.Dir, "etc") }

// LogFile returns the path of the instance's mail log (maillog_file).
func (p *Postfix) LogFile() string { return filepath.Join(p.Dir, "maillog") }

// Address returns localPart@Domain.
func (p *Postfix) Address(localPart string) string { return localPart + "@" + Domain }

// Start starts an instance for tb and stops it when tb ends. It skips
// tb when postfix is missing or tb does not run as root (fails it under
// SPAMKIT_INTEGRATION=1), and fails tb when Postfix does not start.
func Start(tb testing.TB, opts Options) *Postfix {
	tb.Helper()
	bin := testenv.Program(tb, "postfix")
	if os.Geteuid() != 0 {
		if testenv.Integration() {
			tb.Fatal("postfixtest: Postfix must be started as root, and SPAMKIT_INTEGRATION=1 requires this test")
		}
		tb.Skip("postfixtest: Postfix must be started as root; skipping (set SPAMKIT_INTEGRATION=1 to make this a failure)")
	}
	owner, err := user.Lookup("postfix")
	if err != nil {
		tb.Fatalf("postfixtest: no mail_owner user postfix: %v", err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		p, err := start(bin, owner, opts)
		if err == nil {
			tb.Cleanup(func() {
				if err := p.stop(); err != nil {
					tb.Errorf("postfixtest: %v", err)
				}
				if !tb.Failed() || os.Getenv("POSTFIXTEST_KEEP") == "" {
					os.RemoveAll(p.Dir)
				}
			})
			return p
		}
		lastErr = err
	}
	tb.Fatalf("postfixtest: %v", lastErr)
	return nil
}

func start(bin string, owner *user.User, opts Options) (*Postfix, error) {
	// A short directory name: the unix-domain sockets under queue/
	// must fit in sun_path (108 octets). The directories must be
	// searchable by the mail_owner, which the daemons run as.
	base := os.TempDir()
	if len(base) > 40 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "pft")
	if err != nil {
		return nil, err
	}
	p := &Postfix{Dir: dir}
	fail := func(err error) (*Postfix, error) {
		_ = p.stop()
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	for _, d := range []string{"etc", "queue", "data", "mail"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return fail(err)
		}
	}
	for _, d := range []string{"data", "mail"} {
		if err := chown(filepath.Join(dir, d), owner); err != nil {
			return fail(err)
		}
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	p.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	if err := os.WriteFile(filepath.Join(dir, "etc", "main.cf"), []byte(mainCF(dir, owner, opts.MainCF)), 0o644); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc", "master.cf"), []byte(masterCF(p.Addr, opts.MasterCF)), 0o644); err != nil {
		return fail(err)
	}
	var out bytes.Buffer
	p.cmd = exec.Command(bin, "-c", p.ConfigDir(), "start-fg")
	p.cmd.Stdout, p.cmd.Stderr = &out, &out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return fail(err)
	}
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	p.waitExit = exited
	deadline := time.Now().Add(StartTimeout)
	for {
		if err := greeting(p.Addr); err == nil {
			return p, nil
		} else if time.Now().After(deadline) {
			log, _ := os.ReadFile(p.LogFile())
			return fail(fmt.Errorf("postfix did not greet on %s within %v: %v\noutput:\n%s\nmaillog:\n%s", p.Addr, StartTimeout, err, out.String(), log))
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(p.LogFile())
			return fail(fmt.Errorf("postfix start-fg exited: %v\noutput:\n%s\nmaillog:\n%s", p.cmd.ProcessState, out.String(), log))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func chown(path string, u *user.User) error {
	var uid, gid int
	if _, err := fmt.Sscan(u.Uid, &uid); err != nil {
		return err
	}
	if _, err := fmt.Sscan(u.Gid, &gid); err != nil {
		return err
	}
	return os.Chown(path, uid, gid)
}

// mainCF renders main.cf: the defaults, then extra.
func mainCF(dir string, owner *user.User, extra []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# written by internal/postfixtest
compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
maillog_file = %[1]s/maillog
maillog_file_prefixes = %[1]s
myhostname = %[2]s
mydomain = invalid
myorigin = $myhostname
mydestination =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtpd_peername_lookup = no
smtp_host_lookup = native
biff = no
virtual_mailbox_domains = %[3]s
virtual_mailbox_base = %[1]s/mail
virtual_mailbox_maps = static:maildir/
virtual_uid_maps = static:%[4]s
virtual_gid_maps = static:%[5]s
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
default_transport = error:5.7.1 no outbound mail from postfixtest
`, dir, Hostname, Domain, owner.Uid, owner.Gid)
	for _, l := range extra {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// masterCF renders master.cf: smtpd on addr and the services a
// delivery needs, none chrooted, then extra.
func masterCF(addr string, extra []string) string {
	var b strings.Builder
	b.WriteString("# written by internal/postfixtest\n")
	fmt.Fprintf(&b, "%s inet n - n - - smtpd\n", addr)
	b.WriteString(`pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`)
	for _, l := range extra {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// greeting reports whether addr answers with an SMTP 220 greeting.
func greeting(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "220") {
		return fmt.Errorf("greeting %q", strings.TrimSpace(line))
	}
	_, _ = c.Write([]byte("QUIT\r\n"))
	return nil
}

// Stop stops the instance now (the cleanup then does nothing more).
func (p *Postfix) Stop(tb testing.TB) {
	tb.Helper()
	if err := p.stop(); err != nil {
		tb.Error(err)
	}
}

func (p *Postfix) stop() error {
	if p.stopped || p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	p.stopped = true
	var err error
	if out, e := exec.Command(p.cmd.Path, "-c", p.ConfigDir(), "stop").CombinedOutput(); e != nil {
		err = fmt.Errorf("postfix stop: %v: %s", e, out)
	}
	select {
	case <-p.waitExit:
	case <-time.After(10 * time.Second):
		// Kill the whole process group: master and its children.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.waitExit
		if err == nil {
			err = errors.New("postfix did not stop within 10 s; killed")
		}
	}
	return err
}

// Log returns the mail log so far.
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(p.LogFile())
	return string(b)
}

// WaitLog waits until a line of the mail log matches re and returns the
// first such line; it fails tb after timeout, showing the log.
func (p *Postfix) WaitLog(tb testing.TB, re *regexp.Regexp, timeout time.Duration) string {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		log := p.Log()
		for _, l := range strings.Split(log, "\n") {
			if re.MatchString(l) {
				return l
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("postfixtest: no mail log line matched %q within %v; log:\n%s", re, timeout, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Message is one delivered message.
type Message struct {
	// Path is its file in the maildir.
	Path string
	// Data is the message as delivered (Postfix's Return-Path,
	// Delivered-To and Received fields first).
	Data []byte
}

// Messages returns the messages delivered so far to localPart@Domain
// (by their Delivered-To field), in the order of their file names
// (delivery order).
func (p *Postfix) Messages(localPart string) ([]Message, error) {
	dir := filepath.Join(p.Dir, "mail", "maildir", "new")
	want := []byte("Delivered-To: " + p.Address(localPart) + "\n")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var msgs []Message
	for _, n := range names {
		path := filepath.Join(dir, n)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(b, want) {
			continue
		}
		msgs = append(msgs, Message{Path: path, Data: b})
	}
	return msgs, nil
}

// WaitMessage waits for the first message delivered to localPart@Domain
// and returns it; it fails tb after timeout, showing the mail log.
func (p *Postfix) WaitMessage(tb testing.TB, localPart string, timeout time.Duration) Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := p.Messages(localPart)
		if err != nil {
			tb.Fatal(err)
		}
		if len(msgs) > 0 {
			return msgs[0]
		}
		if time.Now().After(deadline) {
			tb.Fatalf("postfixtest: nothing delivered to %s within %v; log:\n%s", p.Address(localPart), timeout, p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
