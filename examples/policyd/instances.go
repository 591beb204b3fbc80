package main

import (
	"sync"

	"github.com/spamkit/spamkit/spf"
)

// maxInstances bounds the messages whose SPF result is remembered.
const maxInstances = 10000

// instanceState is what policyd remembers of one message (Postfix's
// instance attribute, the same for every recipient of one MAIL
// transaction): the SPF result, checked at the first recipient, and
// whether Received-SPF was prepended, so that a message with many
// recipients costs one SPF check and carries one header (as policyd-spf
// does). It is keyed by request.messageKey.
type instanceState struct {
	checked   bool
	outcome   spf.Outcome
	err       error
	prepended bool
	// xGreylist is an X-Greylist field due to the message and not yet
	// prepended (a reply holds one action, and Received-SPF took its
	// request), or "".
	xGreylist string
}

// instances remembers the last maxInstances messages (the oldest is
// forgotten first: a forgotten message is checked again and may get a
// second header, never a wrong one). It is safe for concurrent use.
type instances struct {
	mu    sync.Mutex
	max   int
	m     map[string]instanceState
	order []string // ring of the keys, oldest at next
	next  int
}

func newInstances(max int) *instances {
	return &instances{max: max, m: make(map[string]instanceState)}
}

// get returns the state of the message, the zero state for a new one or
// for a request without instance.
func (c *instances) get(id string) instanceState {
	if id == "" {
		return instanceState{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

// put stores the state of the message (nothing without instance).
func (c *instances) put(id string, st instanceState) {
	if id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; !ok {
		if len(c.order) < c.max {
			c.order = append(c.order, id)
		} else {
			delete(c.m, c.order[c.next])
			c.order[c.next] = id
			c.next = (c.next + 1) % c.max
		}
	}
	c.m[id] = st
}

// len returns the number of messages remembered.
func (c *instances) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
