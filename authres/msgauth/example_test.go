package msgauth_test

import (
	"fmt"

	gomsgauth "github.com/emersion/go-msgauth/authres"
	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/authres/msgauth"
)

// ExampleTo hands a result to software built on go-msgauth (maddy,
// go-smtp based servers).
func ExampleTo() {
	spf := authres.Result{Method: "spf", Value: "pass", Props: []authres.Prop{{Type: "smtp", Property: "mailfrom", Value: "alice@example.com"}}}
	theirs := msgauth.To(spf)
	fmt.Printf("%#v\n", theirs)
	fmt.Println(gomsgauth.Format("mx.example.org", []gomsgauth.Result{theirs}))
	// Output:
	// &authres.SPFResult{Value:"pass", Reason:"", From:"alice@example.com", Helo:""}
	// mx.example.org; spf=pass smtp.mailfrom=alice@example.com
}

// ExampleFrom takes a go-msgauth result back, to put it in the module's
// Authentication-Results field.
func ExampleFrom() {
	ours, err := msgauth.From(&gomsgauth.IPRevResult{Value: gomsgauth.ResultPass, IP: "192.0.2.25"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(authres.Header{ServID: "mx.example.org", Results: []authres.Result{ours}})
	// Output:
	// mx.example.org; iprev=pass policy.iprev=192.0.2.25
}
