package policy_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/spamkit/spamkit/examples/policyd/policy"
)

// A policy server that defers mail from one sender, asked the way
// Postfix asks it: requests on one connection, each answered in turn.
func Example() {
	srv := &policy.Server{Handler: policy.HandlerFunc(func(ctx context.Context, req policy.Request) string {
		if req.Get("sender") == "spammer@example.net" {
			return policy.DeferIfPermit("Greylisted, try again later")
		}
		return policy.Dunno
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, sender := range []string{"alice@example.com", "spammer@example.net"} {
		fmt.Fprintf(c, "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.10\nsender=%s\nrecipient=bob@example.org\n\n", sender)
		action, _ := r.ReadString('\n')
		r.ReadString('\n') // the empty line
		fmt.Println(strings.TrimSpace(action))
	}
	// Output:
	// action=DUNNO
	// action=DEFER_IF_PERMIT Greylisted, try again later
}

func ExampleWriteResponse() {
	var b strings.Builder
	policy.WriteResponse(&b, policy.Prepend("Received-SPF: pass (mx.example.org: domain of\r\n alice@example.com designates 192.0.2.10 as permitted sender)"))
	fmt.Printf("%q\n", b.String())
	// Output:
	// "action=PREPEND Received-SPF: pass (mx.example.org: domain of alice@example.com designates 192.0.2.10 as permitted sender)\n\n"
}
