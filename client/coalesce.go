package client

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// WithCoalescing lets concurrent Check calls share requests. While fewer
// than maxInFlight requests of this client's checks are under way, a check
// is sent at once, alone (so a lone caller waits for nothing). Beyond
// that, checks queue, and each time a request returns, everything queued
// (up to maxBatch) leaves together as one POST /v1/check/bulk. There is no
// timer: under load the batches grow by themselves, each check costing
// Gatehouse a share of one HTTP request instead of a whole one.
//
// Only checks at default consistency (Consistency nil) coalesce; the
// others (and oversized ones) are sent on their own. A coalesced
// check answers as Check would: the same result, and an item's error as
// the *Error the single check would have returned. A caller stops waiting
// when its context ends; the request it shared is cancelled when the last
// of the callers it serves has stopped waiting (so a Gatehouse that hangs
// holds no request, and no queue behind it, longer than its callers wait).
func WithCoalescing(maxInFlight int) Option {
	return func(c *Client) {
		if maxInFlight > 0 {
			c.coalesce = &coalescer{c: c, max: maxInFlight}
		}
	}
}

// coalescable: a check small enough to share a request (an oversized one,
// which the API refuses, goes alone and fails alone).
func coalescable(req CheckRequest) bool {
	n := len(req.Resource.Type) + len(req.Resource.ID) + len(req.Permission) + len(req.Branch)
	if req.Subject != nil {
		n += len(req.Subject.Type) + len(req.Subject.ID)
	}
	return n <= 1024
}

// maxBatch bounds the items of one coalesced request (the API takes up to
// 1000).
const maxBatch = 256

type coalescer struct {
	c   *Client
	max int

	mu       sync.Mutex
	inFlight int
	queue    []*pendingCheck
}

type pendingCheck struct {
	ctx  context.Context
	req  CheckRequest
	done chan struct{}
	res  CheckResult
	err  error
}

func (q *coalescer) check(ctx context.Context, req CheckRequest) (CheckResult, error) {
	p := &pendingCheck{ctx: ctx, req: req, done: make(chan struct{})}
	q.mu.Lock()
	if q.inFlight < q.max {
		q.inFlight++
		q.mu.Unlock()
		go q.send([]*pendingCheck{p})
	} else {
		q.queue = append(q.queue, p)
		q.mu.Unlock()
	}
	select {
	case <-p.done:
		return p.res, p.err
	case <-ctx.Done():
		return CheckResult{}, ctx.Err()
	}
}

// send runs one request for batch, then the next batch of the queue, until
// the queue is empty.
func (q *coalescer) send(batch []*pendingCheck) {
	for len(batch) > 0 {
		q.run(batch)
		q.mu.Lock()
		batch = nil
		for len(q.queue) > 0 && len(batch) < maxBatch {
			p := q.queue[0]
			q.queue[0] = nil
			q.queue = q.queue[1:]
			if p.ctx.Err() == nil { // its caller has stopped waiting
				batch = append(batch, p)
			}
		}
		if len(batch) == 0 {
			q.inFlight--
		}
		q.mu.Unlock()
	}
}

func (q *coalescer) run(batch []*pendingCheck) {
	defer func() {
		for _, p := range batch {
			close(p.done)
		}
	}()
	// The request serves every caller of the batch: it ends with the last
	// of them to stop waiting, not with the first.
	ctx, cancel := context.WithCancel(context.WithoutCancel(batch[0].ctx))
	defer cancel()
	var waiting atomic.Int64
	waiting.Store(int64(len(batch)))
	for _, p := range batch {
		stop := context.AfterFunc(p.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	if len(batch) == 1 {
		p := batch[0]
		p.err = q.c.do(ctx, http.MethodPost, "/v1/check", p.req, &p.res)
		return
	}
	items := make([]CheckRequest, len(batch))
	for i, p := range batch {
		items[i] = p.req
	}
	res, err := q.c.CheckBulk(ctx, items, nil)
	if err == nil && len(res) != len(batch) {
		err = &Error{Status: http.StatusBadGateway, Code: "bad_answer", Detail: "bulk check answered a different number of items"}
	}
	for i, p := range batch {
		switch {
		case err != nil:
			p.err = err
		case res[i].Error != nil:
			p.err = itemError(res[i].Error.Code, res[i].Error.Message, res[i].Error.Field)
		default:
			p.res = res[i]
		}
	}
}

// itemError is the error a single check would have answered for a bulk
// item's error.
func itemError(code, message, field string) *Error {
	e := &Error{Code: code, Detail: message}
	if _, rest, ok := strings.Cut(field, "]."); ok && strings.HasPrefix(field, "items[") {
		e.Field = rest
	}
	switch code {
	case "invalid_field":
		e.Status = http.StatusUnprocessableEntity
	case "not_found":
		e.Status = http.StatusNotFound
	case "forbidden":
		e.Status = http.StatusForbidden
	case "check_failed":
		e.Status, e.Code = http.StatusServiceUnavailable, "unavailable"
	default:
		e.Status = http.StatusBadRequest
	}
	e.Title = http.StatusText(e.Status)
	return e
}
