// Package settle holds the answer of an HTTP request that may have changed
// something until every replica has seen the change (the cache bus,
// internal/store/bus, behind iam's Barrier).
package settle

import (
	"bytes"
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Middleware holds the answer of a request that may have changed something
// until every replica has seen the change (iam's Barrier: the cache bus),
// so the next request on any replica, a check after a revocation above
// all, sees it. Reads and checks pass straight through; so does a refused
// write, which changed nothing. If the replicas cannot be confirmed the
// answer becomes 503: the change is stored, but not yet everywhere.
//
// The request's writes leave their own barriers to this one (deferIn is
// iam's DeferSettle, which also tells whether anything was committed: a
// write that stored its change and then failed is settled too). barrier
// is iam's Barrier; fail writes an error answer.
func Middleware(deferIn func(context.Context) (context.Context, func() bool), barrier func(context.Context) error, fail func(*gin.Context, error)) gin.HandlerFunc {
	return func(c *gin.Context) { settled(c, deferIn, barrier, fail) }
}

func settled(c *gin.Context, deferIn func(context.Context) (context.Context, func() bool), barrier func(context.Context) error, fail func(*gin.Context, error)) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	switch c.FullPath() {
	case "/v1/check", "/v1/check/bulk":
		c.Next()
		return
	}
	ctx, changed := deferIn(c.Request.Context())
	c.Request = c.Request.WithContext(ctx)
	held := &heldWriter{ResponseWriter: c.Writer, status: http.StatusOK}
	c.Writer = held
	c.Next()
	c.Writer = held.ResponseWriter
	if held.status < 400 || changed() {
		if err := barrier(c.Request.Context()); err != nil {
			for k := range c.Writer.Header() {
				c.Writer.Header().Del(k)
			}
			fail(c, err)
			return
		}
	}
	if held.wroteHeader {
		c.Writer.WriteHeader(held.status)
	}
	if held.body.Len() > 0 || held.wroteHeader {
		c.Writer.WriteHeaderNow()
		_, _ = c.Writer.Write(held.body.Bytes())
	}
}

// heldWriter keeps the status and body of an answer in memory; headers go
// to the real writer's map, which is sent only when the real writer writes.
type heldWriter struct {
	gin.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (w *heldWriter) WriteHeader(code int) {
	if code > 0 && !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
}

func (w *heldWriter) WriteHeaderNow() { w.wroteHeader = true }

func (w *heldWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.body.Write(b)
}

func (w *heldWriter) WriteString(s string) (int, error) {
	w.wroteHeader = true
	return w.body.WriteString(s)
}

func (w *heldWriter) Status() int   { return w.status }
func (w *heldWriter) Size() int     { return w.body.Len() }
func (w *heldWriter) Written() bool { return w.wroteHeader }

// Flush would send a held answer early: it waits for settled.
func (w *heldWriter) Flush() {}
