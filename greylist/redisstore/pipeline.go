package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spamkit/spamkit/greylist"
)

// op is one Record waiting for a pipeline.
type op struct {
	ctx  context.Context
	keys [2]string // the client's and the triplet's (the client's again for none)
	args [argsPerCheck]float64
	resp greylist.Response
	err  error
	done chan struct{}
}

// pipelined queues o for a pipeline and waits for its answer.
func (s *Store) pipelined(ctx context.Context, o *op) (greylist.Response, error) {
	select {
	case <-s.quit:
		return greylist.Response{}, greylist.ErrClosed
	default:
	}
	select {
	case s.ops <- o:
	case <-s.quit:
		return greylist.Response{}, greylist.ErrClosed
	case <-ctx.Done():
		return greylist.Response{}, fmt.Errorf("redisstore: %w", ctx.Err())
	}
	select {
	case <-o.done:
		return o.resp, o.err
	case <-ctx.Done():
		return greylist.Response{}, fmt.Errorf("redisstore: %w", ctx.Err())
	case <-s.stopped:
		select {
		case <-o.done:
			return o.resp, o.err
		default:
			return greylist.Response{}, greylist.ErrClosed
		}
	}
}

// pipeline takes the checks waiting, up to MaxPipeline, sends them in
// one pipeline and answers them, until Close; then it answers what is
// still queued.
func (s *Store) pipeline() {
	batch := make([]*op, 0, s.maxBatch)
	for {
		var first *op
		select {
		case first = <-s.ops:
		case <-s.quit:
			for {
				select {
				case o := <-s.ops:
					s.send([]*op{o})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.maxBatch {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		s.send(batch)
	}
}

// send runs batch: on one server, as one script run of all its checks
// (one command: the script applies them in order, each atomically as
// greylist.Request.Apply); on a cluster or a ring, whose keys are spread
// by client, as a pipeline of one script run per check. A check whose
// caller gave up (its ctx done) while it waited is answered with its
// ctx's error and not sent. The batch's deadline is the latest of the
// other checks' deadlines (none if one has none): under the earliest,
// one check about to expire failed every check sent with it. A check
// whose own deadline passes meanwhile has returned already and its
// answer is dropped. A server that lost the script (restarted, SCRIPT
// FLUSH) answers NOSCRIPT, and the script is sent again (EVAL, which
// loads it).
func (s *Store) send(batch []*op) {
	ctx := context.Background()
	var deadline time.Time
	live := batch[:0] // filtered in place
	unbounded := false
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			o.resp, o.err = greylist.Response{}, fmt.Errorf("redisstore: %w", err)
			o.done <- struct{}{}
			continue
		}
		live = append(live, o)
		d, ok := o.ctx.Deadline()
		switch {
		case !ok:
			unbounded = true
		case d.After(deadline):
			deadline = d
		}
	}
	batch = live
	if len(batch) == 0 {
		return
	}
	if !unbounded && !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	if s.batch && !s.crossSlot.Load() {
		s.sendScript(ctx, batch)
	} else {
		s.sendPipeline(ctx, batch)
	}
}

// sendScript runs batch as one script run (as a pipeline of one run per
// check if the server refuses it with CROSSSLOT).
func (s *Store) sendScript(ctx context.Context, batch []*op) {
	keys := make([]string, 0, 2*len(batch))
	args := make([]byte, 0, 8*argsPerCheck*len(batch))
	for _, o := range batch {
		keys = append(keys, o.keys[0], o.keys[1])
		args = o.appendArgs(args)
	}
	res, err := recordScript.Run(ctx, s.rdb, keys, args).Text()
	if err != nil && redis.HasErrorPrefix(err, "CROSSSLOT") {
		// A server in cluster mode behind a plain Client refuses, before
		// running it, a script whose keys are on several slots: from now
		// on, one script run per check, as on a cluster.
		s.crossSlot.Store(true)
		s.sendPipeline(ctx, batch)
		return
	}
	if err == nil && len(res) < replySize*len(batch) {
		err = fmt.Errorf("%w: %d bytes for %d checks", ErrReply, len(res), len(batch))
	}
	for i, o := range batch {
		if err != nil {
			o.resp, o.err = greylist.Response{}, fmt.Errorf("redisstore: %w", err)
		} else {
			o.resp, o.err = parseReply(res[i*replySize:(i+1)*replySize], res[replySize*len(batch):])
		}
		o.done <- struct{}{}
	}
}

// sendPipeline runs batch as a pipeline of one script run per check.
func (s *Store) sendPipeline(ctx context.Context, batch []*op) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(batch))
	for i, o := range batch {
		cmds[i] = recordScript.EvalSha(ctx, pipe, o.keys[:], o.appendArgs(nil))
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	for i, o := range batch {
		res, err := cmds[i].Text()
		if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			res, err = recordScript.Run(ctx, s.rdb, o.keys[:], o.appendArgs(nil)).Text()
		}
		switch {
		case err != nil:
			o.resp, o.err = greylist.Response{}, fmt.Errorf("redisstore: %w", err)
		case len(res) < replySize:
			o.resp, o.err = greylist.Response{}, fmt.Errorf("%w: %d bytes", ErrReply, len(res))
		default:
			o.resp, o.err = parseReply(res[:replySize], res[replySize:])
		}
		o.done <- struct{}{}
	}
}
