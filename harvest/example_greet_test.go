package harvest_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spamkit/spamkit/harvest"
)

// A server's listener wrapped in a GreetListener: the server's accept
// loop is unchanged and writes its banner as before, after the pause.
// An early talker is dropped with a 521; a polite client gets the
// banner.
func ExampleGreetListener() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	outcomes := make(chan harvest.GreetOutcome, 2)
	gl := &harvest.GreetListener{
		Listener: l,
		Pause:    harvest.GreetPause{Wait: 200 * time.Millisecond},
		Drop:     true,
		Report:   func(o harvest.GreetOutcome) { outcomes <- o },
	}
	defer gl.Close()
	go func() { // the server, as it was
		for {
			c, err := gl.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "220 mx.example ESMTP\r\n")
			c.Close()
		}
	}()

	talk := func(early string) {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			fmt.Println(err)
			return
		}
		defer c.Close()
		if early != "" {
			io.WriteString(c, early)
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		o := <-outcomes
		fmt.Printf("%s: %q (%s)\n", o.Result, line, o.Reason())
	}
	talk("EHLO bot.example\r\n")
	talk("")
	// Output:
	// pregreet: "521 5.5.1 Protocol error\r\n" (talked before the greeting)
	// pass: "220 mx.example ESMTP\r\n" ()
}
