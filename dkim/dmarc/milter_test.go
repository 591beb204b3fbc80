package dmarc_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// milterClient speaks the MTA side of the milter protocol (version 6,
// as libmilter implements it) to a filter, to drive OpenDMARC in the
// differential test with the same messages our evaluator gets. Only
// what one message's conversation needs.
type milterClient struct {
	conn net.Conn
	r    *bufio.Reader
}

// milterReply is the filter's answer at the end of a message: the
// final action and the header fields it added.
type milterReply struct {
	action  byte // 'a' accept, 'c' continue, 'r' reject, 't' tempfail, 'd' discard, 'y' reply code
	text    string
	headers []string // "Name: value"
}

func dialMilter(addr string) (*milterClient, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &milterClient{conn: c, r: bufio.NewReader(c)}, nil
}

func (m *milterClient) send(cmd byte, data []byte) error {
	var hdr [5]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)+1))
	hdr[4] = cmd
	if _, err := m.conn.Write(append(hdr[:], data...)); err != nil {
		return err
	}
	return nil
}

func (m *milterClient) read() (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(m.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 || n > 1<<20 {
		return 0, nil, fmt.Errorf("milter: bad length %d", n)
	}
	data := make([]byte, n-1)
	if _, err := io.ReadFull(m.r, data); err != nil {
		return 0, nil, err
	}
	return hdr[4], data, nil
}

// step sends cmd and reads the filter's answer to it; a final answer
// other than continue ends the conversation early.
func (m *milterClient) step(cmd byte, data []byte) (byte, []byte, error) {
	if err := m.send(cmd, data); err != nil {
		return 0, nil, err
	}
	for {
		c, d, err := m.read()
		if err != nil || c != 'p' { // 'p': progress, keep waiting
			return c, d, err
		}
	}
}

func cstrings(ss ...string) []byte {
	var b []byte
	for _, s := range ss {
		b = append(append(b, s...), 0)
	}
	return b
}

// check runs one message through the filter: client address, envelope,
// the header fields in order, the body.
func (m *milterClient) check(client, mailFrom, rcptTo string, header [][2]string, body string) (milterReply, error) {
	defer m.conn.Close()
	var neg [12]byte
	binary.BigEndian.PutUint32(neg[0:], 6)     // version
	binary.BigEndian.PutUint32(neg[4:], 0x1ff) // every action
	binary.BigEndian.PutUint32(neg[8:], 0)     // no protocol flags: every step, every reply
	if c, _, err := m.step('O', neg[:]); err != nil || c != 'O' {
		return milterReply{}, fmt.Errorf("milter: option negotiation: %q %v", c, err)
	}
	m.send('D', append([]byte{'C'}, cstrings("j", "mx.test", "{daemon_name}", "mx.test")...))
	port := make([]byte, 2)
	binary.BigEndian.PutUint16(port, 25)
	conn := append(append(append(cstrings("client.test"), '4'), port...), cstrings(client)...)
	steps := []struct {
		cmd  byte
		data []byte
	}{
		{'C', conn},
		{'H', cstrings("client.test")},
		{'M', cstrings("<" + mailFrom + ">")},
		{'R', cstrings("<" + rcptTo + ">")},
	}
	for _, f := range header {
		steps = append(steps, struct {
			cmd  byte
			data []byte
		}{'L', cstrings(f[0], f[1])})
	}
	steps = append(steps, struct {
		cmd  byte
		data []byte
	}{'N', nil}, struct {
		cmd  byte
		data []byte
	}{'B', []byte(body)})
	for i, s := range steps {
		if s.cmd == 'M' {
			m.send('D', append([]byte{'M'}, cstrings("i", fmt.Sprintf("Q%d", i))...))
		}
		c, d, err := m.step(s.cmd, s.data)
		if err != nil {
			return milterReply{}, err
		}
		if c != 'c' {
			return milterReply{action: c, text: strings.TrimRight(string(d), "\x00")}, nil
		}
	}
	if err := m.send('E', nil); err != nil {
		return milterReply{}, err
	}
	var rep milterReply
	for {
		c, d, err := m.read()
		if err != nil {
			return rep, err
		}
		switch c {
		case 'p':
		case 'h': // add header: name, value
			parts := strings.SplitN(string(d), "\x00", 3)
			if len(parts) >= 2 {
				rep.headers = append(rep.headers, parts[0]+": "+strings.TrimSpace(parts[1]))
			}
		case 'i': // insert header: index, name, value
			parts := strings.SplitN(string(d[min(4, len(d)):]), "\x00", 3)
			if len(parts) >= 2 {
				rep.headers = append(rep.headers, parts[0]+": "+strings.TrimSpace(parts[1]))
			}
		case 'a', 'c', 'r', 't', 'd', 'y':
			rep.action, rep.text = c, strings.TrimRight(string(d), "\x00")
			m.send('Q', nil)
			return rep, nil
		default:
			// other modifications (quarantine 'q', change header 'm'):
			// noted in text
			rep.text += fmt.Sprintf("[%c %q]", c, d)
		}
	}
}
